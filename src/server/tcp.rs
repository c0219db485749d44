//! The TCP receiver of RFC 6587: syslog messages framed in a byte stream.
//!
//! One thread per connection, a bounded number of them, each with a
//! [`CONNECTION_STACK`] stack. Each thread reads with a short timeout so
//! it notices a shutdown and its own idle timeout, and cuts frames with [`FrameDecoder`]. Connections share nothing but the
//! collector, whose store lock is held for one push, so a slow or stalled
//! connection never delays another.

use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::framing::{DEFAULT_MAX_FRAME_SIZE, DecoderConfig, Frame, FrameDecoder};
use crate::stats::{bump, decrement};
use crate::store::Push;

use super::bind::Bound;
use super::http::wake_on_shutdown;
use super::throttle::Throttle;
use super::timed_read::read_with_timeout;
use super::{Collector, Shutdown};

/// Bounds on TCP connections.
#[derive(Clone, Copy, Debug)]
pub struct TcpLimits {
    /// Connections read at once. Further connections are accepted and
    /// closed at once, so the sender gets a close rather than a hang. Each
    /// open connection holds a 64 KiB read buffer and up to one frame.
    pub max_connections: usize,
    /// Time a connection may send nothing before it is closed, applied
    /// only while more than half of `max_connections` are open. Zero
    /// disables the timeout. Senders such as Python's `SysLogHandler` never
    /// reconnect after the receiver closes, so closing a quiet sender's
    /// connection would lose all its later messages. Slots are reclaimed
    /// only when new connections may need them.
    pub idle_timeout: Duration,
    /// Maximum frame size in octets (see [`crate::framing`]).
    pub max_frame_size: usize,
}

impl Default for TcpLimits {
    fn default() -> TcpLimits {
        TcpLimits {
            max_connections: 256,
            idle_timeout: Duration::from_secs(300),
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
        }
    }
}

/// How long a read blocks before the thread checks for shutdown and for
/// its idle timeout.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Stack of a connection thread. Frames are buffered and parsed on the
/// heap, and in the image each stack takes real memory from a reserve
/// whose exhaustion panics the kernel, so this stays far below std's
/// default (2 MiB on Linux, 1 MiB on Hermit).
// NOTE: the size is an estimate, not a measured peak. The TCP and image
// tests pass with it, on Linux and in the image.
pub const CONNECTION_STACK: usize = 256 * 1024;

/// Bytes read from the socket per call.
const READ_BUFFER: usize = 64 * 1024;

struct Receiver {
    name: String,
    collector: Arc<Collector>,
    limits: TcpLimits,
    shutdown: Shutdown,
    /// Connections being read, for the `max_connections` bound.
    open: AtomicUsize,
    rejected: Throttle,
    failures: Throttle,
    defects: Throttle,
}

/// Accepts connections on `listener` until `shutdown` is triggered and
/// ingests the frames each one sends, on a thread per connection.
pub fn run(
    listener: Bound<TcpListener>,
    collector: Arc<Collector>,
    shutdown: &Shutdown,
    limits: TcpLimits,
) {
    let Bound {
        socket: listener,
        addr,
    } = listener;
    let name = format!("tcp:{addr}");
    wake_on_shutdown(shutdown, addr);

    let receiver = Arc::new(Receiver {
        name,
        collector,
        limits,
        shutdown: shutdown.clone(),
        open: AtomicUsize::new(0),
        rejected: Throttle::new(),
        failures: Throttle::new(),
        defects: Throttle::new(),
    });
    for stream in listener.incoming() {
        if shutdown.is_triggered() {
            break;
        }
        match stream {
            Ok(stream) => accept(&receiver, stream),
            Err(error) => {
                if let Some(suppressed) = receiver.failures.check() {
                    log::error!(
                        "{}: accept failed: {error} ({suppressed} more failures since the last report)",
                        receiver.name
                    );
                }
                // Out of file descriptors, typically: give connections time to close.
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
    wait_for_connections(&receiver);
    log::info!("{}: stopped", receiver.name);
}

/// Time the receiver gives its connection threads at shutdown to store the
/// frames they are in the middle of.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Waits until every connection thread has ended, so `logkeep serve` does
/// not exit while one still stores its last frame, or [`CLOSE_TIMEOUT`].
fn wait_for_connections(receiver: &Receiver) {
    let deadline = Instant::now() + CLOSE_TIMEOUT;
    while receiver.open.load(Ordering::Acquire) > 0 {
        if Instant::now() >= deadline {
            log::warn!(
                "{}: {} connections still open at shutdown",
                receiver.name,
                receiver.open.load(Ordering::Acquire)
            );
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

impl Receiver {
    /// Returns whether more than half of the connection slots are in use,
    /// the point from which idle connections are closed.
    fn is_crowded(&self) -> bool {
        self.open.load(Ordering::Acquire) * 2 > self.limits.max_connections
    }
}

fn accept(receiver: &Arc<Receiver>, stream: TcpStream) {
    let stats = receiver.collector.stats();
    let peer = match stream.peer_addr() {
        Ok(peer) => peer,
        // The peer already reset the connection; nothing to read.
        Err(_) => return,
    };
    let open = receiver.open.fetch_add(1, Ordering::AcqRel);
    if open >= receiver.limits.max_connections {
        receiver.open.fetch_sub(1, Ordering::AcqRel);
        bump(&stats.tcp_rejected);
        if let Some(suppressed) = receiver.rejected.check() {
            log::warn!(
                "{}: rejected a connection from {peer}: {} connections are open, the --tcp-max-connections limit ({suppressed} more rejected since the last report)",
                receiver.name,
                receiver.limits.max_connections
            );
        }
        return;
    }

    bump(&stats.tcp_accepted);
    bump(&stats.tcp_open);
    let connection_receiver = Arc::clone(receiver);
    let spawned = std::thread::Builder::new()
        .name(String::from("tcp-connection"))
        .stack_size(CONNECTION_STACK)
        .spawn(move || {
            read_connection(&connection_receiver, stream, peer);
            connection_receiver.open.fetch_sub(1, Ordering::AcqRel);
            decrement(&connection_receiver.collector.stats().tcp_open);
        });
    if let Err(error) = spawned {
        receiver.open.fetch_sub(1, Ordering::AcqRel);
        decrement(&stats.tcp_open);
        if let Some(suppressed) = receiver.failures.check() {
            log::error!(
                "{}: cannot start a thread for the connection from {peer}, closing it: {error} ({suppressed} more failures since the last report)",
                receiver.name
            );
        }
    }
}

/// Reads frames from one connection until the peer closes it, it stays
/// idle for the idle timeout while the slots are crowded, a read fails, or
/// the collector shuts down.
/// A frame the connection ends in the middle of is stored as received.
fn read_connection(receiver: &Receiver, mut stream: TcpStream, peer: SocketAddr) {
    let name = &receiver.name;
    log::debug!("{name}: connection from {peer} opened");

    let mut decoder = FrameDecoder::new(DecoderConfig {
        max_frame_size: receiver.limits.max_frame_size,
        nul_trailer: true,
    });
    let mut ingest = |frame: Frame<'_>| ingest_frame(receiver, frame, peer);
    let mut buffer = vec![0u8; READ_BUFFER];
    let mut last_data = Instant::now();
    let idle_timeout = receiver.limits.idle_timeout;
    let reason = loop {
        if receiver.shutdown.is_triggered() {
            read_remaining(&mut stream, &mut buffer, &mut |bytes| {
                decoder.feed(bytes, &mut ingest)
            });
            break String::from("shutdown");
        }
        match read_with_timeout(&mut stream, &mut buffer, POLL_INTERVAL) {
            Ok(0) => break String::from("closed by the peer"),
            Ok(length) => {
                let frames = decoder.counters().frames;
                decoder.feed(&buffer[..length], &mut ingest);
                // Spaces and empty lines between frames carry no message,
                // so a client that trickles them cannot hold a slot.
                // TODO: a client that sends one byte of a frame per
                // interval still keeps its slot.
                if decoder.counters().frames > frames || !decoder.is_idle() {
                    last_data = Instant::now();
                }
            }
            Err(error) if is_timeout(&error) => {}
            Err(error) => {
                receiver.collector.stats().count_receive_error();
                break format!("read failed: {error}");
            }
        }
        if !idle_timeout.is_zero() && last_data.elapsed() >= idle_timeout && receiver.is_crowded() {
            bump(&receiver.collector.stats().tcp_idle_timeouts);
            break format!("idle for {} s", idle_timeout.as_secs());
        }
    };
    decoder.finish(&mut ingest);
    // Counted from the decoder rather than per frame, because a length
    // prefix whose body never arrived is truncated without a frame.
    let counters = decoder.counters();
    let truncated = &receiver.collector.stats().tcp_truncated;
    truncated.fetch_add(counters.truncated, Ordering::Relaxed);
    let frames = counters.frames;
    log::debug!("{name}: connection from {peer} closed ({reason}) after {frames} frames");
}

/// Bytes read at shutdown from what a connection already sent, so that a
/// sender that never stops cannot hold the shutdown.
const SHUTDOWN_READ_LIMIT: usize = 1 << 20;

/// Reads what the peer has already sent, without waiting for more, and
/// passes it to `feed`.
fn read_remaining(stream: &mut TcpStream, buffer: &mut [u8], feed: &mut impl FnMut(&[u8])) {
    if stream.set_nonblocking(true).is_err() {
        return;
    }
    let mut total = 0;
    while total < SHUTDOWN_READ_LIMIT {
        match stream.read(buffer) {
            Ok(0) | Err(_) => break,
            Ok(length) => {
                total += length;
                feed(&buffer[..length]);
            }
        }
    }
}

fn ingest_frame(receiver: &Receiver, frame: Frame<'_>, peer: SocketAddr) {
    let stats = receiver.collector.stats();
    bump(&stats.tcp_frames);
    let flags = frame.flags;
    if flags.oversize {
        bump(&stats.tcp_oversize);
    }
    if flags.invalid_length {
        bump(&stats.tcp_invalid_length);
    }

    let pushed = receiver
        .collector
        .ingest_frame(frame.data, peer, flags.transport_error());
    if flags.is_clean() {
        return;
    }
    let id = match pushed {
        Push::Stored { id, .. } => id.to_string(),
        Push::TooLarge { .. } => String::from("none (not stored)"),
    };
    if flags.oversize || flags.invalid_length {
        if let Some(suppressed) = receiver.defects.check() {
            log::warn!(
                "{}: frame from {peer} stored as event {id} with defects {flags:?}: oversize frames are cut to {} bytes, invalid length prefixes are read up to the next LF ({suppressed} more defective frames since the last report)",
                receiver.name,
                receiver.limits.max_frame_size
            );
        }
    } else {
        log::debug!(
            "{}: frame from {peer} stored as event {id} with defects {flags:?}",
            receiver.name
        );
    }
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}
