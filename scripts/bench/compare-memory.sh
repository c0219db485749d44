#!/usr/bin/env bash
# Compares the memory per stored event of logkeep binaries. Each one is
# started fresh with --capacity 1GiB, filled with COUNT corpus messages
# over one TCP connection (TCP loses nothing), and then reports the bytes
# its store charges per event and how much its RSS grew per event.
#
# Usage: scripts/bench/compare-memory.sh COUNT LABEL=BINARY...
# Run scripts/bench.sh --quick once first: it builds the load generator
# and writes build/bench/messages.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUN_DIR=$ROOT/build/bench/compare-memory-run
GENERATOR=$ROOT/benches/collectors/target/release/collector-bench
MESSAGES=$ROOT/build/bench/messages.txt

if [ $# -lt 2 ]; then
    echo "compare-memory: usage: $0 COUNT LABEL=BINARY..." >&2
    exit 2
fi
count=$1
shift
if [ ! -f "$MESSAGES" ] || [ ! -x "$GENERATOR" ]; then
    echo "compare-memory: $MESSAGES or $GENERATOR is missing; run scripts/bench.sh --quick first" >&2
    exit 1
fi

# shellcheck source=systems.sh
source "$ROOT/scripts/bench/systems.sh"

SYSTEM_PID=
cleanup() {
    if [ -n "$SYSTEM_PID" ] && kill -0 "$SYSTEM_PID" 2>/dev/null; then
        stop_pid "$SYSTEM_PID"
    fi
}
trap cleanup EXIT

for entry in "$@"; do
    label=${entry%%=*}
    LOGKEEP=${entry#*=}
    start_logkeep "$RUN_DIR/$label"
    rss_empty=$(rss_kib "$SYSTEM_PID")
    "$GENERATOR" tcp --to "127.0.0.1:$TCP_PORT" --file "$MESSAGES" --rate 0 \
        --count "$count" >/dev/null
    for _ in $(seq 240); do
        if [ "$(progress_logkeep)" -ge "$count" ]; then break; fi
        sleep 0.25
    done
    stats=$(logkeep_stats)
    rss=$(rss_kib "$SYSTEM_PID")
    events=$(jq .events <<<"$stats")
    bytes=$(jq .bytes <<<"$stats")
    echo "$label: events=$events charged_per_event=$((bytes / events))" \
        "rss_growth_per_event=$(((rss - rss_empty) * 1024 / events))"
    stop_logkeep
    SYSTEM_PID=
done
