#!/usr/bin/env bash
# Fuzzes the API against its own OpenAPI document with Schemathesis: every check, every phase
# (examples, coverage, fuzzing, stateful), once anonymous and once for each role of the demo
# data, each run against a fresh server on a fresh embedded PostgreSQL (so one role's writes
# cannot starve the next run of data). Fails on any failure Schemathesis reports.
#
#   tests/schemathesis/run.sh                 # after `cargo build` and `pip install schemathesis`
#   tests/schemathesis/run.sh lead partner    # only these runs (anonymous, admin, manager, lead,
#                                             # participant, partner)
#
# Environment:
#   MATHSHUB_BIN              another server binary (default: debug/mathshub under the target dir)
#   SCHEMATHESIS_SEED         the seed of every run (default: a new random one, printed)
#   SCHEMATHESIS_MAX_EXAMPLES examples per operation and phase (default below)
#
# Reproducing a failure: each run prints its seed ("Seed: N" in Schemathesis's summary, and
# "schemathesis: <role> run, seed N" before it); run the same role with the same seed, e.g.
#   SCHEMATHESIS_SEED=1234 tests/schemathesis/run.sh lead
# or replay one request with the `curl` line Schemathesis prints beside the failure.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${MATHSHUB_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/mathshub}"
[[ -x "$bin" ]] || { echo "schemathesis: no server binary at $bin (run cargo build first)" >&2; exit 1; }
# The module rather than the `st` script: pip may put scripts where PATH does not look.
python3 -m schemathesis.cli --version >/dev/null 2>&1 ||
  { echo "schemathesis: not installed (pip install schemathesis)" >&2; exit 1; }

# Examples per operation and phase: six runs at 6 take about 5 to 8 minutes on 2 cores.
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-6}"
runs=("$@")
((${#runs[@]})) || runs=(anonymous admin manager lead participant partner)

# The embedded PostgreSQL runs as the `postgres` OS user when we are root, so the data
# directory and its parents must be traversable by that user: mktemp makes 0700, open it up.
work="$(mktemp -d /tmp/mathshub-schemathesis.XXXXXX)"
chmod 0755 "$work"
pid=""
log=""

stop_server() {
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    # SIGTERM lets the server stop its PostgreSQL cleanly; give it 30 s before SIGKILL.
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "schemathesis: server did not stop within 30 s, killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  fi
  pid=""
}

finish() {
  local status=$?
  trap '' INT TERM # a second Ctrl-C must not cut the clean-up short
  stop_server
  if [[ $status -ne 0 && -n "$log" && -f "$log" ]]; then
    echo "--- last lines of the server's log ($log)" >&2
    tail -n 40 "$log" >&2 || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts a server on a fresh data folder (first start: initdb, migrations, demo data) and
# waits for /readyz. Rate limits are raised for this server only: Schemathesis signs in and
# expresses interest far more often than a person, and a wall of 429s would test nothing.
start_server() {
  local name=$1 port
  port="$(free_port)"
  base="http://127.0.0.1:$port"
  log="$work/$name.log"
  env -u DATABASE_URL \
    MATHSHUB_DATA_DIR="$work/$name" \
    MATHSHUB_BIND="127.0.0.1:$port" \
    MATHSHUB_PUBLIC_URL="$base" \
    MATHSHUB_AUTH_ATTEMPTS_PER_ADDRESS=1000000 \
    MATHSHUB_AUTH_ATTEMPTS_PER_ACCOUNT=1000000 \
    MATHSHUB_EXPRESSIONS_OF_INTEREST_PER_ACCOUNT=1000000 \
    "$bin" serve >"$log" 2>&1 &
  pid=$!
  local deadline=$((SECONDS + 60))
  until python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=5)' \
    "$base/readyz" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "schemathesis: the server exited before it was ready" >&2; exit 1; }
    ((SECONDS < deadline)) || { echo "schemathesis: $base/readyz not 200 within 60 s" >&2; exit 1; }
    sleep 0.5
  done
}

failed=()
for run in "${runs[@]}"; do
  seed="${SCHEMATHESIS_SEED:-$(python3 -c 'import random; print(random.randrange(2**31))')}"
  echo "--- schemathesis: $run run, seed $seed (SCHEMATHESIS_SEED=$seed $0 $run reproduces it)"
  start_server "$run"
  config="$work/$run.toml"
  cp "$here/schemathesis.toml" "$config"
  if [[ $run != anonymous ]]; then
    # Bearer auth through the document's own `bearer` scheme: Schemathesis sends the token
    # only to the operations that declare it, and leaves it out on purpose for the
    # `ignored_auth` check, so refusals of missing or bad tokens stay tested.
    token="$(python3 "$here/sign_in.py" "$base" "$run")"
    printf '\n[auth.openapi.bearer]\nbearer = "%s"\n' "$token" >>"$config"
  fi
  started=$SECONDS
  # One worker: with two, Hypothesis describes strategies from two threads at once, and
  # CPython 3.11's `ast.parse` is not safe for that ("AST constructor recursion depth
  # mismatch", a crash inside the tool rather than a finding about the API).
  # Run from the work folder: Schemathesis and Hypothesis keep caches (`.schemathesis/`,
  # `.hypothesis/`) in the current folder, and each run starts afresh.
  if (cd "$work" && python3 -m schemathesis.cli --no-color --config-file "$config" run "$base/api-docs/openapi.json" \
    --checks all \
    --phases examples,coverage,fuzzing,stateful \
    --max-examples "$max_examples" \
    --seed "$seed" \
    --workers 1); then
    echo "schemathesis: $run run passed in $((SECONDS - started)) s"
  else
    echo "schemathesis: $run run FAILED in $((SECONDS - started)) s (seed $seed)"
    echo "--- last lines of the $run server's log" >&2
    tail -n 40 "$log" >&2 || true
    failed+=("$run (seed $seed)")
  fi
  stop_server
  log="" # shown above when its run failed; `finish` shows only a server that never served
done

if ((${#failed[@]})); then
  echo "schemathesis: failures in: ${failed[*]}" >&2
  exit 1
fi
echo "schemathesis: ${#runs[@]} runs, no failures"
