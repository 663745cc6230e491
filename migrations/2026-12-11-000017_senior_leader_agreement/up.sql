-- A school releases a teacher for a whole year's sessions: who at the school agreed to it
-- (their name and role there), and when the agreement was recorded. All three or none.
ALTER TABLE enrolments
    ADD COLUMN senior_leader_name text CHECK (btrim(senior_leader_name) <> ''),
    ADD COLUMN senior_leader_role text CHECK (btrim(senior_leader_role) <> ''),
    ADD COLUMN senior_leader_agreed_at timestamptz,
    ADD CONSTRAINT enrolments_senior_leader_agreement_whole CHECK (
        (senior_leader_name IS NULL) = (senior_leader_agreed_at IS NULL)
        AND (senior_leader_role IS NULL) = (senior_leader_agreed_at IS NULL));
