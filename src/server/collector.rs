//! The state every receiver and the HTTP server share.

use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use chrono::{FixedOffset, Offset, Utc};

use crate::event::Event;
use crate::parse::{self, ParseOptions};
use crate::stats::Stats;
use crate::store::{EventSource, Order, Push, Store, StoreStatus};

use super::throttle::Throttle;

/// Events a query visits per lock acquisition.
///
/// Filtering one event costs well under a microsecond (a few field
/// comparisons and at most one substring search), so a chunk keeps the
/// lock for tens of microseconds and an `ingest` waits at most that long.
pub const SCAN_CHUNK: usize = 256;

/// The parser, the store and the counters behind every receiver.
///
/// Shared as `Arc<Collector>`. Parsing happens before the lock is taken, so
/// the writer holds the store's mutex only to move one `Arc` in and drop
/// the events it evicts. Queries take the same mutex for at most
/// [`SCAN_CHUNK`] events at a time, copy out `Arc` pointers to the matches
/// and release it; they resume from the last id seen with a binary search,
/// which stays correct when the writer evicted events in between because
/// ids only grow. A slow query therefore delays an ingest by one chunk at
/// most, and rendering and sending the response happen without the lock.
/// Evicted events that a query still holds stay alive until its response
/// is written, so memory can briefly exceed the capacity by the events of
/// the pages being rendered.
#[derive(Debug)]
pub struct Collector {
    store: Mutex<Store>,
    stats: Stats,
    started: Instant,
    default_offset: FixedOffset,
    too_large: Throttle,
}

impl Collector {
    /// Creates a collector whose store holds at most `capacity` bytes.
    pub fn new(capacity: usize) -> Collector {
        Collector {
            store: Mutex::new(Store::new(capacity)),
            stats: Stats::new(),
            started: Instant::now(),
            // TODO: RFC 3164 timestamps carry no offset; take one from a flag.
            default_offset: Utc.fix(),
            too_large: Throttle::new(),
        }
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
        self.stats.count_parsed(parsed.format);
        let mut event = parsed.to_event();
        event.received_at = Some(received_at);
        event.source = Some(source.to_string());

        let pushed = self.lock().push(event);
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
