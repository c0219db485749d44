//! `collector-bench`: the load generator and query timer behind
//! `scripts/bench.sh`.
//!
//! Subcommands:
//!
//! - `udp --to ADDR --file F --rate R --count N`: sends N datagrams, one line
//!   of F each (cycling), paced at R messages per second with sendmmsg(2) in
//!   batches of up to 64. `--rate 0` sends as fast as the kernel accepts.
//! - `ceiling --file F --count N`: binds a UDP socket on 127.0.0.1 that is
//!   never read and sends N datagrams to it unpaced, so the result is the
//!   generator's own ceiling on this machine.
//! - `tcp --to ADDR --file F --rate R --count N`: one TCP connection with
//!   RFC 6587 § 3.4.1 octet-counting framing (`LEN SP MSG`).
//! - `query --to ADDR --path P --count N`: N HTTP/1.1 GET requests, one
//!   connection each, and prints the median and p99 latency.
//!
//! Each subcommand prints one line of `key=value` pairs on stdout, which the
//! shell harness parses.

use std::fs;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The maximum number of datagrams handed to one sendmmsg(2) call.
const BATCH: usize = 64;

/// Messages sent in one burst at `rate` per second: about one burst per
/// millisecond, so slow rates are not sent as bursts of [`BATCH`].
fn batch_size(rate: u64) -> usize {
    if rate == 0 {
        return BATCH;
    }
    ((rate / 1000) as usize).clamp(1, BATCH)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        eprintln!("usage: collector-bench udp|tcp|ceiling|query [options]");
        return ExitCode::FAILURE;
    };
    let options = match Options::parse(&args[1..]) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("collector-bench: {message}");
            return ExitCode::FAILURE;
        }
    };
    let result = match command.as_str() {
        "udp" => run_udp(&options),
        "ceiling" => run_ceiling(&options),
        "tcp" => run_tcp(&options),
        "query" => run_query(&options),
        other => Err(format!(
            "unknown subcommand {other:?}: expected udp, tcp, ceiling or query"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("collector-bench {command}: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Command-line options shared by all subcommands; each uses a subset.
struct Options {
    to: Option<SocketAddr>,
    file: Option<String>,
    rate: u64,
    count: u64,
    path: String,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            to: None,
            file: None,
            rate: 0,
            count: 100_000,
            path: "/stats".to_string(),
        };
        let mut iter = args.iter();
        while let Some(flag) = iter.next() {
            let value = iter
                .next()
                .ok_or_else(|| format!("option {flag} is missing its value"))?;
            match flag.as_str() {
                "--to" => {
                    let addr = value.parse().map_err(|_| {
                        format!("invalid --to {value:?}: expected IP:PORT, e.g. 127.0.0.1:5514")
                    })?;
                    options.to = Some(addr);
                }
                "--file" => options.file = Some(value.clone()),
                "--rate" => options.rate = parse_number(flag, value)?,
                "--count" => options.count = parse_number(flag, value)?,
                "--path" => options.path = value.clone(),
                _ => return Err(format!("unknown option {flag:?}")),
            }
        }
        Ok(options)
    }

    fn to(&self) -> Result<SocketAddr, String> {
        self.to.ok_or_else(|| "missing --to IP:PORT".to_string())
    }

    /// Reads `--file`: one message per line, empty lines skipped.
    fn messages(&self) -> Result<Vec<Vec<u8>>, String> {
        let path = self
            .file
            .as_ref()
            .ok_or("missing --file: a file with one syslog message per line")?;
        let text = fs::read(path).map_err(|err| format!("failed to read {path}: {err}"))?;
        let messages: Vec<Vec<u8>> = text
            .split(|&byte| byte == b'\n')
            .filter(|line| !line.is_empty())
            .map(<[u8]>::to_vec)
            .collect();
        if messages.is_empty() {
            return Err(format!("{path} contains no messages"));
        }
        Ok(messages)
    }
}

fn parse_number(flag: &str, value: &str) -> Result<u64, String> {
    value
        .parse()
        .map_err(|_| format!("invalid {flag} {value:?}: expected a whole number"))
}

/// Keeps a sender at `rate` messages per second by sleeping until the
/// moment the next batch is due; a rate of 0 never sleeps.
struct Pacer {
    start: Instant,
    rate: u64,
}

impl Pacer {
    fn new(rate: u64) -> Pacer {
        Pacer {
            start: Instant::now(),
            rate,
        }
    }

    fn wait_until_due(&self, sent: u64) {
        if self.rate == 0 {
            return;
        }
        let due = self.start + Duration::from_secs_f64(sent as f64 / self.rate as f64);
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
    }
}

fn run_udp(options: &Options) -> Result<(), String> {
    let to = options.to()?;
    let messages = options.messages()?;
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(|err| format!("failed to bind: {err}"))?;
    socket
        .connect(to)
        .map_err(|err| format!("failed to connect to {to}: {err}"))?;
    let report = send_datagrams(&socket, &messages, options.rate, options.count)?;
    println!("{report}");
    Ok(())
}

fn run_ceiling(options: &Options) -> Result<(), String> {
    let messages = options.messages()?;
    let sink = UdpSocket::bind("127.0.0.1:0").map_err(|err| format!("failed to bind: {err}"))?;
    let to = sink.local_addr().map_err(|err| err.to_string())?;
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(|err| format!("failed to bind: {err}"))?;
    socket
        .connect(to)
        .map_err(|err| format!("failed to connect to {to}: {err}"))?;
    let report = send_datagrams(&socket, &messages, 0, options.count)?;
    println!("{report}");
    drop(sink);
    Ok(())
}

/// Result of one paced send: what went out and how fast.
struct SendReport {
    sent: u64,
    failed: u64,
    elapsed: Duration,
}

impl std::fmt::Display for SendReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let seconds = self.elapsed.as_secs_f64();
        write!(
            f,
            "sent={} failed={} seconds={:.3} rate={:.0}",
            self.sent,
            self.failed,
            seconds,
            self.sent as f64 / seconds
        )
    }
}

/// Sends `count` datagrams on a connected socket, cycling through
/// `messages`, with sendmmsg(2) in batches of up to [`BATCH`].
fn send_datagrams(
    socket: &UdpSocket,
    messages: &[Vec<u8>],
    rate: u64,
    count: u64,
) -> Result<SendReport, String> {
    let fd = socket.as_raw_fd();
    let pacer = Pacer::new(rate);
    let mut sent = 0u64;
    let mut failed = 0u64;
    let mut next = 0usize;
    let batch_max = batch_size(rate);
    while sent + failed < count {
        pacer.wait_until_due(sent + failed);
        let batch = batch_max.min((count - sent - failed) as usize);
        let mut iovecs: Vec<libc::iovec> = Vec::with_capacity(batch);
        for i in 0..batch {
            let message = &messages[(next + i) % messages.len()];
            iovecs.push(libc::iovec {
                iov_base: message.as_ptr() as *mut libc::c_void,
                iov_len: message.len(),
            });
        }
        // SAFETY: `mmsghdr` is plain old data, so all-zero is a valid value.
        let mut headers: Vec<libc::mmsghdr> = (0..batch)
            .map(|_| unsafe { std::mem::zeroed::<libc::mmsghdr>() })
            .collect();
        for (header, iovec) in headers.iter_mut().zip(iovecs.iter_mut()) {
            header.msg_hdr.msg_iov = iovec;
            header.msg_hdr.msg_iovlen = 1;
        }
        // SAFETY: every header points at one iovec that lives until the call
        // returns. Every iovec points into a message in `messages`, which
        // outlives the call, and the kernel only reads the buffers.
        let result = unsafe { libc::sendmmsg(fd, headers.as_mut_ptr(), batch as u32, 0) };
        if result < 0 {
            let err = std::io::Error::last_os_error();
            match err.raw_os_error() {
                // The receiver's socket is absent or its buffer full: the
                // datagram is lost, which the harness measures as loss.
                Some(libc::ECONNREFUSED) | Some(libc::ENOBUFS) | Some(libc::EAGAIN) => {
                    failed += 1;
                    next += 1;
                }
                Some(libc::EINTR) => {}
                _ => return Err(format!("sendmmsg failed: {err}")),
            }
            continue;
        }
        sent += result as u64;
        next += result as usize;
    }
    Ok(SendReport {
        sent,
        failed,
        elapsed: pacer.start.elapsed(),
    })
}

fn run_tcp(options: &Options) -> Result<(), String> {
    let to = options.to()?;
    let messages = options.messages()?;
    let mut stream =
        TcpStream::connect(to).map_err(|err| format!("failed to connect to {to}: {err}"))?;
    let frames: Vec<Vec<u8>> = messages
        .iter()
        .map(|message| {
            let mut frame = format!("{} ", message.len()).into_bytes();
            frame.extend_from_slice(message);
            frame
        })
        .collect();
    let pacer = Pacer::new(options.rate);
    let mut sent = 0u64;
    let mut buffer = Vec::with_capacity(BATCH * 512);
    let batch_max = batch_size(options.rate) as u64;
    while sent < options.count {
        pacer.wait_until_due(sent);
        let batch = batch_max.min(options.count - sent);
        buffer.clear();
        for i in 0..batch {
            buffer.extend_from_slice(&frames[((sent + i) as usize) % frames.len()]);
        }
        stream
            .write_all(&buffer)
            .map_err(|err| format!("failed to write to {to} after {sent} messages: {err}"))?;
        sent += batch;
    }
    stream
        .flush()
        .map_err(|err| format!("failed to flush to {to}: {err}"))?;
    let report = SendReport {
        sent,
        failed: 0,
        elapsed: pacer.start.elapsed(),
    };
    println!("{report}");
    Ok(())
}

fn run_query(options: &Options) -> Result<(), String> {
    let to = options.to()?;
    let mut latencies = Vec::with_capacity(options.count as usize);
    let mut bytes = 0usize;
    let mut failed = 0u64;
    for _ in 0..options.count {
        let start = Instant::now();
        match get(to, &options.path) {
            Ok(length) => {
                latencies.push(start.elapsed());
                bytes += length;
            }
            Err(message) => {
                failed += 1;
                eprintln!("collector-bench query: {message}");
            }
        }
    }
    if latencies.is_empty() {
        return Err(format!("all {} requests to {to} failed", options.count));
    }
    latencies.sort();
    let median = latencies[latencies.len() / 2];
    let p99 = latencies[(latencies.len() * 99 / 100).min(latencies.len() - 1)];
    println!(
        "requests={} failed={} median_ms={:.3} p99_ms={:.3} mean_bytes={}",
        latencies.len(),
        failed,
        median.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        bytes / latencies.len()
    );
    Ok(())
}

/// Sends one GET and reads the response to the end; returns its size.
fn get(to: SocketAddr, path: &str) -> Result<usize, String> {
    let mut stream =
        TcpStream::connect(to).map_err(|err| format!("failed to connect to {to}: {err}"))?;
    let request = format!("GET {path} HTTP/1.1\r\nHost: {to}\r\nConnection: close\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|err| format!("failed to send GET {path}: {err}"))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .map_err(|err| format!("failed to read the response to GET {path}: {err}"))?;
    if !response.starts_with(b"HTTP/1.1 200") && !response.starts_with(b"HTTP/1.0 200") {
        let status = response.split(|&b| b == b'\r').next().unwrap_or_default();
        return Err(format!(
            "GET {path} returned {:?}, expected status 200",
            String::from_utf8_lossy(status)
        ));
    }
    Ok(response.len())
}
