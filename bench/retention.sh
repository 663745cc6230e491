#!/usr/bin/env bash
# Benchmarks the retention schedule on the synthetic national data set, whose academic years
# start in 2021/22 (so its first years are past their period): how long `mathshub retention
# --dry-run` and `mathshub retention` take, and what the sweep does to the API beside it. The
# public work-group list is measured with wrk before the sweep, while it runs and after it, in
# the same run; the sweep's batches lock only the rows they change, so the list should barely
# notice.
#
#   bench/retention.sh
#   BENCH_DURATION=20 bench/retention.sh
#
# Settings (environment): as bench/run.sh (BENCH_CONNECTIONS, BENCH_THREADS, BENCH_DURATION,
# BENCH_WARMUP, BENCH_POOL_SIZE, BENCH_SEED_FLAGS), and BENCH_PORT (18086).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PORT=${BENCH_PORT:-18086}
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

bench_ensure_wrk
bench_require psql curl

bench_build
bench_start_workdir
# shellcheck disable=SC2086 # SEED_FLAGS is a list of flags
bench_seed_synthetic $SEED_FLAGS
bench_serve "$POOL_SIZE"

LA=$(bench_list_authority)
LIST="$BASE/api/v1/work-groups?local_authority=$LA&status=open&limit=20"
read -r ENROLMENTS YEARS <<<"$(psql -XAtq -F ' ' -c "
    SELECT (SELECT count(*) FROM enrolments),
           (SELECT string_agg(DISTINCT academic_year, ',' ORDER BY academic_year) FROM work_groups)")"
say "$ENROLMENTS enrolments over $YEARS"

elapsed() { awk -v start="$1" -v end="$(date +%s.%N)" 'BEGIN { printf "%.2f", end - start }'; }

say "dry run"
started=$(date +%s.%N)
"$BIN" --data-dir "$DATA" --log warn retention --dry-run >"$WORK/dry-run.txt"
dry_run_seconds=$(elapsed "$started")
cat "$WORK/dry-run.txt" >&2

say "the list before the sweep"
IFS='|' read -r before_rps before_p50 before_p99 <<<"$(wrk_figures before "$LIST")"

say "the list while the sweep runs"
WARMUP_SAVED=$WARMUP
WARMUP=0
(
    started=$(date +%s.%N)
    "$BIN" --data-dir "$DATA" --log warn retention >"$WORK/sweep.txt" 2>&1
    elapsed "$started" >"$WORK/sweep-seconds.txt"
) &
sweep_pid=$!
IFS='|' read -r during_rps during_p50 during_p99 <<<"$(wrk_figures during "$LIST")"
wait "$sweep_pid" || { cat "$WORK/sweep.txt" >&2; die "the sweep failed"; }
sweep_seconds=$(cat "$WORK/sweep-seconds.txt")
WARMUP=$WARMUP_SAVED
cat "$WORK/sweep.txt" >&2

say "the list after the sweep"
IFS='|' read -r after_rps after_p50 after_p99 <<<"$(wrk_figures after "$LIST")"

"$BIN" --data-dir "$DATA" --log warn retention --dry-run >"$WORK/left.txt"
grep -qE '^ +[1-9]' "$WORK/left.txt" && { cat "$WORK/left.txt" >&2; die "the sweep left records due"; }

ratio() { awk -v a="$1" -v b="$2" -v c="$3" 'BEGIN { printf "%.2f", a / ((b + c) / 2) }'; }

echo
echo "Retention on the synthetic data ($ENROLMENTS enrolments, $YEARS), revision $(bench_revision)"
bench_machine
echo
echo "Dry run: ${dry_run_seconds} s. Sweep: ${sweep_seconds} s (the list was measured for ${DURATION} s from its start)."
sed 's/^/    /' "$WORK/sweep.txt"
echo
echo "| the public work-group list, $CONNECTIONS connections | req/s | p50 ms | p99 ms |"
echo "| --- | ---: | ---: | ---: |"
echo "| before the sweep | $before_rps | $before_p50 | $before_p99 |"
echo "| while it runs | $during_rps | $during_p50 | $during_p99 |"
echo "| after it | $after_rps | $after_p50 | $after_p99 |"
echo
echo "While it runs, of before and after's mean: req/s $(ratio "$during_rps" "$before_rps" "$after_rps"), p99 $(ratio "$during_p99" "$before_p99" "$after_p99")."
