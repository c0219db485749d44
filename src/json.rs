//! JSON rendering of events, shared by `logkeep parse` and the HTTP API.
//!
//! Field names are part of the public interface: `format`, `facility`,
//! `severity` (names), `timestamp` (RFC 3339 or null), `hostname`,
//! `app_name`, `procid`, `msgid`, `structured_data` (a list of
//! `{"id": ..., "params": [[name, value], ...]}`) and `message`. Events
//! from the collector add `id`, `received_at` and `source`; unparsed input
//! and RFC 5424 messages with malformed structured data add `parse_error`.
//! Events whose transport frame was defective add `transport_error`:
//! `oversize`, `truncated` or `invalid_length` (see
//! [`crate::event::TransportError`]). The key is left out, not null, when
//! the frame was clean, as `parse_error` is, so existing consumers see no
//! new key on ordinary events.

use alloc::string::String;
use alloc::vec::Vec;

use chrono::{DateTime, FixedOffset, SecondsFormat};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use crate::event::{Event, SdElementOwned};

/// Builds the JSON object for one event, with the same keys and values
/// as [`event_to_string`] writes.
pub fn event_to_value(event: &Event) -> Value {
    // Serialising strings and integers into a `Value` cannot fail.
    serde_json::to_value(EventJson(event)).unwrap_or(Value::Null)
}

/// Renders one event as a single line of JSON, without a trailing newline.
pub fn event_to_string(event: &Event) -> String {
    // Serialising strings and integers cannot fail.
    serde_json::to_string(&EventJson(event)).unwrap_or_default()
}

/// Renders one event as [`event_to_string`] does, as bytes. Both serialise
/// the event's fields in place, without first copying its strings into a
/// `Value`.
pub fn event_to_vec(event: &Event) -> Vec<u8> {
    serde_json::to_vec(&EventJson(event)).unwrap_or_default()
}

/// An event borrowed for serialisation. The keys are written in the sorted
/// order that `serde_json::Map` (a `BTreeMap` without the `preserve_order`
/// feature) gives `event_to_value`.
struct EventJson<'a>(&'a Event);

impl Serialize for EventJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let event = self.0;
        let time = |time: DateTime<FixedOffset>| time.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("app_name", &event.app_name)?;
        map.serialize_entry("facility", &event.facility.map(|f| f.name()))?;
        map.serialize_entry("format", event.format.name())?;
        map.serialize_entry("hostname", &event.hostname)?;
        if event.id != 0 {
            map.serialize_entry("id", &event.id)?;
        }
        map.serialize_entry("message", &event.message)?;
        map.serialize_entry("msgid", &event.msgid)?;
        if let Some(reason) = &event.parse_error {
            map.serialize_entry("parse_error", reason)?;
        }
        map.serialize_entry("procid", &event.procid)?;
        if let Some(received_at) = event.received_at {
            map.serialize_entry("received_at", &time(received_at.fixed_offset()))?;
        }
        map.serialize_entry("severity", &event.severity.map(|s| s.name()))?;
        if let Some(source) = &event.source {
            map.serialize_entry("source", source)?;
        }
        let elements = ElementsJson(&event.structured_data);
        map.serialize_entry("structured_data", &elements)?;
        map.serialize_entry("timestamp", &event.timestamp.map(time))?;
        if let Some(defect) = event.transport_error {
            map.serialize_entry("transport_error", defect.name())?;
        }
        map.end()
    }
}

struct ElementsJson<'a>(&'a [SdElementOwned]);

impl Serialize for ElementsJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut elements = serializer.serialize_seq(Some(self.0.len()))?;
        for element in self.0 {
            elements.serialize_element(&ElementJson(element))?;
        }
        elements.end()
    }
}

struct ElementJson<'a>(&'a SdElementOwned);

impl Serialize for ElementJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("id", &self.0.id)?;
        map.serialize_entry("params", &self.0.params)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;
    use alloc::vec;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::event::{Facility, Format, Severity};

    fn sample(id: u64) -> Event {
        let offset = FixedOffset::east_opt(3600).unwrap();
        Event {
            id,
            received_at: Some(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()),
            source: Some("127.0.0.1:514".into()),
            format: Format::Rfc5424,
            facility: Facility::from_code(4),
            severity: Severity::from_code(2),
            timestamp: Some(offset.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()),
            hostname: Some("host".into()),
            app_name: None,
            procid: Some("42".into()),
            msgid: None,
            structured_data: vec![SdElementOwned {
                id: "ex@32473".into(),
                params: vec![("k".into(), "v \"quoted\" \u{1}".into())],
            }],
            message: "line\n\u{1}\u{7f} ünï \"x\"".to_string(),
            bom: false,
            parse_error: Some("bad SD".to_string()),
            transport_error: Some(crate::event::TransportError::Truncated),
            raw: Vec::new(),
        }
    }

    #[test]
    fn streamed_json_equals_value_json() {
        let mut bare = sample(0);
        bare.received_at = None;
        bare.source = None;
        bare.timestamp = None;
        bare.parse_error = None;
        bare.transport_error = None;
        bare.structured_data.clear();
        for event in [sample(7), bare] {
            let expected = serde_json::to_string(&event_to_value(&event)).unwrap();
            assert_eq!(event_to_string(&event), expected);
        }
    }
}
