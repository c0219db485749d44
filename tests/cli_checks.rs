//! Command-line values that `logkeep send` and `logkeep serve` reject
//! before doing any work, each with a message that names the value.

use std::process::{Command, Output};

fn logkeep(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_logkeep"))
        .args(args)
        .output()
        .expect("run logkeep")
}

fn assert_rejected(args: &[&str], expected: &str) {
    let output = logkeep(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{args:?} succeeded: {stderr}");
    assert!(stderr.contains(expected), "{args:?}: {stderr}");
}

#[test]
fn send_rejects_port_zero() {
    for to in ["udp://127.0.0.1:0", "tcp://127.0.0.1:0"] {
        assert_rejected(&["send", "--to", to, "x"], "port 0");
    }
    assert_rejected(&["send", "--port", "0", "x"], "port 0");
}
