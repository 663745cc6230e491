-- The change feed partner sites follow reads events in (xid, id) order after a cursor and
-- before the oldest transaction still in flight: this index answers each poll from where the
-- cursor stands, however long the feed grows.
CREATE INDEX work_group_events_feed_idx ON work_group_events (xid, id);
