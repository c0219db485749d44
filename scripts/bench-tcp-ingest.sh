#!/bin/sh
# Measures TCP ingest of `logkeep serve` end to end on loopback: one
# `logkeep send` connection writes COUNT octet-counted RFC 5424 frames as
# fast as it can, and the time runs until /stats counts them all received.
#
# Usage: scripts/bench-tcp-ingest.sh [COUNT]
# Builds the release binary first. Uses ports 55140 (TCP) and 55180 (HTTP).
set -eu

count=${1:-1000000}
tcp_port=55140
http_port=55180
cd "$(dirname "$0")/.."
cargo build --release --quiet
logkeep=target/release/logkeep

"$logkeep" --log-level warn serve --udp 127.0.0.1:0 --tcp "127.0.0.1:$tcp_port" \
    --http "127.0.0.1:$http_port" --capacity 1GiB &
server=$!
trap 'kill "$server" 2>/dev/null' EXIT INT TERM

received() {
    python3 -c "import json, urllib.request; print(json.load(urllib.request.urlopen('http://127.0.0.1:$http_port/stats'))['received'])" 2>/dev/null || echo -1
}
while [ "$(received)" = -1 ]; do sleep 0.1; done

echo "uptime: $(uptime)"
start=$(date +%s.%N)
"$logkeep" send --to "tcp://127.0.0.1:$tcp_port" --count "$count" \
    --app-name bench --procid 42 "load test message number one" 2>&1
while [ "$(received)" -lt "$count" ]; do sleep 0.05; done
end=$(date +%s.%N)
python3 -c "import sys; seconds = $end - $start; print(f'ingested $count frames in {seconds:.2f} s: {$count / seconds:.0f} frames/s')"
