#!/usr/bin/env bash
# Boots the logkeep image in QEMU: builds it first when needed (runs
# scripts/setup.sh on a fresh machine), then starts `logkeep serve` as a
# unikernel with the serial console on this terminal.
#
# Usage: scripts/run.sh [OPTIONS] [-- LOGKEEP_ARGS...]
#
# Networking (user mode, the default): QEMU forwards host ports on
# 127.0.0.1 to the guest, whose address is 10.0.2.15/24 (gateway 10.0.2.2).
#   --udp-port PORT     host UDP port forwarded to guest UDP 514 (default 5514)
#   --http-port PORT    host TCP port forwarded to guest TCP 8080 (default 8080)
#   --tcp-port PORT     host TCP port forwarded to guest TCP 514 (default 5514),
#                       where the default `serve --tcp 514` receives syslog
#                       over TCP (RFC 6587)
#   --bind ADDR         host address of the forwards (default 127.0.0.1)
#
# Networking (tap mode): a TAP device joins the guest to a host network, so
# other machines (routers, switches) can send syslog to the guest address.
#   --tap               use a TAP device instead of user networking
#   --tap-name NAME     TAP device name (default lk-tap0); created when
#                       missing and run as root
#   --bridge BRIDGE     add the TAP device to BRIDGE (created when missing);
#                       without it the TAP device gets the gateway address
#   --ip ADDR           guest IPv4 address (default 10.0.5.3)
#   --gateway ADDR      guest gateway (default 10.0.5.1)
#   --mask MASK         guest netmask (default 255.255.255.0)
#   --mac MAC           guest MAC address (default 52:54:00:12:34:56)
#
# Machine:
#   --memory SIZE       guest memory, QEMU -m syntax (default 512M); it also
#                       sets the connection caps, see below
#   --smp N             virtual CPUs (default 2)
#   --accel auto|kvm|tcg  hardware virtualisation or emulation (default auto:
#                       KVM only when kvm_intel or kvm_amd is loaded and the CPU
#                       has vmx or svm)
#   --image PATH        boot this image instead of building build/image/logkeep
#   --no-build          do not run scripts/build-image.sh
#   --serial FILE       write the serial console to FILE instead of the terminal
#   --monitor SOCKET    QEMU monitor on a Unix socket (send `quit` to stop)
#   --kernel-arg ARG    extra Hermit kernel argument, e.g. env=LOGKEEP_LOG=debug
#                       or env=HERMIT_UDP_RX_QUEUE=4096 (repeatable)
#
# Arguments after `--` go to logkeep, like on a hosted machine; with none the
# guest runs `logkeep serve --tcp 514` (UDP and TCP 514, HTTP 8080).
#
# Connection caps: every TCP and HTTP connection runs on a thread whose
# stacks (256 KiB plus 96 KiB in the kernel) come from a reserve of about
# 10% of guest memory, and the kernel panics when it runs out. So
#   (--tcp-max-connections + --max-connections) x 352 KiB
#     <= memory / 10 - 8 MiB (the other threads' stacks)
# run.sh passes the largest caps that fit --memory (a quarter for HTTP, at
# most 256 TCP and 64 HTTP) as LOGKEEP_TCP_MAX_CONNECTIONS and
# LOGKEEP_MAX_CONNECTIONS; logkeep options after `--` override them.
#
# Stop: Ctrl-C, or Ctrl-A then X. Ctrl-A then C switches to the QEMU monitor.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

udp_port=5514
http_port=8080
tcp_port=5514
bind_addr=127.0.0.1
tap=0
tap_name=lk-tap0
bridge=""
ip=""
gateway=""
mask=""
mac=52:54:00:12:34:56
memory=512M
smp=2
accel=auto
image=""
build=1
serial=""
monitor=""
kernel_args=()
app_args=()

die() {
    echo "run.sh: $*" >&2
    exit 2
}
need() { [[ $# -ge 2 && -n "$2" && "$2" != --* ]] || die "$1 needs a value"; }

# The kernel parses -ip, -gateway and -mask with unwrap() and panics at
# boot on a malformed address, so they are checked here first.
check_ipv4() {
    local name="$1" value="$2" octet
    [[ "$value" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] ||
        die "invalid $name '$value': expected an IPv4 address such as 192.0.2.10"
    for octet in ${value//./ }; do
        [[ "$((10#$octet))" -le 255 ]] ||
            die "invalid $name '$value': each part must be 0-255"
    done
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --udp-port) need "$@"; udp_port="$2"; shift 2 ;;
        --http-port) need "$@"; http_port="$2"; shift 2 ;;
        --tcp-port) need "$@"; tcp_port="$2"; shift 2 ;;
        --bind) need "$@"; bind_addr="$2"; shift 2 ;;
        --tap) tap=1; shift ;;
        --tap-name) need "$@"; tap_name="$2"; shift 2 ;;
        --bridge) need "$@"; bridge="$2"; shift 2 ;;
        --ip) need "$@"; ip="$2"; shift 2 ;;
        --gateway) need "$@"; gateway="$2"; shift 2 ;;
        --mask) need "$@"; mask="$2"; shift 2 ;;
        --mac) need "$@"; mac="$2"; shift 2 ;;
        --memory) need "$@"; memory="$2"; shift 2 ;;
        --smp) need "$@"; smp="$2"; shift 2 ;;
        --accel) need "$@"; accel="$2"; shift 2 ;;
        --image) need "$@"; image="$2"; build=0; shift 2 ;;
        --no-build) build=0; shift ;;
        --serial) need "$@"; serial="$2"; shift 2 ;;
        --monitor) need "$@"; monitor="$2"; shift 2 ;;
        --kernel-arg) need "$@"; kernel_args+=("$2"); shift 2 ;;
        --) shift; app_args=("$@"); break ;;
        -h | --help) sed -n '2,55p' "$0"; exit 0 ;;
        *) die "unknown option '$1' (see scripts/run.sh --help)" ;;
    esac
done

if [[ "$tap" == 0 && -n "$ip$gateway$mask$bridge" ]]; then
    die "--ip, --gateway, --mask and --bridge only apply with --tap"
fi
for port in "$udp_port" "$http_port" "$tcp_port"; do
    [[ "$port" =~ ^[0-9]+$ && "$port" -ge 1 && "$port" -le 65535 ]] ||
        die "invalid port '$port': expected 1-65535"
done
case "$accel" in auto | kvm | tcg) ;; *) die "invalid --accel '$accel': expected auto, kvm or tcg" ;; esac

if ! command -v qemu-system-x86_64 >/dev/null; then
    echo "run.sh: qemu-system-x86_64 is missing, running scripts/setup.sh" >&2
    "$ROOT/scripts/setup.sh"
fi

if [[ -z "$image" ]]; then
    image="$ROOT/build/image/logkeep"
fi
if [[ "$build" == 1 ]]; then
    "$ROOT/scripts/build-image.sh"
fi
[[ -f "$image" ]] || die "image $image not found: run scripts/build-image.sh"

# --- accelerator -------------------------------------------------------------
# /dev/kvm alone proves nothing: some hosts expose a software hypervisor
# there (kvm_pvm) that kills guests at their first SSE instruction.
hardware_kvm() {
    grep -qE '^(kvm_intel|kvm_amd) ' /proc/modules 2>/dev/null &&
        grep -qwE 'vmx|svm' /proc/cpuinfo &&
        [[ -r /dev/kvm && -w /dev/kvm ]]
}
if [[ "$accel" == auto ]]; then
    if hardware_kvm; then
        accel=kvm
        reason="kvm_intel or kvm_amd is loaded and /dev/kvm is usable"
    else
        accel=tcg
        reason="no hardware KVM (needs the kvm_intel or kvm_amd module, a vmx or svm CPU flag and access to /dev/kvm)"
    fi
else
    reason="chosen with --accel"
fi
if [[ "$accel" == kvm ]]; then
    # arch-capabilities makes QEMU abort on an MSR some hosts do not offer.
    accel_args=(-accel kvm -cpu host,-arch-capabilities)
else
    accel_args=(-accel tcg -cpu max)
fi
echo "run.sh: accelerator $accel: $reason" >&2

# --- network -----------------------------------------------------------------
# Prints the prefix length of a dotted netmask (255.255.255.0 -> 24).
mask_to_prefix() {
    local prefix=0 octet
    local IFS=.
    for octet in $1; do
        while ((octet > 0)); do
            prefix=$((prefix + (octet & 1)))
            octet=$((octet >> 1))
        done
    done
    echo "$prefix"
}
# Whether device $1 has the IPv4 address $2 (ADDR/PREFIX).
has_address() {
    local addresses
    addresses="$(ip -4 -o addr show dev "$1")"
    [[ "$addresses" == *" inet $2 "* ]]
}
if [[ "$tap" == 1 ]]; then
    ip="${ip:-10.0.5.3}"
    gateway="${gateway:-10.0.5.1}"
    mask="${mask:-255.255.255.0}"
    check_ipv4 --ip "$ip"
    check_ipv4 --gateway "$gateway"
    check_ipv4 --mask "$mask"
    prefix="$(mask_to_prefix "$mask")"
    if [[ ! -e "/sys/class/net/$tap_name" ]]; then
        [[ "$(id -u)" == 0 ]] ||
            die "TAP device $tap_name does not exist: run as root, or create it (ip tuntap add dev $tap_name mode tap user $USER)"
        ip tuntap add dev "$tap_name" mode tap
        echo "run.sh: created TAP device $tap_name (it stays after QEMU stops; remove it with: ip link del $tap_name)" >&2
    fi
    # An existing device is brought in line with this run's flags, so a
    # device left by an earlier run with other addresses is not reused as
    # it was. Without root the device is used as it is, with a warning.
    if [[ "$(id -u)" == 0 ]]; then
        if [[ -n "$bridge" ]]; then
            if [[ ! -e "/sys/class/net/$bridge" ]]; then
                ip link add name "$bridge" type bridge
                ip link set "$bridge" up
                echo "run.sh: created bridge $bridge" >&2
            fi
            ip addr flush dev "$tap_name"
            ip link set "$tap_name" master "$bridge"
        else
            [[ ! -e "/sys/class/net/$tap_name/master" ]] || ip link set "$tap_name" nomaster
            if ! has_address "$tap_name" "$gateway/$prefix"; then
                ip addr flush dev "$tap_name"
                ip addr add "$gateway/$prefix" dev "$tap_name"
            fi
            echo "run.sh: $tap_name has the gateway address $gateway/$prefix" >&2
        fi
        ip link set "$tap_name" up
    elif [[ -z "$bridge" && ! -e "/sys/class/net/$tap_name/master" ]] &&
        ! has_address "$tap_name" "$gateway/$prefix"; then
        echo "run.sh: warning: $tap_name is not in a bridge and lacks the gateway address $gateway/$prefix, so this host may not reach the guest; run as root to set it" >&2
    fi
    net_args=(-netdev "tap,id=net0,ifname=$tap_name,script=no,downscript=no")
    echo "run.sh: guest $ip mask $mask gateway $gateway on $tap_name: syslog to udp $ip:514, queries to http://$ip:8080/" >&2
else
    ip=10.0.2.15
    gateway=10.0.2.2
    mask=255.255.255.0
    forwards="hostfwd=udp:$bind_addr:$udp_port-:514,hostfwd=tcp:$bind_addr:$http_port-:8080"
    if [[ "$tcp_port" != "$http_port" ]]; then
        forwards="$forwards,hostfwd=tcp:$bind_addr:$tcp_port-:514"
    fi
    net_args=(-netdev "user,id=net0,$forwards")
    echo "run.sh: guest $ip (user networking): syslog to udp $bind_addr:$udp_port and tcp $bind_addr:$tcp_port, queries to http://$bind_addr:$http_port/" >&2
fi
net_args+=(-device "virtio-net-pci,netdev=net0,disable-legacy=on,mac=$mac")

# --- connection caps ---------------------------------------------------------
# Prints the size of a QEMU -m value in MiB (a bare number is MiB).
memory_mib() {
    local value="${1%[Bb]}"
    case "$value" in
        *[Gg]) echo $((${value%[Gg]} * 1024)) ;;
        *[Mm]) echo "${value%[Mm]}" ;;
        *[Tt]) echo $((${value%[Tt]} * 1024 * 1024)) ;;
        *) echo "$value" ;;
    esac
}
mib="$(memory_mib "$memory")"
[[ "$mib" =~ ^[0-9]+$ ]] ||
    die "invalid --memory '$memory': expected a size such as 512M or 1G"
reserve_kib=$((mib * 1024 / 10 - 8 * 1024))
slots=$((reserve_kib / 352))
((slots >= 2)) || die "--memory $memory leaves no stack reserve for connections: use at least 96M"
http_cap=$((slots / 4 > 64 ? 64 : (slots / 4 > 0 ? slots / 4 : 1)))
tcp_cap=$((slots - http_cap > 256 ? 256 : slots - http_cap))
echo "run.sh: connection caps for $memory: $tcp_cap tcp, $http_cap http" >&2

# --- command line ------------------------------------------------------------
# Hermit reads -ip/-gateway/-mask and env=KEY=VALUE, and passes everything
# after `--` to the program as its arguments.
# Without program arguments the guest receives syslog over TCP as well as
# UDP, since the TCP port is forwarded by default.
[[ ${#app_args[@]} -gt 0 ]] || app_args=(serve --tcp 514)
cmdline="-ip $ip -gateway $gateway -mask $mask"
cmdline="$cmdline env=LOGKEEP_TCP_MAX_CONNECTIONS=$tcp_cap env=LOGKEEP_MAX_CONNECTIONS=$http_cap"
for arg in "${kernel_args[@]}"; do
    cmdline="$cmdline $arg"
done
cmdline="$cmdline --"
for arg in "${app_args[@]}"; do
    cmdline="$cmdline $(printf '%q' "$arg")"
done

if [[ -n "$serial" ]]; then
    console_args=(-display none -serial "file:$serial")
else
    # signal=on: Ctrl-C stops QEMU. mux=on: Ctrl-A X quits, Ctrl-A C monitor.
    console_args=(-display none
        -chardev stdio,id=console,mux=on,signal=on
        -serial chardev:console -mon chardev=console,mode=readline)
fi
if [[ -n "$monitor" ]]; then
    console_args+=(-monitor "unix:$monitor,server=on,wait=off")
fi

echo "run.sh: booting $image (logkeep ${app_args[*]}), -m $memory -smp $smp" >&2
exec qemu-system-x86_64 \
    "${accel_args[@]}" \
    -m "$memory" -smp "$smp" \
    -no-reboot \
    -kernel "$image" \
    -append "$cmdline" \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
    "${net_args[@]}" \
    "${console_args[@]}"
