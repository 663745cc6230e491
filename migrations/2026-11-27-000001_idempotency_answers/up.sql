-- A key is recorded with its answer, in the transaction of the change it answers, and held
-- while that transaction runs by an advisory lock: no record is ever "in progress".
DELETE FROM idempotency_keys WHERE state <> 'completed';
ALTER TABLE idempotency_keys
    DROP COLUMN state,
    ALTER COLUMN response_status SET NOT NULL,
    ALTER COLUMN response_headers SET NOT NULL,
    ALTER COLUMN response_body SET NOT NULL;
