DROP TABLE work_group_events;
DROP TABLE audit_log;
DROP TABLE idempotency_keys;
DROP TABLE refresh_tokens;
DROP TABLE partner_clients;
DROP TABLE fee_liabilities;
DROP TABLE attendance;
DROP TABLE enrolments;
