#!/usr/bin/env bash
# Benchmarks the enrolment engine's write path: expressions of interest
# (`POST /api/v1/work-groups/{id}/enrolments`), each from a participant of its own with an
# `Idempotency-Key` of its own, and beside each run pgbench running the engine's transaction
# (bench/sql/express_interest.sql: lock the group's row, read it, check the school and the
# project's terms, insert the enrolment accepted or at the end of the waiting list, count the
# place and record the change) at the same database concurrency: the server's pool size,
# prepared statements, loopback TCP.
#
# Two runs, each API then pgbench:
#   spread  every group of the synthetic national data set open (automatic admission, its own
#           capacity, places free, deadline ahead), requests round-robin over them;
#   hot     every request on one group of capacity 30: 30 places, then the waiting list
#           (API and pgbench each on a group of their own).
# Then it checks what the database holds: no group above capacity, every group's count of
# places equal to its accepted enrolments, waiting lists 1..n without gap or repeat, every
# acknowledged expression of interest stored, and each hot group with exactly 30 places taken.
# Last, at a steady 20 per second, the time from commit to delivery: of each message by the
# server's mail worker, and of each webhook (the places changing) at a real local receiver.
#
# Participants are plain SQL inserts; their access tokens are signed here
# (bench/mint_tokens.py) with the JWT secret this script gives the server, as the server would
# sign them at sign-in, so authentication runs in full on every request.
#
#   bench/enrolments.sh
#   BENCH_POOL_SIZE=16 bench/enrolments.sh
#
# Settings (environment): BENCH_CONNECTIONS (wrk connections, 32), BENCH_THREADS (wrk and
# pgbench threads, 2), BENCH_DURATION (seconds per measurement, 10), BENCH_WARMUP (seconds of
# unrecorded spread load before the spread measurement, 3), BENCH_POOL_SIZE (the server's
# default: twice the cores, at least 4), BENCH_PORT (18082), BENCH_SEED_FLAGS (extra flags for
# `seed --synthetic`), BENCH_EOI_API_MAX (participants per API run, 4000 per second of it),
# BENCH_EOI_DB_MAX (participants per pgbench run, 10000 per second of it), BENCH_EOI_NO_KEY=1
# (send no Idempotency-Key, to measure what the key costs), BENCH_EOI_SYNCHRONOUS_COMMIT=off
# (PostgreSQL's synchronous_commit for the whole run, both sides: to measure what waiting for
# the WAL flush at each commit costs; the enrolments are then not durable, so never a figure to
# compare with the targets).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT=${BENCH_PORT:-18082}
HOT_CAPACITY=30
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
API_MAX=${BENCH_EOI_API_MAX:-$((4000 * DURATION))}
DB_MAX=${BENCH_EOI_DB_MAX:-$((10000 * DURATION))}

bench_ensure_wrk
bench_require pgbench psql curl cargo python3 openssl
python3 -c 'import standardwebhooks' 2>/dev/null || die "the webhook receiver needs Python's standardwebhooks (pip install standardwebhooks)"

bench_build
bench_start_workdir
# shellcheck disable=SC2086 # SEED_FLAGS is a list of flags
bench_seed_synthetic $SEED_FLAGS

# The server signs and checks tokens with this secret; the participants' tokens are signed
# with it below. It lives only as long as this run.
MATHSHUB_JWT_SECRET=$(openssl rand -base64 48)
export MATHSHUB_JWT_SECRET
# Plain http to loopback for the local webhook receiver of the steady phase.
bench_serve "$POOL_SIZE" --webhooks-allow-plain-http
SYNCHRONOUS_COMMIT=${BENCH_EOI_SYNCHRONOUS_COMMIT:-on}
if [ "$SYNCHRONOUS_COMMIT" != on ]; then
    say "synchronous_commit = $SYNCHRONOUS_COMMIT (a diagnosis, not a figure to compare)"
    psql -XAtq -c "ALTER SYSTEM SET synchronous_commit = '$SYNCHRONOUS_COMMIT'" -c "SELECT pg_reload_conf()" >/dev/null
fi

# --- Participants, open groups and who sends what ------------------------------------------
# Each phase of the run takes participants from a range of its own, so no one expresses
# interest twice: n = first .. first + size - 1 of bench_eoi_plan.
SPREAD_WARMUP_FIRST=1
SPREAD_API_FIRST=$((SPREAD_WARMUP_FIRST + API_MAX))
SPREAD_DB_FIRST=$((SPREAD_API_FIRST + API_MAX))
HOT_API_FIRST=$((SPREAD_DB_FIRST + DB_MAX))
HOT_DB_FIRST=$((HOT_API_FIRST + API_MAX))
PARTICIPANTS=$((HOT_DB_FIRST + DB_MAX - 1))

say "opening every work group and adding $PARTICIPANTS participants"
setup_started=$(date +%s)
psql -XAtq -v ON_ERROR_STOP=1 \
    -v participants="$PARTICIPANTS" -v hot_capacity="$HOT_CAPACITY" \
    -v hot_api_first="$HOT_API_FIRST" -v hot_db_first="$HOT_DB_FIRST" <<'SQL'
BEGIN;
-- Participants n = 1.., with ids made from n, so the plan below can name them.
INSERT INTO users (id, email, name, role)
SELECT ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid,
       'participant-' || n || '@bench.invalid', 'Bench participant ' || n, 'participant'
  FROM generate_series(1, :participants) AS n;

-- The write path is measured on groups nobody has enrolled in yet: the synthetic
-- enrolments and attendance (the reach report's data) go first.
DELETE FROM attendance;
DELETE FROM enrolments;

-- Every group takes expressions of interest for the run: open, automatic admission, its
-- places free, a deadline ahead.
UPDATE work_groups
   SET status = 'open', admission = 'automatic', accepted_count = 0, cancellation_reason = NULL,
       eoi_deadline = now() + interval '30 days';

-- Two hot groups of 30 places, one for the API and one for pgbench; the rest for the spread
-- run, each with an open school that its project admits.
CREATE TABLE bench_eoi_groups (k integer PRIMARY KEY, id uuid NOT NULL, school_urn text NOT NULL);
INSERT INTO bench_eoi_groups
SELECT row_number() OVER (ORDER BY wg.id) - 1, wg.id, school.urn
  FROM work_groups wg
  JOIN projects p ON p.id = wg.project_id
 CROSS JOIN LATERAL (SELECT s.urn FROM schools s
                      WHERE s.status = 'open' AND s.phase = ANY (p.school_phases)
                      ORDER BY s.urn OFFSET (hashtext(wg.id::text) & 1023) LIMIT 1) school
 WHERE p.requires_completed_id IS NULL AND p.roles_allowed = '{}' AND p.roles_excluded = '{}';
UPDATE work_groups SET capacity = :hot_capacity
 WHERE id IN (SELECT id FROM bench_eoi_groups WHERE k < 2);

-- Who sends what: participant n, to which group, for which school.
CREATE TABLE bench_eoi_plan (
    n              integer PRIMARY KEY,
    participant_id uuid NOT NULL,
    work_group_id  uuid NOT NULL,
    school_urn     text NOT NULL
);
INSERT INTO bench_eoi_plan
SELECT n, ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, g.id, g.school_urn
  FROM generate_series(1, :participants) AS n
  JOIN bench_eoi_groups g ON g.k = CASE
           WHEN n >= :hot_db_first THEN 1
           WHEN n >= :hot_api_first THEN 0
           ELSE 2 + n % ((SELECT count(*) FROM bench_eoi_groups) - 2) END;
-- A participant takes part for the school of their account, in the role it holds.
UPDATE users u SET school_urn = p.school_urn, role_in_school = 'teacher'
  FROM bench_eoi_plan p WHERE u.id = p.participant_id;
COMMIT;
VACUUM ANALYZE users, work_groups, bench_eoi_groups, bench_eoi_plan;
SQL
SPREAD_GROUPS=$(psql -XAtq -c "SELECT count(*) - 2 FROM bench_eoi_groups")
HOT_API_GROUP=$(psql -XAtq -c "SELECT id FROM bench_eoi_groups WHERE k = 0")
HOT_DB_GROUP=$(psql -XAtq -c "SELECT id FROM bench_eoi_groups WHERE k = 1")
[ "$SPREAD_GROUPS" -gt 100 ] || die "only $SPREAD_GROUPS work groups admit anyone: seed more"

# The API phases' requests, with a token each (pgbench reads bench_eoi_plan itself).
requests_file() {
    local first=$1 file=$2
    psql -XAtq -F ' ' -c "SELECT n, participant_id, work_group_id, school_urn FROM bench_eoi_plan
                          WHERE n >= $first AND n < $first + $API_MAX ORDER BY n" |
        python3 "$ROOT/bench/mint_tokens.py" 3600 >"$file"
}
requests_file "$SPREAD_WARMUP_FIRST" "$WORK/spread-warmup.txt"
requests_file "$SPREAD_API_FIRST" "$WORK/spread.txt"
requests_file "$HOT_API_FIRST" "$WORK/hot.txt"
setup_seconds=$(($(date +%s) - setup_started))
say "$SPREAD_GROUPS groups for the spread run; hot groups $HOT_API_GROUP (API) and $HOT_DB_GROUP (pgbench)"

# --- Measuring ---------------------------------------------------------------------------------
ACKNOWLEDGED=0
WRK_RUNS=0
# wrk sending the requests of one file for some seconds; adds the answers it counted to
# ACKNOWLEDGED (every one a 2xx, or the script stops) and counts the run.
wrk_eoi() {
    local name=$1 file=$2 seconds=$3
    BENCH_EOI_REQUESTS=$file BENCH_EOI_THREADS=$THREADS \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${seconds}s" --latency \
        -s "$ROOT/bench/enrolments.lua" "$BASE" >"$WORK/wrk-$name.txt"
    grep -q '^eoi-exhausted' "$WORK/wrk-$name.txt" \
        && die "$name: wrk ran out of participants; raise BENCH_EOI_API_MAX"
    wrk_check_errors "$name" "$WORK/wrk-$name.txt"
    ACKNOWLEDGED=$((ACKNOWLEDGED + $(awk '/^eoi-requests:/ { print $2 }' "$WORK/wrk-$name.txt")))
    WRK_RUNS=$((WRK_RUNS + 1))
}

declare -a ROWS=()
# One run: the API on `file`'s requests, then pgbench on plan rows from `db_first`.
measure() {
    local name=$1 file=$2 db_first=$3
    say "$name: wrk -c $CONNECTIONS, POST /api/v1/work-groups/{id}/enrolments"
    wrk_eoi "$name" "$file" "$DURATION"
    local api_rps api_p50 api_p99
    IFS='|' read -r api_rps api_p50 api_p99 < <(wrk_report_figures "$WORK/wrk-$name.txt")

    say "$name: pgbench -c $POOL_SIZE -f bench/sql/express_interest.sql"
    # An assignment, so a failing pgbench stops the script (set -e).
    local db_figures db_tps db_p50 db_p99
    db_figures=$(pgbench_figures "$name" -n -M prepared -c "$POOL_SIZE" -j "$THREADS" -T "$DURATION" \
        -D i=0 -D first="$db_first" -D clients="$POOL_SIZE" -f "$ROOT/bench/sql/express_interest.sql")
    IFS='|' read -r db_tps db_p50 db_p99 <<<"$db_figures"

    local ratio
    ratio=$(awk -v a="$api_rps" -v b="$db_tps" 'BEGIN { printf "%.2f", a / b }')
    ROWS+=("$name|$api_rps|$api_p50|$api_p99|$db_tps|$db_p50|$db_p99|$ratio")
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
if [ "$WARMUP" -gt 0 ]; then
    say "warming up: ${WARMUP}s of spread expressions of interest"
    wrk_eoi spread-warmup "$WORK/spread-warmup.txt" "$WARMUP"
fi
measure spread "$WORK/spread.txt" "$SPREAD_DB_FIRST"
measure hot "$WORK/hot.txt" "$HOT_DB_FIRST"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

peak_rss_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
peak_rss_mib=$(awk -v k="$peak_rss_kib" 'BEGIN { printf "%.1f", k / 1024 }')

# --- What the database holds afterwards ----------------------------------------------------------
say "checking the enrolments"
IFS='|' read -r overbooked miscounted gappy stored kept <<<"$(psql -XAtq -v api_max="$API_MAX" \
    -v spread_warmup_first="$SPREAD_WARMUP_FIRST" -v hot_api_first="$HOT_API_FIRST" <<'SQL'
WITH accepted AS (
    SELECT wg.id, wg.capacity, wg.accepted_count,
           count(e.id) FILTER (WHERE e.status = 'accepted') AS enrolments
      FROM work_groups wg LEFT JOIN enrolments e ON e.work_group_id = wg.id
     GROUP BY wg.id),
waitlists AS (
    SELECT work_group_id
      FROM enrolments WHERE status = 'waitlisted'
     GROUP BY work_group_id
    HAVING min(waitlist_position) <> 1 OR max(waitlist_position) <> count(*)
        OR count(DISTINCT waitlist_position) <> count(*)),
api AS (
    SELECT n FROM bench_eoi_plan
     WHERE n < :spread_warmup_first + 2 * :api_max OR n BETWEEN :hot_api_first AND :hot_api_first + :api_max - 1)
SELECT (SELECT count(*) FROM accepted WHERE enrolments > capacity OR accepted_count > capacity),
       (SELECT count(*) FROM accepted WHERE enrolments <> accepted_count),
       (SELECT count(*) FROM waitlists),
       (SELECT count(*) FROM enrolments e JOIN bench_eoi_plan p ON p.participant_id = e.participant_id
         WHERE p.n IN (SELECT n FROM api)),
       (SELECT count(*) FROM idempotency_keys WHERE key LIKE 'eoi-%');
SQL
)"
hot_line() {
    psql -XAtq -c "
        SELECT format('%s accepted of %s places, %s waitlisted at positions %s..%s',
                      count(*) FILTER (WHERE e.status = 'accepted'), max(wg.capacity),
                      count(*) FILTER (WHERE e.status = 'waitlisted'),
                      coalesce(min(e.waitlist_position), 0), coalesce(max(e.waitlist_position), 0))
          FROM work_groups wg JOIN enrolments e ON e.work_group_id = wg.id
         WHERE wg.id = '$1'"
}
hot_api=$(hot_line "$HOT_API_GROUP")
hot_db=$(hot_line "$HOT_DB_GROUP")
hot_full=$(psql -XAtq -c "
    SELECT count(*) FROM work_groups wg
     WHERE wg.id IN ('$HOT_API_GROUP', '$HOT_DB_GROUP') AND wg.accepted_count = wg.capacity
       AND wg.status = 'full'
       AND (SELECT count(*) FROM enrolments e WHERE e.work_group_id = wg.id AND e.status = 'accepted') = wg.capacity")

# --- The outbox: every expression of interest the API stored wrote its message, and the
# server's own delivery worker (mailing into the data folder, as `cargo run` does) sent it.
# Commit to delivery is `finished_at - created_at` (`created_at` is the transaction's start,
# so this is an upper bound), under the load above and at a steady 20 per second.
drain_outbox() {
    local waited=0
    until [ "$(psql -XAtq -c "SELECT count(*) FROM outbox_messages WHERE status = 'pending'")" = 0 ]; do
        sleep 0.2
        waited=$((waited + 1))
        [ "$waited" -lt 1500 ] || die "the outbox did not drain in 300 s"
    done
}
delivery_figures() {
    psql -XAtq -c "
        SELECT count(*) FILTER (WHERE status = 'delivered'),
               round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) * 1000)::numeric, 1),
               round((percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - created_at)) * 1000)::numeric, 1)
          FROM outbox_messages WHERE $1" | tr -d ' '
}
say "waiting for the outbox to drain"
drain_started=$(date +%s.%N)
drain_outbox
drain_seconds=$(awk -v a="$drain_started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
IFS='|' read -r loaded_delivered loaded_p50 loaded_p99 <<<"$(delivery_figures true)"
# pgbench's transaction writes its message too (bench/sql/express_interest.sql): count the API's.
told=$(psql -XAtq -v api_max="$API_MAX" -v spread_warmup_first="$SPREAD_WARMUP_FIRST" \
    -v hot_api_first="$HOT_API_FIRST" <<'SQL'
SELECT count(*) FROM outbox_messages m JOIN bench_eoi_plan p ON p.participant_id = m.recipient_id
 WHERE p.n < :spread_warmup_first + 2 * :api_max OR p.n BETWEEN :hot_api_first AND :hot_api_first + :api_max - 1;
SQL
)
STEADY=${BENCH_EOI_STEADY:-200}

# --- Webhooks: for the steady phase only, every Teaching School Hub has an endpoint at a real
# local receiver (tests/webhooks/receiver.py, which verifies each signature with the published
# Standard Webhooks library) for the places changing, from the feed's position now; each
# expression of interest's `updated` event is posted to the hubs whose area it is in. Commit to
# delivery is the delivery's `finished_at - occurred_at` of its event (the transaction's
# start: an upper bound), so it counts the wait for the feed's frontier and the hand-out.
RECEIVER_PORT=$((PORT + 1))
RECEIVED=$WORK/webhooks.jsonl
python3 "$ROOT/tests/webhooks/receiver.py" --port "$RECEIVER_PORT" --out "$RECEIVED" >"$WORK/receiver.log" 2>&1 &
RECEIVER_PID=$!
stop_receiver_then_clean_up() {
    local status=$?
    kill -TERM "$RECEIVER_PID" 2>/dev/null || true
    bench_cleanup "$status"
}
trap stop_receiver_then_clean_up EXIT
for _ in $(seq 1 50); do grep -q ready "$WORK/receiver.log" && break; sleep 0.1; done
grep -q ready "$WORK/receiver.log" || { cat "$WORK/receiver.log" >&2; die "the webhook receiver did not start"; }
psql -XAtq -v ON_ERROR_STOP=1 -v url="http://127.0.0.1:$RECEIVER_PORT/hooks" >/dev/null <<'SQL'
-- One secret for all, so that the receiver verifies each delivery once.
WITH key AS (SELECT gen_random_uuid()::text::bytea AS secret)
INSERT INTO webhook_endpoints (id, teaching_school_hub_id, url, event_types, secret, feed_xid, feed_event)
SELECT gen_random_uuid(), tsh.id, :'url', '{updated,filled}', key.secret, pg_current_xact_id(), 0
  FROM teaching_school_hubs tsh, key;
SQL
psql -XAtq -c "SELECT DISTINCT 'whsec_' || encode(secret, 'base64') FROM webhook_endpoints" >"$RECEIVED.secrets"
webhook_figures() {
    psql -XAtq -c "
        SELECT count(*), count(*) FILTER (WHERE d.status = 'delivered'),
               round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.finished_at - e.occurred_at)) * 1000)::numeric, 1),
               round((percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM d.finished_at - e.occurred_at)) * 1000)::numeric, 1)
          FROM webhook_deliveries d JOIN work_group_events e ON e.id = d.event_id" | tr -d ' '
}

say "steady: $STEADY expressions of interest at 20 per second"
steady_since=$(psql -XAtq -c "SELECT now()")
tail -n "$STEADY" "$WORK/spread.txt" | python3 "$ROOT/bench/steady_interest.py" "$BASE" 20
drain_outbox
IFS='|' read -r steady_delivered steady_p50 steady_p99 <<<"$(delivery_figures "created_at >= '$steady_since'")"
waited=0
until [ "$(psql -XAtq -c "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")" = 0 ] \
    && [ "$(psql -XAtq -c "SELECT count(*) FROM webhook_endpoints
              WHERE (feed_xid, feed_event) < (SELECT feed_xid, id FROM work_group_events ORDER BY feed_xid DESC, id DESC LIMIT 1)")" = 0 ]; do
    sleep 0.2
    waited=$((waited + 1))
    [ "$waited" -lt 300 ] || die "the webhook deliveries did not drain in 60 s"
done
IFS='|' read -r hooks_made hooks_delivered hooks_p50 hooks_p99 <<<"$(webhook_figures)"
hooks_received=$(wc -l <"$RECEIVED")
hooks_verified=$(grep -c '"verified_by": \[[0-9]' "$RECEIVED" || true)

# wrk stops its clock with a request in flight on each connection: the server completes
# them, but wrk never counts their answers.
in_flight_allowance=$((CONNECTIONS * WRK_RUNS))
verdict=ok
[ "$overbooked" = 0 ] && [ "$miscounted" = 0 ] && [ "$gappy" = 0 ] && [ "$hot_full" = 2 ] \
    && [ "$stored" -ge "$ACKNOWLEDGED" ] && [ "$stored" -le $((ACKNOWLEDGED + in_flight_allowance)) ] \
    && [ "$told" = "$stored" ] && [ "$steady_delivered" = "$STEADY" ] \
    && [ "$hooks_made" -ge "$STEADY" ] && [ "$hooks_delivered" = "$hooks_made" ] \
    && [ "$hooks_received" = "$hooks_made" ] && [ "$hooks_verified" = "$hooks_made" ] \
    || verdict=FAILED
if [ "${BENCH_EOI_NO_KEY:-0}" != 1 ] && [ "$kept" != "$stored" ]; then verdict=FAILED; fi

# --- Report ------------------------------------------------------------------------------------
cat <<EOF

## Expressions of interest ($(date -u +%Y-%m-%dT%H:%MZ), revision $(bench_revision))

$(bench_machine)
Load: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s with bench/enrolments.lua ($( [ "${BENCH_EOI_NO_KEY:-0}" = 1 ] && echo "no Idempotency-Key" || echo "an Idempotency-Key on each")); pgbench -n -M prepared -c $POOL_SIZE -j $THREADS -T $DURATION -f bench/sql/express_interest.sql over loopback TCP; server pool $POOL_SIZE; synchronous_commit $SYNCHRONOUS_COMMIT.
Data: seed --synthetic${SEED_FLAGS:+ $SEED_FLAGS} (loaded in about ${seed_seconds} s); $PARTICIPANTS participants, groups opened and tokens signed in ${setup_seconds} s; spread over $SPREAD_GROUPS groups (${WARMUP}s warm-up first); hot groups of $HOT_CAPACITY places.
Load average before/after: $load_before / $load_after.

| run | API req/s | API p50 ms | API p99 ms | pgbench tps | pgbench p50 ms | pgbench p99 ms | API ÷ pgbench |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
EOF
for row in "${ROWS[@]}"; do
    IFS='|' read -r name api_rps api_p50 api_p99 db_tps db_p50 db_p99 ratio <<<"$row"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' \
        "$name" "$api_rps" "$api_p50" "$api_p99" "$db_tps" "$db_p50" "$db_p99" "$ratio"
done
cat <<EOF

Server peak RSS (VmHWM): $peak_rss_mib MiB

Correctness: $verdict. Errors: 0 (wrk non-2xx and socket errors, pgbench failed transactions).
Groups above capacity: $overbooked; places counted unlike accepted enrolments: $miscounted; waiting lists with a gap or repeat: $gappy.
Hot group (API): $hot_api. Hot group (pgbench): $hot_db.
Acknowledged by the API: $ACKNOWLEDGED; stored: $stored; idempotency keys kept: $kept.
Outbox: $told messages written with the API's $stored enrolments; $loaded_delivered messages in all (pgbench's transactions write theirs too) delivered as .eml files in the data folder, the last $drain_seconds s after the load ended; commit to delivery p50 $loaded_p50 ms, p99 $loaded_p99 ms. At a steady 20 per second: $steady_delivered of $STEADY delivered, p50 $steady_p50 ms, p99 $steady_p99 ms.
Webhooks at that steady rate: $hooks_made deliveries made, $hooks_delivered delivered, $hooks_received received and $hooks_verified verified at the local receiver; commit to delivery p50 $hooks_p50 ms, p99 $hooks_p99 ms.
EOF
[ "$verdict" = ok ] || die "the enrolments are not as they should be"
