# Start, count and stop functions for each collector that scripts/bench.sh
# compares. Sourced by scripts/bench.sh, which sets ROOT, RUN_DIR, LOGKEEP,
# SYSLOG_NG_ROOT and PEER_RECEIVE_BUFFER.
#
# Each system NAME provides:
#   start_NAME DIR   starts it on free loopback ports and sets SYSTEM_PID,
#                    UDP_PORT, TCP_PORT (empty when it has no TCP receiver)
#                    and HTTP_PORT (logkeep only)
#   progress_NAME    prints a number that changes while messages arrive
#   count_NAME       prints how many messages it has stored so far
#   stop_NAME        stops it and waits for it to exit

# Prints a port that is free on 127.0.0.1 for the protocol in $1 (udp or
# tcp), picked by the kernel. Another process could take it before the
# collector binds it. The collector then fails to start and the harness
# reports that.
free_port() {
    python3 - "$1" <<'EOF'
import socket, sys
kind = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, kind)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}

# Waits up to 10 s until something listens on 127.0.0.1:$2 ($1 is udp or
# tcp) and process $3 is still alive.
wait_for_port() {
    local kind=$1 port=$2 pid=$3 flag
    if [ "$kind" = udp ]; then flag=-Hlun; else flag=-Hltn; fi
    for _ in $(seq 100); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "bench: process $pid exited before listening on $kind port $port" >&2
            return 1
        fi
        if [ -n "$(ss "$flag" "sport = :$port")" ]; then return 0; fi
        sleep 0.1
    done
    echo "bench: timed out waiting for $kind port $port (pid $pid)" >&2
    return 1
}

# Sends SIGTERM to $1 and waits up to 5 s for it to exit, then SIGKILL.
stop_pid() {
    local pid=$1
    kill "$pid" 2>/dev/null || return 0
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    echo "bench: pid $pid ignored SIGTERM for 5 s; sending SIGKILL" >&2
    kill -9 "$pid" 2>/dev/null || true
}

# Prints user + system CPU time of process $1 in clock ticks.
cpu_ticks() {
    # Fields after the ")" that closes the command name: utime is the 12th,
    # stime the 13th (proc(5) fields 14 and 15).
    sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# Prints the resident set size of process $1 in KiB.
rss_kib() {
    awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# --- logkeep, hosted ------------------------------------------------------

# --capacity of `logkeep serve` in the ingest runs; the memory and query
# runs set their own.
LOGKEEP_CAPACITY=${LOGKEEP_CAPACITY:-1GiB}

logkeep_has_tcp() {
    "$LOGKEEP" serve --help 2>/dev/null | grep -q -- '--tcp'
}

start_logkeep() {
    local dir=$1
    mkdir -p "$dir"
    UDP_PORT=$(free_port udp)
    HTTP_PORT=$(free_port tcp)
    TCP_PORT=
    local tcp_flags=()
    if logkeep_has_tcp; then
        TCP_PORT=$(free_port tcp)
        tcp_flags=(--tcp "127.0.0.1:$TCP_PORT")
    fi
    LOGKEEP_LOG=warn "$LOGKEEP" serve --udp "127.0.0.1:$UDP_PORT" \
        --http "127.0.0.1:$HTTP_PORT" --capacity "$LOGKEEP_CAPACITY" \
        "${tcp_flags[@]}" >"$dir/stdout.log" 2>"$dir/stderr.log" &
    SYSTEM_PID=$!
    wait_for_port tcp "$HTTP_PORT" "$SYSTEM_PID" || return 1
    wait_for_port udp "$UDP_PORT" "$SYSTEM_PID"
}

logkeep_stats() {
    curl -sf --max-time 5 "http://127.0.0.1:$HTTP_PORT/stats"
}

# Prints /stats `received`, or "unavailable" when /stats does not respond
# (the image can be too busy to respond while it works through a burst).
progress_logkeep() {
    local stats
    if stats=$(logkeep_stats 2>/dev/null); then
        jq '.received' <<<"$stats"
    else
        echo unavailable
    fi
}

# Prints /stats `received`, retrying for up to 60 s.
count_logkeep() {
    local value
    for _ in $(seq 60); do
        value=$(progress_logkeep)
        if [ "$value" != unavailable ]; then
            echo "$value"
            return 0
        fi
        sleep 1
    done
    echo "bench: /stats on port $HTTP_PORT did not respond for 60 s" >&2
    return 1
}

stop_logkeep() {
    stop_pid "$SYSTEM_PID"
}

# --- rsyslog ----------------------------------------------------------------

start_rsyslog() {
    local dir=$1
    mkdir -p "$dir"
    UDP_PORT=$(free_port udp)
    TCP_PORT=$(free_port tcp)
    sed -e "s#@DIR@#$dir#g" -e "s#@UDP_PORT@#$UDP_PORT#g" \
        -e "s#@TCP_PORT@#$TCP_PORT#g" -e "s#@RCVBUF@#$PEER_RECEIVE_BUFFER#g" \
        "$ROOT/scripts/bench/rsyslog.conf.in" >"$dir/rsyslog.conf"
    rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid" \
        >"$dir/stdout.log" 2>"$dir/stderr.log" &
    SYSTEM_PID=$!
    wait_for_port udp "$UDP_PORT" "$SYSTEM_PID" || return 1
    wait_for_port tcp "$TCP_PORT" "$SYSTEM_PID"
    PEER_FILE=$dir/messages.log
}

progress_rsyslog() {
    stat -c %s "$PEER_FILE" 2>/dev/null || echo 0
}

count_rsyslog() {
    if [ -e "$PEER_FILE" ]; then wc -l <"$PEER_FILE"; else echo 0; fi
}

stop_rsyslog() {
    stop_pid "$SYSTEM_PID"
}

# --- syslog-ng, unpacked into build/peers by setup-peers.sh ---------------

start_syslog_ng() {
    local dir=$1
    mkdir -p "$dir"
    UDP_PORT=$(free_port udp)
    TCP_PORT=$(free_port tcp)
    sed -e "s#@DIR@#$dir#g" -e "s#@UDP_PORT@#$UDP_PORT#g" \
        -e "s#@TCP_PORT@#$TCP_PORT#g" -e "s#@RCVBUF@#$PEER_RECEIVE_BUFFER#g" \
        "$ROOT/scripts/bench/syslog-ng.conf.in" >"$dir/syslog-ng.conf"
    LD_LIBRARY_PATH="$SYSLOG_NG_ROOT/usr/lib/syslog-ng" \
        "$SYSLOG_NG_ROOT/usr/sbin/syslog-ng" --no-caps -F \
        -f "$dir/syslog-ng.conf" -R "$dir/persist" -p "$dir/syslog-ng.pid" \
        -c "$dir/syslog-ng.ctl" \
        --module-path="$SYSLOG_NG_ROOT/usr/lib/syslog-ng/3.38" \
        >"$dir/stdout.log" 2>"$dir/stderr.log" &
    SYSTEM_PID=$!
    wait_for_port udp "$UDP_PORT" "$SYSTEM_PID" || return 1
    wait_for_port tcp "$TCP_PORT" "$SYSTEM_PID"
    PEER_FILE=$dir/messages.log
}

progress_syslog_ng() {
    progress_rsyslog
}

count_syslog_ng() {
    count_rsyslog
}

stop_syslog_ng() {
    stop_pid "$SYSTEM_PID"
}

# --- logkeep image under QEMU ---------------------------------------------

# QEMU runs the image with TCG (instruction emulation) on machines without
# hardware virtualisation, so its figures measure the emulator as much as
# logkeep.
LOGKEEP_IMAGE=${LOGKEEP_IMAGE:-$ROOT/build/image/logkeep}

start_logkeep_image() {
    local dir=$1
    mkdir -p "$dir"
    UDP_PORT=$(free_port udp)
    HTTP_PORT=$(free_port tcp)
    TCP_PORT=
    local tcp_port=$HTTP_PORT tcp_flags=()
    # run.sh forwards no TCP syslog port when it equals the HTTP port.
    if logkeep_has_tcp; then
        TCP_PORT=$(free_port tcp)
        tcp_port=$TCP_PORT
        tcp_flags=(--tcp 514)
    fi
    "$ROOT/scripts/run.sh" --no-build --image "$LOGKEEP_IMAGE" \
        --udp-port "$UDP_PORT" --http-port "$HTTP_PORT" --tcp-port "$tcp_port" \
        --serial "$dir/serial.log" -- serve --capacity 64MiB "${tcp_flags[@]}" \
        >"$dir/stdout.log" 2>"$dir/stderr.log" &
    SYSTEM_PID=$!

    # QEMU listens on the forwarded ports before the guest has booted, so
    # readiness is the first response from the guest's HTTP server.
    for _ in $(seq 240); do
        if ! kill -0 "$SYSTEM_PID" 2>/dev/null; then
            echo "bench: QEMU (pid $SYSTEM_PID) exited during boot; see $dir" >&2
            return 1
        fi
        if logkeep_stats >/dev/null 2>&1; then return 0; fi
        sleep 0.5
    done
    echo "bench: the image did not respond to /stats within 120 s; see $dir/serial.log" >&2
    stop_pid "$SYSTEM_PID"
    return 1
}

progress_logkeep_image() {
    progress_logkeep
}

count_logkeep_image() {
    count_logkeep
}

stop_logkeep_image() {
    stop_pid "$SYSTEM_PID"
}

# Prints the name of system $1 as the result tables show it.
display_name() {
    case $1 in
    logkeep) echo "logkeep (hosted)" ;;
    logkeep_image) echo "logkeep image (QEMU, TCG emulation)" ;;
    rsyslog) echo "rsyslog $(rsyslogd -v | sed -n '1s/^rsyslogd *\([0-9.]*\).*/\1/p')" ;;
    syslog_ng) echo "syslog-ng 3.38" ;;
    *) echo "$1" ;;
    esac
}

# Prints the receive buffer the kernel granted the UDP socket on
# 127.0.0.1:$1, in bytes (the `rb` field of `ss -m`, which counts the
# kernel's bookkeeping too: twice the SO_RCVBUF value set).
udp_receive_buffer() {
    ss -Huamn "sport = :$1" | grep -o 'rb[0-9]*' | head -1 | tr -dc 0-9
}
