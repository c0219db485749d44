//! The state every receiver and the HTTP server share.

use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset, Offset, Utc};

use crate::event::{CompactString, Event, TransportError};
use crate::framing;
use crate::parse::{self, ParseOptions};
use crate::stats::Stats;
use crate::store::{EventSource, Order, Push, Store, StoreStatus};

use super::forward::Forwarder;
use super::throttle::Throttle;

/// Events a query copies out per lock acquisition. The filters run after
/// the lock is released, so a chunk holds the lock for 64 `Arc` clones
/// and a binary search, whatever the query.
pub const SCAN_CHUNK: usize = 64;

/// The parser, the store and the counters behind every receiver.
///
/// Shared as `Arc<Collector>`. Parsing happens before the lock is taken, so
/// the writer holds the store's mutex only to move one `Arc` in and drop
/// the events it evicts.
///
/// Queries take the same mutex for at most [`SCAN_CHUNK`] events at a
/// time, copy out their `Arc` pointers and release it before filtering. They
/// resume from the last id seen with a binary search, which stays correct
/// when the writer evicted events in between, because ids only grow. A
/// slow query therefore delays an ingest by one chunk at most, and the
/// response is rendered and sent without the lock.
///
/// Evicted events that a query still references stay alive until its response
/// is written, so memory can briefly exceed the capacity by the events of
/// the pages being rendered.
#[derive(Debug)]
pub struct Collector {
    /// A std `Mutex`, held for one push or one scan chunk and never across
    /// I/O, so readers and the writer take turns at chunk granularity.
    store: Mutex<Store>,
    /// Lock-free counters, bumped by every thread.
    stats: Stats,
    /// The store's status, copied after each push while the lock is held,
    /// so `/stats` and `/metrics` read it without the lock.
    status: PublishedStatus,
    started: Instant,
    /// The offset given to timestamps that carry none.
    default_offset: FixedOffset,
    /// Rate limit for logs of events too large for the store.
    too_large: Throttle,
    /// Set once at startup when `--forward` is given.
    forwarder: OnceLock<Forwarder>,
}

impl Collector {
    /// Creates a collector whose store keeps at most `capacity` bytes.
    pub fn new(capacity: usize) -> Collector {
        Collector {
            store: Mutex::new(Store::new(capacity)),
            stats: Stats::new(),
            status: PublishedStatus::new(capacity),
            started: Instant::now(),
            default_offset: Utc.fix(),
            too_large: Throttle::new(),
            forwarder: OnceLock::new(),
        }
    }

    /// Sets the offset given to timestamps that carry none (RFC 3164
    /// timestamps are local time without an offset); UTC by default.
    pub fn with_default_offset(mut self, offset: FixedOffset) -> Collector {
        self.default_offset = offset;
        self
    }

    /// Parses one datagram received from `source` now, stores it under the
    /// next id and counts it. A length prefix in the datagram (`logger
    /// --octet-count` sends one over UDP too) is framing, as on TCP, and
    /// is neither parsed nor kept in `raw`.
    pub fn ingest(&self, datagram: &[u8], source: SocketAddr) -> Push {
        let message = framing::strip_datagram_length_prefix(datagram);
        self.ingest_frame(message, source, None)
    }

    /// Like [`Collector::ingest`], for a message from a framed transport
    /// whose frame had `transport_error`, which the event records.
    pub fn ingest_frame(
        &self,
        message: &[u8],
        source: SocketAddr,
        transport_error: Option<TransportError>,
    ) -> Push {
        let event = self.prepare(message, source, transport_error, Utc::now());
        self.forward(&event);
        // Replaced by the outcome: store_all calls back once per event.
        let mut pushed = Push::TooLarge { size: 0 };
        self.store_all([(event, source)], |push| pushed = push);
        pushed
    }

    /// Parses datagrams that one receive call returned together, taken
    /// from the socket at `received_at`, into `batch` without touching the
    /// store. A length prefix is dropped, as in [`Collector::ingest`].
    /// Several threads can parse at once. [`Collector::store_batch`] then
    /// stores the batches in read order.
    pub fn parse_batch<'a>(
        &self,
        datagrams: impl IntoIterator<Item = (&'a [u8], SocketAddr)>,
        received_at: DateTime<Utc>,
        batch: &mut ParsedBatch,
    ) {
        batch
            .events
            .extend(datagrams.into_iter().map(|(datagram, source)| {
                let message = framing::strip_datagram_length_prefix(datagram);
                (self.prepare(message, source, None, received_at), source)
            }));
    }

    /// Offers the events of `batch` to the forwarder, stores them in their
    /// order under one acquisition of the store's lock and counts them,
    /// leaving `batch` empty for reuse. Returns how many were stored. The
    /// store counts and logs the rest as too large. Queries wait for the
    /// lock at most for the pushes of one batch.
    pub fn store_batch(&self, batch: &mut ParsedBatch) -> usize {
        for (event, _) in &batch.events {
            self.forward(event);
        }
        let mut stored = 0;
        self.store_all(batch.events.drain(..), |push| {
            if let Push::Stored { .. } = push {
                stored += 1;
            }
        });
        stored
    }

    /// Parses `message` into an event with its receipt data.
    fn prepare(
        &self,
        message: &[u8],
        source: SocketAddr,
        transport_error: Option<TransportError>,
        received_at: DateTime<Utc>,
    ) -> Event {
        let options = ParseOptions {
            received_at,
            default_offset: self.default_offset,
        };
        let mut event = parse::parse(message, &options).to_event();
        event.received_at = Some(received_at);
        event.source = Some(source_text(unmapped(source)));
        event.transport_error = transport_error;
        event
    }

    fn forward(&self, event: &Event) {
        if let Some(forwarder) = self.forwarder.get() {
            forwarder.offer(event, &self.stats);
        }
    }

    /// Pushes `events` under one lock acquisition and counts each one,
    /// calling `pushed` with its outcome. Logs (rate-limited)
    /// the events too large for the store after releasing the lock.
    fn store_all(
        &self,
        events: impl IntoIterator<Item = (Event, SocketAddr)>,
        mut pushed: impl FnMut(Push),
    ) {
        // Empty, and so not allocated, unless an event is too large.
        let mut too_large = Vec::new();
        {
            let mut store = self.lock();
            for (event, source) in events {
                let format = event.format;
                let push = store.push(event);
                // Counted after the push, so a reader that sees the count
                // also finds the event (or its drop) in the store.
                self.stats.count_parsed(format);
                if let Push::TooLarge { size } = push {
                    too_large.push((size, source));
                }
                pushed(push);
            }
            self.status.publish(&store.status());
        }
        for (size, source) in too_large {
            if let Some(suppressed) = self.too_large.check() {
                log::warn!(
                    "store: dropped a {size}-byte event from {source}: larger than the whole capacity ({} bytes); raise --capacity ({suppressed} more dropped since the last report)",
                    self.status.capacity
                );
            }
        }
    }

    /// Installs the forwarder that every later ingested event is offered
    /// to. Returns it back if one is already installed.
    pub fn set_forwarder(&self, forwarder: Forwarder) -> Result<(), Forwarder> {
        self.forwarder.set(forwarder)
    }

    /// Counts input a transport dropped for its size before parsing.
    pub fn count_oversize(&self) {
        self.stats.count_oversize();
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn uptime(&self) -> Duration {
        self.started.elapsed()
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        // Store::push leaves the store consistent at every step a panic
        // could interrupt, so a poisoned lock is still usable.
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Events parsed by [`Collector::parse_batch`], waiting to be stored. A
/// receive thread keeps one and reuses its memory for every batch.
#[derive(Debug, Default)]
pub struct ParsedBatch {
    events: Vec<(Event, SocketAddr)>,
}

/// Returns `addr` with an IPv4-mapped IPv6 address (`[::ffff:192.0.2.1]`,
/// what a dual-stack socket reports for IPv4 senders) turned back into IPv4.
pub fn unmapped(addr: SocketAddr) -> SocketAddr {
    match addr {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(v4.into(), v6.port()),
            None => addr,
        },
        SocketAddr::V4(_) => addr,
    }
}

impl EventSource for Collector {
    /// Copies the `Arc`s of up to [`SCAN_CHUNK`] events under the lock and
    /// calls `visit` on them after releasing it. Filters such as `q` then
    /// cost the lock nothing, so an ingest or a `/stats` request waits at
    /// most for 64 pointer copies, whatever the messages or the query. The
    /// copies keep at most one chunk of evicted events alive meanwhile.
    fn scan(
        &self,
        order: Order,
        after: Option<u64>,
        visit: &mut dyn FnMut(&Arc<Event>) -> ControlFlow<()>,
    ) {
        let mut cursor = after;
        let mut chunk: Vec<Arc<Event>> = Vec::with_capacity(SCAN_CHUNK);
        loop {
            chunk.clear();
            let resume = self
                .lock()
                .scan_chunk(order, cursor, SCAN_CHUNK, &mut |event| {
                    chunk.push(Arc::clone(event));
                    ControlFlow::Continue(())
                });
            for event in &chunk {
                if visit(event).is_break() {
                    return;
                }
            }
            match resume {
                Some(id) => cursor = Some(id),
                None => return,
            }
        }
    }

    fn status(&self) -> StoreStatus {
        self.status.load()
    }
}

/// A [`StoreStatus`] in atomics. A reader may see one field a push ahead
/// of another, as with [`Stats`], but never waits for the store's lock.
#[derive(Debug)]
struct PublishedStatus {
    len: AtomicUsize,
    bytes: AtomicUsize,
    capacity: usize,
    evicted: AtomicU64,
    dropped: AtomicU64,
}

impl PublishedStatus {
    fn new(capacity: usize) -> PublishedStatus {
        PublishedStatus {
            len: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
            capacity,
            evicted: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        }
    }

    fn publish(&self, status: &StoreStatus) {
        self.len.store(status.len, Ordering::Relaxed);
        self.bytes.store(status.bytes, Ordering::Relaxed);
        self.evicted.store(status.evicted, Ordering::Relaxed);
        self.dropped.store(status.dropped, Ordering::Relaxed);
    }

    fn load(&self) -> StoreStatus {
        StoreStatus {
            len: self.len.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            capacity: self.capacity,
            evicted: self.evicted.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
        }
    }
}

/// Formats `source` as `IP:PORT`, as `Display` does. IPv4 senders skip
/// the `fmt` machinery, which a callgrind profile of ingest put at a fifth
/// of the instructions spent on one datagram, and fit inline in the
/// [`CompactString`].
fn source_text(source: SocketAddr) -> CompactString {
    let SocketAddr::V4(v4) = source else {
        return CompactString::from(source.to_string());
    };
    let mut text = [0u8; "255.255.255.255:65535".len()];
    let mut length = 0;
    for (index, octet) in v4.ip().octets().into_iter().enumerate() {
        if index > 0 {
            text[length] = b'.';
            length += 1;
        }
        length += write_decimal(&mut text[length..], u16::from(octet));
    }
    text[length] = b':';
    length += 1;
    length += write_decimal(&mut text[length..], v4.port());
    // Digits, dots and a colon are ASCII, so the conversion cannot fail.
    core::str::from_utf8(&text[..length]).map_or_else(
        |_| CompactString::from(source.to_string()),
        CompactString::new,
    )
}

/// Writes `value` in decimal at the start of `out` and returns the number
/// of digits written.
fn write_decimal(out: &mut [u8], value: u16) -> usize {
    let mut digits = [0u8; 5];
    let mut start = digits.len();
    let mut rest = value;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let count = digits.len() - start;
    out[..count].copy_from_slice(&digits[start..]);
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmapped_turns_mapped_into_ipv4() {
        let mapped: SocketAddr = "[::ffff:192.0.2.1]:514".parse().unwrap();
        assert_eq!(unmapped(mapped).to_string(), "192.0.2.1:514");
        let v6: SocketAddr = "[2001:db8::1]:514".parse().unwrap();
        assert_eq!(unmapped(v6), v6);
    }

    #[test]
    fn ingest_records_source_and_time() {
        let collector = Collector::new(1 << 20);
        let source: SocketAddr = "[::ffff:127.0.0.1]:5000".parse().unwrap();
        let pushed = collector.ingest(b"hello", source);
        assert_eq!(pushed, Push::Stored { id: 1, evicted: 0 });
        let mut seen = Vec::new();
        collector.scan(Order::Asc, None, &mut |event| {
            seen.push(Arc::clone(event));
            ControlFlow::Continue(())
        });
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].source.as_deref(), Some("127.0.0.1:5000"));
        assert!(seen[0].received_at.is_some());
        assert_eq!(collector.stats().snapshot().received, 1);
    }

    #[test]
    fn ingest_parses_an_octet_counted_datagram() {
        let collector = Collector::new(1 << 20);
        let source: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let message = "<13>1 2026-12-04T18:48:09Z vm mytag - - - counted";
        let datagram = format!("{} {message}", message.len());
        collector.ingest(datagram.as_bytes(), source);
        let mut seen = Vec::new();
        collector.scan(Order::Asc, None, &mut |event| {
            seen.push(Arc::clone(event));
            ControlFlow::Continue(())
        });
        assert_eq!(seen[0].format, crate::event::Format::Rfc5424);
        assert_eq!(seen[0].app_name.as_deref(), Some("mytag"));
        assert_eq!(seen[0].message, "counted");
        assert_eq!(seen[0].raw, message.as_bytes());
    }

    #[test]
    fn scan_visits_without_the_lock() {
        let collector = Collector::new(64 << 20);
        let source: SocketAddr = "127.0.0.1:9".parse().unwrap();
        for _ in 0..SCAN_CHUNK * 2 + 3 {
            collector.ingest(b"x", source);
        }
        let mut visited = 0;
        let mut visited_locked = 0;
        collector.scan(Order::Desc, None, &mut |_| {
            visited += 1;
            if collector.store.try_lock().is_err() {
                visited_locked += 1;
            }
            ControlFlow::Continue(())
        });
        assert_eq!(visited, SCAN_CHUNK * 2 + 3);
        assert_eq!(visited_locked, 0);
    }

    #[test]
    fn status_reads_without_the_lock() {
        let collector = Collector::new(1 << 20);
        let source: SocketAddr = "127.0.0.1:9".parse().unwrap();
        collector.ingest(b"x", source);
        let guard = collector.lock();
        let status = collector.status();
        drop(guard);
        assert_eq!(status.len, 1);
        assert_eq!(status.capacity, 1 << 20);
        assert_eq!(status, collector.lock().status());
    }

    #[test]
    fn chunked_scan_visits_every_event() {
        let collector = Collector::new(64 << 20);
        let source: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let total = SCAN_CHUNK * 3 + 7;
        for _ in 0..total {
            collector.ingest(b"x", source);
        }
        for order in [Order::Asc, Order::Desc] {
            let mut ids = Vec::new();
            collector.scan(order, None, &mut |event| {
                ids.push(event.id);
                ControlFlow::Continue(())
            });
            let mut expected: Vec<u64> = (1..=total as u64).collect();
            if order == Order::Desc {
                expected.reverse();
            }
            assert_eq!(ids, expected);
        }
    }

    #[test]
    fn source_text_matches_display() {
        let sources = [
            "0.0.0.0:0",
            "127.0.0.1:514",
            "10.20.30.40:5514",
            "255.255.255.255:65535",
            "[2001:db8::1]:514",
        ];
        for source in sources {
            let address: SocketAddr = source.parse().unwrap();
            assert_eq!(source_text(address), address.to_string());
        }
    }
}
