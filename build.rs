//! Links the Hermit kernel into the program when it is built for
//! `x86_64-unknown-hermit`. Hosted builds are untouched.
//!
//! scripts/build-image.sh builds the kernel from the crates.io source,
//! renames its private symbols, and sets LOGKEEP_HERMIT_LIB_DIR to the
//! folder holding the resulting `libhermit.a`.

fn main() {
    println!("cargo:rerun-if-env-changed=LOGKEEP_HERMIT_LIB_DIR");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("hermit") {
        return;
    }
    let Ok(dir) = std::env::var("LOGKEEP_HERMIT_LIB_DIR") else {
        panic!(
            "LOGKEEP_HERMIT_LIB_DIR is not set: build the image with scripts/build-image.sh, \
             which builds the kernel library and sets it"
        );
    };
    println!("cargo:rerun-if-changed={dir}/libhermit.a");
    println!("cargo:rustc-link-search=native={dir}");
    println!("cargo:rustc-link-lib=static=hermit");
}
