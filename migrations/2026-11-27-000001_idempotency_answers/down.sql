ALTER TABLE idempotency_keys
    ALTER COLUMN response_status DROP NOT NULL,
    ALTER COLUMN response_headers DROP NOT NULL,
    ALTER COLUMN response_body DROP NOT NULL,
    ADD COLUMN state text NOT NULL DEFAULT 'completed' CHECK (state IN ('in_progress', 'completed')),
    ADD CHECK ((state = 'completed') = (response_status IS NOT NULL));
ALTER TABLE idempotency_keys ALTER COLUMN state SET DEFAULT 'in_progress';
