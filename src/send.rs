//! The syslog sender behind `logkeep send` and the relay: message
//! rendering, destinations, and a paced load generator.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::{TcpStream, ToSocketAddrs, UdpSocket};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::event::{CompactString, Event, Facility, Severity};

pub mod render;

pub use crate::parse::render_rfc5424;
pub use render::render_rfc3164;

/// The transport of a destination URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Udp,
    Tcp,
}

/// Framing of messages on a TCP connection (RFC 6587 § 3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TcpFraming {
    /// `MSG-LEN SP MSG`, which is transparent to any byte in the message.
    #[default]
    OctetCounting,
    /// The message followed by LF; an LF inside the message splits it.
    Lf,
}

/// A syslog destination: `udp://host:port` or `tcp://host:port`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Destination {
    pub protocol: Protocol,
    /// `host:port`, as `ToSocketAddrs` accepts it (`[::1]:514` for IPv6).
    pub address: String,
}

impl Destination {
    /// Parses `udp://host:port` or `tcp://host:port`. The port defaults to
    /// 514, the syslog port for UDP and rsyslog's usual one for TCP.
    pub fn parse(url: &str) -> Result<Destination, String> {
        let (protocol, rest) = if let Some(rest) = url.strip_prefix("udp://") {
            (Protocol::Udp, rest)
        } else if let Some(rest) = url.strip_prefix("tcp://") {
            (Protocol::Tcp, rest)
        } else {
            return Err(format!(
                "invalid destination {url:?}: expected udp://HOST:PORT or tcp://HOST:PORT"
            ));
        };
        let rest = rest.trim_end_matches('/');
        if rest.is_empty() {
            return Err(format!("invalid destination {url:?}: the host is missing"));
        }
        let has_port = match rest.rfind(']') {
            Some(bracket) => rest[bracket..].contains(':'),
            None => rest.contains(':'),
        };
        let address = if has_port {
            rest.to_string()
        } else {
            format!("{rest}:514")
        };
        Ok(Destination { protocol, address })
    }
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = match self.protocol {
            Protocol::Udp => "udp",
            Protocol::Tcp => "tcp",
        };
        write!(f, "{scheme}://{}", self.address)
    }
}

/// Appends `payload` to `out` in the given TCP framing.
pub fn frame_tcp(payload: &[u8], framing: TcpFraming, out: &mut Vec<u8>) {
    match framing {
        TcpFraming::OctetCounting => {
            let mut prefix = String::new();
            let _ = write!(prefix, "{} ", payload.len());
            out.extend_from_slice(prefix.as_bytes());
            out.extend_from_slice(payload);
        }
        TcpFraming::Lf => {
            out.extend_from_slice(payload);
            out.push(b'\n');
        }
    }
}

/// An open connection or socket to one destination.
pub enum Connection {
    /// A connected UDP socket: one datagram per message.
    Udp(UdpSocket),
    /// A TCP stream, with a buffer that collects framed messages so that a
    /// batch goes out in few writes.
    Tcp {
        stream: TcpStream,
        framing: TcpFraming,
        buffer: Vec<u8>,
    },
}

impl Connection {
    /// Opens a connection to `destination`, waiting at most `timeout` for a
    /// TCP handshake.
    pub fn open(
        destination: &Destination,
        framing: TcpFraming,
        timeout: Duration,
    ) -> io::Result<Connection> {
        let addresses: Vec<_> = destination.address.to_socket_addrs()?.collect();
        let Some(first) = addresses.first().copied() else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{} resolves to no address", destination.address),
            ));
        };
        // UDP "sends" to port 0 without an error, and nothing receives them.
        if first.port() == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "port 0 is not a destination port: give a port from 1 to 65535",
            ));
        }
        match destination.protocol {
            Protocol::Udp => {
                let local = if first.is_ipv4() {
                    "0.0.0.0:0"
                } else {
                    "[::]:0"
                };
                let socket = UdpSocket::bind(local)?;
                socket.connect(first)?;
                Ok(Connection::Udp(socket))
            }
            Protocol::Tcp => {
                let mut last_error = None;
                for address in addresses {
                    match TcpStream::connect_timeout(&address, timeout) {
                        Ok(stream) => {
                            stream.set_nodelay(true)?;
                            return Ok(Connection::Tcp {
                                stream,
                                framing,
                                buffer: Vec::new(),
                            });
                        }
                        Err(error) => last_error = Some(error),
                    }
                }
                Err(last_error.unwrap_or_else(|| io::ErrorKind::NotConnected.into()))
            }
        }
    }

    /// Sends every payload in `batch`. Returns how many were sent (for TCP,
    /// written to the socket), their size in bytes, and the errors.
    ///
    /// UDP goes on after a failed datagram, since the next may succeed (a
    /// full socket buffer, an ICMP error for an earlier datagram). TCP
    /// stops at the first error, because a failed write leaves the stream
    /// at an unknown point of a frame.
    pub fn send_batch(&mut self, batch: &[&[u8]]) -> BatchResult {
        match self {
            Connection::Udp(socket) => send_datagrams(socket, batch),
            Connection::Tcp {
                stream,
                framing,
                buffer,
            } => {
                buffer.clear();
                for payload in batch {
                    frame_tcp(payload, *framing, buffer);
                }
                match stream.write_all(buffer) {
                    Ok(()) => BatchResult {
                        sent: batch.len(),
                        bytes: payload_bytes(batch),
                        errors: Vec::new(),
                    },
                    Err(error) => BatchResult {
                        errors: vec![error],
                        ..BatchResult::default()
                    },
                }
            }
        }
    }
}

/// Sends each payload as one datagram with one sendmmsg(2) call per batch,
/// which saves a system call per datagram. On a loaded 2-core VM it raised
/// the loopback rate from about 250,000 to 350,000 datagrams per second.
#[cfg(target_os = "linux")]
fn send_datagrams(socket: &UdpSocket, batch: &[&[u8]]) -> BatchResult {
    let mut result = BatchResult::default();
    let mut rest = batch;
    while !rest.is_empty() {
        match mmsg::send(socket, rest) {
            Ok(count) => {
                result.sent += count;
                result.bytes += payload_bytes(&rest[..count]);
                rest = &rest[count..];
            }
            Err(error) => {
                // The first datagram failed: count it and go on after it.
                result.errors.push(error);
                rest = &rest[1..];
            }
        }
    }
    result
}

#[cfg(not(target_os = "linux"))]
fn send_datagrams(socket: &UdpSocket, batch: &[&[u8]]) -> BatchResult {
    let mut result = BatchResult::default();
    for payload in batch {
        match socket.send(payload) {
            Ok(_) => {
                result.sent += 1;
                result.bytes += payload.len() as u64;
            }
            Err(error) => result.errors.push(error),
        }
    }
    result
}

fn payload_bytes(payloads: &[&[u8]]) -> u64 {
    payloads.iter().map(|payload| payload.len() as u64).sum()
}

/// The outcome of [`Connection::send_batch`].
#[derive(Debug, Default)]
pub struct BatchResult {
    pub sent: usize,
    pub bytes: u64,
    pub errors: Vec<io::Error>,
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod mmsg {
    use std::io;
    use std::net::UdpSocket;
    use std::os::fd::AsRawFd;

    /// Sends `payloads` on the connected `socket` with one sendmmsg(2)
    /// call. Returns how many were sent, at least 1, or the error of the
    /// first one.
    pub fn send(socket: &UdpSocket, payloads: &[&[u8]]) -> io::Result<usize> {
        let count = payloads.len().min(1024);
        let mut iovecs: Vec<libc::iovec> = payloads[..count]
            .iter()
            .map(|payload| libc::iovec {
                iov_base: payload.as_ptr() as *mut libc::c_void,
                iov_len: payload.len(),
            })
            .collect();

        let mut headers: Vec<libc::mmsghdr> = iovecs
            .iter_mut()
            .map(|iovec| {
                // SAFETY: mmsghdr is plain data for which all zeroes is a
                // valid value (null name and control, no flags).
                let mut header: libc::mmsghdr = unsafe { std::mem::zeroed() };
                header.msg_hdr.msg_iov = iovec;
                header.msg_hdr.msg_iovlen = 1;
                header
            })
            .collect();

        // SAFETY: every header points at one iovec in `iovecs`, and every
        // iovec into a payload borrowed for this call. Both vectors outlive
        // the call, and the kernel only reads the payloads.
        let sent = unsafe {
            libc::sendmmsg(
                socket.as_raw_fd(),
                headers.as_mut_ptr(),
                count as libc::c_uint,
                0,
            )
        };

        if sent < 0 {
            return Err(io::Error::last_os_error());
        }
        // A return of 0 is not documented for a non-empty vector; treat it
        // as the first datagram failing so the caller makes progress.
        if sent == 0 {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "sendmmsg sent nothing",
            ));
        }
        Ok(sent as usize)
    }
}

/// The result of a run of [`send_paced`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Summary {
    pub sent: u64,
    /// Bytes of the messages sent, without TCP framing.
    pub bytes: u64,
    /// Messages not sent: failed datagrams, or for TCP every message from
    /// the failed write on.
    pub errors: u64,
    pub elapsed: Duration,
}

impl Summary {
    /// Returns the achieved rate in messages per second.
    pub fn rate(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.sent as f64 / seconds
        } else {
            0.0
        }
    }
}

/// Messages per send call of the pacing loop: large enough to amortize the
/// clock reads, small enough that a paced run stays smooth below 1 ms.
const BATCH: usize = 64;

/// Sends `count` messages, cycling through `payloads`, at `rate` messages
/// per second (0 for as fast as possible).
///
/// The loop computes how many messages are due from the elapsed time and
/// sends them in batches, sleeping until the next one is due when ahead.
/// Sleeps are coarse (the OS rounds them up) and the batches catch up, so
/// the average rate stays on target even when each sleep overshoots. A TCP error
/// stops the run, because the connection is lost; UDP errors are counted
/// and the run goes on.
pub fn send_paced(
    connection: &mut Connection,
    payloads: &[Vec<u8>],
    count: u64,
    rate: f64,
) -> Summary {
    let mut summary = Summary::default();
    if payloads.is_empty() {
        return summary;
    }
    let start = Instant::now();
    let mut next_payload = 0;
    let mut attempted: u64 = 0;
    let mut batch: Vec<&[u8]> = Vec::with_capacity(BATCH);
    let mut warned = false;

    while attempted < count {
        let due = if rate > 0.0 {
            let due = (start.elapsed().as_secs_f64() * rate) as u64 + 1;
            due.min(count)
        } else {
            count
        };
        if due <= attempted {
            let next_due = start + Duration::from_secs_f64((attempted as f64) / rate);
            std::thread::sleep(next_due.saturating_duration_since(Instant::now()));
            continue;
        }

        let size = (due - attempted).min(BATCH as u64) as usize;
        batch.clear();
        for _ in 0..size {
            batch.push(&payloads[next_payload]);
            next_payload = (next_payload + 1) % payloads.len();
        }
        attempted += size as u64;

        let result = connection.send_batch(&batch);
        summary.sent += result.sent as u64;
        summary.bytes += result.bytes;
        summary.errors += result.errors.len() as u64;
        let Some(error) = result.errors.first() else {
            continue;
        };
        if matches!(connection, Connection::Tcp { .. }) {
            // Every message of the batch and every later one is lost.
            log::error!("send: TCP write failed: {error}; stopping");
            summary.errors += (size - 1) as u64 + (count - attempted);
            break;
        }
        if !warned {
            log::warn!("send: UDP send failed: {error}; counting further failures");
            warned = true;
        }
    }
    summary.elapsed = start.elapsed();
    summary
}

/// The header fields `logkeep send` puts on each message.
#[derive(Clone, Debug)]
pub struct Header {
    pub facility: Facility,
    pub severity: Severity,
    pub hostname: Option<String>,
    pub app_name: Option<String>,
    pub procid: Option<String>,
    pub msgid: Option<String>,
}

/// Message syntax for `logkeep send`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Syntax {
    #[default]
    Rfc5424,
    Rfc3164,
}

/// Builds the event `render_rfc5424` or `render_rfc3164` turns into bytes.
pub fn header_event(header: &Header, text: &str, timestamp: DateTime<Utc>) -> Event {
    Event {
        id: 0,
        received_at: None,
        source: None,
        format: crate::event::Format::Rfc5424,
        facility: Some(header.facility),
        severity: Some(header.severity),
        timestamp: Some(timestamp.fixed_offset()),
        hostname: header.hostname.as_deref().map(CompactString::from),
        app_name: header.app_name.as_deref().map(CompactString::from),
        procid: header.procid.as_deref().map(CompactString::from),
        msgid: header.msgid.as_deref().map(CompactString::from),
        structured_data: Vec::new(),
        message: text.to_string(),
        bom: false,
        parse_error: None,
        transport_error: None,
        raw: Vec::new(),
    }
}

/// Renders `text` with `header` in `syntax`, timestamped `timestamp`.
pub fn render_message(
    header: &Header,
    syntax: Syntax,
    text: &str,
    timestamp: DateTime<Utc>,
) -> Vec<u8> {
    let event = header_event(header, text, timestamp);
    let mut out = Vec::with_capacity(text.len() + 96);
    match syntax {
        Syntax::Rfc5424 => render_rfc5424(&event, &mut out),
        Syntax::Rfc3164 => render_rfc3164(&event, &mut out),
    }
    out
}

/// Returns this machine's host name, from the kernel or `HOSTNAME`, or
/// `None` when neither is available.
pub fn local_hostname() -> Option<String> {
    let from_kernel = std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
    let name = from_kernel.or_else(|| std::env::var("HOSTNAME").ok())?;
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

#[cfg(test)]
mod tests;
