#!/usr/bin/env bash
# Installs the peers that scripts/bench.sh compares logkeep with: rsyslog from
# apt, and syslog-ng unpacked into build/peers/syslog-ng because Debian's
# rsyslog and syslog-ng-core packages conflict (both provide
# system-log-daemon). Neither peer is configured as the system logger: the
# benchmark starts both itself with its own configuration.
#
# Usage: scripts/bench/setup-peers.sh   (as root; safe to run again)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
peers="$root/build/peers"

if [ "$(id -u)" -ne 0 ]; then
    echo "setup-peers.sh: must run as root to install packages with apt-get" >&2
    exit 1
fi

# invoke-rc.d skips starting services while /usr/sbin/policy-rc.d exits
# 101, so installing rsyslog does not start a system rsyslogd. An existing
# policy-rc.d is left alone.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
fi
remove_policy() {
    if [ "$made_policy" = 1 ]; then rm -f "$policy"; fi
}
trap remove_policy EXIT

export DEBIAN_FRONTEND=noninteractive
apt-get update -q

if ! command -v rsyslogd >/dev/null; then
    apt-get install -y -q --no-install-recommends rsyslog
fi

# Shared libraries syslog-ng-core links against (Debian 12, syslog-ng 3.38).
for package in libivykis0 libnet1 libjson-c5 libglib2.0-0 libpcre3 \
    libwrap0 libcap2 libssl3 libsystemd0; do
    apt-get install -y -q --no-install-recommends "$package"
done

if [ ! -x "$peers/syslog-ng/usr/sbin/syslog-ng" ]; then
    mkdir -p "$peers/download"
    (cd "$peers/download" && apt-get download syslog-ng-core)
    rm -rf "$peers/syslog-ng"
    dpkg -x "$peers"/download/syslog-ng-core_*.deb "$peers/syslog-ng"
fi

# The package may have started a system rsyslogd if no policy-rc.d existed
# before; the benchmark refuses to run while one is up.
if pgrep -x rsyslogd >/dev/null; then
    echo "setup-peers.sh: a system rsyslogd is running (pid $(pgrep -x rsyslogd | tr '\n' ' '))." >&2
    echo "Stop it before running scripts/bench.sh, e.g. 'service rsyslog stop'." >&2
fi

echo "rsyslogd: $(rsyslogd -v | head -1)"
echo "syslog-ng: $peers/syslog-ng/usr/sbin/syslog-ng"
