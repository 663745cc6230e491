DROP INDEX fee_liabilities_ledger_idx;
ALTER TABLE fee_liabilities DROP COLUMN status;
-- Without the column a voided fee would read as owed: it goes.
DELETE FROM fee_liabilities WHERE voided_at IS NOT NULL;
ALTER TABLE fee_liabilities DROP COLUMN voided_at;
