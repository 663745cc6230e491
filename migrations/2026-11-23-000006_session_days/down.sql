ALTER TABLE projects DROP COLUMN session_days;
