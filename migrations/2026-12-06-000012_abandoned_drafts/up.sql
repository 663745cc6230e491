-- A draft cancelled before it ever opened is abandoned: cancelled for its staff and admins,
-- but never public (listed, signposted, fed to partners, in calendars), as a draft is not.
-- `is_public` is which groups the public sees, as `domain::lifecycle::is_public` decides.
ALTER TABLE work_groups
    ADD COLUMN abandoned boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT work_groups_abandoned_are_cancelled CHECK (NOT abandoned OR status = 'cancelled');

-- Drafts cancelled already: their audit record says so. The change-feed event recorded then
-- stays (a reader's cursor may name it) but is no longer handed out.
UPDATE work_groups w
   SET abandoned = true
 WHERE w.status = 'cancelled'
   AND EXISTS (SELECT 1 FROM audit_log a
                WHERE a.object_type = 'work_group' AND a.object_id = w.id::text
                  AND a.action = 'work_group.status_changed'
                  AND a.details->>'before' = 'draft' AND a.details->>'after' = 'cancelled');

ALTER TABLE work_groups
    ADD COLUMN is_public boolean GENERATED ALWAYS AS (status <> 'draft' AND NOT abandoned) STORED;

DROP INDEX work_groups_hub_public_idx;
CREATE INDEX work_groups_hub_public_idx ON work_groups (hub_id, code, id) WHERE is_public;
