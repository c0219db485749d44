//! The `logkeep` command: wires the command line to the library.

fn main() {
    println!("logkeep {}", env!("CARGO_PKG_VERSION"));
}
