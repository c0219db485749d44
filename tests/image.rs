//! Boots the unikernel image (build/image/logkeep, or LOGKEEP_IMAGE) in
//! QEMU under TCG, sends corpus messages over UDP and reads them back over
//! HTTP: once through QEMU user networking with host port forwards, once
//! through a TAP device inside a network namespace the test creates.
//! A third test floods the guest with idle TCP and HTTP connections and
//! checks that it stays up, applies its connection caps and timeouts, and
//! still stores what arrives afterwards.
//!
//! The image is built by scripts/build-image.sh. Outside CI a missing
//! image or QEMU skips these tests with a printed reason; with `CI` set it
//! fails them. The TAP test needs root and /dev/net/tun and skips with a
//! printed reason without them.

mod common;

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::{CorpusCase, corpus, event_ids, parse_response};
use serde_json::Value;

/// Boot, network set-up and delivery under TCG take seconds; this bounds
/// every wait so a broken guest fails the test instead of hanging it.
const BOOT_DEADLINE: Duration = Duration::from_secs(90);
const DELIVERY_DEADLINE: Duration = Duration::from_secs(30);
const QUIT_DEADLINE: Duration = Duration::from_secs(10);

/// Largest UDP payload that fits one Ethernet frame (1500 - 20 - 8).
/// Larger corpus datagrams arrive as IPv4 fragments, which the kernel
/// reassembles; they are sent too, and counted like the rest.
const GUEST_MTU_PAYLOAD: usize = 1472;

/// Guest address of the TAP test, inside the namespace's 10.0.5.0/24.
const TAP_GUEST: Ipv4Addr = Ipv4Addr::new(10, 0, 5, 3);
const TAP_HOST: Ipv4Addr = Ipv4Addr::new(10, 0, 5, 1);

/// Environment variable that turns this test binary into the client half
/// of the TAP test, run inside the namespace by `ip netns exec`.
const TAP_CLIENT_ENV: &str = "LOGKEEP_IMAGE_TAP_CLIENT";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Returns the image path, or `None` (after printing why) when the tests
/// cannot run here. Under CI a missing prerequisite is a failure.
fn prerequisites() -> Option<PathBuf> {
    let image = std::env::var_os("LOGKEEP_IMAGE")
        .map_or_else(|| repo_root().join("build/image/logkeep"), PathBuf::from);
    let qemu = Command::new("qemu-system-x86_64")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    let missing = if !image.is_file() {
        format!(
            "image {} not found (build it with scripts/build-image.sh)",
            image.display()
        )
    } else if !qemu {
        "qemu-system-x86_64 not found (install it with scripts/setup.sh)".to_string()
    } else {
        return Some(image);
    };
    if std::env::var_os("CI").is_some() {
        panic!("{missing}");
    }
    eprintln!("skipping the image test: {missing}");
    None
}

/// Returns a port that was free on 127.0.0.1 a moment ago.
fn free_port() -> u16 {
    let tcp = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral TCP port");
    let port = tcp.local_addr().unwrap().port();
    // The same number must be free for UDP too.
    if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
        port
    } else {
        free_port()
    }
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("logkeep-image-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch directory");
    dir
}

/// A QEMU process started by scripts/run.sh, with its serial console in a
/// file and its monitor on a Unix socket.
struct Guest {
    child: Child,
    serial: PathBuf,
    monitor: PathBuf,
}

impl Guest {
    /// Starts `[prefix..] scripts/run.sh --accel tcg <run_args> -- <app_args>`.
    fn start(
        prefix: &[&str],
        dir: &Path,
        image: &Path,
        run_args: &[String],
        app_args: &[&str],
    ) -> Guest {
        let serial = dir.join("serial.log");
        let monitor = dir.join("monitor.sock");
        let run = repo_root().join("scripts/run.sh");
        let mut command = match prefix.split_first() {
            Some((program, rest)) => {
                let mut command = Command::new(program);
                command.args(rest).arg(&run);
                command
            }
            None => Command::new(&run),
        };
        command
            .args(["--accel", "tcg", "--memory", "256M", "--image"])
            .arg(image)
            .arg("--serial")
            .arg(&serial)
            .arg("--monitor")
            .arg(&monitor)
            .args(run_args)
            .arg("--")
            .args(app_args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.join("run.log")).expect("create run.log"),
            ));
        let child = command.spawn().expect("start scripts/run.sh");
        Guest {
            child,
            serial,
            monitor,
        }
    }

    fn console(&self) -> String {
        std::fs::read_to_string(&self.serial).unwrap_or_default()
    }

    /// Waits until the guest logs that it listens on HTTP.
    fn wait_for_listening(&mut self) {
        let start = Instant::now();
        loop {
            let console = self.console();
            if console.contains("listening on http") {
                return;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("QEMU exited with {status} before logkeep listened:\n{console}");
            }
            assert!(
                start.elapsed() < BOOT_DEADLINE,
                "logkeep did not listen within {BOOT_DEADLINE:?}:\n{console}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Stops QEMU through its monitor and waits for the process.
    fn quit(mut self) -> ExitStatus {
        // The connection stays open until QEMU exits: closing it at once can
        // discard the command before the monitor reads it.
        let _monitor = UnixStream::connect(&self.monitor).and_then(|mut monitor| {
            monitor.write_all(b"quit\n")?;
            Ok(monitor)
        });
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if start.elapsed() > QUIT_DEADLINE {
                let _ = self.child.kill();
                panic!("QEMU ignored the monitor's quit for {QUIT_DEADLINE:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Sends `GET path` and returns status and body, or `None` when the
/// connection fails or closes early (QEMU user networking accepts on the
/// host port before the guest listens, then closes).
fn try_get(addr: SocketAddr, path: &str) -> Option<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .ok()?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: guest\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).ok()?;
    if !bytes.windows(4).any(|window| window == b"\r\n\r\n") {
        return None;
    }
    let response = parse_response(&bytes);
    Some((response.status, response.body))
}

fn get_json(addr: SocketAddr, path: &str) -> Value {
    // One retry: in about one run of this file's user-networking test in
    // thirty under TCG, one request got no response within try_get's 20 s.
    let (status, body) = try_get(addr, path)
        .or_else(|| {
            eprintln!("GET {path} from {addr} got no response; retrying once");
            try_get(addr, path)
        })
        .unwrap_or_else(|| panic!("GET {path} from {addr} failed twice"));
    assert_eq!(
        status,
        200,
        "GET {path}: {}",
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice(&body).unwrap_or_else(|error| {
        panic!(
            "GET {path}: body is not JSON ({error}): {}",
            String::from_utf8_lossy(&body)
        )
    })
}

/// Polls `/stats` until `received` reaches `count`.
fn wait_for_received(http: SocketAddr, count: u64) -> Value {
    let start = Instant::now();
    loop {
        let stats = get_json(http, "/stats");
        if stats["received"].as_u64() >= Some(count) {
            return stats;
        }
        assert!(
            start.elapsed() < DELIVERY_DEADLINE,
            "the guest stored fewer than {count} messages within {DELIVERY_DEADLINE:?}: {stats}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Waits until the guest responds to `GET /healthz` with 200.
fn wait_for_http(http: SocketAddr) {
    let start = Instant::now();
    while try_get(http, "/healthz").is_none_or(|(status, _)| status != 200) {
        assert!(
            start.elapsed() < BOOT_DEADLINE,
            "no HTTP answer from {http} within {BOOT_DEADLINE:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Returns the messages both tests send: every corpus case that is not
/// empty, and `marked` RFC 5424 messages with a unique text to search for.
fn messages(marked: usize) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let cases: Vec<CorpusCase> = corpus();
    let corpus_messages: Vec<Vec<u8>> = cases
        .into_iter()
        .map(|case| case.bytes)
        .filter(|bytes| !bytes.is_empty())
        .collect();
    assert!(
        corpus_messages.len() > 100,
        "the corpus has only {} messages",
        corpus_messages.len()
    );
    let marked_messages = (0..marked)
        .map(|index| {
            format!("<134>1 2026-12-04T12:00:00Z imagehost imagetest - - - image-marker {index:04}")
                .into_bytes()
        })
        .collect();
    (corpus_messages, marked_messages)
}

/// Sends every datagram from one socket, pacing them so the test checks
/// delivery and storage, not the size of the guest's receive queue.
fn send_paced(socket: &UdpSocket, to: SocketAddr, datagrams: &[Vec<u8>]) {
    for datagram in datagrams {
        socket.send_to(datagram, to).expect("send a datagram");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Sends the messages to a listening guest, then checks `/stats` and
/// `/events` with filters. Both tests run this exchange.
fn exchange(udp: SocketAddr, http: SocketAddr) {
    wait_for_http(http);
    let (corpus_messages, marked_messages) = messages(20);
    let oversize = corpus_messages
        .iter()
        .filter(|bytes| bytes.len() > GUEST_MTU_PAYLOAD)
        .count();
    eprintln!(
        "sending {} corpus messages ({oversize} larger than one frame) and {} marked ones",
        corpus_messages.len(),
        marked_messages.len()
    );

    let bind = if udp.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
    let socket = UdpSocket::bind(bind).expect("bind a sending socket");
    send_paced(&socket, udp, &corpus_messages);
    send_paced(&socket, udp, &marked_messages);
    let total = (corpus_messages.len() + marked_messages.len()) as u64;

    let stats = wait_for_received(http, total);
    assert_eq!(stats["received"].as_u64(), Some(total), "{stats}");
    assert_eq!(stats["events"].as_u64(), Some(total), "{stats}");
    assert_eq!(stats["dropped"].as_u64(), Some(0), "{stats}");
    assert_eq!(stats["evicted"].as_u64(), Some(0), "{stats}");

    // Text filter: exactly the marked messages, newest first by default.
    let body = get_json(http, "/events?q=image-marker&limit=100");
    let ids = event_ids(&body);
    assert_eq!(ids.len(), marked_messages.len(), "{body}");
    let texts: Vec<&str> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["message"].as_str().unwrap_or_default())
        .collect();
    for (index, text) in texts.iter().rev().enumerate() {
        assert!(
            text.contains(&format!("image-marker {index:04}")),
            "event {index} has message {text:?}"
        );
    }

    // Limit and ascending order: the first two stored messages are the
    // first two corpus messages, in sending order.
    let body = get_json(http, "/events?order=asc&limit=2");
    assert_eq!(event_ids(&body), [1, 2], "{body}");
    let first = body["events"][0]["message"].as_str().unwrap_or_default();
    let expected = String::from_utf8_lossy(&corpus_messages[0]);
    assert!(
        expected.contains(first.trim_end()) && !first.is_empty(),
        "first stored message {first:?} does not match the first sent {expected:?}"
    );

    // A filter that matches nothing returns an empty list, not an error.
    let body = get_json(http, "/events?q=no-such-text-anywhere");
    assert_eq!(event_ids(&body), Vec::<u64>::new(), "{body}");
}

#[test]
fn image_collects_over_user_networking() {
    let Some(image) = prerequisites() else {
        return;
    };
    let dir = scratch_dir("user");
    let (udp_port, http_port, tcp_port) = (free_port(), free_port(), free_port());
    let run_args: Vec<String> = [
        "--udp-port",
        &udp_port.to_string(),
        "--http-port",
        &http_port.to_string(),
        "--tcp-port",
        &tcp_port.to_string(),
    ]
    .map(String::from)
    .to_vec();
    let mut guest = Guest::start(
        &[],
        &dir,
        &image,
        &run_args,
        &["serve", "--capacity", "4MiB", "--tcp", "514"],
    );
    guest.wait_for_listening();

    let udp = SocketAddr::from((Ipv4Addr::LOCALHOST, udp_port));
    let http = SocketAddr::from((Ipv4Addr::LOCALHOST, http_port));
    exchange(udp, http);
    send_over_tcp(SocketAddr::from((Ipv4Addr::LOCALHOST, tcp_port)), http);

    let stats = get_json(http, "/stats");
    assert_eq!(stats["capacity"].as_u64(), Some(4 << 20), "{stats}");
    let console = guest.console();
    assert!(console.contains("logkeep 0.1.0 starting"), "{console}");
    assert!(
        console.contains("guest address 10.0.2.15 mask 255.255.255.0 gateway 10.0.2.2"),
        "{console}"
    );
    // The kernel reports port 0 for bound sockets; logs name the real one.
    assert!(!console.contains("0.0.0.0:0"), "{console}");
    // It also rejects every read timeout, which is no news at each boot.
    assert!(!console.contains("cannot set a read timeout"), "{console}");
    for listener in ["udp 0.0.0.0:514", "tcp 0.0.0.0:514", "http 0.0.0.0:8080"] {
        assert!(
            console.contains(&format!("listening on {listener}")),
            "{listener}: {console}"
        );
    }
    let status = guest.quit();
    // `quit` ends QEMU with status 0; the guest never reached its own exit.
    assert!(status.success(), "QEMU exited with {status}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Sends two newline-framed messages (RFC 6587 § 3.4.2) to the guest's
/// TCP syslog port and waits until `/events` finds both.
fn send_over_tcp(tcp: SocketAddr, http: SocketAddr) {
    let mut stream = TcpStream::connect(tcp).expect("connect to the guest's TCP syslog port");
    stream
        .write_all(
            b"<13>1 2026-12-04T12:00:00Z imagehost imagetest - - - tcp-marker one\n\
              <13>1 2026-12-04T12:00:00Z imagehost imagetest - - - tcp-marker two\n",
        )
        .expect("send over TCP");
    drop(stream);

    let start = Instant::now();
    loop {
        let body = get_json(http, "/events?q=tcp-marker&order=asc");
        let messages: Vec<&str> = body["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|event| event["message"].as_str().unwrap_or_default())
            .collect();
        if messages.len() == 2 {
            assert_eq!(messages, ["tcp-marker one", "tcp-marker two"], "{body}");
            return;
        }
        assert!(
            start.elapsed() < DELIVERY_DEADLINE,
            "the guest stored {} of 2 TCP messages within {DELIVERY_DEADLINE:?}: {body}",
            messages.len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Runs `ip` with `args` and panics with its output when it fails.
fn ip(args: &[&str]) {
    let output = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        output.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A network namespace that is deleted on drop.
struct Namespace(String);

impl Drop for Namespace {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "delete", &self.0])
            .status();
    }
}

/// Returns why the TAP test cannot run here, if it cannot.
fn tap_unavailable() -> Option<String> {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0");
    if !is_root {
        return Some("creating a namespace and a TAP device needs root".to_string());
    }
    if !Path::new("/dev/net/tun").exists() {
        return Some("/dev/net/tun is missing".to_string());
    }
    if Command::new("ip").arg("-V").output().is_err() {
        return Some("the ip command (iproute2) is missing".to_string());
    }
    None
}

#[test]
fn image_collects_over_tap() {
    if std::env::var_os(TAP_CLIENT_ENV).is_some() {
        return;
    }
    let Some(image) = prerequisites() else {
        return;
    };
    if let Some(reason) = tap_unavailable() {
        eprintln!("skipping the TAP image test: {reason}");
        return;
    }

    let name = format!("logkeep-test-{}", std::process::id());
    if let Err(reason) = Command::new("ip")
        .args(["netns", "add", &name])
        .output()
        .map_err(|error| error.to_string())
        .and_then(|output| {
            if output.status.success() {
                Ok(())
            } else {
                Err(String::from_utf8_lossy(&output.stderr).into_owned())
            }
        })
    {
        eprintln!("skipping the TAP image test: cannot create a network namespace: {reason}");
        return;
    }
    let namespace = Namespace(name.clone());
    let tap = "lk-tap0";
    ip(&["-n", &namespace.0, "link", "set", "lo", "up"]);
    ip(&[
        "-n",
        &namespace.0,
        "tuntap",
        "add",
        "dev",
        tap,
        "mode",
        "tap",
    ]);
    // The device starts with another network's address, as one left by an
    // earlier run would: run.sh must replace it with the gateway address,
    // or the client below cannot reach the guest.
    ip(&[
        "-n",
        &namespace.0,
        "addr",
        "add",
        "10.99.0.1/24",
        "dev",
        tap,
    ]);

    let dir = scratch_dir("tap");
    let run_args: Vec<String> = [
        "--tap",
        "--tap-name",
        tap,
        "--ip",
        &TAP_GUEST.to_string(),
        "--gateway",
        &TAP_HOST.to_string(),
        "--mask",
        "255.255.255.0",
    ]
    .map(String::from)
    .to_vec();
    let mut guest = Guest::start(
        &["ip", "netns", "exec", &namespace.0],
        &dir,
        &image,
        &run_args,
        &["serve"],
    );
    guest.wait_for_listening();

    // The sockets must live in the namespace: run this test binary's
    // client half there.
    let exe = std::env::current_exe().expect("the test binary's path");
    let output = Command::new("ip")
        .args(["netns", "exec", &namespace.0])
        .arg(exe)
        .args(["--exact", "tap_client", "--nocapture", "--test-threads=1"])
        .env(TAP_CLIENT_ENV, TAP_GUEST.to_string())
        .output()
        .expect("run the client half in the namespace");
    let console = guest.console();
    assert!(
        output.status.success(),
        "the client in the namespace failed:\n{}\n{}\nguest console:\n{console}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let status = guest.quit();
    assert!(status.success(), "QEMU exited with {status}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The client half of `image_collects_over_tap`. It does nothing unless
/// that test runs it inside its namespace with the guest address set.
#[test]
fn tap_client() {
    let Some(guest) = std::env::var_os(TAP_CLIENT_ENV) else {
        return;
    };
    let guest: Ipv4Addr = guest
        .to_str()
        .and_then(|text| text.parse().ok())
        .expect("a guest IPv4 address");
    exchange(
        SocketAddr::from((guest, 514)),
        SocketAddr::from((guest, 8080)),
    );
}

/// Idle connections the flood test opens to each port: more than the
/// connection caps, and more than the guest's stack reserve could back
/// with one thread each if the caps were missing.
const FLOOD_CONNECTIONS: usize = 300;

/// The flood test guest's --tcp-max-connections.
const FLOOD_TCP_CAP: u64 = 8;

/// Idle and request-head timeout of the flood test's guest, in seconds.
const FLOOD_TIMEOUT_SECONDS: u64 = 4;

/// Opens `count` TCP connections to `addr`, pausing briefly between them,
/// and returns the ones the host accepted.
fn open_idle(addr: SocketAddr, count: usize) -> Vec<TcpStream> {
    let mut streams = Vec::with_capacity(count);
    for _ in 0..count {
        if let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            streams.push(stream);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    streams
}

/// Polls `/stats` until `done` holds, panicking with the guest console
/// after [`DELIVERY_DEADLINE`].
fn wait_for_stats(guest: &Guest, http: SocketAddr, what: &str, done: impl Fn(&Value) -> bool) {
    let start = Instant::now();
    let mut last = Value::Null;
    loop {
        if let Some((200, body)) = try_get(http, "/stats") {
            last = serde_json::from_slice(&body).expect("/stats is JSON");
            if done(&last) {
                return;
            }
        }
        assert!(
            start.elapsed() < DELIVERY_DEADLINE,
            "{what} within {DELIVERY_DEADLINE:?}; last stats: {last}; guest console:\n{}",
            guest.console()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn image_survives_idle_connection_flood() {
    let Some(image) = prerequisites() else {
        return;
    };
    let dir = scratch_dir("flood");
    let (udp_port, http_port, tcp_port) = (free_port(), free_port(), free_port());
    let run_args: Vec<String> = [
        "--udp-port",
        &udp_port.to_string(),
        "--http-port",
        &http_port.to_string(),
        "--tcp-port",
        &tcp_port.to_string(),
    ]
    .map(String::from)
    .to_vec();
    let timeout = FLOOD_TIMEOUT_SECONDS.to_string();
    let mut guest = Guest::start(
        &[],
        &dir,
        &image,
        &run_args,
        &[
            "serve",
            "--tcp",
            "514",
            "--tcp-idle-timeout",
            &timeout,
            "--http-timeout",
            &timeout,
            // Below what run.sh computes for 256 MiB, so that the caps
            // are reached even when a loaded host delivers few of the
            // connections.
            "--tcp-max-connections",
            &FLOOD_TCP_CAP.to_string(),
            "--max-connections",
            "4",
        ],
    );
    guest.wait_for_listening();
    let udp = SocketAddr::from((Ipv4Addr::LOCALHOST, udp_port));
    let http = SocketAddr::from((Ipv4Addr::LOCALHOST, http_port));
    let tcp = SocketAddr::from((Ipv4Addr::LOCALHOST, tcp_port));
    wait_for_http(http);

    // Idle connections that send nothing: each one the guest accepts
    // holds a thread until it times out or the client closes it.
    let idle_tcp = open_idle(tcp, FLOOD_CONNECTIONS);
    let idle_http = open_idle(http, FLOOD_CONNECTIONS);
    eprintln!(
        "opened {} idle TCP and {} idle HTTP connections",
        idle_tcp.len(),
        idle_http.len()
    );

    // The connections the guest accepted must time out. Those QEMU still
    // queues would take every freed slot, so the clients then close all.
    std::thread::sleep(Duration::from_secs(FLOOD_TIMEOUT_SECONDS + 2));
    drop(idle_tcp);
    drop(idle_http);

    // The guest must stay up, and count what it rejected over its caps
    // and what it closed after the timeouts. Idle connections are closed
    // only while more than half the slots are taken. Below that, a
    // connection ends when the guest receives the client's close, which
    // on a loaded host did not always arrive within the deadline.
    wait_for_stats(&guest, http, "TCP connections stayed open", |stats| {
        stats["tcp_connections_open"]
            .as_u64()
            .is_some_and(|open| open * 2 <= FLOOD_TCP_CAP)
    });
    let stats = get_json(http, "/stats");
    eprintln!("stats after the flood: {stats}");
    assert!(
        stats["tcp_connections"]["rejected"].as_u64() > Some(0),
        "no TCP connection was rejected: {stats}"
    );
    assert!(
        stats["tcp_idle_timeouts"].as_u64() > Some(0),
        "no TCP connection timed out: {stats}"
    );
    assert!(
        stats["http_errors"].as_u64() > Some(0),
        "no 503 or 408 response was counted: {stats}"
    );

    // Ingest still works on both transports.
    let marker = b"<13>1 2026-12-04T12:00:00Z imagehost imagetest - - - flood-udp-marker";
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind a sending socket");
    socket.send_to(marker, udp).expect("send a datagram");
    send_over_tcp(tcp, http);
    let start = Instant::now();
    while event_ids(&get_json(http, "/events?q=flood-udp-marker")).len() != 1 {
        assert!(
            start.elapsed() < DELIVERY_DEADLINE,
            "the guest did not store the datagram sent after the flood"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    let console = guest.console();
    assert!(!console.contains("panicked"), "{console}");
    let status = guest.quit();
    assert!(status.success(), "QEMU exited with {status}");
    let _ = std::fs::remove_dir_all(&dir);
}
