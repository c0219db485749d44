//! Points the loader at the program it embeds and at its linker script.

use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rustc-link-search={}", dir.display());
    println!("cargo:rerun-if-changed=link.ld");
    println!("cargo:rerun-if-env-changed=LOGKEEP_APP_ELF");
    if std::env::var_os("LOGKEEP_APP_ELF").is_none() {
        panic!(
            "LOGKEEP_APP_ELF is not set: point it at the Hermit program to embed \
             (scripts/build-image.sh does this)"
        );
    }
}
