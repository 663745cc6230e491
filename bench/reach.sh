#!/usr/bin/env bash
# Benchmarks the reach report (`GET /api/v1/reports/reach`) on the synthetic national data
# set: one hub's academic year as its hub manager sees it (JSON at 32, 4 and 1 connections,
# and CSV), a partner's area,
# and every hub's year as a national admin (with 2 connections: it answers all 40 hubs);
# beside them, in the same run, `GET /api/v1/me`
# (what authenticating and one read cost) and pgbench running the four statements the report
# reads one hub's year with (bench/sql/reach_*.sql, kept identical to the query code by
# tests/api/bench_sql.rs) at the server's pool size. Then it prints the plan PostgreSQL
# chose for each statement (EXPLAIN ANALYZE).
#
# The hub-year measured is the busiest of the data set: the hub and year with the most
# enrolments holding or having held a place. The partner is the Teaching School Hub whose
# area's schools hold most places that year.
#
#   bench/reach.sh
#   BENCH_DURATION=30 bench/reach.sh
#
# Settings (environment): BENCH_CONNECTIONS (wrk connections, 32), BENCH_FEW_CONNECTIONS
# (connections of the second hub-year measurement, a few managers at once: 4), BENCH_THREADS
# (wrk and pgbench threads, 2), BENCH_DURATION (seconds per measurement, 10), BENCH_WARMUP
# (seconds of unrecorded load before each API measurement, 3), BENCH_POOL_SIZE (the server's
# default: twice the cores, at least 4), BENCH_PORT (18084), BENCH_SEED_FLAGS (extra flags for
# `seed --synthetic`), BENCH_SKIP_SQL_CHECK=1 (skip the test that checks bench/sql against the
# query code).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FEW_CONNECTIONS=${BENCH_FEW_CONNECTIONS:-4}
NATIONAL_CONNECTIONS=2
PORT=${BENCH_PORT:-18084}
PASSWORD=bench-password-not-secret
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

bench_ensure_wrk
bench_require pgbench psql curl cargo

if [ "${BENCH_SKIP_SQL_CHECK:-0}" != 1 ]; then
    say "checking bench/sql against the query code (cargo test --test api bench_sql)"
    (cd "$ROOT" && cargo test --quiet --test api bench_sql >/dev/null 2>&1) \
        || die "bench/sql is stale or the check failed: run \`cargo test --test api bench_sql\` to see why"
fi

bench_build
bench_start_workdir
# shellcheck disable=SC2086 # SEED_FLAGS is a list of flags
bench_seed_synthetic $SEED_FLAGS

echo "$PASSWORD" | "$BIN" --data-dir "$DATA" --log warn user create \
    --email admin@bench.invalid --role admin --password-stdin >/dev/null
bench_serve "$POOL_SIZE" --auth-attempts-per-address 1000000 --auth-attempts-per-account 1000000

# --- The hub-year, the partner, and their accounts ------------------------------------------
IFS='|' read -r HUB HUB_ID YEAR HUB_PLACES <<<"$(psql -XAtq -c "
    SELECT h.slug, h.id, w.academic_year, count(*)
      FROM work_groups w
      JOIN hubs h ON h.id = w.hub_id
      JOIN enrolments e ON e.work_group_id = w.id AND e.accepted_at IS NOT NULL
     GROUP BY h.slug, h.id, w.academic_year
     ORDER BY count(*) DESC, h.slug, w.academic_year LIMIT 1")"
[ -n "$HUB" ] || die "the synthetic data has no enrolments"
IFS='|' read -r TSH TSH_PLACES <<<"$(psql -XAtq -c "
    SELECT t.slug, count(*)
      FROM teaching_school_hubs t
      JOIN teaching_school_hub_areas area ON area.teaching_school_hub_id = t.id
      JOIN schools s ON s.la_code = area.la_code OR s.district_code = area.la_code
      JOIN enrolments e ON e.school_urn = s.urn AND e.accepted_at IS NOT NULL
      JOIN work_groups w ON w.id = e.work_group_id AND w.academic_year = '$YEAR'
     GROUP BY t.slug ORDER BY count(*) DESC, t.slug LIMIT 1")"
IFS='|' read -r YEAR_PLACES ENROLMENTS ATTENDANCE <<<"$(psql -XAtq -c "
    SELECT (SELECT count(*) FROM enrolments e JOIN work_groups w ON w.id = e.work_group_id
             WHERE w.academic_year = '$YEAR' AND e.accepted_at IS NOT NULL),
           (SELECT count(*) FROM enrolments), (SELECT count(*) FROM attendance)")"
say "hub $HUB ($HUB_PLACES places in $YEAR), partner $TSH ($TSH_PLACES), $YEAR_PLACES places nationally"

sign_in() {
    curl -fsS -H 'content-type: application/json' \
        -d "{\"email\":\"$1\",\"password\":\"$PASSWORD\"}" "$BASE/api/v1/auth/login" |
        sed -E 's/.*"access_token":"([^"]+)".*/\1/'
}
ADMIN_TOKEN=$(sign_in admin@bench.invalid)
[ -n "$ADMIN_TOKEN" ] || die "could not sign in as the admin"
create_account() {
    curl -fsS -o /dev/null -H 'content-type: application/json' -H "Authorization: Bearer $ADMIN_TOKEN" \
        -d "$1" "$BASE/api/v1/users" || die "could not create $1"
}
create_account "{\"email\":\"manager@bench.invalid\",\"name\":\"Bench Manager\",\"role\":\"hub_manager\",\"hub\":\"$HUB\",\"password\":\"$PASSWORD\"}"
create_account "{\"email\":\"partner@bench.invalid\",\"name\":\"Bench Partner\",\"role\":\"partner\",\"teaching_school_hub\":\"$TSH\",\"password\":\"$PASSWORD\"}"
MANAGER_TOKEN=$(sign_in manager@bench.invalid)
PARTNER_TOKEN=$(sign_in partner@bench.invalid)

# --- Measuring ---------------------------------------------------------------------------------
REPORT="/api/v1/reports/reach?academic_year=$YEAR"
declare -a ROWS=()
# measure NAME CONNECTIONS PATH TOKEN [wrk flags…]: checks the answer is 200, then wrk;
# appends a row.
measure() {
    local name=$1 connections=$2 path=$3 token=$4
    shift 4
    local url=$BASE$path status threads=$THREADS
    [ "$connections" -ge "$threads" ] || threads=$connections
    status=$(curl -s -o "$WORK/answer-$name" -w '%{http_code}' -H "Authorization: Bearer $token" "$@" "$url")
    [ "$status" = 200 ] || { cat "$WORK/answer-$name" >&2; die "GET $path answered $status"; }
    say "$name: $url, $connections connections ($(wc -c <"$WORK/answer-$name") bytes)"
    if [ "$WARMUP" -gt 0 ]; then
        wrk -t"$threads" -c"$connections" -d"${WARMUP}s" --timeout 10s -H "Authorization: Bearer $token" \
            "$@" "$url" >/dev/null
    fi
    wrk -t"$threads" -c"$connections" -d"${DURATION}s" --timeout 10s --latency \
        -H "Authorization: Bearer $token" "$@" "$url" >"$WORK/wrk-$name.txt"
    wrk_check_errors "$name" "$WORK/wrk-$name.txt"
    ROWS+=("$name|$connections|$(wrk_report_figures "$WORK/wrk-$name.txt")|$(wc -c <"$WORK/answer-$name")")
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
measure me "$CONNECTIONS" /api/v1/me "$MANAGER_TOKEN"
measure hub-year-json "$CONNECTIONS" "$REPORT" "$MANAGER_TOKEN"
measure hub-year-json "$FEW_CONNECTIONS" "$REPORT" "$MANAGER_TOKEN"
measure hub-year-json 1 "$REPORT" "$MANAGER_TOKEN"
measure hub-year-csv "$CONNECTIONS" "$REPORT" "$MANAGER_TOKEN" -H 'Accept: text/csv'
measure partner-area "$CONNECTIONS" "$REPORT" "$PARTNER_TOKEN"
measure national-year "$NATIONAL_CONNECTIONS" "$REPORT" "$ADMIN_TOKEN"

say "pgbench: the four statements of one hub's year, in turn, -c $POOL_SIZE"
cat "$ROOT"/bench/sql/reach_{hubs,covers,projects,engagements}.sql >"$WORK/reach.sql"
IFS='|' read -r DB_TPS DB_P50 DB_P99 <<<"$(pgbench_figures reach -n -M prepared -c "$POOL_SIZE" \
    -j "$THREADS" -T "$DURATION" -D "hub=$HUB_ID" -D "year=$YEAR" -f "$WORK/reach.sql")"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# The plans, with the variables in place.
explain() {
    local file=$1
    sed -e '/^--/d' -e "s|:year|'$YEAR'|g" -e "s|:hub|'$HUB_ID'|g" "$ROOT/bench/sql/$file" |
        { printf 'EXPLAIN (ANALYZE, BUFFERS) '; cat; } | psql -XAtq
}

# --- Report ------------------------------------------------------------------------------------
cat <<EOF

## Results ($(date -u +%Y-%m-%dT%H:%MZ), revision $(bench_revision))

$(bench_machine)
Load: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s (after ${WARMUP}s warm-up); pgbench -n -M prepared -c $POOL_SIZE -j $THREADS -T $DURATION over loopback TCP; server pool $POOL_SIZE.
Data: seed --synthetic${SEED_FLAGS:+ $SEED_FLAGS} (loaded in about ${seed_seconds} s): $ENROLMENTS enrolments, $ATTENDANCE attendance marks; $YEAR_PLACES places in $YEAR.
Hub-year: $HUB in $YEAR ($HUB_PLACES places), as its hub manager. Partner: $TSH ($TSH_PLACES places in its area that year). National: every hub's $YEAR, as an admin.
Load average before/after: $load_before / $load_after.

| request | connections | req/s | p50 ms | p99 ms | answer bytes |
| --- | ---: | ---: | ---: | ---: | ---: |
EOF
for row in "${ROWS[@]}"; do
    IFS='|' read -r name connections rps p50 p99 bytes <<<"$row"
    printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$connections" "$rps" "$p50" "$p99" "$bytes"
done
IFS='|' read -r _ _ me_rps me_p50 _ _ <<<"${ROWS[0]}"
IFS='|' read -r _ _ hub_rps hub_p50 _ _ <<<"${ROWS[1]}"
cat <<EOF
| pgbench: the four statements in turn, per script run | $POOL_SIZE | $DB_TPS | $DB_P50 | $DB_P99 | |

Within this run: hub-year JSON ÷ pgbench (req/s) $(awk -v a="$hub_rps" -v b="$DB_TPS" 'BEGIN { printf "%.2f", a / b }'); hub-year JSON p50 ÷ /api/v1/me p50 $(awk -v a="$hub_p50" -v b="$me_p50" 'BEGIN { printf "%.1f", a / b }'); /api/v1/me ÷ hub-year JSON (req/s) $(awk -v a="$me_rps" -v b="$hub_rps" 'BEGIN { printf "%.1f", a / b }').

Plans of the hub-year's statements (EXPLAIN ANALYZE, after the load):
EOF
for file in reach_hubs.sql reach_covers.sql reach_projects.sql reach_engagements.sql; do
    printf '\n%s:\n\n```\n%s\n```\n' "$file" "$(explain "$file")"
done
