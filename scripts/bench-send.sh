#!/bin/sh
# Measures the ceiling of `logkeep send` on loopback: UDP datagrams into a
# socket that nobody reads (the kernel drops them once its buffer is full),
# and TCP octet-counted frames into a reader that discards them.
#
# Usage: scripts/bench-send.sh [COUNT] [RUNS]
# Builds the release binary first. Prints one summary line per run.
set -eu

count=${1:-2000000}
runs=${2:-3}
cd "$(dirname "$0")/.."
cargo build --release --quiet
logkeep=target/release/logkeep

port_file=$(mktemp)
python3 - "$port_file" <<'PY' &
import socket, sys, threading
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.bind(("127.0.0.1", 0))
tcp.listen(8)
with open(sys.argv[1], "w") as out:
    out.write(f"{udp.getsockname()[1]} {tcp.getsockname()[1]}\n")
def discard(connection):
    while connection.recv(1 << 20):
        pass
while True:
    connection, _ = tcp.accept()
    threading.Thread(target=discard, args=(connection,), daemon=True).start()
PY
sink=$!
trap 'kill "$sink" 2>/dev/null; rm -f "$port_file"' EXIT INT TERM

while [ ! -s "$port_file" ]; do sleep 0.1; done
read -r udp_port tcp_port < "$port_file"

message="load test message number one"
echo "uptime: $(uptime)"
for run in $(seq "$runs"); do
    printf 'udp run %s: ' "$run"
    "$logkeep" send --to "udp://127.0.0.1:$udp_port" --count "$count" "$message" 2>&1
done
for run in $(seq "$runs"); do
    printf 'tcp run %s: ' "$run"
    "$logkeep" send --to "tcp://127.0.0.1:$tcp_port" --count "$count" "$message" 2>&1
done
