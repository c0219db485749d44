#!/usr/bin/env bash
# Installs what building, testing and booting logkeep needs, and skips
# what is already there (safe to run again):
#   - the pinned Rust toolchain with rust-src (std for Hermit is built from
#     source), llvm-tools (kernel symbol renaming), rustfmt and clippy;
#   - QEMU (qemu-system-x86), patch (kernel patches), iproute2 (tap mode,
#     tap tests) and curl.
# apt packages are installed one per command: several at once failed with
# "held broken packages" on some Debian machines.
#   - with --test, also rsyslog, python3 and bsdutils. The forwarding and
#     interop tests start rsyslog on loopback as a real receiver and relay,
#     never as the system logger. python3 runs the interop test's
#     SysLogHandler sender, and bsdutils (essential on Debian) has logger(1).
set -euo pipefail

with_test_peers=0
for argument in "$@"; do
    case "$argument" in
        --test) with_test_peers=1 ;;
        *)
            echo "setup: unknown argument $argument (expected --test)" >&2
            exit 2
            ;;
    esac
done

TOOLCHAIN="nightly-2025-03-15"

log() { echo "setup: $*" >&2; }

if ! command -v rustup >/dev/null; then
    log "rustup is missing: install it from https://rustup.rs, then run this again"
    exit 1
fi

if rustup run "$TOOLCHAIN" rustc --version >/dev/null 2>&1 &&
    rustup component list --toolchain "$TOOLCHAIN" --installed 2>/dev/null |
    grep -q '^rust-src' &&
    rustup component list --toolchain "$TOOLCHAIN" --installed 2>/dev/null |
    grep -q '^llvm-tools' &&
    rustup component list --toolchain "$TOOLCHAIN" --installed 2>/dev/null |
    grep -q '^rustfmt' &&
    rustup component list --toolchain "$TOOLCHAIN" --installed 2>/dev/null |
    grep -q '^clippy'; then
    log "toolchain $TOOLCHAIN is installed"
else
    log "installing toolchain $TOOLCHAIN"
    rustup toolchain install "$TOOLCHAIN" --profile minimal \
        -c rust-src -c llvm-tools -c rustfmt -c clippy
fi

# Debian package that provides each command.
packages=(
    "qemu-system-x86_64:qemu-system-x86"
    "patch:patch"
    "ip:iproute2"
    "curl:curl"
)
if [[ "$with_test_peers" == 1 ]]; then
    packages+=("rsyslogd:rsyslog" "python3:python3" "logger:bsdutils")
fi
updated=0
for entry in "${packages[@]}"; do
    command_name="${entry%%:*}"
    package="${entry#*:}"
    if command -v "$command_name" >/dev/null; then
        continue
    fi
    if ! command -v apt-get >/dev/null; then
        log "$command_name is missing and apt-get is not available: install $package by hand"
        exit 1
    fi
    sudo_cmd=()
    [[ "$(id -u)" == 0 ]] || sudo_cmd=(sudo)
    if [[ "$updated" == 0 ]]; then
        log "apt-get update"
        "${sudo_cmd[@]}" apt-get update -q
        updated=1
    fi
    log "installing $package"
    # policy-rc.d exit code 101 stops the package's maintainer scripts from
    # starting a service, so rsyslog does not become the machine's logger.
    policy=/usr/sbin/policy-rc.d
    added_policy=0
    if [[ ! -e "$policy" ]]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
        "${sudo_cmd[@]}" chmod +x "$policy"
        added_policy=1
    fi
    status=0
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "$package" || status=$?
    if [[ "$added_policy" == 1 ]]; then
        "${sudo_cmd[@]}" rm -f "$policy"
    fi
    if [[ "$status" != 0 ]]; then
        log "installing $package failed (apt-get exit $status)"
        exit "$status"
    fi
done
log "done"
