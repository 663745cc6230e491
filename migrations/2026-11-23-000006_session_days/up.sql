-- How many London calendar days one session of a project may span: 1, a session starts and
-- ends on the same day (a workshop); more for a project that meets, say, at a residential.
ALTER TABLE projects
    ADD COLUMN session_days smallint NOT NULL DEFAULT 1 CHECK (session_days BETWEEN 1 AND 7);
