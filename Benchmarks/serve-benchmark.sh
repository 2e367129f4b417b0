#!/usr/bin/env bash
# Load benchmark of `crashpipe serve`'s minidump upload endpoint, everything on this machine over
# loopback: builds release, starts a server on a temporary data directory with warm symbols,
# runs crashpipe-loadgen (N multipart uploads at concurrency C, each answer must be 200), waits
# until every upload is stored as an event, prints uploads/s, p50/p90/p99/max response time,
# events/s and the backlog drain time, then stops the server and removes the directory.
#
# Usage: Benchmarks/serve-benchmark.sh [--requests 2000] [--concurrency 16] [--runs 1]
#            [--workers W (server default: one per core)] [--client socket|urlsession]
#            [--dump FILE] [--symbols DIR] [--pad-to BYTES] [--warmup 20] [--no-build] [--wait-idle]
# The machine should be otherwise idle: each run prints how busy it was before starting and how
# much CPU other processes took during the run; --wait-idle waits (up to 30 min) for < 10% busy.
# Default dump: Tests/Fixtures/breakpad/minidumps/minidump2.dmp (Windows x86, 11,317 bytes) with
# its symbols test_app.pdb and kernel32.pdb from Tests/Fixtures/breakpad/symbols; `--pad-to 51200`
# appends zeros to make it a 50 KB upload. `--symbols DIR` copies DIR (Breakpad layout) instead.
# The data directory is made under $TMPDIR (default /tmp). Every upload is fsynced into the spool
# before it is answered, so upload numbers depend on that filesystem; TMPDIR=/dev/shm (tmpfs)
# takes the disk out of the measurement.
set -euo pipefail
cd "$(dirname "$0")/.."

requests=2000
concurrency=16
runs=1
workers=""
client=socket
dump=Tests/Fixtures/breakpad/minidumps/minidump2.dmp
symbols=""
pad_to=""
warmup=20
build=1
wait_idle=0
while [ $# -gt 0 ]; do
    case "$1" in
        --requests) requests=$2; shift 2 ;;
        --concurrency) concurrency=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --workers) workers=$2; shift 2 ;;
        --client) client=$2; shift 2 ;;
        --dump) dump=$2; shift 2 ;;
        --symbols) symbols=$2; shift 2 ;;
        --pad-to) pad_to=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        --wait-idle) wait_idle=1; shift ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done

if [ "$build" = 1 ]; then
    # One product per invocation: `swift build` keeps only the last --product given.
    swift build -c release --product crashpipe
    swift build -c release --product crashpipe-loadgen
fi
bin=$(swift build -c release --show-bin-path)

data=""
server=""
cleanup() {
    if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
        kill "$server"
        wait "$server" 2>/dev/null || true
    fi
    server=""
    if [ -n "$data" ]; then rm -rf "$data"; fi
    data=""
}
trap cleanup EXIT

# Percent of all cores busy over one second (from /proc/stat).
busy_percent() {
    local a b
    read -r -a a < /proc/stat
    sleep 1
    read -r -a b < /proc/stat
    local busy=$(( (b[1]+b[2]+b[3]+b[6]+b[7]+b[8]) - (a[1]+a[2]+a[3]+a[6]+a[7]+a[8]) ))
    local idle=$(( (b[4]+b[5]) - (a[4]+a[5]) ))
    echo $(( 100 * busy / (busy + idle > 0 ? busy + idle : 1) ))
}

echo "machine: $(nproc) cores, $(uname -sr); $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ //')"
echo "dump: $dump ($(stat -c %s "$dump") bytes)"
results=()
for run in $(seq 1 "$runs"); do
    busy=$(busy_percent)
    if [ "$wait_idle" = 1 ]; then
        for _ in $(seq 1 1800); do
            [ "$busy" -lt 10 ] && break
            busy=$(busy_percent)
        done
    fi
    data=$(mktemp -d "${TMPDIR:-/tmp}/crashpipe-serve-bench.XXXXXX")
    mkdir -p "$data/symbols"
    if [ -n "$symbols" ]; then
        cp -a "$symbols/." "$data/symbols/"
    else
        for module in test_app.pdb kernel32.pdb; do
            if [ -d "Tests/Fixtures/breakpad/symbols/$module" ]; then
                cp -a "Tests/Fixtures/breakpad/symbols/$module" "$data/symbols/"
            fi
        done
    fi
    token=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
    log="$data/serve.log"
    "$bin/crashpipe" serve --data-dir "$data" --port 0 --admin-token "$token" ${workers:+--workers "$workers"} \
        >"$log" 2>&1 &
    server=$!
    base="" upload=""
    for _ in $(seq 1 600); do
        base=$(grep -o 'crashpipe listening on http://127\.0\.0\.1:[0-9]*' "$log" | sed 's/.* on //' || true)
        upload=$(grep -o 'minidump upload URL: .*' "$log" | sed 's/.*URL: //' || true)
        if [ -n "$base" ] && [ -n "$upload" ]; then break; fi
        if ! kill -0 "$server" 2>/dev/null; then cat "$log" >&2; exit 1; fi
        sleep 0.05
    done
    if [ -z "$upload" ]; then echo "the server did not start:" >&2; cat "$log" >&2; exit 1; fi
    echo
    echo "== run $run of $runs: server pid $server at $base, workers ${workers:-default (one per core)}; machine $busy% busy before"
    out=$("$bin/crashpipe-loadgen" --dump "$dump" --upload-url "$upload" --admin-base "$base" --admin-token "$token" \
        --requests "$requests" --concurrency "$concurrency" --warmup "$warmup" --client "$client" \
        --server-pid "$server" ${pad_to:+--pad-to "$pad_to"}) || { echo "$out"; echo "server log:" >&2; tail -20 "$log" >&2; exit 1; }
    echo "$out"
    results+=("$(echo "$out" | grep '^RESULT' | sed 's/^RESULT //')")
    if grep -qi 'error' "$log"; then echo "server log has errors:"; grep -i 'error' "$log" | head -5; fi
    cleanup
done

echo
echo "summary ($runs runs, $requests requests, concurrency $concurrency, client $client):"
for line in "${results[@]}"; do echo "  $line"; done
