-- LLME profiles written through the API: the roles an LLME holds (such as "Work Group Lead"
-- or "Secondary Mastery Specialist") and the year they joined their hub's LLME community,
-- both shown on the public profile.
ALTER TABLE llme_profiles
    ADD COLUMN roles_held text[] NOT NULL DEFAULT '{}',
    ADD COLUMN community_member_since smallint,
    ADD CONSTRAINT llme_profiles_roles_held_bounded CHECK (cardinality(roles_held) <= 10),
    -- The Maths Hubs programme, and with it the LLME communities, began in 2014.
    ADD CONSTRAINT llme_profiles_member_since_plausible CHECK (community_member_since >= 2014),
    ADD CONSTRAINT llme_profiles_member_since_needs_membership
        CHECK (community_member OR community_member_since IS NULL);
