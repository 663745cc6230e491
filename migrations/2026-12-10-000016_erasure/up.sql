-- An erased account stays as a pseudonymous tombstone: its id keeps the programme's records
-- (reach counts, the fee ledger, who recorded or decided what) while nothing left on it, or
-- on anything pointing at it, identifies the person. Erased accounts are disabled for good.
ALTER TABLE users ADD COLUMN erased_at timestamptz;
ALTER TABLE users ADD CONSTRAINT users_erased_are_disabled
    CHECK (erased_at IS NULL OR disabled_at IS NOT NULL);
