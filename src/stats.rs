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
    /// Datagrams the kernel dropped because a socket receive buffer was
    /// full, as Linux reports them; always 0 elsewhere.
    pub kernel_drops: AtomicU64,
    /// HTTP responses sent, any status.
    pub http_requests: AtomicU64,
    /// HTTP responses sent with a 4xx or 5xx status.
    pub http_errors: AtomicU64,
    /// HTTP connections over `--max-connections` closed without a
    /// response: the queue for 503 responses was full or the write failed.
    pub http_rejected: AtomicU64,
    /// TCP connections accepted for reading.
    pub tcp_accepted: AtomicU64,
    /// TCP connections closed at once because `--tcp-max-connections` were
    /// open.
    pub tcp_rejected: AtomicU64,
    /// TCP connections open now (a gauge: it also goes down).
    pub tcp_open: AtomicU64,
    /// TCP connections closed for sending nothing for the idle timeout.
    pub tcp_idle_timeouts: AtomicU64,
    /// RFC 6587 frames cut from TCP streams and passed to the parser.
    pub tcp_frames: AtomicU64,
    /// TCP frames over the maximum frame size, stored cut to that size.
    pub tcp_oversize: AtomicU64,
    /// TCP frames cut short by the connection closing, stored as received,
    /// and length prefixes whose body never arrived.
    pub tcp_truncated: AtomicU64,
    /// TCP frames with an invalid length prefix (`12abc`, 20 digits), read
    /// up to the next LF instead.
    pub tcp_invalid_length: AtomicU64,
    /// Events handed to a forwarding destination's socket.
    pub forwarded: AtomicU64,
    /// Events waiting in forwarding queues now (a gauge).
    pub forward_queued: AtomicU64,
    /// Events not forwarded because the destination's queue was full.
    pub forward_dropped_queue_full: AtomicU64,
    /// Events lost in a failed send to a forwarding destination.
    pub forward_dropped_send_failed: AtomicU64,
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
    pub kernel_drops: u64,
    pub http_requests: u64,
    pub http_errors: u64,
    pub http_rejected: u64,
    pub tcp_accepted: u64,
    pub tcp_rejected: u64,
    pub tcp_open: u64,
    pub tcp_idle_timeouts: u64,
    pub tcp_frames: u64,
    pub tcp_oversize: u64,
    pub tcp_truncated: u64,
    pub tcp_invalid_length: u64,
    pub forwarded: u64,
    pub forward_queued: u64,
    pub forward_dropped_queue_full: u64,
    pub forward_dropped_send_failed: u64,
}

/// Adds one to a counter of [`Stats`].
pub fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// Subtracts one from a gauge of [`Stats`], stopping at zero.
pub fn decrement(gauge: &AtomicU64) {
    let _ = gauge.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |value| {
        value.checked_sub(1)
    });
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
            kernel_drops: AtomicU64::new(0),
            http_requests: AtomicU64::new(0),
            http_errors: AtomicU64::new(0),
            http_rejected: AtomicU64::new(0),
            tcp_accepted: AtomicU64::new(0),
            tcp_rejected: AtomicU64::new(0),
            tcp_open: AtomicU64::new(0),
            tcp_idle_timeouts: AtomicU64::new(0),
            tcp_frames: AtomicU64::new(0),
            tcp_oversize: AtomicU64::new(0),
            tcp_truncated: AtomicU64::new(0),
            tcp_invalid_length: AtomicU64::new(0),
            forwarded: AtomicU64::new(0),
            forward_queued: AtomicU64::new(0),
            forward_dropped_queue_full: AtomicU64::new(0),
            forward_dropped_send_failed: AtomicU64::new(0),
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

    /// Adds `count` datagrams that the kernel dropped.
    pub fn count_kernel_drops(&self, count: u64) {
        self.kernel_drops.fetch_add(count, Ordering::Relaxed);
    }

    /// Counts one HTTP response with its status code.
    pub fn count_http_response(&self, status: u16) {
        bump(&self.http_requests);
        if status >= 400 {
            bump(&self.http_errors);
        }
    }

    /// Counts an HTTP connection closed without any response.
    pub fn count_http_rejected(&self) {
        bump(&self.http_rejected);
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
            kernel_drops: load(&self.kernel_drops),
            http_requests: load(&self.http_requests),
            http_errors: load(&self.http_errors),
            http_rejected: load(&self.http_rejected),
            tcp_accepted: load(&self.tcp_accepted),
            tcp_rejected: load(&self.tcp_rejected),
            tcp_open: load(&self.tcp_open),
            tcp_idle_timeouts: load(&self.tcp_idle_timeouts),
            tcp_frames: load(&self.tcp_frames),
            tcp_oversize: load(&self.tcp_oversize),
            tcp_truncated: load(&self.tcp_truncated),
            tcp_invalid_length: load(&self.tcp_invalid_length),
            forwarded: load(&self.forwarded),
            forward_queued: load(&self.forward_queued),
            forward_dropped_queue_full: load(&self.forward_dropped_queue_full),
            forward_dropped_send_failed: load(&self.forward_dropped_send_failed),
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
