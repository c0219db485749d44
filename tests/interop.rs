//! Interoperability with the programs operators point at logkeep: util-linux
//! `logger`, rsyslogd and syslog-ng relaying what `logger` sends them, and
//! Python's `logging.handlers.SysLogHandler`. Each test starts a `logkeep
//! serve` child on ephemeral loopback ports, runs the real sender, and
//! checks through `/events` the fields an operator filters on and through
//! `/stats` that every message was counted and parsed.
//!
//! rsyslogd and syslog-ng run in the foreground with their own
//! configuration, pid file and work directory, and only network inputs on
//! loopback, so they never touch the machine's own logging.
//!
//! Senders run with the POSIX zone `XST-5:30` and logkeep with
//! `--default-offset +05:30`, so a timestamp read in the wrong zone lands
//! five and a half hours off and fails the check.
//!
//! `logger`, rsyslogd and python3 are installed by `scripts/setup.sh
//! --test`; without them these tests skip with a printed reason, or fail
//! when `CI` is set. syslog-ng is not (its Debian package conflicts with
//! rsyslog's): its test runs with `scripts/bench/setup-peers.sh`'s copy in
//! `build/peers/syslog-ng`, `LOGKEEP_SYSLOG_NG`, or `syslog-ng` on `PATH`,
//! and skips otherwise.

mod common;

use std::ffi::OsStr;
use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use common::syslog_tcp::wait_for_events;
use common::{ChildServer, DEADLINE, get_json, wait_for_stats};
use serde_json::Value;

/// The zone every sender runs in: UTC+05:30 as a POSIX TZ string, which
/// needs no tzdata.
const SENDER_TZ: &str = "XST-5:30";
/// The same offset for logkeep's `--default-offset`.
const SENDER_OFFSET: &str = "+05:30";

// ---------------------------------------------------------------------------
// Finding and running programs

/// Finds `name` on `PATH` or in the sbin directories, which `PATH` lacks
/// for some users.
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|directory| directory.join(name))
        .find(|candidate| candidate.is_file())
}

/// Returns the program that `scripts/setup.sh --test` installs, or prints
/// why the test is skipped. Under `CI` a missing program fails the test.
fn required(name: &str, package: &str) -> Option<PathBuf> {
    if let Some(path) = find_program(name) {
        return Some(path);
    }
    let reason = format!(
        "{name} is not installed; scripts/setup.sh --test installs it (apt-get install {package})"
    );
    assert!(std::env::var_os("CI").is_none(), "{reason}");
    eprintln!("skipped: {reason}");
    None
}

/// Starts `logkeep serve` on ephemeral loopback ports with UDP, TCP and
/// HTTP, and `extra` arguments.
fn start_logkeep(extra: &[&str]) -> ChildServer {
    let mut args = vec![
        "--udp",
        "127.0.0.1:0",
        "--tcp",
        "127.0.0.1:0",
        "--http",
        "127.0.0.1:0",
        "--default-offset",
        SENDER_OFFSET,
    ];
    args.extend(extra);
    let server = ChildServer::start(&args, &[]);
    assert!(server.tcp.is_some(), "no TCP address in the log");
    server
}

fn tcp_addr(server: &ChildServer) -> SocketAddr {
    server.tcp.expect("a TCP listener")
}

/// Runs `logger` with `args` and `stdin`, in the senders' zone.
fn run_logger(logger: &Path, args: &[&OsStr], stdin: &[u8]) {
    let mut child = Command::new(logger)
        .args(args)
        .env("TZ", SENDER_TZ)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start logger");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin)
        .expect("write logger's stdin");
    let output = child.wait_with_output().expect("wait for logger");
    assert!(
        output.status.success(),
        "logger {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Sends one message with `logger -n 127.0.0.1 -P port` and `options`.
fn logger_send(logger: &Path, port: u16, options: &[&str], message: &[u8]) {
    let port = port.to_string();
    let head = ["-n", "127.0.0.1", "-P", port.as_str()];
    let mut args: Vec<&OsStr> = head.iter().chain(options).map(OsStr::new).collect();
    args.push(OsStr::from_bytes(message));
    run_logger(logger, &args, b"");
}

/// Sends `text` as RFC 3164 from `local4.warning`, tagged `tag` with PID
/// 321, through `logger` to a relay on UDP `port`. Returns the event
/// logkeep stores when the relay forwards it in `format`.
fn send_rfc3164(
    logger: &Path,
    port: u16,
    tag: &str,
    token: &str,
    text: &str,
    format: &'static str,
    hosts: &SenderHostnames,
) -> Expect {
    let options = [
        "--udp",
        "--rfc3164",
        "-p",
        "local4.warning",
        "-t",
        tag,
        "--id=321",
    ];
    logger_send(logger, port, &options, text.as_bytes());
    Expect::new(token, format, exact(text))
        .priority("local4", "warning")
        .host(&hosts.rfc3164)
        .app(tag)
        .procid("321")
}

/// Sends `text` as RFC 5424 from `daemon.info`, tagged `tag` with PID 654,
/// MSGID `MID1` and one SD element, through `logger` to a relay on UDP
/// `port`. Returns the event logkeep stores when the relay forwards it in
/// `format`: only RFC 5424 output carries MSGID and STRUCTURED-DATA on.
fn send_rfc5424(
    logger: &Path,
    port: u16,
    tag: &str,
    token: &str,
    text: &str,
    format: &'static str,
    hosts: &SenderHostnames,
) -> Expect {
    let options = [
        "--udp",
        "--rfc5424",
        "-p",
        "daemon.info",
        "-t",
        tag,
        "--id=654",
        "--msgid",
        "MID1",
        "--sd-id",
        "zoo@32473",
        "--sd-param",
        "k=\"v\"",
    ];
    logger_send(logger, port, &options, text.as_bytes());
    let mut expect = Expect::new(token, format, exact(text))
        .priority("daemon", "info")
        .host(&hosts.rfc5424)
        .app(tag)
        .procid("654");
    if format == "rfc5424" {
        expect = expect.msgid("MID1");
        expect.structured_data = vec![("timeQuality", None), ("zoo@32473", Some(vec![("k", "v")]))];
    }
    expect
}

/// The HOSTNAME field `logger` puts in RFC 3164 and RFC 5424 messages,
/// read from what it sends, because it may shorten the machine's name.
struct SenderHostnames {
    rfc3164: String,
    rfc5424: String,
}

fn sender_hostnames(logger: &Path) -> SenderHostnames {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(DEADLINE)).unwrap();
    let port = socket.local_addr().unwrap().port();
    let receive = |format: &str| {
        logger_send(logger, port, &["--udp", format], b"probe");
        let mut buffer = [0u8; 2048];
        let length = socket.recv(&mut buffer).expect("logger's probe datagram");
        String::from_utf8_lossy(&buffer[..length]).into_owned()
    };
    // `<13>Dec  4 18:48:11 HOST probe` and `<13>1 TIMESTAMP HOST ...`.
    let rfc3164 = receive("--rfc3164");
    let after_pri = &rfc3164[rfc3164.find('>').unwrap() + 1..];
    let rfc3164_host = after_pri
        .get(15..)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no hostname in {rfc3164:?}"));
    let rfc5424 = receive("--rfc5424");
    let rfc5424_host = rfc5424
        .split(' ')
        .nth(2)
        .unwrap_or_else(|| panic!("no hostname in {rfc5424:?}"));
    SenderHostnames {
        rfc3164: rfc3164_host.to_string(),
        rfc5424: rfc5424_host.to_string(),
    }
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Creates an empty directory under the system temporary directory for
/// one test's peer.
fn work_directory(name: &str) -> PathBuf {
    let directory =
        std::env::temp_dir().join(format!("logkeep-interop-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

/// A peer daemon in the foreground, killed when dropped.
struct Peer {
    name: &'static str,
    child: Child,
    log: PathBuf,
}

impl Peer {
    /// Waits until the peer accepts TCP connections on `port`, which the
    /// test takes as the sign that its UDP inputs are bound too.
    fn wait_until_listening(&mut self, port: u16) {
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let start = Instant::now();
        while TcpStream::connect(address).is_err() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "{} exited with {status} before listening on {address}: {}",
                    self.name,
                    self.log_text()
                );
            }
            assert!(
                start.elapsed() < DEADLINE,
                "{} does not listen on {address}: {}",
                self.name,
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the peer with SIGTERM, as a service manager restarts it.
    fn stop(&mut self) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(status.success(), "kill -TERM {pid} failed");
        self.child.wait().unwrap();
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn spawn_peer(name: &'static str, command: &mut Command, directory: &Path) -> Peer {
    let log = directory.join(format!("{name}.log"));
    let file = std::fs::File::create(&log).unwrap();
    let child = command
        .env("TZ", SENDER_TZ)
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
    Peer { name, child, log }
}

// ---------------------------------------------------------------------------
// What an operator expects of each event

#[derive(Clone, Debug)]
enum Text {
    /// The whole message.
    Exact(String),
    /// A multi-line message: its first and last lines.
    Lines(String, String),
}

/// An SD-ID and, when they are checked, its parameters in order.
type SdElement = (&'static str, Option<Vec<(&'static str, &'static str)>>);

#[derive(Clone, Debug)]
struct Expect {
    /// A word of the message that appears in no other message of the test.
    token: String,
    format: &'static str,
    facility: &'static str,
    severity: &'static str,
    hostname: Option<String>,
    app_name: Option<String>,
    procid: Option<String>,
    msgid: Option<String>,
    /// The SD-IDs in order, with the parameters of those given.
    structured_data: Vec<SdElement>,
    /// Whether the sender put a timestamp in the message.
    timestamp: bool,
    message: Text,
}

impl Expect {
    fn new(token: &str, format: &'static str, message: Text) -> Expect {
        Expect {
            token: token.to_string(),
            format,
            facility: "user",
            severity: "notice",
            hostname: None,
            app_name: None,
            procid: None,
            msgid: None,
            structured_data: Vec::new(),
            timestamp: true,
            message,
        }
    }

    fn priority(mut self, facility: &'static str, severity: &'static str) -> Expect {
        self.facility = facility;
        self.severity = severity;
        self
    }

    fn host(mut self, hostname: &str) -> Expect {
        self.hostname = Some(hostname.to_string());
        self
    }

    fn app(mut self, app_name: &str) -> Expect {
        self.app_name = Some(app_name.to_string());
        self
    }

    fn procid(mut self, procid: &str) -> Expect {
        self.procid = Some(procid.to_string());
        self
    }

    fn msgid(mut self, msgid: &str) -> Expect {
        self.msgid = Some(msgid.to_string());
        self
    }
}

fn exact(text: &str) -> Text {
    Text::Exact(text.to_string())
}

/// Compares `event` with `expect` and returns every difference.
fn differences(
    event: &Value,
    expect: &Expect,
    window: (DateTime<Utc>, DateTime<Utc>),
) -> Vec<String> {
    let mut found = Vec::new();
    let mut field = |name: &str, want: Option<&str>| {
        let got = event[name].as_str();
        if got != want {
            found.push(format!("{name}: expected {want:?}, got {got:?}"));
        }
    };
    field("format", Some(expect.format));
    field("facility", Some(expect.facility));
    field("severity", Some(expect.severity));
    field("hostname", expect.hostname.as_deref());
    field("app_name", expect.app_name.as_deref());
    field("procid", expect.procid.as_deref());
    field("msgid", expect.msgid.as_deref());
    field("parse_error", None);
    field("transport_error", None);

    let message = event["message"].as_str().unwrap_or_default();
    let message_ok = match &expect.message {
        Text::Exact(text) => message == text,
        Text::Lines(first, last) => {
            message.lines().next() == Some(first.as_str())
                && message.lines().last() == Some(last.as_str())
                && message.lines().count() > 2
        }
    };
    if !message_ok {
        found.push(format!(
            "message: expected {:?}, got {message:?}",
            expect.message
        ));
    }

    let elements = event["structured_data"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ids: Vec<&str> = elements
        .iter()
        .map(|element| element["id"].as_str().unwrap_or_default())
        .collect();
    let want_ids: Vec<&str> = expect.structured_data.iter().map(|(id, _)| *id).collect();
    if ids != want_ids {
        found.push(format!(
            "structured_data ids: expected {want_ids:?}, got {ids:?}"
        ));
    }
    for ((_, params), element) in expect.structured_data.iter().zip(&elements) {
        if let Some(params) = params {
            let want: Value = params
                .iter()
                .map(|(name, value)| Value::from(vec![*name, *value]))
                .collect();
            if element["params"] != want {
                found.push(format!(
                    "structured_data params: expected {want}, got {element}"
                ));
            }
        }
    }

    match (expect.timestamp, event["timestamp"].as_str()) {
        (false, None) => {}
        (false, Some(got)) => found.push(format!("timestamp: expected none, got {got}")),
        (true, None) => found.push(String::from("timestamp: expected one, got none")),
        (true, Some(got)) => match DateTime::parse_from_rfc3339(got) {
            // The sender's clock is this machine's, so the stamp lies
            // between the first send and the last arrival; RFC 3164 stamps
            // are cut to the second.
            Ok(stamp) => {
                let stamp = stamp.with_timezone(&Utc);
                let slack = TimeDelta::seconds(2);
                if stamp < window.0 - slack || stamp > window.1 + slack {
                    found.push(format!(
                        "timestamp: {got} is outside the send window {} to {} (wrong zone or year?)",
                        window.0, window.1
                    ));
                }
            }
            Err(error) => found.push(format!("timestamp: {got:?} is not RFC 3339: {error}")),
        },
    }
    found
}

/// Waits for one event per expectation, then checks that each token
/// matches exactly one event and that the event has the expected fields.
/// Fails with every difference found.
fn check_events(http: SocketAddr, expected: &[Expect], sent_from: DateTime<Utc>) {
    for expect in expected {
        wait_for_events(http, &expect.token, 1);
    }
    let window = (sent_from, Utc::now());
    let mut failures = Vec::new();
    for expect in expected {
        let body = get_json(http, &format!("/events?q={}&limit=10", expect.token));
        let events = body["events"].as_array().cloned().unwrap_or_default();
        if events.len() != 1 {
            failures.push(format!(
                "{}: expected one event, found {}: {events:?}",
                expect.token,
                events.len()
            ));
            continue;
        }
        for difference in differences(&events[0], expect, window) {
            failures.push(format!("{}: {difference}", expect.token));
        }
        // The filters an operator uses must find the event.
        for (name, value) in [("host", &expect.hostname), ("app", &expect.app_name)] {
            let Some(value) = value else { continue };
            let query = format!(
                "/events?q={}&{name}={}&limit=10",
                expect.token,
                url_encode(value)
            );
            if get_json(http, &query)["events"].as_array().map(Vec::len) != Some(1) {
                failures.push(format!("{}: {name}={value} does not find it", expect.token));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Waits until `/stats` counts `total` messages and checks that each was
/// stored and parsed, with no frame errors, drops or unparsed input.
fn check_stats(http: SocketAddr, total: u64) -> Value {
    let stats = wait_for_stats(http, &format!("{total} received messages"), |stats| {
        stats["received"].as_u64() >= Some(total)
    });
    let parsed = &stats["parsed"];
    let counts = [
        ("received", stats["received"].as_u64()),
        ("events", stats["events"].as_u64()),
        (
            "parsed",
            Some(parsed["rfc5424"].as_u64().unwrap_or(0) + parsed["rfc3164"].as_u64().unwrap_or(0)),
        ),
    ];
    for (name, count) in counts {
        assert_eq!(count, Some(total), "{name} in /stats: {stats}");
    }
    for name in ["unparsed", "dropped", "oversize", "receive_errors"] {
        assert_eq!(stats[name].as_u64(), Some(0), "{name} in /stats: {stats}");
    }
    let errors = &stats["tcp_frame_errors"];
    for name in ["oversize", "truncated", "invalid_length"] {
        assert_eq!(errors[name].as_u64(), Some(0), "tcp_frame_errors: {stats}");
    }
    stats
}

// ---------------------------------------------------------------------------
// logger straight to logkeep

#[test]
fn logger_to_logkeep() {
    let Some(logger) = required("logger", "bsdutils") else {
        return;
    };
    let hosts = sender_hostnames(&logger);
    let server = start_logkeep(&[]);
    let udp = server.udp.port();
    let tcp = tcp_addr(&server).port();
    let (h3164, h5424) = (hosts.rfc3164.as_str(), hosts.rfc5424.as_str());
    let sent_from = Utc::now();
    let mut expected = Vec::new();

    let full_rfc5424 = [
        "--rfc5424",
        "-p",
        "local0.err",
        "-t",
        "lgapp",
        "--id=4242",
        "--msgid",
        "MID7",
        "--sd-id",
        "zoo@32473",
        "--sd-param",
        "tiger=\"hungry\"",
    ];
    for (token, transport) in [
        ("lg01x", &["--udp"][..]),
        ("lg02x", &["--tcp"]),
        ("lg03x", &["--tcp", "--octet-count"]),
        // RFC 6587 framing is for TCP, but logger applies it to UDP too.
        ("lg04x", &["--udp", "--octet-count"]),
    ] {
        let text = format!("{token} full rfc5424");
        let options: Vec<&str> = transport.iter().chain(&full_rfc5424).copied().collect();
        logger_send(
            &logger,
            udp_or_tcp(transport, udp, tcp),
            &options,
            text.as_bytes(),
        );
        let mut expect = Expect::new(token, "rfc5424", exact(&text))
            .priority("local0", "err")
            .host(h5424)
            .app("lgapp")
            .procid("4242")
            .msgid("MID7");
        expect.structured_data = vec![
            ("timeQuality", None),
            ("zoo@32473", Some(vec![("tiger", "hungry")])),
        ];
        expected.push(expect);
    }

    logger_send(
        &logger,
        udp,
        &["--udp", "--rfc5424=notq,notime,nohost", "-t", "lgbare"],
        b"lg05x without time and host",
    );
    let mut bare =
        Expect::new("lg05x", "rfc5424", exact("lg05x without time and host")).app("lgbare");
    bare.timestamp = false;
    expected.push(bare);

    // Each of logger's RFC 5424 options alone.
    for (token, option) in [
        ("lg20x", "--rfc5424=notq"),
        ("lg21x", "--rfc5424=notime"),
        ("lg22x", "--rfc5424=nohost"),
    ] {
        let text = format!("{token} with {option}");
        logger_send(
            &logger,
            udp,
            &["--udp", option, "-t", "lgopt"],
            text.as_bytes(),
        );
        let mut expect = Expect::new(token, "rfc5424", exact(&text)).app("lgopt");
        // logger sends timeQuality only with a timestamp it vouches for.
        if option != "--rfc5424=notq" && option != "--rfc5424=notime" {
            expect.structured_data = vec![("timeQuality", None)];
        }
        expect.timestamp = option != "--rfc5424=notime";
        if option != "--rfc5424=nohost" {
            expect = expect.host(h5424);
        }
        expected.push(expect);
    }

    for (token, transport) in [
        ("lg06x", &["--udp"][..]),
        ("lg07x", &["--tcp"]),
        ("lg08x", &["--tcp", "--octet-count"]),
    ] {
        let text = format!("{token} rfc3164");
        let mut options: Vec<&str> = transport.to_vec();
        options.extend(["--rfc3164", "-p", "auth.warning", "-t", "lgauth", "--id=77"]);
        logger_send(
            &logger,
            udp_or_tcp(transport, udp, tcp),
            &options,
            text.as_bytes(),
        );
        expected.push(
            Expect::new(token, "rfc3164", exact(&text))
                .priority("auth", "warning")
                .host(h3164)
                .app("lgauth")
                .procid("77"),
        );
    }

    // Each stdin line is a message; over TCP they share one connection.
    let port = tcp.to_string();
    let lines = b"lg09x first line\nlg10x second line\nlg11x third line\n";
    let args = [
        "-n",
        "127.0.0.1",
        "-P",
        &port,
        "--tcp",
        "-t",
        "lgml",
        "-p",
        "daemon.info",
    ];
    run_logger(&logger, &args.map(OsStr::new), lines);
    for line in ["lg09x first line", "lg10x second line", "lg11x third line"] {
        expected.push(
            Expect::new(&line[..5], "rfc5424", exact(line))
                .priority("daemon", "info")
                .host(h5424)
                .app("lgml"),
        );
        expected.last_mut().unwrap().structured_data = vec![("timeQuality", None)];
    }

    // Long lines, up to logger's --size.
    let long = format!("lg12x {}", "0123456789abcdef".repeat(400));
    for (token, transport) in [
        ("lg12x", &["--udp"][..]),
        ("lg13x", &["--tcp", "--octet-count"]),
    ] {
        let text = long.replace("lg12x", token);
        let mut options: Vec<&str> = transport.to_vec();
        options.extend(["--size", "8000", "-t", "lglong"]);
        logger_send(
            &logger,
            udp_or_tcp(transport, udp, tcp),
            &options,
            text.as_bytes(),
        );
        let mut expect = Expect::new(token, "rfc5424", Text::Exact(text))
            .host(h5424)
            .app("lglong");
        expect.structured_data = vec![("timeQuality", None)];
        expected.push(expect);
    }

    // Bytes that are not UTF-8 become U+FFFD in the text fields.
    logger_send(
        &logger,
        udp,
        &["--udp", "--rfc3164", "-t", "lgbytes"],
        b"lg14x caf\xe9 \xff",
    );
    expected.push(
        Expect::new("lg14x", "rfc3164", exact("lg14x caf\u{FFFD} \u{FFFD}"))
            .host(h3164)
            .app("lgbytes"),
    );

    // One connection per message, as scripts calling logger --tcp do.
    for index in 15..20 {
        let token = format!("lg{index}x");
        let text = format!("{token} own connection");
        logger_send(
            &logger,
            tcp,
            &["--tcp", "--rfc3164", "-t", "lgconn"],
            text.as_bytes(),
        );
        expected.push(
            Expect::new(&token, "rfc3164", exact(&text))
                .host(h3164)
                .app("lgconn"),
        );
    }

    check_events(server.http, &expected, sent_from);
    let stats = check_stats(server.http, expected.len() as u64);
    // Every logger run over TCP opens its own connection: two of the
    // RFC 5424 runs, two of the RFC 3164 runs, stdin, a long line and
    // five single messages.
    assert_eq!(
        stats["tcp_connections"]["accepted"].as_u64(),
        Some(11),
        "{stats}"
    );
}

fn udp_or_tcp(transport: &[&str], udp: u16, tcp: u16) -> u16 {
    if transport.contains(&"--udp") {
        udp
    } else {
        tcp
    }
}

// ---------------------------------------------------------------------------
// rsyslogd relaying to logkeep

/// One omfwd action of the rsyslog test: a transport and a template.
struct Relay {
    /// `omfwd` parameters for the transport.
    transport: &'static str,
    template: &'static str,
}

const RSYSLOG_RELAYS: [Relay; 9] = {
    const UDP: &str = r#"protocol="udp""#;
    const TCP_LF: &str = r#"protocol="tcp""#;
    const TCP_COUNTED: &str = r#"protocol="tcp" TCP_Framing="octet-counted""#;
    const TRADITIONAL: &str = "RSYSLOG_TraditionalForwardFormat";
    const FORWARD: &str = "RSYSLOG_ForwardFormat";
    const PROTOCOL_23: &str = "RSYSLOG_SyslogProtocol23Format";
    [
        Relay {
            transport: UDP,
            template: TRADITIONAL,
        },
        Relay {
            transport: UDP,
            template: FORWARD,
        },
        Relay {
            transport: UDP,
            template: PROTOCOL_23,
        },
        Relay {
            transport: TCP_LF,
            template: TRADITIONAL,
        },
        Relay {
            transport: TCP_LF,
            template: FORWARD,
        },
        Relay {
            transport: TCP_LF,
            template: PROTOCOL_23,
        },
        Relay {
            transport: TCP_COUNTED,
            template: TRADITIONAL,
        },
        Relay {
            transport: TCP_COUNTED,
            template: FORWARD,
        },
        Relay {
            transport: TCP_COUNTED,
            template: PROTOCOL_23,
        },
    ]
};

/// Writes an rsyslog configuration with one imudp input per relay, each
/// bound to a ruleset with that relay's action towards `server`, and one
/// imtcp input on `tcp_input` for the last relay. Only network inputs: no
/// imuxsock, imklog or imjournal.
fn rsyslog_config(
    directory: &Path,
    server: &ChildServer,
    udp_inputs: &[u16],
    tcp_input: u16,
) -> PathBuf {
    let mut config = format!(
        "global(workDirectory=\"{}\")\nmodule(load=\"imudp\")\nmodule(load=\"imtcp\")\n",
        directory.display()
    );
    for (index, (relay, port)) in RSYSLOG_RELAYS.iter().zip(udp_inputs).enumerate() {
        let target = if relay.transport.contains("udp") {
            server.udp
        } else {
            tcp_addr(server)
        };
        config.push_str(&format!(
            "ruleset(name=\"relay{index}\") {{ action(type=\"omfwd\" target=\"{}\" port=\"{}\" {} template=\"{}\") }}\n\
             input(type=\"imudp\" address=\"127.0.0.1\" port=\"{port}\" ruleset=\"relay{index}\")\n",
            target.ip(),
            target.port(),
            relay.transport,
            relay.template,
        ));
    }
    config.push_str(&format!(
        "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"{tcp_input}\" ruleset=\"relay{}\")\n",
        RSYSLOG_RELAYS.len() - 1
    ));
    let path = directory.join("rsyslog.conf");
    std::fs::write(&path, config).unwrap();
    path
}

fn start_rsyslog(rsyslogd: &Path, directory: &Path, config: &Path, tcp_input: u16) -> Peer {
    let mut command = Command::new(rsyslogd);
    command
        .arg("-n")
        .arg("-f")
        .arg(config)
        .arg("-i")
        .arg(directory.join("rsyslogd.pid"));
    let mut peer = spawn_peer("rsyslogd", &mut command, directory);
    peer.wait_until_listening(tcp_input);
    peer
}

#[test]
fn rsyslog_relays_to_logkeep() {
    let (Some(logger), Some(rsyslogd)) = (
        required("logger", "bsdutils"),
        required("rsyslogd", "rsyslog"),
    ) else {
        return;
    };
    let hosts = sender_hostnames(&logger);
    let server = start_logkeep(&[]);
    let directory = work_directory("rsyslog");
    let udp_inputs: Vec<u16> = RSYSLOG_RELAYS.iter().map(|_| free_udp_port()).collect();
    let tcp_input = free_tcp_port();
    let config = rsyslog_config(&directory, &server, &udp_inputs, tcp_input);
    let mut rsyslog = start_rsyslog(&rsyslogd, &directory, &config, tcp_input);

    let sent_from = Utc::now();
    let mut expected = Vec::new();
    for (index, (relay, port)) in RSYSLOG_RELAYS.iter().zip(&udp_inputs).enumerate() {
        let protocol_23 = relay.template == "RSYSLOG_SyslogProtocol23Format";

        let format = if protocol_23 { "rfc5424" } else { "rfc3164" };
        let token = format!("rs{index}ax");
        let text = format!("{token} from rfc3164 via {}", relay.template);
        let mut expect = send_rfc3164(&logger, *port, "rstag", &token, &text, format, &hosts);
        // rsyslog keeps the space after `tag:` as the start of the text of
        // an RFC 3164 message, and RFC 5424 output shows it after the SP
        // that ends STRUCTURED-DATA. Extra spaces there belong to MSG.
        if protocol_23 {
            expect.message = exact(&format!(" {text}"));
        }
        expected.push(expect);

        let token = format!("rs{index}bx");
        let text = format!("{token} from rfc5424 via {}", relay.template);
        let expect = send_rfc5424(&logger, *port, "rstag5", &token, &text, format, &hosts);
        expected.push(expect);
    }
    check_events(server.http, &expected, sent_from);
    let stats = check_stats(server.http, expected.len() as u64);
    // One connection per TCP action.
    let accepted = stats["tcp_connections"]["accepted"].as_u64().unwrap_or(0);
    assert_eq!(accepted, 6, "{stats}");

    // A restart: rsyslogd closes its connections at SIGTERM and opens new
    // ones once it is back. Every line arrives whole, once.
    let batch = |phase: char| {
        let tokens: Vec<String> = (0..30)
            .map(|index| format!("rr{phase}{index:02}x"))
            .collect();
        let lines: String = tokens
            .iter()
            .map(|token| format!("{token} restart\n"))
            .collect();
        let port = tcp_input.to_string();
        let args = [
            "-n",
            "127.0.0.1",
            "-P",
            &port,
            "--tcp",
            "--rfc3164",
            "-t",
            "rsrestart",
        ];
        run_logger(&logger, &args.map(OsStr::new), lines.as_bytes());
        tokens
            .iter()
            .map(|token| {
                // The space after `rsrestart:` stays, as above.
                Expect::new(token, "rfc5424", exact(&format!(" {token} restart")))
                    .host(&hosts.rfc3164)
                    .app("rsrestart")
            })
            .collect::<Vec<_>>()
    };
    let before = batch('a');
    check_events(server.http, &before, sent_from);
    rsyslog.stop();
    let mut rsyslog = start_rsyslog(&rsyslogd, &directory, &config, tcp_input);
    let after = batch('b');
    check_events(server.http, &after, sent_from);
    let total = expected.len() + before.len() + after.len();
    let stats = check_stats(server.http, total as u64);
    let reconnected = stats["tcp_connections"]["accepted"].as_u64().unwrap_or(0);
    assert!(
        reconnected > accepted,
        "rsyslogd did not reconnect: {stats}"
    );
    // The connections of the stopped rsyslogd are gone; the new one sent
    // the second batch on its one connection.
    wait_for_stats(server.http, "one open TCP connection", |stats| {
        stats["tcp_connections_open"].as_u64() == Some(1)
    });

    rsyslog.stop();
    let log = rsyslog.log_text();
    let _ = std::fs::remove_dir_all(&directory);
    eprintln!("rsyslogd said:\n{log}");
}

// ---------------------------------------------------------------------------
// Python's logging.handlers.SysLogHandler

/// Sends records through `SysLogHandler` over UDP or TCP to `port`. It
/// sends `<PRI>` and the formatted record, no timestamp or hostname, and
/// ends each message with NUL. The TCP run logs an exception second, so
/// its traceback is one NUL-framed message of many lines.
const PYTHON_SENDER: &str = r#"
import logging, logging.handlers, socket, sys, time
transport, port, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pause = float(sys.argv[4])
socktype = socket.SOCK_DGRAM if transport == "udp" else socket.SOCK_STREAM
handler = logging.handlers.SysLogHandler(
    address=("127.0.0.1", port),
    facility=logging.handlers.SysLogHandler.LOG_LOCAL3,
    socktype=socktype,
)
handler.setFormatter(logging.Formatter("%(name)s[%(process)d]: %(message)s"))
log = logging.getLogger("pyapp")
log.addHandler(handler)
log.setLevel(logging.DEBUG)
log.warning("%s1x warning", prefix)
try:
    1 / 0
except ZeroDivisionError:
    log.exception("%s2x failed", prefix)
log.debug("%s3x debug", prefix)
# Longer than logkeep's idle timeout: the handler never reconnects, so a
# closed connection would lose this record and every later one.
time.sleep(pause)
log.info("%s4x after a pause", prefix)
handler.close()
"#;

#[test]
fn python_syslog_handler_to_logkeep() {
    let Some(python) = required("python3", "python3") else {
        return;
    };
    // Both senders run at once: the TCP one pauses for twice the idle
    // timeout before its last record.
    let server = start_logkeep(&["--tcp-idle-timeout", "1"]);
    let sent_from = Utc::now();
    let senders: Vec<(Child, &str)> = [
        ("udp", server.udp.port(), "pu", "0"),
        ("tcp", tcp_addr(&server).port(), "pt", "2"),
    ]
    .into_iter()
    .map(|(transport, port, prefix, pause)| {
        let child = Command::new(&python)
            .args([
                "-c",
                PYTHON_SENDER,
                transport,
                &port.to_string(),
                prefix,
                pause,
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start python3");
        (child, prefix)
    })
    .collect();

    let mut expected = Vec::new();
    for (child, prefix) in senders {
        let pid = child.id().to_string();
        let output = child.wait_with_output().expect("wait for python3");
        // The handler reports a failed send on stderr and carries on.
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "python3 failed: {stderr}");
        assert!(stderr.is_empty(), "python3 reported: {stderr}");
        let expect = |token: String, severity, message| {
            let mut expect = Expect::new(&token, "rfc3164", message)
                .priority("local3", severity)
                .app("pyapp")
                .procid(&pid);
            expect.timestamp = false;
            expect
        };
        let token = format!("{prefix}1x");
        let text = format!("{token} warning");
        expected.push(expect(token, "warning", Text::Exact(text)));
        let token = format!("{prefix}2x");
        let traceback = Text::Lines(
            format!("{token} failed"),
            String::from("ZeroDivisionError: division by zero"),
        );
        expected.push(expect(token, "err", traceback));
        let token = format!("{prefix}3x");
        let text = format!("{token} debug");
        expected.push(expect(token, "debug", Text::Exact(text)));
        let token = format!("{prefix}4x");
        let text = format!("{token} after a pause");
        expected.push(expect(token, "info", Text::Exact(text)));
    }
    check_events(server.http, &expected, sent_from);
    let stats = check_stats(server.http, expected.len() as u64);
    assert_eq!(stats["tcp_idle_timeouts"].as_u64(), Some(0), "{stats}");
}

// ---------------------------------------------------------------------------
// syslog-ng relaying to logkeep

/// A syslog-ng binary and how to run it.
struct SyslogNg {
    binary: PathBuf,
    /// For a copy unpacked from the Debian package: its library and module
    /// directories.
    unpacked: Option<(PathBuf, PathBuf)>,
}

/// Finds syslog-ng in `LOGKEEP_SYSLOG_NG`, in the copy that
/// `scripts/bench/setup-peers.sh` unpacks, or on `PATH`.
fn find_syslog_ng() -> Option<SyslogNg> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("build/peers/syslog-ng");
    let unpacked = root.join("usr/sbin/syslog-ng");
    if let Some(binary) = std::env::var_os("LOGKEEP_SYSLOG_NG") {
        return Some(SyslogNg {
            binary: PathBuf::from(binary),
            unpacked: None,
        });
    }
    if unpacked.is_file() {
        let libraries = root.join("usr/lib/syslog-ng");
        // Modules live in a directory named after the version, such as 3.38.
        let modules = std::fs::read_dir(&libraries)
            .ok()?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .find(|path| path.is_dir())?;
        return Some(SyslogNg {
            binary: unpacked,
            unpacked: Some((libraries, modules)),
        });
    }
    find_program("syslog-ng").map(|binary| SyslogNg {
        binary,
        unpacked: None,
    })
}

impl SyslogNg {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        if let Some((libraries, modules)) = &self.unpacked {
            command
                .env("LD_LIBRARY_PATH", libraries)
                .arg(format!("--module-path={}", modules.display()));
        }
        command
    }

    /// Reads the `major.minor` version for the configuration's `@version`.
    fn version(&self) -> String {
        let output = self
            .command()
            .arg("--version")
            .output()
            .expect("run syslog-ng --version");
        let text = String::from_utf8_lossy(&output.stdout);
        // The first line reads `syslog-ng 3 (3.38.1)`.
        text.lines()
            .next()
            .and_then(|line| line.split('(').nth(1))
            .and_then(|version| {
                let mut parts = version.trim_end_matches(')').split('.');
                Some(format!("{}.{}", parts.next()?, parts.next()?))
            })
            .unwrap_or_else(|| panic!("no version in syslog-ng --version: {text}"))
    }
}

/// syslog-ng destinations towards logkeep: `network()` sends RFC 3164
/// (LF-framed on TCP), `syslog()` RFC 5424 (octet-counted on TCP).
const SYSLOG_NG_DESTINATIONS: [(&str, &str, &str); 4] = [
    ("network", "udp", "rfc3164"),
    ("network", "tcp", "rfc3164"),
    ("syslog", "tcp", "rfc5424"),
    ("syslog", "udp", "rfc5424"),
];

#[test]
fn syslog_ng_relays_to_logkeep() {
    let Some(logger) = required("logger", "bsdutils") else {
        return;
    };
    let Some(syslog_ng) = find_syslog_ng() else {
        eprintln!(
            "skipped: syslog-ng not found; scripts/bench/setup-peers.sh unpacks it into build/peers/syslog-ng, or set LOGKEEP_SYSLOG_NG"
        );
        return;
    };
    let hosts = sender_hostnames(&logger);
    let server = start_logkeep(&[]);
    let directory = work_directory("syslog-ng");

    // Per destination, a network() source for RFC 3164 input and a
    // syslog() source for RFC 5424 input; a TCP source shows readiness.
    let ready_port = free_tcp_port();
    let mut config = format!(
        "@version: {}\noptions {{ stats_freq(0); keep_hostname(yes); }};\n\
         source s_ready {{ network(ip(\"127.0.0.1\") port({ready_port}) transport(\"tcp\")); }};\n",
        syslog_ng.version()
    );
    let mut inputs = Vec::new();
    for (index, (driver, transport, _)) in SYSLOG_NG_DESTINATIONS.iter().enumerate() {
        let (rfc3164_port, rfc5424_port) = (free_udp_port(), free_udp_port());
        inputs.push((rfc3164_port, rfc5424_port));
        let target = if *transport == "udp" {
            server.udp
        } else {
            tcp_addr(&server)
        };
        config.push_str(&format!(
            "source s{index} {{\n\
             network(ip(\"127.0.0.1\") port({rfc3164_port}) transport(\"udp\"));\n\
             syslog(ip(\"127.0.0.1\") port({rfc5424_port}) transport(\"udp\"));\n}};\n\
             destination d{index} {{ {driver}(\"{}\" port({}) transport(\"{transport}\") persist-name(\"d{index}\")); }};\n\
             log {{ source(s{index}); destination(d{index}); }};\n",
            target.ip(),
            target.port(),
        ));
    }
    config.push_str("log { source(s_ready); destination(d0); };\n");
    let config_path = directory.join("syslog-ng.conf");
    std::fs::write(&config_path, &config).unwrap();
    let mut command = syslog_ng.command();
    command
        .args(["--no-caps", "-F", "-f"])
        .arg(&config_path)
        .arg("-R")
        .arg(directory.join("persist"))
        .arg("-p")
        .arg(directory.join("syslog-ng.pid"))
        .arg("-c")
        .arg(directory.join("syslog-ng.ctl"));
    let mut peer = spawn_peer("syslog-ng", &mut command, &directory);
    peer.wait_until_listening(ready_port);

    let sent_from = Utc::now();
    let mut expected = Vec::new();
    for (index, ((driver, transport, format), (rfc3164_port, rfc5424_port))) in
        SYSLOG_NG_DESTINATIONS.iter().zip(&inputs).enumerate()
    {
        let token = format!("ng{index}ax");
        let text = format!("{token} from rfc3164 via {driver} {transport}");
        let port = *rfc3164_port;
        let expect = send_rfc3164(&logger, port, "ngtag", &token, &text, format, &hosts);
        expected.push(expect);

        let token = format!("ng{index}bx");
        let text = format!("{token} from rfc5424 via {driver} {transport}");
        let port = *rfc5424_port;
        let expect = send_rfc5424(&logger, port, "ngtag5", &token, &text, format, &hosts);
        expected.push(expect);
    }
    check_events(server.http, &expected, sent_from);
    check_stats(server.http, expected.len() as u64);
    peer.stop();
    let _ = std::fs::remove_dir_all(&directory);
}
