//! Command-line values that `logkeep send` and `logkeep serve` reject
//! before doing any work, each with a message that names the value.

mod common;

use std::process::{Command, Output};

use common::ChildServer;

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

#[test]
fn serve_rejects_small_sizes() {
    assert_rejected(&["serve", "--capacity", "0"], "invalid size \"0\"");
    assert_rejected(&["serve", "--capacity", "1000"], "minimum of 64KiB");
    assert_rejected(&["serve", "--max-frame-size", "0"], "minimum of 480 bytes");
}

#[test]
fn serve_rejects_repeated_addresses() {
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let free = udp.local_addr().unwrap().to_string();
    drop(udp);
    let twice = format!("{free},{free}");
    let http = ["--http", "127.0.0.1:0"];
    assert_rejected(
        &["serve", "--udp", &twice, http[0], http[1]],
        "given twice (--udp and --udp)",
    );
    let tcp = ["--tcp", "127.0.0.1:38999"];
    assert_rejected(
        &[
            "serve",
            "--udp",
            "127.0.0.1:0",
            tcp[0],
            tcp[1],
            "--http",
            "127.0.0.1:38999",
        ],
        "given twice (--tcp and --http)",
    );
}

#[test]
fn serve_trims_spaces_in_lists() {
    let mut server = ChildServer::start(
        &[
            "--udp",
            "127.0.0.1:0, 127.0.0.1:0",
            "--http",
            " 127.0.0.1:0",
        ],
        &[],
    );
    let listening = server.log_text().matches("listening on udp").count();
    server.terminate();
    assert_eq!(listening, 2);
    assert!(
        !server.log_text().contains("tcp ,"),
        "{}",
        server.log_text()
    );
}
