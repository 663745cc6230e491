ALTER TABLE fee_liabilities DROP COLUMN status;
ALTER TABLE fee_liabilities
    DROP COLUMN paid_at,
    DROP COLUMN payment_reference;
ALTER TABLE fee_liabilities ADD COLUMN status text NOT NULL GENERATED ALWAYS AS (
    CASE WHEN voided_at IS NOT NULL THEN 'voided'
         WHEN waived_at IS NOT NULL THEN 'waived'
         ELSE 'owed' END) STORED;
