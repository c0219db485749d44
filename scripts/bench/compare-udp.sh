#!/usr/bin/env bash
# Compares the UDP loss of two logkeep binaries in one run. At each offered
# rate it runs every binary in turn, each in a fresh `logkeep serve`, so
# both see the same load of the shared machine within seconds of each
# other. Prints one tab-separated line per step:
#   label  offered  achieved  sent  stored  loss%  kernel_drops  cpu_s_per_1M
#
# Usage: scripts/bench/compare-udp.sh [--seconds S] [--rounds N]
#            LABEL=BINARY LABEL=BINARY ... -- RATE RATE ...
# Run scripts/bench.sh --quick once first: it builds the load generator
# and writes build/bench/messages.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT_DIR=$ROOT/build/bench
RUN_DIR=$OUT_DIR/compare-run
GENERATOR=$ROOT/benches/collectors/target/release/collector-bench
MESSAGES=$OUT_DIR/messages.txt
HZ=$(getconf CLK_TCK)

seconds=3
rounds=1
binaries=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
    case $1 in
    --seconds)
        seconds=$2
        shift
        ;;
    --rounds)
        rounds=$2
        shift
        ;;
    *=*) binaries+=("$1") ;;
    *)
        echo "compare-udp: unexpected $1; expected --seconds S, --rounds N or LABEL=BINARY" >&2
        exit 2
        ;;
    esac
    shift
done
if [ $# -eq 0 ] || [ "${#binaries[@]}" -eq 0 ]; then
    echo "compare-udp: usage: $0 [--seconds S] [--rounds N] LABEL=BINARY... -- RATE..." >&2
    exit 2
fi
shift
rates=("$@")
if [ ! -f "$MESSAGES" ] || [ ! -x "$GENERATOR" ]; then
    echo "compare-udp: $MESSAGES or $GENERATOR is missing; run scripts/bench.sh --quick first" >&2
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

# Waits until /stats `received` and `kernel_drops` stop changing for
# 1.5 s (at most 30 s). The receiver reads the kernel's drop count at most
# once a second, so a shorter wait can miss the last drops.
settle_logkeep() {
    local last=-1 same=0 value
    for _ in $(seq 120); do
        value=$(logkeep_stats | jq -c '[.received, .kernel_drops]')
        if [ "$value" = "$last" ]; then
            same=$((same + 1))
            if [ "$same" -ge 6 ]; then return 0; fi
        else
            same=0
            last=$value
        fi
        sleep 0.25
    done
}

field() {
    printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

mkdir -p "$RUN_DIR"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
    for rate in "${rates[@]}"; do
        for entry in "${binaries[@]}"; do
            label=${entry%%=*}
            LOGKEEP=${entry#*=}
            start_logkeep "$RUN_DIR/$label"
            cpu_before=$(cpu_ticks "$SYSTEM_PID")
            report=$("$GENERATOR" udp --to "127.0.0.1:$UDP_PORT" --file "$MESSAGES" \
                --rate "$rate" --count "$((rate * seconds))")
            settle_logkeep
            cpu_after=$(cpu_ticks "$SYSTEM_PID")
            stats=$(logkeep_stats)
            stored=$(jq '.received' <<<"$stats")
            drops=$(jq '.kernel_drops // "n/a"' <<<"$stats")
            sent=$(field sent "$report")
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$rate" \
                "$(field rate "$report")" "$sent" "$stored" \
                "$(python3 -c "print(round(100 * ($sent - $stored) / $sent, 3))")" \
                "$drops" \
                "$(python3 -c "print(round(($cpu_after - $cpu_before) / $HZ / max($stored, 1) * 1e6, 2))")"
            stop_logkeep
            SYSTEM_PID=
        done
    done
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
