//! The collector's counters as one table, rendered as the `/stats` JSON
//! object and as Prometheus text (exposition format 0.0.4).

use alloc::string::String;
use core::fmt::Write;

use serde_json::{Map, Value};

use crate::stats::StatsSnapshot;
use crate::store::StoreStatus;

/// The metric type: one that only grows, or one that can go both ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
}

/// One row of the table. Rows with a `label` and the same `name` form one
/// Prometheus metric family and one nested JSON object.
#[derive(Clone, Copy, Debug)]
pub struct Metric {
    /// The JSON key; Prometheus adds the `logkeep_` prefix and, for
    /// counters, the `_total` suffix.
    pub name: &'static str,
    pub help: &'static str,
    pub kind: Kind,
    /// `(label name, label value)`.
    pub label: Option<(&'static str, &'static str)>,
    pub value: u64,
}

/// Everything `/stats` and `/metrics` report.
#[derive(Clone, Copy, Debug, Default)]
pub struct Report {
    pub stats: StatsSnapshot,
    pub store: StoreStatus,
    pub uptime_seconds: u64,
}

impl Report {
    /// Returns the rows of the table in output order.
    pub fn metrics(&self) -> [Metric; 28] {
        let stats = &self.stats;
        let store = &self.store;
        let counter = |name, help, value| Metric {
            name,
            help,
            kind: Kind::Counter,
            label: None,
            value,
        };
        let gauge = |name, help, value: usize| Metric {
            name,
            help,
            kind: Kind::Gauge,
            label: None,
            value: value as u64,
        };
        let labelled = |(name, help), label, value| Metric {
            name,
            help,
            kind: Kind::Counter,
            label: Some(label),
            value,
        };
        let parsed = |format, value| Metric {
            name: "parsed",
            help: "Messages parsed, by the grammar that matched.",
            kind: Kind::Counter,
            label: Some(("format", format)),
            value,
        };
        [
            counter(
                "received",
                "Messages received and passed to the parser.",
                stats.received,
            ),
            parsed("rfc5424", stats.parsed_rfc5424),
            parsed("rfc3164", stats.parsed_rfc3164),
            counter(
                "unparsed",
                "Messages that matched no grammar, stored as raw text.",
                stats.unparsed,
            ),
            counter(
                "oversize",
                "Datagrams or frames dropped for exceeding the size limit.",
                stats.oversize,
            ),
            counter(
                "receive_errors",
                "Failed socket receive calls.",
                stats.receive_errors,
            ),
            counter(
                "kernel_drops",
                "Datagrams the kernel dropped for a full socket receive buffer (Linux only).",
                stats.kernel_drops,
            ),
            counter(
                "dropped",
                "Events not stored because one alone exceeds the capacity.",
                store.dropped,
            ),
            counter(
                "evicted",
                "Events evicted, oldest first, to make room for newer ones.",
                store.evicted,
            ),
            gauge("events", "Events stored.", store.len),
            gauge(
                "bytes",
                "Bytes of memory charged for the stored events.",
                store.bytes,
            ),
            gauge("capacity", "The store's bound in bytes.", store.capacity),
            gauge(
                "uptime_seconds",
                "Seconds since the collector started.",
                self.uptime_seconds as usize,
            ),
            counter(
                "http_requests",
                "HTTP responses sent, any status.",
                stats.http_requests,
            ),
            counter(
                "http_errors",
                "HTTP responses sent with a 4xx or 5xx status.",
                stats.http_errors,
            ),
            counter(
                "http_rejected",
                "HTTP connections over the connection limit closed without a response.",
                stats.http_rejected,
            ),
            labelled(
                (
                    "tcp_connections",
                    "TCP connections, by what happened at accept.",
                ),
                ("result", "accepted"),
                stats.tcp_accepted,
            ),
            labelled(
                (
                    "tcp_connections",
                    "TCP connections, by what happened at accept.",
                ),
                ("result", "rejected"),
                stats.tcp_rejected,
            ),
            gauge(
                "tcp_connections_open",
                "TCP connections open now.",
                stats.tcp_open as usize,
            ),
            counter(
                "tcp_idle_timeouts",
                "TCP connections closed after the idle timeout.",
                stats.tcp_idle_timeouts,
            ),
            counter(
                "tcp_frames",
                "RFC 6587 frames read from TCP connections.",
                stats.tcp_frames,
            ),
            labelled(
                (
                    "tcp_frame_errors",
                    "TCP frames stored with a defect, by defect.",
                ),
                ("defect", "oversize"),
                stats.tcp_oversize,
            ),
            labelled(
                (
                    "tcp_frame_errors",
                    "TCP frames stored with a defect, by defect.",
                ),
                ("defect", "truncated"),
                stats.tcp_truncated,
            ),
            labelled(
                (
                    "tcp_frame_errors",
                    "TCP frames stored with a defect, by defect.",
                ),
                ("defect", "invalid_length"),
                stats.tcp_invalid_length,
            ),
            counter(
                "forwarded",
                "Events sent to forwarding destinations.",
                stats.forwarded,
            ),
            gauge(
                "forward_queued",
                "Events waiting in forwarding queues.",
                stats.forward_queued as usize,
            ),
            labelled(
                ("forward_dropped", "Events not forwarded, by reason."),
                ("reason", "queue_full"),
                stats.forward_dropped_queue_full,
            ),
            labelled(
                ("forward_dropped", "Events not forwarded, by reason."),
                ("reason", "send_failed"),
                stats.forward_dropped_send_failed,
            ),
        ]
    }

    /// Builds the `/stats` object: one key per metric, labelled metrics
    /// nested by label value (`"parsed": {"rfc5424": 3, ...}`).
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        for metric in self.metrics() {
            let value = Value::from(metric.value);
            match metric.label {
                None => {
                    object.insert(metric.name.into(), value);
                }
                Some((_, label)) => {
                    let nested = object
                        .entry(metric.name)
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(nested) = nested {
                        nested.insert(label.into(), value);
                    }
                }
            }
        }
        Value::Object(object)
    }

    /// Renders the table in the Prometheus text format, with one `HELP`
    /// and `TYPE` line per metric family.
    pub fn to_prometheus(&self) -> String {
        let mut text = String::new();
        let mut previous = "";
        for metric in self.metrics() {
            let (suffix, kind) = match metric.kind {
                Kind::Counter => ("_total", "counter"),
                Kind::Gauge => ("", "gauge"),
            };
            let family = metric.name;
            // Writing to a String cannot fail.
            if family != previous {
                let _ = writeln!(text, "# HELP logkeep_{family}{suffix} {}", metric.help);
                let _ = writeln!(text, "# TYPE logkeep_{family}{suffix} {kind}");
                previous = family;
            }
            let _ = match metric.label {
                Some((name, value)) => writeln!(
                    text,
                    "logkeep_{family}{suffix}{{{name}=\"{value}\"}} {}",
                    metric.value
                ),
                None => writeln!(text, "logkeep_{family}{suffix} {}", metric.value),
            };
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        Report {
            stats: StatsSnapshot {
                received: 5,
                parsed_rfc5424: 3,
                unparsed: 2,
                ..StatsSnapshot::default()
            },
            store: StoreStatus {
                len: 4,
                bytes: 1000,
                capacity: 4096,
                evicted: 1,
                dropped: 0,
            },
            uptime_seconds: 7,
        }
    }

    #[test]
    fn json_nests_labels() {
        let json = report().to_json();
        assert_eq!(json["received"], 5);
        assert_eq!(json["parsed"]["rfc5424"], 3);
        assert_eq!(json["parsed"]["rfc3164"], 0);
        assert_eq!(json["unparsed"], 2);
        assert_eq!(json["events"], 4);
        assert_eq!(json["capacity"], 4096);
        assert_eq!(json["uptime_seconds"], 7);
    }

    #[test]
    fn prometheus_has_help_and_type_once() {
        let text = report().to_prometheus();
        assert!(text.contains("# TYPE logkeep_received_total counter\nlogkeep_received_total 5\n"));
        assert!(text.contains("logkeep_parsed_total{format=\"rfc5424\"} 3\n"));
        assert!(text.contains("logkeep_parsed_total{format=\"rfc3164\"} 0\n"));
        assert_eq!(text.matches("# TYPE logkeep_parsed_total").count(), 1);
        assert!(text.contains("# TYPE logkeep_events gauge\nlogkeep_events 4\n"));
        assert!(text.contains("# HELP logkeep_capacity "));
    }
}
