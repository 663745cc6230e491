DROP TRIGGER users_calendar_token_version ON users;
DROP FUNCTION users_bump_calendar_token_version();
ALTER TABLE users DROP COLUMN calendar_token_version;
ALTER TABLE users ADD COLUMN calendar_token_hash bytea UNIQUE;
DROP TRIGGER sessions_revision ON sessions;
DROP FUNCTION sessions_bump_revision();
ALTER TABLE sessions DROP COLUMN revision;
