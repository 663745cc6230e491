#!/usr/bin/env bash
# Measures the GIAS school import at national scale: a synthetic 50,000-row file
# (bench/gias_csv.py) imported into a throwaway embedded PostgreSQL holding the demo data,
# first into an empty schools table (every row inserted), then again (every row unchanged),
# then a second edition with a tenth of the schools renamed and some closed (updated), by the
# command line; and the second edition's reverse over HTTP (`POST /api/v1/schools/import`).
# Prints each run's summary line, the import's own time, the command's wall time and peak
# RSS, and cleans everything up.
#
#   bench/school_import.sh             # 50,000 rows
#   BENCH_ROWS=100000 bench/school_import.sh
#
# Settings (environment): BENCH_ROWS (50000), BENCH_PORT (18081).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROWS=${BENCH_ROWS:-50000}
PORT=${BENCH_PORT:-18081}
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

bench_require python3 curl cargo /usr/bin/time
bench_build
bench_start_workdir

say "writing synthetic GIAS files of $ROWS rows"
python3 "$ROOT/bench/gias_csv.py" "$ROWS" 1 >"$WORK/edition1.csv"
python3 "$ROOT/bench/gias_csv.py" "$ROWS" 2 >"$WORK/edition2.csv"
ls -l "$WORK"/edition*.csv | awk '{print "    " $5 " bytes  " $NF}' >&2

say "loading the demo data (England's local authorities)"
"$BIN" --data-dir "$DATA" --log warn seed --demo

# Runs `mathshub import schools FILE`; prints its summary line, wall time and peak RSS.
import_cli() {
    local label=$1 file=$2
    /usr/bin/time -f '%e %M' -o "$WORK/time" \
        "$BIN" --data-dir "$DATA" --log warn import schools "$file" >"$WORK/import.out"
    read -r wall rss <"$WORK/time"
    printf '%-34s %s\n    command: %s s wall (embedded cluster start and stop included), peak RSS %s MiB\n' \
        "$label" "$(head -n 1 "$WORK/import.out")" "$wall" "$((rss / 1024))"
}

echo
echo "CLI (mathshub import schools), $ROWS rows:"
import_cli "1. into an empty schools table:" "$WORK/edition1.csv"
import_cli "2. the same file again:" "$WORK/edition1.csv"
import_cli "3. the second edition:" "$WORK/edition2.csv"

say "starting the server on $BASE"
RUST_LOG=warn "$BIN" --data-dir "$DATA" serve --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
    curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "the server exited"; }
    sleep 0.5
done
TOKEN=$(curl -fsS "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"email": "admin@demo.mathshub.invalid", "password": "maths-hubs-demo"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
curl -fsS -o "$WORK/report.json" -w '%{time_total}\n' "$BASE/api/v1/schools/import" \
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: text/csv' \
    --data-binary "@$WORK/edition1.csv" >"$WORK/http.time"
echo
echo "HTTP (POST /api/v1/schools/import), the first edition over the second:"
python3 - "$WORK/report.json" "$(cat "$WORK/http.time")" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
counts = ", ".join(f"{report[key]} {key}" for key in ("inserted", "updated", "unchanged", "rejected"))
print(f"    {report['rows']} rows: {counts}; {float(sys.argv[2]):.2f} s for the whole request")
PY
server_rss=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$SERVER_PID/status")
echo "    server peak RSS: $server_rss MiB"
