//! Parses real device messages from `tests/data/devices.jsonl` and checks
//! every field each record states.
//!
//! Each record contains `id`, `source` (where the line was published),
//! `raw` and `expected`. The expected values follow `docs/parsing.md`
//! and what an operator needs (host and app filters find the device and
//! the program, the time is right), not what the parser printed. Keys of
//! `expected` are JSON output fields; `message_prefix` checks the start of
//! `message`, and `null` means the field is absent. All lines are read as
//! if received at 2026-12-04T12:00:00Z in UTC.

use std::collections::HashSet;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use logkeep::json::event_to_value;
use logkeep::parse::{ParseOptions, parse};
use serde_json::Value;

/// Minimum number of records, so a truncated file fails the test.
const MIN_RECORDS: usize = 60;

fn devices_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/devices.jsonl")
}

fn options() -> ParseOptions {
    let received_at = DateTime::parse_from_rfc3339("2026-12-04T12:00:00Z").expect("valid stamp");
    ParseOptions::new(received_at.with_timezone(&Utc))
}

fn records() -> Vec<Value> {
    let path = devices_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("failed to read {}: {error}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("line {}: invalid JSON: {error}", index + 1))
        })
        .collect()
}

/// Compares one expected field with the parsed event; returns the
/// mismatch as `id field: expected …, got …`.
fn compare(id: &str, key: &str, expected: &Value, event: &Value) -> Option<String> {
    if key == "message_prefix" {
        let prefix = expected.as_str().expect("message_prefix is a string");
        let message = event["message"].as_str().unwrap_or_default();
        return (!message.starts_with(prefix))
            .then(|| format!("{id} message_prefix: expected {prefix:?}, got {message:?}"));
    }
    let got = event.get(key).unwrap_or(&Value::Null);
    (got != expected).then(|| format!("{id} {key}: expected {expected}, got {got}"))
}

#[test]
fn device_records_parse_as_expected() {
    let records = records();
    assert!(
        records.len() >= MIN_RECORDS,
        "{} holds {} records, expected at least {MIN_RECORDS}",
        devices_path().display(),
        records.len()
    );
    let mut ids = HashSet::new();
    let mut mismatches = Vec::new();
    let mut fields = 0;
    for record in &records {
        let id = record["id"].as_str().expect("every record has an id");
        assert!(ids.insert(id.to_string()), "duplicate id {id}");
        assert!(
            record["source"]
                .as_str()
                .is_some_and(|source| !source.is_empty()),
            "{id} has no source"
        );
        let raw = record["raw"].as_str().expect("every record has raw text");
        let expected = record["expected"]
            .as_object()
            .expect("every record has an expected object");
        assert!(!expected.is_empty(), "{id} states no expected field");

        let message = parse(raw.as_bytes(), &options());
        assert_eq!(message.raw, raw.as_bytes(), "{id} lost its raw bytes");
        let event = event_to_value(&message.to_event());
        for (key, value) in expected {
            fields += 1;
            mismatches.extend(compare(id, key, value, &event));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {fields} fields in {} records differ:\n{}",
        mismatches.len(),
        records.len(),
        mismatches.join("\n")
    );
}

/// Hostile variants of the device lines: each record's header repeated,
/// cut at every byte and with invalid UTF-8 spliced in. None may panic.
#[test]
fn device_record_variants_do_not_panic() {
    for record in records() {
        let raw = record["raw"].as_str().expect("raw text").as_bytes();
        for cut in 0..raw.len() {
            let _ = parse(&raw[..cut], &options());
            let mut spliced = raw.to_vec();
            spliced.insert(cut, 0xFF);
            let _ = parse(&spliced, &options());
        }
        let header = &raw[..raw.len().min(64)];
        let repeated: Vec<u8> = header.iter().copied().cycle().take(64 * 1024).collect();
        let _ = parse(&repeated, &options());
    }
}
