DROP TABLE rate_limit_windows;
DROP TRIGGER partner_clients_token_version ON partner_clients;
DROP FUNCTION partner_clients_bump_token_version();
ALTER TABLE partner_clients DROP COLUMN token_version;
DROP TRIGGER users_revoke_sessions ON users;
DROP FUNCTION users_revoke_sessions();
DROP TRIGGER users_token_version ON users;
DROP FUNCTION users_bump_token_version();
