-- A school pays what it owes: when the hub recorded the payment, with the school's reference
-- for it (an invoice or remittance number), if it gave one. A fee is paid or waived, never
-- both. A paid fee whose attendance is later corrected is voided like any other, and keeps
-- its payment: the hub owes the school a refund.
ALTER TABLE fee_liabilities
    ADD COLUMN paid_at timestamptz,
    ADD COLUMN payment_reference text CHECK (btrim(payment_reference) <> ''),
    ADD CONSTRAINT fee_liabilities_payment_has_time CHECK (paid_at IS NOT NULL OR payment_reference IS NULL),
    ADD CONSTRAINT fee_liabilities_paid_or_waived CHECK (paid_at IS NULL OR waived_at IS NULL);

ALTER TABLE fee_liabilities DROP COLUMN status;
ALTER TABLE fee_liabilities ADD COLUMN status text NOT NULL GENERATED ALWAYS AS (
    CASE WHEN voided_at IS NOT NULL THEN 'voided'
         WHEN waived_at IS NOT NULL THEN 'waived'
         WHEN paid_at IS NOT NULL THEN 'paid'
         ELSE 'owed' END) STORED;
