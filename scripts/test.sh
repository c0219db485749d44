#!/usr/bin/env bash
# Sets up everything the test suite needs and runs all of it:
#   1. scripts/setup.sh: the pinned toolchain, QEMU and the apt packages
#      the tests use (rsyslog as a forwarding peer and relay, python3 and
#      logger as senders);
#   2. formatting, and the core built for x86_64-unknown-none without std
#      and its unit tests run without std, so the no_std promise of the
#      library is checked on every run;
#   3. the unikernel image (scripts/build-image.sh, cached);
#   4. cargo test: unit, property, corpus, loopback end-to-end and QEMU
#      image tests. The image tests fail rather than skip when CI is set.
# Extra arguments go to cargo test, e.g. `scripts/test.sh corpus`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

step() { echo "test: $*" >&2; }

step "setting up"
scripts/setup.sh --test

step "checking formatting"
cargo fmt --check

step "building the core without std for x86_64-unknown-none"
cargo build --lib --no-default-features --target x86_64-unknown-none \
    -Zbuild-std=core,alloc --target-dir target/no-std

step "running the core's unit tests without std"
cargo test --locked --lib --no-default-features

step "building the image"
scripts/build-image.sh

step "running cargo test"
cargo test --locked "$@"
