// Empty: this package only exists so `cargo fetch` downloads the kernel.
