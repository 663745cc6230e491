-- The change feed partner sites follow (`db::change_feed`) hands events out in `feed_xid`,
-- then id, order, and only those whose `feed_xid` is below the oldest transaction still
-- running: a transaction's id is below any transaction's that starts or is running later, so
-- nothing can ever join the events handed out before them.
--
-- `feed_xid` is the transaction's id, or the group's previous event's `feed_xid` when that is
-- higher. Transaction ids alone would misorder a group's changes: a transaction waiting for
-- the group's lock is given its id when woken and may still lose the lock to one that came
-- later. Each group's events are inserted under its lock, so carrying its previous event's
-- `feed_xid` forward keeps a group's events in the order of its changes.
ALTER TABLE work_group_events ADD COLUMN feed_xid xid8;
UPDATE work_group_events e
   SET feed_xid = (SELECT max(earlier.xid) FROM work_group_events earlier
                    WHERE earlier.work_group_id = e.work_group_id AND earlier.id <= e.id);
ALTER TABLE work_group_events ALTER COLUMN feed_xid SET NOT NULL;
CREATE INDEX work_group_events_feed_idx ON work_group_events (feed_xid, id);

CREATE FUNCTION work_group_events_feed_xid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.feed_xid := greatest(
        pg_current_xact_id(),
        (SELECT previous.feed_xid FROM work_group_events previous
          WHERE previous.work_group_id = NEW.work_group_id
          ORDER BY previous.id DESC
          LIMIT 1));
    RETURN NEW;
END
$$;

CREATE TRIGGER work_group_events_feed_xid BEFORE INSERT ON work_group_events
    FOR EACH ROW EXECUTE FUNCTION work_group_events_feed_xid();
