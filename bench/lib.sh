# Shell functions the benchmarks share: sourced, not run. They build the release binary, keep
# a throwaway embedded PostgreSQL in a temporary folder that is removed whatever happens, serve
# it, and turn wrk's and pgbench's figures into milliseconds.
#
# A script sets ROOT and PORT, sources this file, then calls bench_start_workdir before
# anything that writes to $WORK or $DATA.

# The settings every script takes from the environment: wrk's connections, wrk's and pgbench's
# threads, seconds per measurement, seconds of unrecorded load before it, extra flags for
# `seed --synthetic`.
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-3}
SEED_FLAGS=${BENCH_SEED_FLAGS:-}

BIN=$ROOT/target/release/mathshub
# The server's default pool (`PoolSettings::default_max_size`) unless BENCH_POOL_SIZE says.
cores=$(nproc)
POOL_SIZE=${BENCH_POOL_SIZE:-$((cores * 2 > 4 ? cores * 2 : 4))}
BASE=http://127.0.0.1:$PORT
SERVER_PID=

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# wrk from Debian when it is missing.
bench_ensure_wrk() {
    command -v wrk >/dev/null && return
    say "installing wrk (Debian package)"
    local sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get install -y wrk >/dev/null \
        || { "${sudo_cmd[@]}" apt-get update >/dev/null && "${sudo_cmd[@]}" apt-get install -y wrk >/dev/null; } \
        || die "could not install wrk"
}

bench_require() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "$tool is needed"
    done
}

bench_build() {
    say "building the release binary"
    (cd "$ROOT" && cargo build --release --quiet)
}

# WORK (a temporary folder) and DATA (the embedded cluster's data directory in it); on exit,
# interruption included, the server and any postmaster left behind are stopped and WORK goes.
bench_start_workdir() {
    WORK=$(mktemp -d)
    # As root the embedded cluster runs as the `postgres` user, which must reach the folder.
    chmod 755 "$WORK"
    DATA=$WORK/data
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

# The EXIT trap; a trap of its own that stops more first passes the exit status on.
bench_cleanup() {
    local status=${1:-$?}
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
    # A process killed before it could stop the cluster leaves the postmaster behind.
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

# `seed --synthetic` with the flags given; sets seed_seconds.
bench_seed_synthetic() {
    say "loading synthetic data (seed --synthetic${*:+ $*})"
    local started
    started=$(date +%s)
    "$BIN" --data-dir "$DATA" --log info seed --synthetic "$@" 2>"$WORK/seed.log" \
        || { cat "$WORK/seed.log" >&2; die "seeding failed"; }
    seed_seconds=$(($(date +%s) - started))
    grep -o 'Loaded synthetic data.*' "$WORK/seed.log" >&2 || true
}

# Serves $DATA on $BASE with the pool size and extra `serve` flags given, waits until it is
# ready, and points psql and pgbench at its cluster (PGHOST, PGPORT, … exported). The status
# clock and the retention sweeps are off: the synthetic years are past, and moving groups on
# or pseudonymising them would change the data being measured while it is measured. (The
# sweeps are turned off through the environment, which builds without them ignore.)
bench_serve() {
    local pool_size=$1
    shift
    say "starting the server on $BASE with a pool of $pool_size"
    MATHSHUB_RETENTION_CLOCK_SECS=0 RUST_LOG=warn "$BIN" --data-dir "$DATA" serve --bind "127.0.0.1:$PORT" --pool-size "$pool_size" \
        --status-clock-secs 0 "$@" >"$WORK/server.log" 2>&1 &
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
}

# wrk's latency figures ("850.00us", "9.13ms", "1.02s") in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 }
        else { printf "?" } }'
}

# "rps|p50|p99" from a `wrk --latency` report.
wrk_report_figures() {
    printf '%s|%s|%s\n' \
        "$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1")" \
        "$(to_ms "$(awk '$1 == "50%" { print $2 }' "$1")")" \
        "$(to_ms "$(awk '$1 == "99%" { print $2 }' "$1")")"
}

# wrk against URL (after the warm-up), with any wrk flags given, e.g. a header; dies on errors
# and prints "rps|p50|p99".
wrk_figures() {
    local name=$1 url=$2
    shift 2
    if [ "$WARMUP" -gt 0 ]; then
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$@" "$url" >/dev/null
    fi
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$url" >"$WORK/wrk-$name.txt"
    wrk_check_errors "$name" "$WORK/wrk-$name.txt"
    wrk_report_figures "$WORK/wrk-$name.txt"
}

# The authority whose list of open work groups the benchmarks ask for: one whose hub has more
# than a page of them, so the page is full and has a next one.
bench_list_authority() {
    local la
    la=$(psql -XAtq -c "
        SELECT la.gss_code
          FROM local_authorities la
          JOIN hub_local_authorities cover
            ON cover.la_code = coalesce(la.parent_gss_code, la.gss_code) AND cover.covered_until IS NULL
         WHERE (SELECT count(*) FROM work_groups wg WHERE wg.hub_id = cover.hub_id AND wg.status = 'open') > 20
         ORDER BY la.gss_code LIMIT 1")
    [ -n "$la" ] || die "no authority has more than 20 open work groups: seed more"
    echo "$la"
}

# Dies when a wrk report counts answers other than 2xx or socket errors.
wrk_check_errors() {
    local name=$1 report=$2
    if grep -qE 'Non-2xx|Socket errors' "$report"; then
        cat "$report" >&2
        die "$name: wrk saw errors"
    fi
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

# Runs pgbench in a folder of its own with the arguments given, logging every transaction;
# dies if it fails or any transaction failed; prints "tps|p50|p99".
pgbench_figures() {
    local name=$1
    shift
    mkdir -p "$WORK/pgbench-$name"
    (cd "$WORK/pgbench-$name" && pgbench -l "$@" >"$WORK/pgbench-$name.txt" 2>&1) \
        || { cat "$WORK/pgbench-$name.txt" >&2; die "$name: pgbench failed"; }
    grep -q 'number of failed transactions: 0 ' "$WORK/pgbench-$name.txt" \
        || { cat "$WORK/pgbench-$name.txt" >&2; die "$name: pgbench saw failed transactions"; }
    printf '%s|%s|%s\n' \
        "$(awk '/^tps = / { printf "%.0f", $3 }' "$WORK/pgbench-$name.txt")" \
        "$(pgbench_percentile 50 "$WORK/pgbench-$name"/pgbench_log.*)" \
        "$(pgbench_percentile 99 "$WORK/pgbench-$name"/pgbench_log.*)"
    rm -rf "$WORK/pgbench-$name"
}

# One line on the machine and the revision measured.
bench_machine() {
    local cpu memory revision
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    memory=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
    printf 'Machine: %s CPUs (%s), %s; %s embedded, %s.\n' "$(nproc)" "$cpu" "$memory" \
        "$(psql -XAtq -c 'SHOW server_version' | cut -d' ' -f1)" "$(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2)"
}

bench_revision() {
    local revision
    revision=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
    if [ -n "$(cd "$ROOT" && git status --porcelain 2>/dev/null)" ]; then revision="$revision (with local changes)"; fi
    printf '%s\n' "$revision"
}
