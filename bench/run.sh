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
# pgbench threads, 2), BENCH_DURATION (seconds per measurement, 10), BENCH_WARMUP (seconds
# of unrecorded load before each API measurement, 3), BENCH_POOL_SIZE (16), BENCH_PORT
# (18080), BENCH_SEED_FLAGS (extra flags for `seed --synthetic`), BENCH_SKIP_SQL_CHECK=1
# (skip the test that checks bench/sql against the query code), BENCH_LOGIN_SAMPLES (sign-ins
# of each kind timed, 40).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-3}
POOL_SIZE=${BENCH_POOL_SIZE:-16}
PORT=${BENCH_PORT:-18080}
SEED_FLAGS=${BENCH_SEED_FLAGS:-}
BIN=$ROOT/target/release/mathshub
BASE=http://127.0.0.1:$PORT

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# --- Tools -------------------------------------------------------------------------------------
if ! command -v wrk >/dev/null; then
    say "installing wrk (Debian package)"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get install -y wrk >/dev/null \
        || { "${sudo_cmd[@]}" apt-get update >/dev/null && "${sudo_cmd[@]}" apt-get install -y wrk >/dev/null; } \
        || die "could not install wrk"
fi
for tool in pgbench psql curl cargo; do
    command -v "$tool" >/dev/null || die "$tool is needed"
done

# --- The SQL under test is the SQL the handlers send -----------------------------------------
if [ "${BENCH_SKIP_SQL_CHECK:-0}" != 1 ]; then
    say "checking bench/sql against the query code (cargo test --test api bench_sql)"
    (cd "$ROOT" && cargo test --quiet --test api bench_sql >/dev/null 2>&1) \
        || die "bench/sql is stale or the check failed: run \`cargo test --test api bench_sql\` to see why"
fi

say "building the release binary"
(cd "$ROOT" && cargo build --release --quiet)

# --- A throwaway cluster, cleaned up whatever happens ----------------------------------------
WORK=$(mktemp -d)
# As root the embedded cluster runs as the `postgres` user, which must reach the folder.
chmod 755 "$WORK"
DATA=$WORK/data
SERVER_PID=

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        say "stopping the server (it stops its PostgreSQL)"
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        for _ in $(seq 1 60); do
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.5
        done
        kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    # A server killed before it could stop the cluster leaves the postmaster behind.
    if [ -f "$DATA/pgdata/postmaster.pid" ]; then
        local postmaster
        postmaster=$(head -n 1 "$DATA/pgdata/postmaster.pid")
        kill -TERM "$postmaster" 2>/dev/null || true
        for _ in $(seq 1 40); do
            kill -0 "$postmaster" 2>/dev/null || break
            sleep 0.25
        done
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "loading synthetic data (seed --synthetic${SEED_FLAGS:+ $SEED_FLAGS})"
seed_started=$(date +%s)
# shellcheck disable=SC2086 # SEED_FLAGS is a list of flags
"$BIN" --data-dir "$DATA" --log info seed --synthetic $SEED_FLAGS 2>"$WORK/seed.log" \
    || { cat "$WORK/seed.log" >&2; die "seeding failed"; }
seed_seconds=$(($(date +%s) - seed_started))
grep -o 'Loaded synthetic data.*' "$WORK/seed.log" >&2 || true

# An account to measure authenticated requests with (its password from standard input).
BENCH_EMAIL=bench.admin@bench.invalid
BENCH_PASSWORD=bench-password-not-secret
echo "$BENCH_PASSWORD" | "$BIN" --data-dir "$DATA" --log warn user create \
    --email "$BENCH_EMAIL" --role admin --password-stdin >/dev/null

say "starting the server on $BASE with a pool of $POOL_SIZE"
# Sign-in limits out of the way: the timing comparison below signs in many times. The status
# clock is off: the synthetic years are past, and moving every group on would change the data
# being measured while it is measured.
RUST_LOG=warn "$BIN" --data-dir "$DATA" serve --bind "127.0.0.1:$PORT" --pool-size "$POOL_SIZE" \
    --auth-attempts-per-address 1000000 --auth-attempts-per-account 1000000 --status-clock-secs 0 \
    >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
    curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "the server exited"; }
    sleep 0.5
done
curl -fsS "$BASE/readyz" >/dev/null || die "the server did not become ready"

# The embedded cluster's address: its port is line 4 of postmaster.pid, its password in
# `credentials` (see src/db/embedded).
export PGHOST=127.0.0.1 PGUSER=mathshub PGDATABASE=mathshub
PGPORT=$(sed -n 4p "$DATA/pgdata/postmaster.pid")
PGPASSWORD=$(tr -d '\n' <"$DATA/credentials")
export PGPORT PGPASSWORD

# An authority whose hub has more than a page of open groups (so the page is full and has a
# next link), and an open group of that hub.
LA=$(psql -XAtq -c "
    SELECT la.gss_code
      FROM local_authorities la
      JOIN hub_local_authorities cover
        ON cover.la_code = coalesce(la.parent_gss_code, la.gss_code) AND cover.covered_until IS NULL
     WHERE (SELECT count(*) FROM work_groups wg WHERE wg.hub_id = cover.hub_id AND wg.status = 'open') > 20
     ORDER BY la.gss_code LIMIT 1")
[ -n "$LA" ] || die "no authority has more than 20 open work groups: seed more"
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
# wrk's latency figures ("850.00us", "9.13ms", "1.02s") in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
        else { printf "?" } }'
}

# Percentile (0-100) of the latencies, in microseconds, in column 3 of pgbench's logs.
pgbench_percentile() {
    local p=$1
    shift
    cat "$@" | awk '{ print $3 }' | sort -n | awk -v p="$p" '
        { v[NR] = $1 }
        END { if (NR == 0) { print "?"; exit } i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1;
              printf "%.2f", v[i] / 1000 }'
}

declare -a ROWS=()
measure() {
    local name=$1 path=$2 script=$3
    shift 3
    local url=$BASE$path
    say "$name: $url"
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' "$url")
    [ "$status" = 200 ] || die "GET $path answered $status"
    if [ "$WARMUP" -gt 0 ]; then
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$url" >/dev/null
    fi
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url" >"$WORK/wrk-$name.txt"
    if grep -qE 'Non-2xx|Socket errors' "$WORK/wrk-$name.txt"; then
        cat "$WORK/wrk-$name.txt" >&2
        die "$name: wrk saw errors"
    fi
    local api_rps api_p50 api_p99
    api_rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$WORK/wrk-$name.txt")
    api_p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$WORK/wrk-$name.txt")")
    api_p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$WORK/wrk-$name.txt")")

    say "$name: pgbench -c $POOL_SIZE -f bench/sql/$script $*"
    mkdir -p "$WORK/pgbench-$name"
    (cd "$WORK/pgbench-$name" &&
        pgbench -n -M prepared -c "$POOL_SIZE" -j "$THREADS" -T "$DURATION" -l \
            "$@" -f "$ROOT/bench/sql/$script" >"$WORK/pgbench-$name.txt" 2>&1) \
        || { cat "$WORK/pgbench-$name.txt" >&2; die "$name: pgbench failed"; }
    grep -q 'number of failed transactions: 0 ' "$WORK/pgbench-$name.txt" \
        || { cat "$WORK/pgbench-$name.txt" >&2; die "$name: pgbench saw failed transactions"; }
    local db_tps db_p50 db_p99
    db_tps=$(awk '/^tps = / { printf "%.0f", $3 }' "$WORK/pgbench-$name.txt")
    db_p50=$(pgbench_percentile 50 "$WORK/pgbench-$name"/pgbench_log.*)
    db_p99=$(pgbench_percentile 99 "$WORK/pgbench-$name"/pgbench_log.*)
    rm -rf "$WORK/pgbench-$name"

    local ratio
    ratio=$(awk -v a="$api_rps" -v b="$db_tps" 'BEGIN { printf "%.2f", a / b }')
    ROWS+=("$name|$api_rps|$api_p50|$api_p99|$db_tps|$db_p50|$db_p99|$ratio")
}

# API-only figures: wrk against one path, optionally with a header; prints "rps|p50|p99".
wrk_figures() {
    local name=$1 path=$2
    shift 2
    local url=$BASE$path
    if [ "$WARMUP" -gt 0 ]; then
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$@" "$url" >/dev/null
    fi
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$url" >"$WORK/wrk-$name.txt"
    if grep -qE 'Non-2xx|Socket errors' "$WORK/wrk-$name.txt"; then
        cat "$WORK/wrk-$name.txt" >&2
        die "$name: wrk saw errors"
    fi
    printf '%s|%s|%s\n' \
        "$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$WORK/wrk-$name.txt")" \
        "$(to_ms "$(awk '$1 == "50%" { print $2 }' "$WORK/wrk-$name.txt")")" \
        "$(to_ms "$(awk '$1 == "99%" { print $2 }' "$WORK/wrk-$name.txt")")"
}

# What checking the token against the account costs on every authenticated request: /readyz
# takes a pooled connection and runs one trivial query; /me verifies the JWT, reads the
# account by primary key (the revocation check) and then reads the account to show it.
TOKEN=$(curl -fsS -H 'content-type: application/json' \
    -d "{\"email\":\"$BENCH_EMAIL\",\"password\":\"$BENCH_PASSWORD\"}" \
    "$BASE/api/v1/auth/login" | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
[ -n "$TOKEN" ] || die "could not sign in as $BENCH_EMAIL"
say "auth cost: /readyz and /api/v1/me"
readyz_figures=$(wrk_figures readyz /readyz)
me_figures=$(wrk_figures me /api/v1/me -H "Authorization: Bearer $TOKEN")

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

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
measure work-groups-list "/api/v1/work-groups?local_authority=$LA&status=open&limit=20" \
    work_groups_list.sql -D "la=$LA" -D status=open -D limit=21
measure work-group-detail "/api/v1/work-groups/$GROUP" work_group_detail.sql -D "id=$GROUP"
measure hubs-by-la "/api/v1/hubs?local_authority=$LA" hubs_by_la.sql -D "la=$LA" -D limit=21
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

peak_rss_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
peak_rss_mib=$(awk -v k="$peak_rss_kib" 'BEGIN { printf "%.1f", k / 1024 }')

# --- Report ------------------------------------------------------------------------------------
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
memory=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
revision=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(cd "$ROOT" && git status --porcelain 2>/dev/null)" ]; then revision="$revision (with local changes)"; fi

cat <<EOF

## Results ($(date -u +%Y-%m-%dT%H:%MZ), revision $revision)

Machine: $(nproc) CPUs ($cpu), $memory; $(psql -XAtq -c 'SHOW server_version' | cut -d' ' -f1) embedded, $(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2).
Load: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s (after ${WARMUP}s warm-up); pgbench -n -M prepared -c $POOL_SIZE -j $THREADS -T $DURATION over loopback TCP; server pool $POOL_SIZE.
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
