#!/usr/bin/env bash
# Profiles hosted `logkeep serve` ingesting corpus messages over UDP with
# valgrind's callgrind (instruction counts; `perf stat -e instructions`
# is not supported on this kind of virtual machine). Writes the annotated
# top functions to build/bench/callgrind.txt.
#
# Usage: scripts/bench/profile-logkeep.sh [COUNT]   (default 100000 messages)
# Run scripts/bench.sh once first: it builds both binaries and the message
# file.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT_DIR=$ROOT/build/bench
LOGKEEP=$ROOT/target/release/logkeep
GENERATOR=$ROOT/benches/collectors/target/release/collector-bench
COUNT=${1:-100000}
# Callgrind runs the collector many times slower (an estimate: 20 to 50),
# so the rate is low. On a busy machine some datagrams are still lost, and
# the script prints how many were received; divide by that count.
RATE=5000

source "$ROOT/scripts/bench/systems.sh"

if [ ! -f "$OUT_DIR/messages.txt" ]; then
    echo "profile: $OUT_DIR/messages.txt is missing; run scripts/bench.sh --quick first" >&2
    exit 1
fi

UDP_PORT=$(free_port udp)
HTTP_PORT=$(free_port tcp)
out=$OUT_DIR/callgrind.out
LOGKEEP_LOG=warn valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$LOGKEEP" serve --udp "127.0.0.1:$UDP_PORT" --http "127.0.0.1:$HTTP_PORT" \
    --capacity 1GiB 2>"$OUT_DIR/callgrind.log" &
SYSTEM_PID=$!
wait_for_port udp "$UDP_PORT" "$SYSTEM_PID"
"$GENERATOR" udp --to "127.0.0.1:$UDP_PORT" --file "$OUT_DIR/messages.txt" \
    --rate "$RATE" --count "$COUNT"
settle_seconds=0
until [ "$(progress_logkeep)" -ge "$COUNT" ] || [ "$settle_seconds" -ge 60 ]; do
    sleep 1
    settle_seconds=$((settle_seconds + 1))
done
echo "profile: logkeep received $(progress_logkeep) of $COUNT messages" >&2
stop_pid "$SYSTEM_PID"
wait "$SYSTEM_PID" 2>/dev/null || true
callgrind_annotate --inclusive=no "$out" 2>/dev/null | head -60 >"$OUT_DIR/callgrind.txt"
callgrind_annotate --inclusive=yes "$out" 2>/dev/null | head -60 >"$OUT_DIR/callgrind-inclusive.txt"
cat "$OUT_DIR/callgrind.txt"
