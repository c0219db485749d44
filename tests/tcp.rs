//! End-to-end tests of the TCP receiver (RFC 6587) and `logkeep send`:
//! real sockets on 127.0.0.1 with ephemeral ports, the real receiver,
//! store and HTTP server.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use common::syslog_tcp::{octet_frame, tcp_round_trip, wait_for_events};
use common::*;
use logkeep::server::tcp::TcpLimits;
use logkeep::server::{self, Collector, Shutdown, http};
use serde_json::Value;

const MIB: usize = 1 << 20;

/// A collector with UDP, HTTP and one syslog TCP listener.
struct TcpServer {
    collector: Arc<Collector>,
    tcp: SocketAddr,
    udp: SocketAddr,
    http: SocketAddr,
    shutdown: Shutdown,
    running: Option<server::Running>,
}

impl TcpServer {
    fn start(limits: TcpLimits) -> TcpServer {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind UDP");
        let http_listener = TcpListener::bind("127.0.0.1:0").expect("bind HTTP");
        let tcp_listener = TcpListener::bind("127.0.0.1:0").expect("bind TCP");
        let addresses = (
            tcp_listener.local_addr().unwrap(),
            udp.local_addr().unwrap(),
            http_listener.local_addr().unwrap(),
        );
        let collector = Arc::new(Collector::new(16 * MIB));
        let shutdown = Shutdown::new();
        let mut running = server::spawn(
            vec![udp],
            vec![http_listener],
            &collector,
            &shutdown,
            http::Limits::default(),
        )
        .expect("start the server threads");
        running
            .spawn_tcp(vec![tcp_listener], &collector, &shutdown, limits)
            .expect("start the TCP receiver");
        TcpServer {
            collector,
            tcp: addresses.0,
            udp: addresses.1,
            http: addresses.2,
            shutdown,
            running: Some(running),
        }
    }

    /// Triggers the shutdown and waits for every receiver thread.
    fn stop(&mut self) {
        self.shutdown.trigger();
        if let Some(running) = self.running.take() {
            running.join();
        }
    }

    fn stats(&self) -> Value {
        get_json(self.http, "/stats")
    }

    fn wait_for(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        wait_for_stats(self.http, what, done)
    }
}

impl Drop for TcpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect to the TCP receiver");
    stream.set_nodelay(true).unwrap();
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream
}

/// Writes `bytes` in pieces of `piece` bytes with a pause between them, so
/// that the receiver sees frames split across reads.
fn write_in_pieces(stream: &mut TcpStream, bytes: &[u8], piece: usize) {
    for chunk in bytes.chunks(piece) {
        stream.write_all(chunk).expect("write a piece");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Returns whether the server closed `stream`: a read returns 0 bytes or
/// fails before the read timeout.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut byte = [0u8; 1];
    match stream.read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(error) => {
            // A timeout means the connection is still open; any other
            // error (a reset, typically) means the server dropped it.
            let timed_out = matches!(
                error.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            );
            eprintln!("read after the server should have closed: {error}");
            !timed_out
        }
    }
}

fn messages(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|event| event["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn both_framings_in_split_writes() {
    let server = TcpServer::start(TcpLimits::default());
    let mut stream = Vec::new();
    for index in 0..5 {
        let message = format!("<13>1 - host app - - - splitframes octet {index}");
        stream.extend(octet_frame(message.as_bytes()));
        let line = format!("<13>1 - host app - - - splitframes lf {index}\n");
        stream.extend(line.as_bytes());
    }
    stream.extend(b"<13>1 - host app - - - splitframes crlf\r\n");
    stream.extend(b"<13>1 - host app - - - splitframes nul\0");

    let mut connection = connect(server.tcp);
    write_in_pieces(&mut connection, &stream, 7);
    drop(connection);

    let events = wait_for_events(server.http, "splitframes", 12);
    assert_eq!(events.len(), 12);
    for event in &events {
        assert!(event.get("transport_error").is_none(), "{event}");
    }
    let texts = messages(&events);
    for text in &texts {
        assert!(!text.contains('\n'), "trailer left in {text:?}");
        assert!(!text.contains('\r'), "CR left in {text:?}");
        assert!(!text.contains('\0'), "NUL left in {text:?}");
    }
    let stats = server.stats();
    assert_eq!(stats["tcp_frames"], 12);
    assert_eq!(stats["tcp_connections"]["accepted"], 1);
    assert_eq!(stats["tcp_frame_errors"]["truncated"], 0);
}

#[test]
fn oversize_frames_are_cut_and_skipped() {
    let limits = TcpLimits {
        max_frame_size: 64,
        ..TcpLimits::default()
    };
    let server = TcpServer::start(limits);
    let long = format!("<13>1 - host app - - - oversizeA {}", "x".repeat(200));
    let mut bytes = octet_frame(long.as_bytes());
    // The excess of this LF frame looks like a frame of its own.
    let long_line = format!("<13>oversizeB {} 5 <13>oversizeC\n", "y".repeat(100));
    bytes.extend(long_line.as_bytes());
    bytes.extend(b"<13>1 - host app - - - oversizeD\n");

    let mut connection = connect(server.tcp);
    write_in_pieces(&mut connection, &bytes, 50);
    drop(connection);

    wait_for_events(server.http, "oversizeD", 1);
    assert_eq!(wait_for_events(server.http, "oversizeA", 1).len(), 1);
    assert_eq!(wait_for_events(server.http, "oversizeB", 1).len(), 1);
    let stats = server.wait_for("three frames", |stats| stats["tcp_frames"] == 3);
    assert_eq!(stats["tcp_frame_errors"]["oversize"], 2);
    for text in ["oversizeA", "oversizeB"] {
        let events = wait_for_events(server.http, text, 1);
        assert_eq!(events[0]["transport_error"], "oversize", "{text}");
    }
    let events = wait_for_events(server.http, "oversizeD", 1);
    assert!(events[0].get("transport_error").is_none(), "{}", events[0]);
    assert_eq!(stats["received"], 3);
    let excess = get_json(server.http, "/events?q=oversizeC");
    assert_eq!(
        excess["events"].as_array().map(Vec::len),
        Some(0),
        "{excess}"
    );
}

#[test]
fn garbage_length_prefixes_are_kept() {
    let server = TcpServer::start(TcpLimits::default());
    let mut connection = connect(server.tcp);
    connection
        .write_all(b"12abc garbageA\n99999999999999999999 garbageB\n0 garbageC\n")
        .unwrap();
    drop(connection);

    let events = wait_for_events(server.http, "garbage", 3);
    assert_eq!(events.len(), 3);
    for event in &events {
        assert_eq!(event["transport_error"], "invalid_length", "{event}");
    }
    let stats = server.stats();
    assert_eq!(stats["tcp_frame_errors"]["invalid_length"], 3);
}

#[test]
fn connection_closed_mid_frame_is_stored() {
    let server = TcpServer::start(TcpLimits::default());
    let mut connection = connect(server.tcp);
    connection
        .write_all(b"80 <13>1 - host app - - - truncatedA")
        .unwrap();
    drop(connection);

    let events = wait_for_events(server.http, "truncatedA", 1);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["transport_error"], "truncated");
    assert_eq!(events[0]["format"], "rfc5424");
    server.wait_for("one truncated frame", |stats| {
        stats["tcp_frame_errors"]["truncated"] == 1
    });

    // A length prefix whose body never comes is truncated without an event.
    let mut connection = connect(server.tcp);
    connection
        .write_all(
            b"<13>1 - host app - - - truncatedB
40 ",
        )
        .unwrap();
    drop(connection);
    wait_for_events(server.http, "truncatedB", 1);
    let stats = server.wait_for("two truncated frames", |stats| {
        stats["tcp_frame_errors"]["truncated"] == 2
    });
    assert_eq!(stats["tcp_frames"], 2);
}

#[test]
fn shutdown_stores_frame_in_progress() {
    let mut server = TcpServer::start(TcpLimits::default());
    let mut connection = connect(server.tcp);
    connection
        .write_all(b"<13>1 - host app - - - shutdownA")
        .unwrap();
    server.wait_for("an open connection", |stats| {
        stats["tcp_connections_open"] == 1
    });
    server.stop();

    let stats = server.collector.stats().snapshot();
    assert_eq!(stats.tcp_frames, 1);
    assert_eq!(stats.tcp_truncated, 1);
    assert_eq!(stats.received, 1);
    drop(connection);
}

#[test]
fn stalled_connection_blocks_no_other() {
    let server = TcpServer::start(TcpLimits::default());
    let mut stalled = connect(server.tcp);
    stalled
        .write_all(b"500 <13>1 - host app - - - stalledA")
        .unwrap();

    let event = tcp_round_trip(
        server.tcp,
        server.http,
        "<13>1 - host app - - - freshB",
        "freshB",
    );
    assert!(
        event["message"]
            .as_str()
            .unwrap_or_default()
            .contains("freshB")
    );
    let pending = get_json(server.http, "/events?q=stalledA");
    assert_eq!(pending["events"].as_array().map(Vec::len), Some(0));
    drop(stalled);
}

#[test]
fn connections_over_limit_are_closed() {
    let limits = TcpLimits {
        max_connections: 2,
        ..TcpLimits::default()
    };
    let server = TcpServer::start(limits);
    let mut first = connect(server.tcp);
    let mut second = connect(server.tcp);
    first.write_all(b"<13>limitA\n").unwrap();
    second.write_all(b"<13>limitB\n").unwrap();
    server.wait_for("two open connections", |stats| {
        stats["tcp_connections_open"] == 2
    });

    let mut third = connect(server.tcp);
    assert!(closed_by_server(&mut third), "third connection stays open");
    let stats = server.wait_for("one rejection", |stats| {
        stats["tcp_connections"]["rejected"] == 1
    });
    assert_eq!(stats["tcp_connections"]["accepted"], 2);

    drop(first);
    server.wait_for("one open connection", |stats| {
        stats["tcp_connections_open"] == 1
    });
    tcp_round_trip(server.tcp, server.http, "<13>limitC", "limitC");
    drop(second);
}

#[test]
fn idle_connection_is_closed() {
    // One slot, so the one connection crowds the receiver.
    let limits = TcpLimits {
        idle_timeout: Duration::from_secs(1),
        max_connections: 1,
        ..TcpLimits::default()
    };
    let server = TcpServer::start(limits);
    let mut idle = connect(server.tcp);
    idle.write_all(b"<13>idleA\n").unwrap();
    assert!(closed_by_server(&mut idle), "idle connection stays open");
    // The open gauge goes down after the thread logs the close, so wait.
    let stats = server.wait_for("an idle timeout", |stats| {
        stats["tcp_idle_timeouts"] == 1 && stats["tcp_connections_open"] == 0
    });
    assert_eq!(stats["tcp_idle_timeouts"], 1);
    assert_eq!(wait_for_events(server.http, "idleA", 1).len(), 1);
}

#[test]
fn trickled_spaces_do_not_hold_slot() {
    let limits = TcpLimits {
        idle_timeout: Duration::from_secs(1),
        max_connections: 1,
        ..TcpLimits::default()
    };
    let server = TcpServer::start(limits);
    let mut trickle = connect(server.tcp);
    trickle.write_all(b"<13>trickleA\n").unwrap();
    assert_eq!(wait_for_events(server.http, "trickleA", 1).len(), 1);
    // Bytes that separate frames (spaces, LF, CRLF, NUL) for up to ten
    // times the timeout. Writes fail once the receiver has closed.
    let mut closed = false;
    for byte in b"  \n \r\n\0 \n\n  \n".iter().cycle().take(50) {
        if trickle.write_all(&[*byte]).is_err() {
            closed = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        closed,
        "the receiver kept a connection that sent only spaces"
    );
    let stats = server.wait_for("an idle timeout", |stats| {
        stats["tcp_idle_timeouts"] == 1 && stats["tcp_connections_open"] == 0
    });
    assert_eq!(stats["tcp_idle_timeouts"], 1);
    tcp_round_trip(server.tcp, server.http, "<13>trickleB", "trickleB");
}

#[test]
fn idle_connection_kept_while_slots_free() {
    let limits = TcpLimits {
        idle_timeout: Duration::from_secs(1),
        max_connections: 4,
        ..TcpLimits::default()
    };
    let server = TcpServer::start(limits);
    let mut quiet = connect(server.tcp);
    quiet.write_all(b"<13>quietA\n").unwrap();
    assert_eq!(wait_for_events(server.http, "quietA", 1).len(), 1);
    // Twice the timeout: one of four slots in use is not crowded, so the
    // receiver keeps the connection for a sender that never reconnects.
    std::thread::sleep(Duration::from_secs(2));
    quiet.write_all(b"<13>quietB\n").unwrap();
    assert_eq!(wait_for_events(server.http, "quietB", 1).len(), 1);
    let stats = server.stats();
    assert_eq!(stats["tcp_idle_timeouts"], 0);
    assert_eq!(stats["tcp_connections_open"], 1);
}

#[test]
fn tcp_counters_in_metrics() {
    let server = TcpServer::start(TcpLimits::default());
    tcp_round_trip(server.tcp, server.http, "<13>metricsA", "metricsA");
    let metrics = get(server.http, "/metrics").text();
    assert!(
        metrics.contains("logkeep_tcp_frames_total 1\n"),
        "{metrics}"
    );
    assert!(metrics.contains("logkeep_tcp_connections_total{result=\"accepted\"} 1\n"));
    assert!(metrics.contains("logkeep_tcp_frame_errors_total{defect=\"oversize\"} 0\n"));
    assert!(metrics.contains("# TYPE logkeep_tcp_connections_open gauge\n"));
}

#[test]
fn random_bytes_keep_receiver_working() {
    let limits = TcpLimits {
        max_frame_size: 256,
        ..TcpLimits::default()
    };
    let server = TcpServer::start(limits);
    // A fixed xorshift sequence, so a failure repeats; weighted towards
    // the bytes that steer framing (digits, space, LF, NUL, `<`).
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let steering = b"0123456789 \n\0<";
    let senders: Vec<TcpStream> = (0..4).map(|_| connect(server.tcp)).collect();
    for mut connection in senders {
        let mut bytes = Vec::new();
        for _ in 0..50_000 {
            let value = next();
            let byte = if value % 3 == 0 {
                steering[(value >> 8) as usize % steering.len()]
            } else {
                (value >> 16) as u8
            };
            bytes.push(byte);
        }
        let mut offset = 0;
        while offset < bytes.len() {
            let length = 1 + (next() % 3000) as usize;
            let end = (offset + length).min(bytes.len());
            connection.write_all(&bytes[offset..end]).unwrap();
            offset = end;
        }
    }

    tcp_round_trip(
        server.tcp,
        server.http,
        "<13>1 - host app - - - afterNoise",
        "afterNoise",
    );
    let stats = server.stats();
    assert_eq!(stats["tcp_connections"]["accepted"], 5);
    assert!(stats["tcp_frames"].as_u64() > Some(1), "{stats}");
}

#[test]
fn send_reads_stdin_lines() {
    let server = TcpServer::start(TcpLimits::default());
    let mut child = Command::new(env!("CARGO_BIN_EXE_logkeep"))
        .args(["send", "--to", &format!("tcp://{}", server.tcp)])
        .args(["--severity", "err", "--app-name", "stdinapp"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run logkeep send");
    let mut stdin = child.stdin.take().unwrap();
    // Empty lines are skipped, not sent as empty messages.
    stdin
        .write_all(b"stdinline one\n\n\r\nstdinline two\n")
        .unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("sent 2 messages"), "{stderr}");

    let events = wait_for_events(server.http, "stdinline", 2);
    assert_eq!(messages(&events).len(), 2);
    for event in &events {
        assert_eq!(event["severity"], "err", "{event}");
        assert_eq!(event["app_name"], "stdinapp", "{event}");
    }
}

fn logkeep_send(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_logkeep"))
        .arg("send")
        .args(args)
        .output()
        .expect("run logkeep send")
}

#[test]
fn send_over_tcp_and_udp() {
    let server = TcpServer::start(TcpLimits::default());
    let tcp = format!("tcp://{}", server.tcp);
    let udp = format!("udp://{}", server.udp);
    let cases: [(&[&str], &str, usize); 4] = [
        (&["--to", &tcp, "--count", "3", "sendtcp"], "sendtcp", 3),
        (
            &["--to", &tcp, "--framing", "lf", "--count", "2", "sendlf"],
            "sendlf",
            2,
        ),
        (
            &["--to", &udp, "--count", "4", "--rate", "1000", "sendudp"],
            "sendudp",
            4,
        ),
        (
            &["--to", &udp, "--format", "rfc3164", "send3164"],
            "send3164",
            1,
        ),
    ];
    for (args, token, count) in cases {
        let output = logkeep_send(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "logkeep send {args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("sent {count} messages")),
            "{stderr}"
        );
        let events = wait_for_events(server.http, token, count);
        assert_eq!(events.len(), count, "events for {token}");
    }
    let stats = server.stats();
    assert_eq!(stats["tcp_frames"], 5);
    assert_eq!(stats["tcp_frame_errors"]["truncated"], 0);
}

#[test]
fn send_replays_a_file() {
    let server = TcpServer::start(TcpLimits::default());
    let directory = std::env::temp_dir().join(format!("logkeep-send-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let file = directory.join("lines.txt");
    std::fs::write(
        &file,
        "<13>replayA one\n<13>replayA two\r\n\n<13>replayA three\n",
    )
    .unwrap();
    let tcp = format!("tcp://{}", server.tcp);
    let output = logkeep_send(&[
        "--to",
        &tcp,
        "--file",
        file.to_str().unwrap(),
        "--count",
        "7",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let events = wait_for_events(server.http, "replayA", 7);
    assert_eq!(events.len(), 7);
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn send_rejects_bad_arguments() {
    let cases: [&[&str]; 4] = [
        &["--to", "http://127.0.0.1:1", "x"],
        &["--severity", "loud", "x"],
        &["--facility", "local9", "x"],
        &["--rate=-1", "x"],
    ];
    for args in cases {
        let output = logkeep_send(args);
        assert!(!output.status.success(), "logkeep send {args:?} succeeded");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("invalid"),
            "logkeep send {args:?}: {stderr}"
        );
    }
}
