ALTER TABLE enrolments
    DROP COLUMN senior_leader_name,
    DROP COLUMN senior_leader_role,
    DROP COLUMN senior_leader_agreed_at;
