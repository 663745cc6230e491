DROP TRIGGER work_group_events_feed_xid ON work_group_events;
DROP FUNCTION work_group_events_feed_xid();
DROP INDEX work_group_events_feed_idx;
ALTER TABLE work_group_events DROP COLUMN feed_xid;
