//! Tests of `logkeep serve` as a child process: flags, environment
//! variables, the listening lines in its log, bind errors and SIGTERM.

mod common;

use std::net::UdpSocket;
use std::process::Command;

use common::*;

#[test]
fn child_serves_and_stops_on_sigterm() {
    let mut server = ChildServer::start(
        &[
            "--udp",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--capacity",
            "1MiB",
        ],
        &[],
    );
    send_all(
        server.udp,
        [&b"<13>1 - host app - - - from the child test"[..]],
    );
    let stats = wait_for_received(server.http, 1);
    assert_eq!(stats["capacity"], 1 << 20);
    let body = get_json(server.http, "/events?q=child+test");
    assert_eq!(event_ids(&body), [1]);

    let status = server.terminate();
    assert!(status.success(), "exit status {status}");
    let log = server.log_text();
    assert!(log.contains("logkeep 0.1.0 starting"), "{log}");
    assert!(log.contains("received SIGTERM"), "{log}");
    assert!(
        log.contains("logkeep stopped: 1 messages received"),
        "{log}"
    );
}

#[test]
fn environment_sets_flags() {
    let server = ChildServer::start(
        &[],
        &[
            ("LOGKEEP_UDP", "127.0.0.1:0"),
            ("LOGKEEP_HTTP", "127.0.0.1:0"),
            ("LOGKEEP_CAPACITY", "512KiB"),
        ],
    );
    let stats = get_json(server.http, "/stats");
    assert_eq!(stats["capacity"], 512 * 1024);
}

#[test]
fn bind_error_names_address_and_fix() {
    let occupied = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = occupied.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_logkeep"))
        .args(["serve", "--udp", &addr, "--http", "127.0.0.1:0"])
        .output()
        .expect("run logkeep serve");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot bind udp {addr}")),
        "{stderr}"
    );
    assert!(stderr.contains("--udp 127.0.0.1:5514"), "{stderr}");
}

#[test]
fn invalid_capacity_is_rejected() {
    let output = Command::new(env!("CARGO_BIN_EXE_logkeep"))
        .args(["serve", "--capacity", "lots"])
        .output()
        .expect("run logkeep serve");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid size \"lots\""), "{stderr}");
}

#[test]
fn help_documents_every_flag() {
    let output = Command::new(env!("CARGO_BIN_EXE_logkeep"))
        .args(["serve", "--help"])
        .output()
        .expect("run logkeep serve --help");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "--udp <ADDR>",
        "[env: LOGKEEP_UDP=]",
        "[default: 514]",
        "--http <ADDR>",
        "[default: 8080]",
        "--capacity <SIZE>",
        "[default: 64MiB]",
        "--default-offset <OFFSET>",
        "[default: +00:00]",
        "--max-connections <COUNT>",
        "--http-timeout <SECONDS>",
    ] {
        assert!(
            help.contains(expected),
            "{expected:?} missing from:\n{help}"
        );
    }
}

#[test]
fn default_offset_applies_to_rfc3164() {
    let server = ChildServer::start(
        &[
            "--udp",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--default-offset",
            "+01:00",
        ],
        &[],
    );
    send_all(
        server.udp,
        [&b"<13>Jan  5 15:33:03 host1 app: local time"[..]],
    );
    wait_for_received(server.http, 1);
    let body = get_json(server.http, "/events");
    let timestamp = body["events"][0]["timestamp"].as_str().unwrap();
    assert!(
        timestamp.ends_with("T15:33:03+01:00"),
        "timestamp {timestamp}"
    );
}
