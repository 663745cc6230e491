ALTER TABLE users DROP CONSTRAINT users_erased_are_disabled;
ALTER TABLE users DROP COLUMN erased_at;
