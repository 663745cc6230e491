#!/usr/bin/env bash
# Starts a throwaway mathshub (embedded PostgreSQL, demo data) on a free loopback port, runs
# swagger-ui.mjs against it in headless Chromium, then stops the server and removes its data,
# whether the check passed or not.
#
#   tests/swagger-ui/run.sh          # after `cargo build` and `npm ci` in tests/swagger-ui
#
# MATHSHUB_BIN picks another binary (default: debug/mathshub in $CARGO_TARGET_DIR or target/).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${MATHSHUB_BIN:-${CARGO_TARGET_DIR:-$root/target}/debug/mathshub}"
[[ -x "$bin" ]] || { echo "swagger-ui: no server binary at $bin (run cargo build first)" >&2; exit 1; }

# The embedded PostgreSQL runs as the `postgres` OS user when we are root, so the data
# directory and its parents must be traversable by that user: mktemp makes 0700, open it up.
data="$(mktemp -d /tmp/mathshub-swagger-ui.XXXXXX)"
chmod 0755 "$data"
log="$data/server.log"
port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })')"
base="http://127.0.0.1:$port"
pid=""

stop() {
  local status=$?
  trap '' INT TERM # a second Ctrl-C must not cut the clean-up short
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    # SIGTERM lets the server stop its PostgreSQL cleanly; give it 30 s before SIGKILL.
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "swagger-ui: server did not stop within 30 s, killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
  fi
  if [[ $status -ne 0 && -f "$log" ]]; then
    echo "--- last lines of the server's log ($log)" >&2
    tail -n 40 "$log" >&2 || true
  fi
  rm -rf "$data"
  exit "$status"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

env -u DATABASE_URL MATHSHUB_DATA_DIR="$data/data" MATHSHUB_BIND="127.0.0.1:$port" \
  "$bin" serve >"$log" 2>&1 &
pid=$!

# First start runs initdb, the migrations and the demo data load: allow 60 s.
echo "swagger-ui: waiting for $base/readyz"
deadline=$((SECONDS + 60))
ready() { node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(5000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$base/readyz"; }
until ready; do
  kill -0 "$pid" 2>/dev/null || { echo "swagger-ui: the server exited before it was ready" >&2; exit 1; }
  ((SECONDS < deadline)) || { echo "swagger-ui: $base/readyz not 200 within 60 s" >&2; exit 1; }
  sleep 0.5
done

node "$here/swagger-ui.mjs" "$base"
