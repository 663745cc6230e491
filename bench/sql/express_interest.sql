-- pgbench script for POST /api/v1/work-groups/:id/enrolments (bench/enrolments.sh): the
-- transaction the enrolment engine runs for an expression of interest in an open group with
-- automatic admission, statement by statement as the server sends them (copied from
-- PostgreSQL's log with log_min_duration_statement = 0; src/api/enrolments/write.rs,
-- src/db/work_group_writes.rs, src/db/enrolment_writes.rs): lock the group's row and read it with
-- its project's terms and its count of leads,
-- read the participant's account with its school, then either take a place (insert accepted,
-- write the participant's message into the outbox and read the enrolment back in one
-- statement, count it with the status that follows, `full` on the last place, record the
-- change) or join the end of the waiting list (insert, write the message and read back).
-- The server pipelines two groups of these (the account's school read beside the lock; the
-- insert, the count and the change beside one another), so PostgreSQL runs the same
-- statements in the same order as here with fewer waits between them; pgbench sends them one
-- by one.
--
-- Not here, because they are the API's own work: the caller's account check before the
-- transaction, and inside it the Idempotency-Key's judgement (a transaction-scoped advisory
-- lock and a read of the key) and the record of its answer, inserted before the commit.
--
-- Variables, given with pgbench -D: i=0 (this client's count of transactions, kept between
-- them), first (the first plan row of this run), clients (pgbench -c). Transaction i of
-- client c takes row first + i × clients + c of bench_eoi_plan: its own participant, a group
-- and a school that group's project admits. Reading the row is pgbench's stand-in for the
-- request's body; the enrolment's id and time come with it as the server makes them in Rust.
-- Two statements differ from the server's text where pgbench needs it: the last waiting-list
-- position is wrapped in coalesce(…, 0) (pgbench's \gset cannot hold NULL), and the event's
-- details are built with jsonb_build_object (pgbench variables are numbers).
\set n :first + :i * :clients + :client_id
\set i :i + 1
SELECT participant_id AS participant, work_group_id AS grp, school_urn AS urn,
       gen_random_uuid() AS id, now() AS at
  FROM bench_eoi_plan WHERE n = :n \gset
BEGIN;
SELECT "work_groups"."hub_id", "work_groups"."academic_year", "projects"."phases", "projects"."session_days", "work_groups"."title", "work_groups"."phase", "work_groups"."mode", "work_groups"."capacity", "work_groups"."admission", "work_groups"."requires_senior_leader_agreement", "work_groups"."eoi_deadline", "work_groups"."venue_name", "work_groups"."venue_address", "work_groups"."venue_postcode", "work_groups"."description", "work_groups"."status", "work_groups"."abandoned", "work_groups"."session_count", (SELECT COUNT(*) FROM ("work_group_leads" INNER JOIN "users" ON ("work_group_leads"."user_id" = "users"."id")) WHERE (("work_group_leads"."work_group_id" = "work_groups"."id") AND ("users"."disabled_at" IS NULL)) LIMIT 1), "work_groups"."accepted_count", "work_groups"."first_session_at", "projects"."roles_allowed", "projects"."roles_excluded", "projects"."school_phases", "required"."code", "projects"."non_attendance_fee_pence", "projects"."cancellation_notice_days" FROM (("work_groups" INNER JOIN "projects" ON ("work_groups"."project_id" = "projects"."id")) LEFT OUTER JOIN "projects" AS "required" ON ("projects"."requires_completed_id" = "required"."id")) WHERE ("work_groups"."id" = :grp) FOR NO KEY UPDATE OF "work_groups" \gset g_
SELECT "schools"."urn", "schools"."phase", "schools"."status", "users"."role_in_school" FROM ("users" LEFT OUTER JOIN "schools" ON ("users"."school_urn" = "schools"."urn")) WHERE ("users"."id" = :participant) LIMIT 1;
\if :g_accepted_count < :g_capacity
WITH enrolments AS (INSERT INTO "enrolments" ("id", "work_group_id", "participant_id", "school_urn", "role_in_school", "statement", "referred_by_id", "senior_leader_name", "senior_leader_role", "senior_leader_agreed_at", "status", "waitlist_position", "accepted_at") VALUES (:id, :grp, :participant, :urn, 'teacher', 'I want to develop mastery approaches in my school.', DEFAULT, DEFAULT, DEFAULT, DEFAULT, 'accepted', DEFAULT, :at) RETURNING *), told AS (INSERT INTO outbox_messages (id, kind, recipient_id, facts)
SELECT gen_random_uuid(), 'accepted', e.participant_id,
       jsonb_build_object(
         'work_group', jsonb_build_object('id', wg.id, 'code', wg.code, 'title', wg.title, 'hub', hub.name),
         'enrolment', jsonb_build_object('id', e.id, 'status', e.status, 'waitlist_position', e.waitlist_position)
       ) || '{}'::jsonb
  FROM enrolments e
  JOIN work_groups wg ON wg.id = e.work_group_id
  JOIN hubs hub ON hub.id = wg.hub_id WHERE e.id = :id)
SELECT e.id, e.work_group_id, w.code AS work_group_code, w.title AS work_group_title,
       w.hub_id AS work_group_hub_id,
       ARRAY(SELECT l.user_id FROM work_group_leads l WHERE l.work_group_id = w.id) AS work_group_lead_ids,
       e.participant_id, u.name AS participant_name, u.email AS participant_email,
       e.school_urn, s.name AS school_name, e.role_in_school, e.statement, e.status,
       e.waitlist_position, t.slug AS referred_by_slug,
       e.senior_leader_name, e.senior_leader_role, e.senior_leader_agreed_at,
       e.created_at, e.updated_at
  FROM enrolments e
  JOIN work_groups w ON w.id = e.work_group_id
  JOIN users u ON u.id = e.participant_id
  JOIN schools s ON s.urn = e.school_urn
  LEFT JOIN teaching_school_hubs t ON t.id = e.referred_by_id
 WHERE e.id = :id;
\set places :g_accepted_count + 1
\if :places = :g_capacity
UPDATE "work_groups" SET "accepted_count" = :places, "status" = 'full', "updated_at" = CURRENT_TIMESTAMP WHERE ("work_groups"."id" = :grp);
INSERT INTO "work_group_events" ("work_group_id", "kind", "details") VALUES (:grp, 'filled', '{"status": "full", "places_left": 0}');
\else
UPDATE "work_groups" SET "accepted_count" = :places, "status" = 'open', "updated_at" = CURRENT_TIMESTAMP WHERE ("work_groups"."id" = :grp);
\set left :g_capacity - :places
INSERT INTO "work_group_events" ("work_group_id", "kind", "details") VALUES (:grp, 'updated', jsonb_build_object('status', 'open', 'places_left', :left::integer));
\endif
\else
SELECT coalesce(max("enrolments"."waitlist_position"), 0) AS last FROM "enrolments" WHERE (("enrolments"."work_group_id" = :grp) AND ("enrolments"."status" = 'waitlisted')) LIMIT 1 \gset
\set position :last + 1
WITH enrolments AS (INSERT INTO "enrolments" ("id", "work_group_id", "participant_id", "school_urn", "role_in_school", "statement", "referred_by_id", "senior_leader_name", "senior_leader_role", "senior_leader_agreed_at", "status", "waitlist_position", "accepted_at") VALUES (:id, :grp, :participant, :urn, 'teacher', 'I want to develop mastery approaches in my school.', DEFAULT, DEFAULT, DEFAULT, DEFAULT, 'waitlisted', :position, DEFAULT) RETURNING *), told AS (INSERT INTO outbox_messages (id, kind, recipient_id, facts)
SELECT gen_random_uuid(), 'waitlisted', e.participant_id,
       jsonb_build_object(
         'work_group', jsonb_build_object('id', wg.id, 'code', wg.code, 'title', wg.title, 'hub', hub.name),
         'enrolment', jsonb_build_object('id', e.id, 'status', e.status, 'waitlist_position', e.waitlist_position)
       ) || '{}'::jsonb
  FROM enrolments e
  JOIN work_groups wg ON wg.id = e.work_group_id
  JOIN hubs hub ON hub.id = wg.hub_id WHERE e.id = :id)
SELECT e.id, e.work_group_id, w.code AS work_group_code, w.title AS work_group_title,
       w.hub_id AS work_group_hub_id,
       ARRAY(SELECT l.user_id FROM work_group_leads l WHERE l.work_group_id = w.id) AS work_group_lead_ids,
       e.participant_id, u.name AS participant_name, u.email AS participant_email,
       e.school_urn, s.name AS school_name, e.role_in_school, e.statement, e.status,
       e.waitlist_position, t.slug AS referred_by_slug,
       e.senior_leader_name, e.senior_leader_role, e.senior_leader_agreed_at,
       e.created_at, e.updated_at
  FROM enrolments e
  JOIN work_groups w ON w.id = e.work_group_id
  JOIN users u ON u.id = e.participant_id
  JOIN schools s ON s.urn = e.school_urn
  LEFT JOIN teaching_school_hubs t ON t.id = e.referred_by_id
 WHERE e.id = :id;
\endif
COMMIT;
