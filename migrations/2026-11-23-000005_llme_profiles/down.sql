ALTER TABLE llme_profiles
    DROP CONSTRAINT llme_profiles_member_since_needs_membership,
    DROP CONSTRAINT llme_profiles_member_since_plausible,
    DROP CONSTRAINT llme_profiles_roles_held_bounded,
    DROP COLUMN community_member_since,
    DROP COLUMN roles_held;
