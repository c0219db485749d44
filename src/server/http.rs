//! The HTTP server: one thread per connection, a bounded number of them.
//!
//! Each connection gets one request and one response (`Connection: close`).
//! Reading the request head is bounded in bytes ([`crate::http::MAX_HEAD`])
//! and in time. [`Limits::head_timeout`] covers the whole head, so a client
//! that trickles one byte at a time is cut off too. Writes have a timeout
//! as well. A slow client therefore costs one connection slot for a bounded
//! time, and it reaches the ingest path only through the store's chunked
//! scans.

use std::io::{self, BufWriter, Read, Write};
use std::net::{Shutdown as SocketShutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use crate::http::{self, Context, MAX_HEAD, Response};

use super::bind::Bound;
use super::throttle::Throttle;
use super::timed_read::read_with_timeout;
use super::{Collector, Shutdown};

/// Bounds on connections.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Connections served at once; more get a 503 response and are closed.
    pub max_connections: usize,
    /// The time a client has to send its whole request head.
    pub head_timeout: Duration,
    /// The time one write of the response may block.
    pub write_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 64,
            head_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
        }
    }
}

/// Stack of a connection thread. Requests are parsed and responses built
/// on the heap, and the unikernel may back each stack with real memory, so
/// this stays well below std's 2 MiB default.
const CONNECTION_STACK: usize = 256 * 1024;

/// Maximum bytes read and discarded after the response, so that closing
/// the socket does not reset it while the client still sends.
const DRAIN_LIMIT: usize = 64 * 1024;

/// How long to wait for the client to close after the response.
const DRAIN_TIMEOUT: Duration = Duration::from_millis(500);

struct Server {
    collector: Arc<Collector>,
    limits: Limits,
    /// Connections being served, for the `max_connections` bound.
    active: AtomicUsize,
    /// Connections over the bound, on their way to [`send_busy_responses`].
    busy: mpsc::SyncSender<TcpStream>,
    /// Rate limit for logs of failed accepts and thread starts.
    failures: Throttle,
    /// Rate limit for logs of connections over the bound.
    rejections: Throttle,
}

/// Accepts connections on `listener` until `shutdown` is triggered, serving
/// each on its own thread.
pub fn run(
    listener: Bound<TcpListener>,
    collector: Arc<Collector>,
    shutdown: &Shutdown,
    limits: Limits,
) {
    let Bound {
        socket: listener,
        addr,
    } = listener;
    let name = format!("http:{addr}");
    wake_on_shutdown(shutdown, addr);

    let (busy, busy_queue) = mpsc::sync_channel(BUSY_QUEUE);
    let max_connections = limits.max_connections;
    let busy_collector = Arc::clone(&collector);
    let spawned = std::thread::Builder::new()
        .name(String::from("http-busy"))
        .spawn(move || send_busy_responses(busy_queue, max_connections, &busy_collector));
    if let Err(error) = spawned {
        // Connections over the limit are then closed without a response.
        log::error!("{name}: cannot start the thread that sends 503 responses: {error}");
    }
    let server = Arc::new(Server {
        collector,
        limits,
        active: AtomicUsize::new(0),
        busy,
        failures: Throttle::new(),
        rejections: Throttle::new(),
    });
    for stream in listener.incoming() {
        if shutdown.is_triggered() {
            break;
        }
        match stream {
            Ok(stream) => accept(&server, stream, &name),
            Err(error) => {
                if let Some(suppressed) = server.failures.check() {
                    log::error!(
                        "{name}: accept failed: {error} ({suppressed} more failures since the last report)"
                    );
                }
                // Out of file descriptors, typically: give connections time to close.
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
    log::info!("{name}: stopped");
}

/// Wakes the `accept` of the listener on `addr` when `shutdown` is
/// triggered, by connecting to it, because `accept` blocks. Nothing is
/// registered for port 0, which names no listener that can be reached.
pub(super) fn wake_on_shutdown(shutdown: &Shutdown, addr: SocketAddr) {
    if addr.port() == 0 {
        return;
    }
    shutdown.on_trigger(move || {
        let _ = TcpStream::connect_timeout(&wake_address(addr), Duration::from_secs(1));
    });
}

/// Returns the address a local client reaches `addr` on: loopback in
/// place of the unspecified address.
fn wake_address(addr: SocketAddr) -> SocketAddr {
    let mut target = addr;
    if target.ip().is_unspecified() {
        match addr {
            SocketAddr::V4(_) => target.set_ip(std::net::Ipv4Addr::LOCALHOST.into()),
            SocketAddr::V6(_) => target.set_ip(std::net::Ipv6Addr::LOCALHOST.into()),
        }
    }
    target
}

fn accept(server: &Arc<Server>, stream: TcpStream, name: &str) {
    let active = server.active.fetch_add(1, Ordering::AcqRel);
    if active >= server.limits.max_connections {
        server.active.fetch_sub(1, Ordering::AcqRel);
        reject_busy(server, stream, name);
        return;
    }
    let connection_server = Arc::clone(server);
    let spawned = std::thread::Builder::new()
        .name(String::from("http-connection"))
        .stack_size(CONNECTION_STACK)
        .spawn(move || {
            serve_connection(&connection_server, stream);
            connection_server.active.fetch_sub(1, Ordering::AcqRel);
        });
    if let Err(error) = spawned {
        server.active.fetch_sub(1, Ordering::AcqRel);
        if let Some(suppressed) = server.failures.check() {
            log::error!(
                "{name}: cannot start a connection thread: {error} ({suppressed} more failures since the last report)"
            );
        }
    }
}

/// Connections waiting for their 503 response; more are closed without one.
const BUSY_QUEUE: usize = 64;

/// Hands the connection to the thread that sends 503 responses, so the
/// accept loop does not wait for a client that does not read.
fn reject_busy(server: &Server, stream: TcpStream, name: &str) {
    let limit = server.limits.max_connections;
    let unsent = server.busy.try_send(stream).err();
    let queued = unsent.is_none();
    if let Some(error) = unsent {
        // Counted before the close, so a client that sees the close also
        // finds it counted.
        server.collector.stats().count_http_rejected();
        drop(error);
    }
    if let Some(suppressed) = server.rejections.check() {
        let action = if queued { "sent 503 to" } else { "closed" };
        log::warn!(
            "{name}: {action} a connection: {limit} connections already open ({suppressed} more rejected since the last report)"
        );
    }
}

/// Sends a 503 response on each connection from `queue` and closes it after
/// reading what the client sent, so the close does not reset the
/// connection before the client has read the response.
///
/// NOTE: the 503 goes out before the request is read, so a `HEAD` request
/// also receives its body; the connection closes right after it.
fn send_busy_responses(queue: mpsc::Receiver<TcpStream>, limit: usize, collector: &Collector) {
    let message = format!("too many connections (limit {limit}); retry later");
    let mut response = Response::error(503, &message);
    response.headers.push(("Retry-After", String::from("1")));
    let bytes = response.to_bytes();
    for mut stream in queue {
        let _ = stream.set_write_timeout(Some(BUSY_TIMEOUT));
        if stream.write_all(&bytes).is_ok() {
            collector.stats().count_http_response(503);
            drain_and_close(stream, BUSY_TIMEOUT);
        } else {
            collector.stats().count_http_rejected();
        }
    }
}

/// How long the 503 thread spends on one connection, at most twice.
const BUSY_TIMEOUT: Duration = Duration::from_millis(100);

fn serve_connection(server: &Server, mut stream: TcpStream) {
    let peer = stream
        .peer_addr()
        .map_or_else(|_| String::from("unknown peer"), |addr| addr.to_string());
    let mut buffer = vec![0u8; MAX_HEAD];
    let mut length = 0;
    let response = match read_request(server, &mut stream, &mut buffer, &mut length) {
        Ok(response) => response,
        Err(error) if is_timeout(&error) => {
            Response::error(408, "timed out reading the request head")
                .for_request(&buffer[..length])
        }
        Err(error) => {
            log::debug!("http: {peer}: closed before a complete request: {error}");
            return;
        }
    };

    let status = response.status;
    server.collector.stats().count_http_response(status);
    let _ = stream.set_write_timeout(Some(server.limits.write_timeout));
    if let Err(error) = write_response(&response, &mut stream) {
        log::debug!("http: {peer}: writing the {status} response failed: {error}");
        return;
    }
    log::debug!("http: {peer}: responded {status}");
    drain_and_close(stream, DRAIN_TIMEOUT);
}

/// Writes `response` through a buffer of [`WRITE_BUFFER`] bytes, so memory
/// per connection stays one buffer plus one rendered event, whatever the
/// page size.
fn write_response(response: &Response, stream: &mut TcpStream) -> io::Result<()> {
    let mut writer = BufWriter::with_capacity(WRITE_BUFFER, stream);
    response.write_to(&mut |piece| writer.write_all(piece))?;
    writer.flush()
}

/// Bytes buffered per connection before a write to the socket.
const WRITE_BUFFER: usize = 64 * 1024;

/// Reads until the request head is complete, the head limit is exceeded or
/// the head timeout expires, then builds the response. The bytes read stay
/// in `buffer[..length]`, so the caller can still tell a timed-out `HEAD`.
fn read_request(
    server: &Server,
    stream: &mut TcpStream,
    buffer: &mut [u8],
    length: &mut usize,
) -> io::Result<Response> {
    let deadline = Instant::now() + server.limits.head_timeout;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        let read = read_with_timeout(stream, &mut buffer[*length..], remaining)?;
        if read == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        *length += read;

        let context = Context {
            events: server.collector.as_ref(),
            stats: server.collector.stats().snapshot(),
            uptime_seconds: server.collector.uptime().as_secs(),
        };
        if let Some(response) = http::handle(&buffer[..*length], &context) {
            return Ok(response);
        }
    }
}

/// Half-closes the socket and discards what the client still sends, for
/// at most `timeout` and [`DRAIN_LIMIT`] bytes, so the response is not
/// lost to a reset.
fn drain_and_close(mut stream: TcpStream, timeout: Duration) {
    let _ = stream.shutdown(SocketShutdown::Write);
    let deadline = Instant::now() + timeout;
    let mut discard = [0u8; 4096];
    let mut drained = 0;
    while drained < DRAIN_LIMIT {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() || stream.set_read_timeout(Some(remaining)).is_err() {
            break;
        }
        match stream.read(&mut discard) {
            Ok(0) | Err(_) => break,
            Ok(read) => drained += read,
        }
    }
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}
