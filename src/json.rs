//! JSON rendering of events, shared by `logkeep parse` and the HTTP API.
//!
//! Field names are part of the public interface: `format`, `facility`,
//! `severity` (names), `timestamp` (RFC 3339 or null), `hostname`,
//! `app_name`, `procid`, `msgid`, `structured_data` (a list of
//! `{"id": ..., "params": [[name, value], ...]}`) and `message`. Events
//! from the collector add `id`, `received_at` and `source`; unparsed input
//! and RFC 5424 messages with malformed structured data add `parse_error`.

use alloc::string::String;
use alloc::vec::Vec;

use chrono::SecondsFormat;
use serde_json::{Map, Value, json};

use crate::event::Event;

fn text(value: &Option<String>) -> Value {
    value
        .as_ref()
        .map_or(Value::Null, |text| Value::String(text.clone()))
}

/// Builds the JSON object for one event.
pub fn event_to_value(event: &Event) -> Value {
    let mut object = Map::new();
    if event.id != 0 {
        object.insert("id".into(), json!(event.id));
    }
    if let Some(received_at) = event.received_at {
        let received_at = received_at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        object.insert("received_at".into(), Value::String(received_at));
    }
    if let Some(source) = &event.source {
        object.insert("source".into(), Value::String(source.clone()));
    }
    object.insert("format".into(), json!(event.format.name()));
    object.insert("facility".into(), json!(event.facility.map(|f| f.name())));
    object.insert("severity".into(), json!(event.severity.map(|s| s.name())));
    let timestamp = event
        .timestamp
        .map(|timestamp| timestamp.to_rfc3339_opts(SecondsFormat::AutoSi, true));
    object.insert("timestamp".into(), json!(timestamp));
    object.insert("hostname".into(), text(&event.hostname));
    object.insert("app_name".into(), text(&event.app_name));
    object.insert("procid".into(), text(&event.procid));
    object.insert("msgid".into(), text(&event.msgid));
    let structured_data: Vec<Value> = event
        .structured_data
        .iter()
        .map(|element| json!({ "id": element.id, "params": element.params }))
        .collect();
    object.insert("structured_data".into(), Value::Array(structured_data));
    object.insert("message".into(), Value::String(event.message.clone()));
    if let Some(reason) = &event.parse_error {
        object.insert("parse_error".into(), Value::String(reason.clone()));
    }
    Value::Object(object)
}

/// Renders one event as a single line of JSON, without a trailing newline.
pub fn event_to_string(event: &Event) -> String {
    // Serialising a `Value` built from strings and integers cannot fail.
    serde_json::to_string(&event_to_value(event)).unwrap_or_default()
}
