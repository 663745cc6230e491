#!/usr/bin/env bash
# Benchmarks the catalogue's hot endpoints and, beside each, pgbench running the exact SQL the
# handler sends (bench/sql/*.sql, kept identical to the query code by tests/api/bench_sql.rs)
# at the same database concurrency: the server's pool size, prepared statements, loopback TCP.
#
# It builds the release binary, loads synthetic data at national scale into a throwaway
# embedded PostgreSQL, serves it, measures with wrk, prints requests/s, p50 and p99 of each
# side, the ratio API ÷ pgbench and the server's peak RSS, and cleans everything up.
#
#   bench/run.sh                      # the defaults below
#   BENCH_POOL_SIZE=8 bench/run.sh    # another pool size (pgbench follows it)
#   BENCH_SEED_FLAGS="--hubs 10 --groups-per-year 300" bench/run.sh
#
# Settings (environment): BENCH_CONNECTIONS (wrk connections, 32), BENCH_THREADS (wrk and
# pgbench threads, 2), BENCH_DURATION (seconds per measurement, 10), BENCH_WARMUP (seconds of
# unrecorded load before each API measurement, 3), BENCH_ROUNDS (rounds of API then pgbench per
# endpoint, 3), BENCH_POOL_SIZE (the server's default: twice
# the cores, at least 4), BENCH_PORT (18080), BENCH_SEED_FLAGS (extra flags for `seed
# --synthetic`), BENCH_SKIP_SQL_CHECK=1 (skip the test that checks bench/sql against the query
# code), BENCH_LOGIN_SAMPLES (sign-ins, and password resets, of each kind timed, 40).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${BENCH_ROUNDS:-3}
PORT=${BENCH_PORT:-18080}
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

bench_ensure_wrk
bench_require pgbench psql curl cargo

# --- The SQL under test is the SQL the handlers send -----------------------------------------
if [ "${BENCH_SKIP_SQL_CHECK:-0}" != 1 ]; then
    say "checking bench/sql against the query code (cargo test --test api bench_sql)"
    (cd "$ROOT" && cargo test --quiet --test api bench_sql >/dev/null 2>&1) \
        || die "bench/sql is stale or the check failed: run \`cargo test --test api bench_sql\` to see why"
fi

bench_build
bench_start_workdir
# shellcheck disable=SC2086 # SEED_FLAGS is a list of flags
bench_seed_synthetic $SEED_FLAGS

# An account to measure authenticated requests with (its password from standard input).
BENCH_EMAIL=bench.admin@bench.invalid
BENCH_PASSWORD=bench-password-not-secret
echo "$BENCH_PASSWORD" | "$BIN" --data-dir "$DATA" --log warn user create \
    --email "$BENCH_EMAIL" --role admin --password-stdin >/dev/null

# Sign-in limits out of the way: the timing comparison below signs in many times.
bench_serve "$POOL_SIZE" --auth-attempts-per-address 1000000 --auth-attempts-per-account 1000000

# An authority whose hub has more than a page of open groups (so the page is full and has a
# next link), and an open group of that hub.
LA=$(bench_list_authority)
GROUP=$(psql -XAtq -c "
    SELECT wg.id FROM work_groups wg
     WHERE wg.status = 'open' AND wg.hub_id = (
           SELECT cover.hub_id FROM local_authorities la
             JOIN hub_local_authorities cover
               ON cover.la_code = coalesce(la.parent_gss_code, la.gss_code) AND cover.covered_until IS NULL
            WHERE la.gss_code = '$LA')
     ORDER BY wg.code, wg.id LIMIT 1")
say "local authority $LA, work group $GROUP"

# --- Measuring ---------------------------------------------------------------------------------
# Each endpoint is measured in ROUNDS rounds of API then pgbench, so that a drift of the shared
# machine's speed meets both sides alike; a row per round, then a row of each column's median.
declare -a ROWS=()
measure() {
    local name=$1 path=$2 script=$3
    shift 3
    local url=$BASE$path
    say "$name: $url"
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' "$url")
    [ "$status" = 200 ] || die "GET $path answered $status"
    local round api_figures api_rps api_p50 api_p99 db_figures db_tps db_p50 db_p99 ratio
    local -a columns=()
    for round in $(seq 1 "$ROUNDS"); do
        # Assignments, so that a failing wrk or pgbench stops the script (set -e).
        api_figures=$(wrk_figures "$name" "$url")
        IFS='|' read -r api_rps api_p50 api_p99 <<<"$api_figures"

        say "$name, round $round of $ROUNDS: pgbench -c $POOL_SIZE -f bench/sql/$script $*"
        db_figures=$(pgbench_figures "$name" -n -M prepared -c "$POOL_SIZE" -j "$THREADS" \
            -T "$DURATION" "$@" -f "$ROOT/bench/sql/$script")
        IFS='|' read -r db_tps db_p50 db_p99 <<<"$db_figures"

        ratio=$(awk -v a="$api_rps" -v b="$db_tps" 'BEGIN { printf "%.2f", a / b }')
        ROWS+=("$name, round $round|$api_rps|$api_p50|$api_p99|$db_tps|$db_p50|$db_p99|$ratio")
        columns+=("$api_rps $api_p50 $api_p99 $db_tps $db_p50 $db_p99 $ratio")
    done
    local column medians=()
    for column in 1 2 3 4 5 6 7; do
        medians+=("$(printf '%s\n' "${columns[@]}" | awk -v c="$column" '{ print $c }' | median)")
    done
    ROWS+=("**$name, median**|$(IFS='|'; echo "${medians[*]}")")
}

# The median of the numbers on standard input, one per line (the lower middle one of an even
# count).
median() {
    sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# What checking the token against the account costs on every authenticated request: /readyz
# takes a pooled connection and runs one trivial query; /me verifies the JWT, reads the
# account by primary key (the revocation check) and then reads the account to show it.
TOKEN=$(curl -fsS -H 'content-type: application/json' \
    -d "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\"}" \
    "$BASE/api/v1/auth/login" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
[ -n "$TOKEN" ] || die "could not sign in as $BENCH_EMAIL"
say "auth cost: /readyz and /api/v1/me"
readyz_figures=$(wrk_figures readyz "$BASE/readyz")
me_figures=$(wrk_figures me "$BASE/api/v1/me" -H "Authorization: Bearer $TOKEN")

# An unknown email must cost what a wrong password costs (both check an Argon2id hash), so
# the answer's timing says nothing about which accounts exist. Alternating, one at a time.
login_ms() {
    curl -s -o /dev/null -w '%{time_total}' -H 'content-type: application/json' \
        -d "{\"email\":\"$1\",\"password\":\"not-the-password\"}" "$BASE/api/v1/auth/login" |
        awk '{ printf "%.2f", $1 * 1000 }'
}
say "sign-in timing: wrong password against unknown email"
wrong_total=0
unknown_total=0
LOGIN_SAMPLES=${BENCH_LOGIN_SAMPLES:-40}
for _ in $(seq 1 "$LOGIN_SAMPLES"); do
    wrong_total=$(awk -v t="$wrong_total" -v m="$(login_ms "$BENCH_EMAIL")" 'BEGIN { print t + m }')
    unknown_total=$(awk -v t="$unknown_total" -v m="$(login_ms nobody@bench.invalid)" 'BEGIN { print t + m }')
done
wrong_mean=$(awk -v t="$wrong_total" -v n="$LOGIN_SAMPLES" 'BEGIN { printf "%.2f", t / n }')
unknown_mean=$(awk -v t="$unknown_total" -v n="$LOGIN_SAMPLES" 'BEGIN { printf "%.2f", t / n }')

# Asking for a password reset must answer alike whether or not the email has an account: the
# same status and body, and (since the answer comes before the lookup) the same time.
reset_answer() {
    curl -s -o /dev/null -w '%{http_code} %{size_download} %{time_total}\n' \
        -H 'content-type: application/json' -d "{\"email\":\"$1\"}" "$BASE/api/v1/auth/password-reset"
}
say "password reset timing: an account's email against an unknown one"
: >"$WORK/reset-known.txt"
: >"$WORK/reset-unknown.txt"
for _ in $(seq 1 "$LOGIN_SAMPLES"); do
    reset_answer "$BENCH_EMAIL" >>"$WORK/reset-known.txt"
    reset_answer nobody@bench.invalid >>"$WORK/reset-unknown.txt"
done
# "<status> <body bytes> " of every distinct answer, and the mean time in ms.
reset_figures() {
    awk '{ answers[$1 " " $2]++; total += $3 * 1000 }
         END { for (a in answers) shape = shape a " "; printf "%s|%.2f", shape, total / NR }' "$1"
}
IFS='|' read -r known_shape known_mean <<<"$(reset_figures "$WORK/reset-known.txt")"
IFS='|' read -r unknown_reset_shape unknown_reset_mean <<<"$(reset_figures "$WORK/reset-unknown.txt")"
[ "$known_shape" = "202 0 " ] && [ "$unknown_reset_shape" = "202 0 " ] \
    || die "password reset answers differ or are not 202 with no body: $known_shape / $unknown_reset_shape"

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
measure work-groups-list "/api/v1/work-groups?local_authority=$LA&status=open&limit=20" \
    work_groups_list.sql -D "la=$LA" -D status=open -D limit=21
measure work-group-detail "/api/v1/work-groups/$GROUP" work_group_detail.sql -D "id=$GROUP"
measure hubs-by-la "/api/v1/hubs?local_authority=$LA" hubs_by_la.sql -D "la=$LA" -D limit=21
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

peak_rss_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
peak_rss_mib=$(awk -v k="$peak_rss_kib" 'BEGIN { printf "%.1f", k / 1024 }')

# --- Report ------------------------------------------------------------------------------------
cat <<EOF

## Results ($(date -u +%Y-%m-%dT%H:%MZ), revision $(bench_revision))

$(bench_machine)
Load: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s (after ${WARMUP}s warm-up); pgbench -n -M prepared -c $POOL_SIZE -j $THREADS -T $DURATION over loopback TCP; server pool $POOL_SIZE; $ROUNDS rounds of API then pgbench per endpoint, then each column's median.
Data: seed --synthetic${SEED_FLAGS:+ $SEED_FLAGS} (loaded in about ${seed_seconds} s, cluster start and stop included); authority $LA, work group $GROUP.
Load average before/after: $load_before / $load_after.

| endpoint | API req/s | API p50 ms | API p99 ms | pgbench tps | pgbench p50 ms | pgbench p99 ms | API ÷ pgbench |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
EOF
for row in "${ROWS[@]}"; do
    IFS='|' read -r name api_rps api_p50 api_p99 db_tps db_p50 db_p99 ratio <<<"$row"
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' \
        "$name" "$api_rps" "$api_p50" "$api_p99" "$db_tps" "$db_p50" "$db_p99" "$ratio"
done
echo
echo "Server peak RSS (VmHWM): $peak_rss_mib MiB"
echo
echo "Authenticated requests (API only, same load):"
echo
echo "| endpoint | req/s | p50 ms | p99 ms |"
echo "| --- | ---: | ---: | ---: |"
IFS='|' read -r rps p50 p99 <<<"$readyz_figures"
printf '| /readyz (pool checkout + SELECT 1) | %s | %s | %s |\n' "$rps" "$p50" "$p99"
IFS='|' read -r rps p50 p99 <<<"$me_figures"
printf '| /api/v1/me (JWT + revocation check + account read) | %s | %s | %s |\n' "$rps" "$p50" "$p99"
echo
echo "Sign-in answers (401 either way), mean of $LOGIN_SAMPLES each, alternating: wrong password $wrong_mean ms, unknown email $unknown_mean ms (ratio $(awk -v a="$unknown_mean" -v b="$wrong_mean" 'BEGIN { printf "%.2f", a / b }'))."
echo
echo "Password reset answers (202, no body, every one), mean of $LOGIN_SAMPLES each, alternating: an account's email $known_mean ms, an unknown email $unknown_reset_mean ms (ratio $(awk -v a="$unknown_reset_mean" -v b="$known_mean" 'BEGIN { printf "%.2f", a / b }'))."
