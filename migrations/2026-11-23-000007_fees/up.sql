-- A fee whose attendance is corrected (absent to present, say) is voided, not deleted: the
-- ledger keeps what a school was once told it owed, and when that stopped, so a hub can
-- answer for every figure it sent. Correcting back to absent restores the same entry, so a
-- session is still charged once at most.
ALTER TABLE fee_liabilities ADD COLUMN voided_at timestamptz;

-- Where a fee stands, derived in one place so the ledger's filter and every view agree.
ALTER TABLE fee_liabilities ADD COLUMN status text NOT NULL GENERATED ALWAYS AS (
    CASE WHEN voided_at IS NOT NULL THEN 'voided'
         WHEN waived_at IS NOT NULL THEN 'waived'
         ELSE 'owed' END) STORED;

-- The ledger's page order.
CREATE INDEX fee_liabilities_ledger_idx ON fee_liabilities (created_at, id);
