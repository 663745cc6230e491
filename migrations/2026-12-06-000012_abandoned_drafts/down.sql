DROP INDEX work_groups_hub_public_idx;
CREATE INDEX work_groups_hub_public_idx ON work_groups (hub_id, code, id) WHERE status <> 'draft';
ALTER TABLE work_groups
    DROP COLUMN is_public,
    DROP CONSTRAINT work_groups_abandoned_are_cancelled,
    DROP COLUMN abandoned;
