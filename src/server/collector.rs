//! The state every receiver and the HTTP server share.

use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use chrono::{FixedOffset, Offset, Utc};

use crate::event::Event;
use crate::parse::{self, ParseOptions};
use crate::stats::Stats;
use crate::store::{EventSource, Order, Push, Store, StoreStatus};

use super::forward::Forwarder;
use super::throttle::Throttle;

/// Events a query visits per lock acquisition.
///
/// A full scan with a `q` substring filter over 250-byte messages took
/// 0.5 to 1 µs per event (release build, shared 2-core x86_64 VM). A chunk thus
/// keeps the lock for roughly 70 µs, the longest an `ingest` waits behind
/// a query.
pub const SCAN_CHUNK: usize = 64;

/// The parser, the store and the counters behind every receiver.
///
/// Shared as `Arc<Collector>`. Parsing happens before the lock is taken, so
/// the writer holds the store's mutex only to move one `Arc` in and drop
/// the events it evicts.
///
/// Queries take the same mutex for at most [`SCAN_CHUNK`] events at a
/// time, copy out `Arc` pointers to the matches and release it. They
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

    /// Parses one message received from `source` now, stores it under the
    /// next id and counts it.
    pub fn ingest(&self, message: &[u8], source: SocketAddr) -> Push {
        let received_at = Utc::now();
        let options = ParseOptions {
            received_at,
            default_offset: self.default_offset,
        };
        let parsed = parse::parse(message, &options);
        let format = parsed.format;
        let mut event = parsed.to_event();
        event.received_at = Some(received_at);
        event.source = Some(unmapped(source).to_string());
        if let Some(forwarder) = self.forwarder.get() {
            forwarder.offer(&event, &self.stats);
        }

        let pushed = self.lock().push(event);
        // Counted after the push, so a reader that sees the count also
        // finds the event (or its drop) in the store.
        self.stats.count_parsed(format);
        if let Push::TooLarge { size } = pushed {
            if let Some(suppressed) = self.too_large.check() {
                log::warn!(
                    "store: dropped a {size}-byte event from {source}: larger than the whole capacity ({} bytes); raise --capacity ({suppressed} more dropped since the last report)",
                    self.lock().capacity()
                );
            }
        }
        pushed
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
    fn scan(
        &self,
        order: Order,
        after: Option<u64>,
        visit: &mut dyn FnMut(&Arc<Event>) -> ControlFlow<()>,
    ) {
        let mut cursor = after;
        loop {
            let resume = self.lock().scan_chunk(order, cursor, SCAN_CHUNK, visit);
            match resume {
                Some(id) => cursor = Some(id),
                None => return,
            }
        }
    }

    fn status(&self) -> StoreStatus {
        self.lock().status()
    }
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
}
