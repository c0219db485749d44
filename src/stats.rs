//! Collector counters, shared between receivers, the store and the HTTP
//! server without a lock.
//!
//! Every counter only grows, so `Relaxed` ordering is enough: a reader may
//! see one counter a moment ahead of another, never a torn or lost value.
//! Transports that drop input before it reaches the parser (a datagram too
//! large, a TCP frame too long) count it with [`Stats::count_oversize`] or a
//! field of their own added here.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::event::Format;

/// Monotonic counters of what the collector received, stored and served.
#[derive(Debug, Default)]
pub struct Stats {
    /// Messages that reached the parser, parsed or not.
    pub received: AtomicU64,
    /// Messages that matched RFC 5424.
    pub parsed_rfc5424: AtomicU64,
    /// Messages that matched RFC 3164 or one of its variants.
    pub parsed_rfc3164: AtomicU64,
    /// Messages that matched no grammar and were stored as raw text.
    pub unparsed: AtomicU64,
    /// Input dropped by a transport because it exceeded the size limit
    /// (UDP datagrams over 65,507 bytes or truncated by the receive buffer).
    pub oversize: AtomicU64,
    /// Socket receive calls that failed (the socket stays open).
    pub receive_errors: AtomicU64,
    /// HTTP requests answered, any status.
    pub http_requests: AtomicU64,
    /// HTTP requests answered with a 4xx or 5xx status.
    pub http_errors: AtomicU64,
}

/// A point-in-time copy of [`Stats`] for rendering.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatsSnapshot {
    pub received: u64,
    pub parsed_rfc5424: u64,
    pub parsed_rfc3164: u64,
    pub unparsed: u64,
    pub oversize: u64,
    pub receive_errors: u64,
    pub http_requests: u64,
    pub http_errors: u64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Stats {
    pub const fn new() -> Stats {
        Stats {
            received: AtomicU64::new(0),
            parsed_rfc5424: AtomicU64::new(0),
            parsed_rfc3164: AtomicU64::new(0),
            unparsed: AtomicU64::new(0),
            oversize: AtomicU64::new(0),
            receive_errors: AtomicU64::new(0),
            http_requests: AtomicU64::new(0),
            http_errors: AtomicU64::new(0),
        }
    }

    /// Counts one message that went through the parser with result `format`.
    pub fn count_parsed(&self, format: Format) {
        bump(&self.received);
        match format {
            Format::Rfc5424 => bump(&self.parsed_rfc5424),
            Format::Rfc3164 => bump(&self.parsed_rfc3164),
            Format::Unparsed => bump(&self.unparsed),
        }
    }

    /// Counts input that a transport dropped for its size.
    pub fn count_oversize(&self) {
        bump(&self.oversize);
    }

    /// Counts a failed receive call on a socket.
    pub fn count_receive_error(&self) {
        bump(&self.receive_errors);
    }

    /// Counts one answered HTTP request with its status code.
    pub fn count_http_response(&self, status: u16) {
        bump(&self.http_requests);
        if status >= 400 {
            bump(&self.http_errors);
        }
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        StatsSnapshot {
            received: load(&self.received),
            parsed_rfc5424: load(&self.parsed_rfc5424),
            parsed_rfc3164: load(&self.parsed_rfc3164),
            unparsed: load(&self.unparsed),
            oversize: load(&self.oversize),
            receive_errors: load(&self.receive_errors),
            http_requests: load(&self.http_requests),
            http_errors: load(&self.http_errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_format_and_status() {
        let stats = Stats::new();
        stats.count_parsed(Format::Rfc5424);
        stats.count_parsed(Format::Unparsed);
        stats.count_oversize();
        stats.count_http_response(200);
        stats.count_http_response(404);
        let snapshot = stats.snapshot();
        assert_eq!(snapshot.received, 2);
        assert_eq!(snapshot.parsed_rfc5424, 1);
        assert_eq!(snapshot.parsed_rfc3164, 0);
        assert_eq!(snapshot.unparsed, 1);
        assert_eq!(snapshot.oversize, 1);
        assert_eq!(snapshot.http_requests, 2);
        assert_eq!(snapshot.http_errors, 1);
    }
}
