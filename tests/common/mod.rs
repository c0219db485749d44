//! Helpers shared by the `serve` integration tests: a small HTTP client on
//! `std::net::TcpStream`, an in-process collector on ephemeral loopback
//! ports, a child `logkeep serve` process, and the shared corpus.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub mod syslog_tcp;

use logkeep::server::{self, Collector, Shutdown, http};
use serde_json::Value;

/// How long a test waits for UDP delivery or a child process before failing.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A parsed HTTP response.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "body is not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends `request` as is and reads the response until the server closes.
pub fn raw_request(addr: SocketAddr, request: &[u8]) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).expect("connect to the HTTP server");
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    stream.write_all(request).expect("send the request");
    read_response(&mut stream)
}

/// Reads one `Connection: close` response to its end.
pub fn read_response(stream: &mut TcpStream) -> HttpResponse {
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).expect("read the response");
    parse_response(&bytes)
}

pub fn parse_response(bytes: &[u8]) -> HttpResponse {
    let split = bytes
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of head in {:?}", String::from_utf8_lossy(bytes)));
    let head = std::str::from_utf8(&bytes[..split]).expect("an ASCII head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    HttpResponse {
        status,
        headers,
        body: bytes[split + 4..].to_vec(),
    }
}

/// Sends `GET path` and returns the response.
pub fn get(addr: SocketAddr, path: &str) -> HttpResponse {
    let request = format!("GET {path} HTTP/1.1\r\nHost: test\r\n\r\n");
    raw_request(addr, request.as_bytes())
}

/// Sends `GET path`, checks for 200 and returns the JSON body.
pub fn get_json(addr: SocketAddr, path: &str) -> Value {
    let response = get(addr, path);
    assert_eq!(response.status, 200, "GET {path}: {}", response.text());
    response.json()
}

/// Returns the ids of the events in a `/events` JSON body.
pub fn event_ids(body: &Value) -> Vec<u64> {
    body["events"]
        .as_array()
        .expect("an events array")
        .iter()
        .map(|event| event["id"].as_u64().expect("an id"))
        .collect()
}

/// Polls `/stats` until `done` accepts it, failing after [`DEADLINE`].
pub fn wait_for_stats(addr: SocketAddr, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let stats = get_json(addr, "/stats");
        if done(&stats) {
            return stats;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "timed out waiting for {what}; last /stats: {stats}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until `/stats` counts `count` received messages.
pub fn wait_for_received(addr: SocketAddr, count: u64) -> Value {
    wait_for_stats(addr, &format!("{count} received messages"), |stats| {
        stats["received"].as_u64() >= Some(count)
    })
}

/// Sends each datagram from one new socket to `to`.
pub fn send_all<'a>(to: SocketAddr, datagrams: impl IntoIterator<Item = &'a [u8]>) {
    let bind = if to.is_ipv4() {
        "127.0.0.1:0"
    } else {
        "[::1]:0"
    };
    let socket = UdpSocket::bind(bind).expect("bind a sending socket");
    for datagram in datagrams {
        socket.send_to(datagram, to).expect("send a datagram");
    }
}

/// A collector running in this process on ephemeral loopback ports.
pub struct TestServer {
    pub udp: SocketAddr,
    pub http: SocketAddr,
    pub collector: Arc<Collector>,
    shutdown: Shutdown,
    running: Option<server::Running>,
}

impl TestServer {
    pub fn start(capacity: usize) -> TestServer {
        TestServer::start_with("127.0.0.1:0", capacity, http::Limits::default())
    }

    pub fn start_with(host: &str, capacity: usize, limits: http::Limits) -> TestServer {
        let udp = UdpSocket::bind(host).expect("bind UDP");
        let listener = TcpListener::bind(host).expect("bind TCP");
        let udp_addr = udp.local_addr().unwrap();
        let http_addr = listener.local_addr().unwrap();
        let collector = Arc::new(Collector::new(capacity));
        let shutdown = Shutdown::new();
        let running = server::spawn(vec![udp], vec![listener], &collector, &shutdown, limits)
            .expect("start the server threads");
        TestServer {
            udp: udp_addr,
            http: http_addr,
            collector,
            shutdown,
            running: Some(running),
        }
    }

    /// Stops the threads and returns whether all of them ended cleanly.
    pub fn stop(mut self) -> bool {
        self.shutdown.trigger();
        self.running.take().is_some_and(server::Running::join)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown.trigger();
        if let Some(running) = self.running.take() {
            running.join();
        }
    }
}

/// A `logkeep serve` child process with its bound addresses read from
/// its log on stderr.
pub struct ChildServer {
    pub child: Child,
    pub udp: SocketAddr,
    pub http: SocketAddr,
    /// The syslog TCP address, when started with `--tcp`.
    pub tcp: Option<SocketAddr>,
    /// Every stderr line so far, collected by a background thread.
    pub log: Arc<Mutex<Vec<String>>>,
    /// The thread that collects `log`; it ends when the child closes stderr.
    log_reader: Option<std::thread::JoinHandle<()>>,
}

impl ChildServer {
    pub fn start(args: &[&str], envs: &[(&str, &str)]) -> ChildServer {
        let mut command = Command::new(env!("CARGO_BIN_EXE_logkeep"));
        command
            .arg("serve")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (name, value) in envs {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start logkeep serve");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (lines, received) = mpsc::channel();
        let collected = Arc::clone(&log);
        let log_reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                collected.lock().unwrap().push(line.clone());
                let _ = lines.send(line);
            }
        });

        let (mut udp, mut http, mut tcp) = (None, None, None);
        let start = Instant::now();
        while udp.is_none() || http.is_none() {
            let remaining = DEADLINE.saturating_sub(start.elapsed());
            let line = received.recv_timeout(remaining).unwrap_or_else(|_| {
                let _ = child.kill();
                panic!(
                    "no listening lines from logkeep serve: {:?}",
                    log.lock().unwrap()
                )
            });
            if let Some(addr) = line.split("listening on udp ").nth(1) {
                udp = Some(addr.trim().parse().expect("a UDP address"));
            }
            if let Some(addr) = line.split("listening on tcp ").nth(1) {
                tcp = Some(addr.trim().parse().expect("a TCP address"));
            }
            if let Some(addr) = line.split("listening on http ").nth(1) {
                http = Some(addr.trim().parse().expect("an HTTP address"));
            }
        }
        ChildServer {
            child,
            udp: udp.unwrap(),
            http: http.unwrap(),
            tcp,
            log,
            log_reader: Some(log_reader),
        }
    }

    /// Sends SIGTERM and waits for the process to exit and for its last
    /// log lines to be collected.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -TERM failed");
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // The exit can be seen before the reader thread has read
                // the last lines; the pipe reaches EOF once the child is gone.
                if let Some(reader) = self.log_reader.take() {
                    let _ = reader.join();
                }
                return status;
            }
            assert!(start.elapsed() < DEADLINE, "logkeep serve ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One corpus record: its id and the exact bytes to send.
pub struct CorpusCase {
    pub id: String,
    pub format: String,
    pub bytes: Vec<u8>,
}

/// Reads the shared corpus from `LOGKEEP_CORPUS` or
/// `../shared/corpus/public.jsonl` next to the repository.
pub fn corpus() -> Vec<CorpusCase> {
    let path = std::env::var_os("LOGKEEP_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/public.jsonl"),
        PathBuf::from,
    );
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read the corpus {}: {error}", path.display()));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let record: Value = serde_json::from_str(line).expect("a JSON corpus line");
            let bytes = match (&record["raw"], &record["raw_b64"]) {
                (Value::String(raw), _) => raw.as_bytes().to_vec(),
                (_, Value::String(encoded)) => base64_decode(encoded),
                _ => panic!("corpus record without raw or raw_b64: {line}"),
            };
            CorpusCase {
                id: record["id"].as_str().unwrap_or_default().to_string(),
                format: record["format"].as_str().unwrap_or_default().to_string(),
                bytes,
            }
        })
        .collect()
}

/// Decodes standard base64 with padding (RFC 4648 § 4).
pub fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bytes = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for symbol in text.bytes().filter(|symbol| *symbol != b'=') {
        let value = ALPHABET
            .iter()
            .position(|known| *known == symbol)
            .unwrap_or_else(|| panic!("invalid base64 symbol {:?}", symbol as char));
        buffer = buffer << 6 | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
        }
    }
    bytes
}
