#!/usr/bin/env bash
# Builds the bootable logkeep image: build/image/logkeep, one ELF file that
# `qemu-system-x86_64 -kernel` boots (PVH entry).
#
#   1. kernel: hermit-kernel from crates.io (version pinned in
#      kernel-config/Cargo.toml), patched with kernel-config/patches/*.patch,
#      built with its own Cargo.lock and the features in
#      kernel-config/features. Skipped when a stamp of version, features,
#      patches and toolchain matches the last build.
#   2. symbols: every global the kernel defines is renamed except the
#      `sys_*` ABI and `_start`, so the kernel's allocator and panic
#      symbols cannot clash with the program's std (libhermit.a).
#   3. program: logkeep for x86_64-unknown-hermit, std built from source,
#      linked with libhermit.a by build.rs.
#   4. loader: boot/ embeds the stripped program and becomes the image.
#
# Usage: scripts/build-image.sh
# Environment: LOGKEEP_IMAGE_OUT overrides the output path.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLCHAIN="nightly-2025-03-15"
BUILD="$ROOT/build"
KERNEL_DIR="$BUILD/kernel"
OUT="${LOGKEEP_IMAGE_OUT:-$BUILD/image/logkeep}"

app_dir="$ROOT"
app_name="logkeep"
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h | --help)
            sed -n '2,18p' "$0"
            exit 0
            ;;
        *)
            echo "build-image.sh: unknown option '$1' (it takes none but --help)" >&2
            exit 2
            ;;
    esac
done

log() { echo "build-image: $*" >&2; }

# One build at a time: tests and scripts/run.sh may start builds together.
mkdir -p "$BUILD"
exec 9>"$BUILD/.build-image.lock"
flock 9

if ! rustup run "$TOOLCHAIN" rustc --version >/dev/null 2>&1; then
    log "toolchain $TOOLCHAIN is missing, running scripts/setup.sh"
    "$ROOT/scripts/setup.sh"
fi

SYSROOT="$(rustup run "$TOOLCHAIN" rustc --print sysroot)"
HOST="$(rustup run "$TOOLCHAIN" rustc -vV | sed -n 's/^host: //p')"
LLVM_BIN="$SYSROOT/lib/rustlib/$HOST/bin"
if [[ ! -x "$LLVM_BIN/llvm-nm" || ! -x "$LLVM_BIN/llvm-objcopy" ]]; then
    log "llvm-nm/llvm-objcopy not found in $LLVM_BIN: run scripts/setup.sh (installs llvm-tools)"
    exit 1
fi

# --- 1. kernel ---------------------------------------------------------------

kernel_version="$(sed -n 's/^hermit-kernel = { version = "=\([^"]*\)".*/\1/p' "$ROOT/kernel-config/Cargo.toml")"
features="$(tr -s ' \n' ',' <"$ROOT/kernel-config/features" | sed 's/^,//; s/,$//')"
stamp="$(
    {
        echo "$kernel_version"
        echo "$features"
        rustup run "$TOOLCHAIN" rustc -vV
        cat "$ROOT"/kernel-config/patches/*.patch 2>/dev/null || true
        cat "$0"
    } | sha256sum | cut -d' ' -f1
)"
LIB_DIR="$KERNEL_DIR/lib"

if [[ -f "$LIB_DIR/libhermit.a" && "$(cat "$KERNEL_DIR/stamp" 2>/dev/null)" == "$stamp" ]]; then
    log "kernel $kernel_version ($features) is up to date"
else
    log "fetching hermit-kernel $kernel_version from crates.io"
    (cd "$ROOT/kernel-config" && cargo "+$TOOLCHAIN" fetch --locked -q)
    registry_src="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/"hermit-kernel-$kernel_version" | head -n1)"
    if [[ ! -f "$registry_src/Cargo.toml" ]]; then
        log "hermit-kernel $kernel_version source not found after cargo fetch"
        exit 1
    fi

    src="$KERNEL_DIR/src"
    rm -rf "$src"
    mkdir -p "$KERNEL_DIR"
    cp -r "$registry_src" "$src"
    chmod -R u+w "$src"
    for patch in "$ROOT"/kernel-config/patches/*.patch; do
        [[ -e "$patch" ]] || continue
        log "applying $(basename "$patch")"
        patch -s -p1 -d "$src" <"$patch"
    done

    log "building the kernel with features $features"
    # The target dir outlives the copied source, so a rebuild after a patch
    # change recompiles only the kernel crate, not its dependencies.
    (cd "$src" && CARGO_TARGET_DIR="$KERNEL_DIR/target" cargo "+$TOOLCHAIN" build \
        --release --locked \
        --target x86_64-unknown-none \
        -Zbuild-std=core,alloc -Zbuild-std-features=compiler-builtins-mem \
        --no-default-features --features "$features")

    # --- 2. symbols ------------------------------------------------------------
    raw="$KERNEL_DIR/target/x86_64-unknown-none/release/libhermit.a"
    mkdir -p "$LIB_DIR"
    "$LLVM_BIN/llvm-nm" --defined-only --extern-only --format=just-symbols "$raw" 2>/dev/null |
        sort -u |
        grep -v -E '^(sys_.*|_start|)$' |
        awk '{ print $1 " __hermit_kernel_" $1 }' >"$KERNEL_DIR/renames.txt"
    kept="$("$LLVM_BIN/llvm-nm" --defined-only --extern-only --format=just-symbols "$raw" 2>/dev/null |
        sort -u | grep -c -E '^(sys_.*|_start)$')"
    log "renaming $(wc -l <"$KERNEL_DIR/renames.txt") kernel symbols, keeping $kept (sys_*, _start)"
    "$LLVM_BIN/llvm-objcopy" --redefine-syms="$KERNEL_DIR/renames.txt" "$raw" "$LIB_DIR/libhermit.a.tmp"
    mv "$LIB_DIR/libhermit.a.tmp" "$LIB_DIR/libhermit.a"
    echo "$stamp" >"$KERNEL_DIR/stamp"
fi

# --- 3. program --------------------------------------------------------------

log "building $app_name for x86_64-unknown-hermit"
(cd "$app_dir" && LOGKEEP_HERMIT_LIB_DIR="$LIB_DIR" cargo "+$TOOLCHAIN" build \
    --release \
    --target x86_64-unknown-hermit \
    -Zbuild-std=std,panic_abort -Zbuild-std-features=compiler-builtins-mem \
    --bin "$app_name")

program="$app_dir/target/x86_64-unknown-hermit/release/$app_name"
mkdir -p "$BUILD/image"
stripped="$BUILD/image/$app_name.hermit"
"$LLVM_BIN/llvm-objcopy" --strip-all "$program" "$stripped.tmp"
# Replace only when the bytes changed, so the loader is not rebuilt needlessly.
if cmp -s "$stripped.tmp" "$stripped"; then
    rm "$stripped.tmp"
else
    mv "$stripped.tmp" "$stripped"
fi

# --- 4. loader ---------------------------------------------------------------

log "building the PVH loader around $(basename "$stripped")"
(cd "$ROOT/boot" && LOGKEEP_APP_ELF="$stripped" cargo "+$TOOLCHAIN" build --release -q)
mkdir -p "$(dirname "$OUT")"
cp "$ROOT/boot/target/x86_64-unknown-none/release/logkeep-boot" "$OUT"
log "image: $OUT ($(stat -c %s "$OUT") bytes)"
