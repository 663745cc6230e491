#!/usr/bin/env bash
# Compares servers on the list endpoint in one run: several release binaries (or one binary
# with several sets of `serve` flags) serve the same synthetic data at once, and each round
# measures every one of them with wrk, then pgbench on the list's SQL. A drift of the shared
# machine's speed then meets every server alike, which two runs of bench/run.sh one after the
# other cannot promise.
#
#   bench/compare.sh /tmp/mathshub-before target/release/mathshub
#   bench/compare.sh "target/release/mathshub" "target/release/mathshub --workers 1"
#
# Each argument is a binary, optionally followed by `serve` flags. The first one loads the data
# into a throwaway embedded cluster and serves it; the others reach that cluster through
# DATABASE_URL, so the binaries must share the schema. Settings as bench/run.sh:
# BENCH_ROUNDS (5), BENCH_DURATION (10), BENCH_WARMUP (3), BENCH_THREADS (2),
# BENCH_CONNECTIONS (32), BENCH_POOL_SIZE, BENCH_PORT (18080, the next ones for the others),
# BENCH_SEED_FLAGS.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: bench/compare.sh BINARY [FLAGS]... (one argument a server)" >&2; exit 2; }
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${BENCH_ROUNDS:-5}
PORT=${BENCH_PORT:-18080}
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

bench_ensure_wrk
bench_require pgbench psql curl openssl jq

declare -a SERVERS=("$@") EXTRA_PIDS=()
read -r -a first <<<"${SERVERS[0]}"
BIN=${first[0]}
[ -x "$BIN" ] || die "$BIN is not an executable"

bench_start_workdir
compare_cleanup() {
    local status=$?
    local pid
    for pid in "${EXTRA_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    (exit "$status")
    bench_cleanup
}
trap compare_cleanup EXIT
# shellcheck disable=SC2086 # SEED_FLAGS is a list of flags
bench_seed_synthetic $SEED_FLAGS
bench_serve "$POOL_SIZE" "${first[@]:1}"

database_url="postgres://$PGUSER:$(jq -rn --arg p "$PGPASSWORD" '$p | @uri')@$PGHOST:$PGPORT/$PGDATABASE"
jwt_secret=$(openssl rand -hex 32)
declare -a BASES=("$BASE")
for index in $(seq 1 $((${#SERVERS[@]} - 1))); do
    read -r -a server <<<"${SERVERS[$index]}"
    base=http://127.0.0.1:$((PORT + index))
    say "starting ${SERVERS[$index]} on $base"
    DATABASE_URL=$database_url MATHSHUB_JWT_SECRET=$jwt_secret MATHSHUB_RETENTION_CLOCK_SECS=0 RUST_LOG=warn "${server[0]}" serve \
        --bind "127.0.0.1:$((PORT + index))" --pool-size "$POOL_SIZE" --status-clock-secs 0 \
        "${server[@]:1}" >"$WORK/server-$index.log" 2>&1 &
    EXTRA_PIDS+=($!)
    for _ in $(seq 1 120); do
        curl -fsS "$base/readyz" >/dev/null 2>&1 && break
        kill -0 "$!" 2>/dev/null || { cat "$WORK/server-$index.log" >&2; die "${SERVERS[$index]} exited"; }
        sleep 0.5
    done
    BASES+=("$base")
done

# The list request of bench/run.sh.
LA=$(bench_list_authority)
LIST_PATH="/api/v1/work-groups?local_authority=$LA&status=open&limit=20"

header="| round |"
rule="| ---: |"
for server in "${SERVERS[@]}"; do
    header+=" \`$server\` req/s (p99 ms) | ÷ pgbench |"
    rule+=" ---: | ---: |"
done
declare -a ROWS=("$header pgbench tps |" "$rule ---: |")
for round in $(seq 1 "$ROUNDS"); do
    declare -a rates=() cells=()
    for base in "${BASES[@]}"; do
        say "round $round of $ROUNDS: $base$LIST_PATH"
        api_figures=$(wrk_figures list "$base$LIST_PATH")
        IFS='|' read -r rps _ p99 <<<"$api_figures"
        rates+=("$rps")
        cells+=("$rps ($p99)")
    done
    say "round $round of $ROUNDS: pgbench -c $POOL_SIZE -f bench/sql/work_groups_list.sql"
    db_figures=$(pgbench_figures list -n -M prepared -c "$POOL_SIZE" -j "$THREADS" -T "$DURATION" \
        -D "la=$LA" -D status=open -D limit=21 -f "$ROOT/bench/sql/work_groups_list.sql")
    tps=${db_figures%%|*}
    row="| $round |"
    for index in "${!cells[@]}"; do
        row+=" ${cells[$index]} | $(awk -v a="${rates[$index]}" -v b="$tps" 'BEGIN { printf "%.2f", a / b }') |"
    done
    ROWS+=("$row $tps |")
done

echo
bench_machine
echo "Request: GET $LIST_PATH; wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s after ${WARMUP}s warm-up; pgbench -n -M prepared -c $POOL_SIZE -j $THREADS -T $DURATION; pool $POOL_SIZE."
echo
printf '%s\n' "${ROWS[@]}"
