#!/usr/bin/env bash
# Compares logkeep with rsyslog and syslog-ng on this machine in one run.
# It measures UDP ingest at stepped rates (loss and CPU per message) and TCP
# ingest with octet counting for every collector. For logkeep it also
# measures resident memory against --capacity and query latency over a full
# store while ingest continues.
#
# Every server is started here on 127.0.0.1 with free ports and stopped at
# the end. Results go to stdout and to build/bench/results.md (not
# committed). Run scripts/bench/setup-peers.sh once first.
#
# Usage: scripts/bench.sh [--quick] [--systems "logkeep rsyslog syslog_ng"]
#   --quick    fewer and shorter steps: about a minute, plus about 40 s for
#              the image
#   --systems  which collectors to run, from logkeep, logkeep_image, rsyslog
#              and syslog_ng (default: every one that is available)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT_DIR=$ROOT/build/bench
RUN_DIR=$OUT_DIR/run
SYSLOG_NG_ROOT=$ROOT/build/peers/syslog-ng
LOGKEEP=$ROOT/target/release/logkeep
GENERATOR=$ROOT/benches/collectors/target/release/collector-bench
CORPUS=${LOGKEEP_CORPUS:-$ROOT/../shared/corpus/public.jsonl}
HZ=$(getconf CLK_TCK)

quick=0
systems=""
while [ $# -gt 0 ]; do
    case $1 in
    --quick) quick=1 ;;
    --systems)
        systems=$2
        shift
        ;;
    *)
        echo "bench: unknown option $1; expected --quick or --systems LIST" >&2
        exit 2
        ;;
    esac
    shift
done

if [ "$quick" = 1 ]; then
    UDP_RATES=(25000 100000)
    IMAGE_UDP_RATES=(100)
    STEP_SECONDS=1
    CEILING_COUNT=300000
    TCP_COUNT=50000
    IMAGE_TCP_COUNT=300
    CAPACITIES=(16MiB)
    MEMORY_CHUNK=100000
    QUERY_FILL=50000
    QUERY_REQUESTS=20
else
    UDP_RATES=(10000 25000 50000 100000 150000 200000 300000)
    IMAGE_UDP_RATES=(50 100 200 400)
    STEP_SECONDS=3
    CEILING_COUNT=2000000
    TCP_COUNT=1000000
    IMAGE_TCP_COUNT=2000
    CAPACITIES=(16MiB 64MiB 256MiB)
    MEMORY_CHUNK=200000
    QUERY_FILL=1000000
    QUERY_REQUESTS=200
fi
# A step is skipped once a collector lost more than this share (in %) at a
# lower rate, to keep the run short.
GIVE_UP_LOSS=50
# Rate for filling the store over UDP in the memory and query runs when
# logkeep has no TCP receiver.
MEMORY_RATE=${MEMORY_RATE:-50000}

# The UDP receive buffer the peers request: the 8 MiB that logkeep serve
# requests, capped at net.core.rmem_max as the kernel caps logkeep's
# request. rsyslog uses SO_RCVBUFFORCE as root and would otherwise get more.
PEER_RECEIVE_BUFFER=$((8 * 1048576))
rmem_max=$(cat /proc/sys/net/core/rmem_max)
if [ "$rmem_max" -lt "$PEER_RECEIVE_BUFFER" ]; then PEER_RECEIVE_BUFFER=$rmem_max; fi

# shellcheck source=bench/systems.sh
source "$ROOT/scripts/bench/systems.sh"

# Stops whatever collector or background sender is still running when the
# script ends early, so no server outlives the benchmark.
SYSTEM_PID=
background=
cleanup() {
    if [ -n "$background" ]; then kill "$background" 2>/dev/null || true; fi
    if [ -n "$SYSTEM_PID" ] && kill -0 "$SYSTEM_PID" 2>/dev/null; then
        stop_pid "$SYSTEM_PID"
    fi
}
trap cleanup EXIT

mkdir -p "$OUT_DIR"
rm -rf "$RUN_DIR"
mkdir -p "$RUN_DIR"
RESULTS=$OUT_DIR/results.md
: >"$RESULTS"

# Prints a progress line with the seconds since the start to stderr.
note() {
    echo "bench [${SECONDS}s]: $*" >&2
}

# Prints its arguments to stdout and appends them to the results file.
emit() {
    printf '%s\n' "$*" | tee -a "$RESULTS"
}

# --- preflight --------------------------------------------------------------

if [ ! -f "$CORPUS" ]; then
    echo "bench: corpus not found at $CORPUS; set LOGKEEP_CORPUS to public.jsonl" >&2
    exit 1
fi

note "building logkeep and the load generator"
(cd "$ROOT" && cargo build --release --quiet --bin logkeep)
(cd "$ROOT/benches/collectors" && cargo build --release --quiet)

have_logkeep=0
if "$LOGKEEP" serve --help 2>/dev/null | grep -q -- '--udp'; then have_logkeep=1; fi
have_rsyslog=0
if command -v rsyslogd >/dev/null; then have_rsyslog=1; fi
have_syslog_ng=0
if [ -x "$SYSLOG_NG_ROOT/usr/sbin/syslog-ng" ]; then have_syslog_ng=1; fi
have_logkeep_image=0
if [ "$have_logkeep" = 1 ] && [ -f "$LOGKEEP_IMAGE" ] && command -v qemu-system-x86_64 >/dev/null; then
    have_logkeep_image=1
fi

if [ -z "$systems" ]; then
    for name in logkeep logkeep_image rsyslog syslog_ng; do
        flag=have_$name
        if [ "${!flag}" = 1 ]; then
            systems="$systems $name"
        else
            echo "bench: $name is not available; skipping it (run scripts/bench/setup-peers.sh for the peers, scripts/build-image.sh for the image)" >&2
        fi
    done
fi

# Another rsyslogd would compete with the measured one for the CPU.
if [[ " $systems " == *" rsyslog "* ]] && pgrep -x rsyslogd >/dev/null; then
    echo "bench: an rsyslogd is already running (pid $(pgrep -x rsyslogd | tr '\n' ' '));" \
        "stop it first so it does not compete for the CPU, or leave rsyslog out with --systems" >&2
    exit 1
fi

# One raw message per line. Messages with an embedded line break are left
# out because the file peers are counted by lines.
MESSAGES=$OUT_DIR/messages.txt
jq -r 'select(.raw != null and (.format == "rfc3164" or .format == "rfc5424"
        or .format == "vendor"))
    | .raw | select(test("[\r\n]") | not)' "$CORPUS" >"$MESSAGES"
message_count=$(wc -l <"$MESSAGES")
message_bytes=$(($(wc -c <"$MESSAGES") - message_count))
mean_message_bytes=$((message_bytes / message_count))

# --- helpers ----------------------------------------------------------------

now() {
    date +%s.%N
}

# Waits until progress_$1 stops changing for 0.75 s (or 30 s pass, 120 s
# for the emulated image) and sets LAST_CHANGE to the time of its last
# change.
settle() {
    local system=$1 last=-1 same=0 value polls=120
    if [ "$system" = logkeep_image ]; then polls=480; fi
    LAST_CHANGE=$(now)
    for _ in $(seq "$polls"); do
        value=$("progress_$system")
        if [ "$value" = "$last" ] && [ "$value" != unavailable ]; then
            same=$((same + 1))
            if [ "$same" -ge 3 ]; then return 0; fi
        else
            same=0
            last=$value
            LAST_CHANGE=$(now)
        fi
        sleep 0.25
    done
    echo "bench: $system still receiving after $((polls / 4)) s; counting what it has" >&2
}

# Prints the value of key $1 from a generator report line $2.
field() {
    printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

calc() {
    python3 -c "print($1)"
}

# Sends $1 messages to the running logkeep to fill its store: over TCP
# when it has a TCP receiver, because TCP loses nothing, else over UDP at
# MEMORY_RATE.
fill_logkeep() {
    if [ -n "$TCP_PORT" ]; then
        "$GENERATOR" tcp --to "127.0.0.1:$TCP_PORT" --file "$MESSAGES" --rate 0 \
            --count "$1" >/dev/null
    else
        "$GENERATOR" udp --to "127.0.0.1:$UDP_PORT" --file "$MESSAGES" \
            --rate "$MEMORY_RATE" --count "$1" >/dev/null
    fi
}

# --- generator ceiling --------------------------------------------------------

ceiling_count=$CEILING_COUNT
ceiling=$("$GENERATOR" ceiling --file "$MESSAGES" --count "$ceiling_count")
ceiling_rate=$(field rate "$ceiling")

# The same for `logkeep send --file`, timed from outside.
sink_port_file=$RUN_DIR/sink.port
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(120)
' "$sink_port_file" &
sink=$!
for _ in $(seq 50); do [ -s "$sink_port_file" ] && break; sleep 0.1; done
send_start=$(now)
LOGKEEP_LOG=warn "$LOGKEEP" send --to "udp://127.0.0.1:$(cat "$sink_port_file")" \
    --file "$MESSAGES" --count "$ceiling_count" --rate 0 >/dev/null
send_rate=$(calc "round($ceiling_count / ($(now) - $send_start))")
kill "$sink"
wait "$sink" 2>/dev/null || true

emit "## Collectors compared (generated $(date -u +%Y-%m-%dT%H:%MZ))"
emit ""
emit "- Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
emit "- Command: scripts/bench.sh$([ "$quick" = 1 ] && echo ' --quick')"
emit "- Messages: $message_count raw corpus messages (rfc3164, rfc5424, vendor), mean $mean_message_bytes bytes, sent in a cycle"
emit "- Load generator: collector-bench (benches/collectors, sendmmsg in batches of up to 64). Its ceiling into a socket nobody reads: $ceiling_rate msg/s; \`logkeep send --rate 0\` reaches $send_rate msg/s the same way"
emit ""

# --- UDP ingest ---------------------------------------------------------------

UDP_TSV=$OUT_DIR/udp.tsv
: >"$UDP_TSV"
: >"$OUT_DIR/receive-buffers.txt"
for system in $systems; do
    note "UDP ingest, $system"
    "start_$system" "$RUN_DIR/$system-udp"
    echo "$system $(udp_receive_buffer "$UDP_PORT")" >>"$OUT_DIR/receive-buffers.txt"
    give_up=0
    rates=("${UDP_RATES[@]}")
    # Under TCG the image stores on the order of 100 messages per second.
    if [ "$system" = logkeep_image ]; then rates=("${IMAGE_UDP_RATES[@]}"); fi
    for rate in "${rates[@]}"; do
        if [ "$give_up" = 1 ]; then
            printf '%s\t%s\tskipped\n' "$system" "$rate" >>"$UDP_TSV"
            continue
        fi
        count=$((rate * STEP_SECONDS))
        if [ "$system" = logkeep_image ]; then count=$((rate * 3)); fi
        before=$("count_$system")
        cpu_before=$(cpu_ticks "$SYSTEM_PID")
        report=$("$GENERATOR" udp --to "127.0.0.1:$UDP_PORT" --file "$MESSAGES" \
            --rate "$rate" --count "$count")
        settle "$system"
        if ! after=$("count_$system"); then
            printf '%s\t%s\tunresponsive\n' "$system" "$rate" >>"$UDP_TSV"
            note "  $rate msg/s: $system stopped responding; skipping its higher rates"
            give_up=1
            continue
        fi
        cpu_after=$(cpu_ticks "$SYSTEM_PID")
        stored=$((after - before))
        sent=$(field sent "$report")
        loss=$(calc "round(100 * ($sent - $stored) / $sent, 3)")
        cpu_per_million=$(calc "round(($cpu_after - $cpu_before) / $HZ / max($stored, 1) * 1e6, 2)")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$system" "$rate" \
            "$(field rate "$report")" "$sent" "$stored" "$loss" \
            "$cpu_per_million" >>"$UDP_TSV"
        note "  $rate msg/s: sent $sent, stored $stored, loss $loss %," \
            "$cpu_per_million CPU s per 1M"
        if python3 -c "import sys; sys.exit(0 if $loss > $GIVE_UP_LOSS else 1)"; then
            give_up=1
        fi
    done
    "stop_$system"
done

emit "### UDP ingest"
emit ""
emit "logkeep requests an 8 MiB UDP receive buffer, which the kernel caps at"
emit "net.core.rmem_max = $rmem_max. The peers request $PEER_RECEIVE_BUFFER bytes."
emit "For the image the socket is QEMU's host socket of the port forward."
emit "Granted (ss -m \`rb\`, twice SO_RCVBUF):$(awk '{ printf " %s %s B;", $1, $2 }' "$OUT_DIR/receive-buffers.txt")"
emit ""
emit "Each step offers $STEP_SECONDS s (the image 3 s) of messages at a fixed rate. Stored counts"
emit "logkeep's /stats \`received\` and the peers' output lines. CPU is user + system"
emit "time of the collector process (all threads) per million stored messages."
emit ""
emit "| collector | max rate with ≤ 0.1 % loss (msg/s) | CPU s per 1M at that rate |"
emit "|---|---|---|"
for system in $systems; do
    # The highest step before the first one that lost more than 0.1 %.
    best=$(awk -F'\t' -v s="$system" '$1 == s && !failed {
            if (NF == 7 && $6 <= 0.1) { r = $2; c = $7 } else failed = 1 }
        END { if (r) print r "\t" c; else print "none\t-" }' "$UDP_TSV")
    emit "| $(display_name "$system") | $(cut -f1 <<<"$best") | $(cut -f2 <<<"$best") |"
done
emit ""
emit "Loss curve. The generator paces each step; \"achieved\" is the rate it"
emit "really sent at, which falls below the offered rate near its ceiling."
emit ""
emit "| collector | offered (msg/s) | achieved (msg/s) | sent | stored | loss (%) | CPU s per 1M stored |"
emit "|---|---|---|---|---|---|---|"
for system in $systems; do
    awk -F'\t' -v s="$system" -v name="$(display_name "$system")" '$1 == s {
        if ($3 == "skipped") printf "| %s | %s | skipped after > '"$GIVE_UP_LOSS"' %% loss | | | | |\n", name, $2
        else if ($3 == "unresponsive") printf "| %s | %s | /stats did not respond for 60 s after the step | | | | |\n", name, $2
        else printf "| %s | %s | %s | %s | %s | %s | %s |\n", name, $2, $3, $4, $5, $6, $7
    }' "$UDP_TSV" | tee -a "$RESULTS"
done
emit ""

# --- TCP ingest ---------------------------------------------------------------

emit "### TCP ingest (RFC 6587 octet counting, one connection, unpaced)"
emit ""
emit "| collector | messages | stored | msg/s | CPU s per 1M |"
emit "|---|---|---|---|---|"
for system in $systems; do
    if [[ $system == logkeep* ]] && ! logkeep_has_tcp; then
        emit "| $(display_name "$system") | - | - | no TCP receiver in this build | - |"
        continue
    fi
    note "TCP ingest, $system"
    "start_$system" "$RUN_DIR/$system-tcp"
    before=$("count_$system")
    cpu_before=$(cpu_ticks "$SYSTEM_PID")
    count=$TCP_COUNT
    if [ "$system" = logkeep_image ]; then count=$IMAGE_TCP_COUNT; fi
    start=$(now)
    report=$("$GENERATOR" tcp --to "127.0.0.1:$TCP_PORT" --file "$MESSAGES" \
        --rate 0 --count "$count")
    settle "$system"
    after=$("count_$system")
    cpu_after=$(cpu_ticks "$SYSTEM_PID")
    stored=$((after - before))
    if [ "$stored" = 0 ]; then
        emit "| $(display_name "$system") | $(field sent "$report") | 0 | none stored; see build/bench/run/$system-tcp | - |"
        "stop_$system"
        continue
    fi
    throughput=$(calc "round($stored / ($LAST_CHANGE - $start))")
    cpu_per_million=$(calc "round(($cpu_after - $cpu_before) / $HZ / max($stored, 1) * 1e6, 2)")
    emit "| $(display_name "$system") | $(field sent "$report") | $stored | $throughput | $cpu_per_million |"
    "stop_$system"
done
emit ""

# --- memory -------------------------------------------------------------------

if [[ " $systems " == *" logkeep "* ]]; then
    emit "### logkeep memory against --capacity"
    emit ""
    emit "Each run sends messages in chunks of $MEMORY_CHUNK (over TCP, or over UDP at"
    emit "$MEMORY_RATE msg/s without a TCP receiver) until the store starts evicting,"
    emit "then a quarter more, so the store is full and has wrapped. RSS is VmRSS"
    emit "right after start (empty) and at the end (full). Growth / capacity leaves"
    emit "out the memory of the empty process."
    emit ""
    emit "| --capacity | sent | events stored | evicted | RSS empty (MiB) | RSS full (MiB) | RSS / capacity | growth / capacity | RSS per stored event (B) | RSS per raw byte stored |"
    emit "|---|---|---|---|---|---|---|---|---|---|"
    for capacity in "${CAPACITIES[@]}"; do
        note "memory, --capacity $capacity"
        capacity_bytes=$(($(tr -dc 0-9 <<<"$capacity") * 1048576))
        LOGKEEP_CAPACITY=$capacity start_logkeep "$RUN_DIR/logkeep-memory-$capacity"
        rss_empty=$(($(rss_kib "$SYSTEM_PID") * 1024))
        sent=0
        for _ in $(seq 100); do
            fill_logkeep "$MEMORY_CHUNK"
            sent=$((sent + MEMORY_CHUNK))
            if [ "$(logkeep_stats | jq '.evicted')" -gt 0 ]; then break; fi
        done
        fill_logkeep "$((sent / 4))"
        sent=$((sent + sent / 4))
        settle logkeep
        stats=$(logkeep_stats)
        events=$(jq '.events' <<<"$stats")
        rss=$(($(rss_kib "$SYSTEM_PID") * 1024))
        emit "| $capacity | $sent | $events | $(jq '.evicted' <<<"$stats") |" \
            "$(calc "round($rss_empty / 1048576, 1)") | $(calc "round($rss / 1048576, 1)") |" \
            "$(calc "round($rss / $capacity_bytes, 2)") |" \
            "$(calc "round(($rss - $rss_empty) / $capacity_bytes, 2)") |" \
            "$(calc "round($rss / max($events, 1))") |" \
            "$(calc "round($rss / max($events * $mean_message_bytes, 1), 2)") |"
        stop_logkeep
    done
    emit ""
fi

# --- queries ------------------------------------------------------------------

if [[ " $systems " == *" logkeep "* ]]; then
    note "queries over $QUERY_FILL messages"
    LOGKEEP_CAPACITY=1GiB start_logkeep "$RUN_DIR/logkeep-query"
    fill_logkeep "$QUERY_FILL"
    settle logkeep
    events=$(logkeep_stats | jq '.events')
    "$GENERATOR" udp --to "127.0.0.1:$UDP_PORT" --file "$MESSAGES" --rate 5000 \
        --count 100000000 >/dev/null &
    background=$!
    emit "### logkeep query latency"
    emit ""
    emit "$events events stored (--capacity 1GiB); ingest continues at 5k msg/s"
    emit "during the queries. One HTTP connection per request, $QUERY_REQUESTS requests each"
    emit "($((QUERY_REQUESTS / 10)) for the full scan)."
    emit ""
    emit "| query | median (ms) | p99 (ms) | mean response (B) |"
    emit "|---|---|---|---|"
    # About 12 % of the corpus messages are err or more severe, 8 % come
    # from the host "host", 2 % contain "error", and the time range covers
    # the corpus messages stamped in 2019. No message contains
    # "no-such-text", so that query scans the whole store.
    for path in "/events?limit=100" "/events?severity=err&limit=100" \
        "/events?host=host&limit=100" "/events?q=error&limit=100" \
        "/events?q=no-such-text&limit=100" \
        "/events?since=2019-01-01T00:00:00Z&until=2019-12-31T23:59:59Z&limit=100" \
        "/stats"; do
        requests=$QUERY_REQUESTS
        # A full scan takes about a second; fewer requests keep the run short.
        if [[ $path == *no-such-text* ]]; then requests=$((QUERY_REQUESTS / 10)); fi
        result=$("$GENERATOR" query --to "127.0.0.1:$HTTP_PORT" --path "$path" \
            --count "$requests" 2>>"$RUN_DIR/query-errors.log" || echo failed)
        if [ "$result" = failed ]; then
            emit "| \`$path\` | failed | see build/bench/run/query-errors.log | - |"
            continue
        fi
        emit "| \`$path\` | $(field median_ms "$result") | $(field p99_ms "$result") |" \
            "$(field mean_bytes "$result") |"
    done
    kill "$background"
    wait "$background" 2>/dev/null || true
    stop_logkeep
    emit ""
fi

note "results written to $RESULTS"
