//! Runs every record of the shared syslog corpus through the parser and
//! compares each field the record's source asserts.
//!
//! The corpus lives next to the repository (`../shared/corpus/public.jsonl`,
//! or the path in `LOGKEEP_CORPUS`). Each record's `expected` is one
//! implementation's output; where logkeep decides differently on purpose
//! the case is listed in `EXCEPTIONS` with the reason. The test fails when
//! a listed exception no longer occurs, so the table stays accurate.

use std::collections::HashSet;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, NaiveDateTime, TimeZone, Utc};
use logkeep::event::{Format, Message};
use logkeep::parse::{ParseOptions, parse};
use serde_json::Value;

/// `(record id, field, reason)` for every deliberate difference; field
/// `*` covers every field of the record.
const EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "rsyslog-parse1-13",
        "programname",
        "a word of digits ending in ':' is content, not a TAG (RFC 3164 § 4.1.3 TAG is alphanumeric, and `404:` or `2024:` start sentences); logkeep needs a letter in the tag",
    ),
    (
        "rsyslog-parse1-13",
        "msg",
        "a word of digits ending in ':' is content, not a TAG (RFC 3164 § 4.1.3 TAG is alphanumeric, and `404:` or `2024:` start sentences); logkeep needs a letter in the tag",
    ),
    (
        "logstash-grok-rfc5424-appname-chars",
        "appname",
        "a TAG ends at its first ':' (RFC 3164 § 4.1.3); here no letter precedes that colon, so the word stays in the message",
    ),
    (
        "sysloglose-parse_rsyslog",
        "structured_data",
        "RFC 3164 has no STRUCTURED-DATA: `[origin …]` after the tag stays in the message",
    ),
    (
        "sysloglose-parse_rsyslog",
        "msg",
        "RFC 3164 has no STRUCTURED-DATA: `[origin …]` after the tag stays in the message",
    ),
    (
        "sysloglose-parse_european_chars",
        "appname",
        "a word without ':' or [pid] is not taken as TAG: devices send content without one (RFC 3164 § 5.4 example 2)",
    ),
    (
        "sysloglose-parse_european_chars",
        "msg",
        "a word without ':' or [pid] is not taken as TAG: devices send content without one (RFC 3164 § 5.4 example 2)",
    ),
    (
        "sysloglose-parse_3164_3339_datetime_in_message",
        "appname",
        "a word without ':' or [pid] is not taken as TAG: devices send content without one (RFC 3164 § 5.4 example 2)",
    ),
    (
        "sysloglose-parse_3164_3339_datetime_in_message",
        "msg",
        "a word without ':' or [pid] is not taken as TAG: devices send content without one (RFC 3164 § 5.4 example 2)",
    ),
    (
        "gosyslog3164-ex-kernel",
        "timestamp",
        "go-syslog applies the zone's local mean time (-04:56) to year 0; logkeep resolves the year from the receive time",
    ),
    (
        "gosyslog3164-ex-stamp",
        "timestamp",
        "the source states two answers in prose, not a timestamp",
    ),
    (
        "gosyslog-octet-msglen-gt-max",
        "valid",
        "the source set a 10-byte maximum message length; logkeep has no such option",
    ),
    (
        "rsrfc5424-test_example_timestamps_10digits",
        "valid",
        "fractions longer than RFC 5424's six digits are accepted and cut to nanoseconds",
    ),
    (
        "pyrfc5424-4",
        "*",
        "PRIVAL above 191 is invalid (RFC 5424 § 6.2.1): the message is unparsed, nothing after it is trusted",
    ),
    (
        "gosyslog5424-107",
        "valid",
        "an unescaped ']' inside a quoted PARAM-VALUE is unambiguous and kept (RFC 5424 § 6.3.3 asks senders to escape it)",
    ),
    (
        "gosyslog5424-115",
        "valid",
        "a backslash before another character stays literal, RFC 5424 § 6.3.3",
    ),
    (
        "gosyslog5424-nc-01",
        "valid",
        "MSG after a BOM that is not UTF-8 is kept with U+FFFD in text and unchanged in raw (go-syslog rejects it only with WithCompliantMsg)",
    ),
    (
        "gosyslog5424-nc-08",
        "valid",
        "MSG after a BOM that is not UTF-8 is kept with U+FFFD in text and unchanged in raw (go-syslog rejects it only with WithCompliantMsg)",
    ),
    (
        "gosyslog5424-nc-15",
        "valid",
        "MSG after a BOM that is not UTF-8 is kept with U+FFFD in text and unchanged in raw (go-syslog rejects it only with WithCompliantMsg)",
    ),
    (
        "gosyslog5424-nc-21",
        "valid",
        "MSG after a BOM that is not UTF-8 is kept with U+FFFD in text and unchanged in raw (go-syslog rejects it only with WithCompliantMsg)",
    ),
    (
        "rsyslog-parse1-04",
        "programname",
        "a word without ':' or [pid] is not taken as TAG: devices send content without one (RFC 3164 § 5.4 example 2)",
    ),
    (
        "rsyslog-parse1-04",
        "msg",
        "a word without ':' or [pid] is not taken as TAG: devices send content without one (RFC 3164 § 5.4 example 2)",
    ),
    (
        "rsyslog-parse1-10",
        "programname",
        "a word without ':' or [pid] is not taken as TAG: devices send content without one (RFC 3164 § 5.4 example 2)",
    ),
    (
        "rsyslog-parse1-10",
        "msg",
        "a word without ':' or [pid] is not taken as TAG: devices send content without one (RFC 3164 § 5.4 example 2)",
    ),
    (
        "rsyslog-parse1-12",
        "pri",
        "without PRI, facility and severity stay unknown; RFC 3164 § 4.3.3's user.notice default is for relays",
    ),
    (
        "rsyslog-parse1-12",
        "facility",
        "without PRI, facility and severity stay unknown; RFC 3164 § 4.3.3's user.notice default is for relays",
    ),
    (
        "rsyslog-parse1-12",
        "severity",
        "without PRI, facility and severity stay unknown; RFC 3164 § 4.3.3's user.notice default is for relays",
    ),
    (
        "rsyslog-parse1-12",
        "programname",
        "a word without ':' or [pid] is not taken as TAG: devices send content without one (RFC 3164 § 5.4 example 2)",
    ),
    (
        "rsyslog-parse1-12",
        "msg",
        "a word without ':' or [pid] is not taken as TAG: devices send content without one (RFC 3164 § 5.4 example 2)",
    ),
    (
        "rsyslog-parse1-20",
        "hostname",
        "a four-digit word after the time is the year (`AUG 10 22:18:24 2009`), not a hostname",
    ),
    (
        "rsyslog-parse1-20",
        "msg",
        "a four-digit word after the time is the year (`AUG 10 22:18:24 2009`), not a hostname",
    ),
    (
        "rsyslog-parse2-00",
        "programname",
        "a word without ':' or [pid] is not taken as TAG: devices send content without one (RFC 3164 § 5.4 example 2)",
    ),
    (
        "rsyslog-nodate-01",
        "*",
        "text without PRI or timestamp is unparsed; rsyslog invents PRI 13 and splits words into hostname and tag",
    ),
    (
        "rsyslog-8bit-escape",
        "programname",
        "a word without ':' or [pid] is not taken as TAG: devices send content without one (RFC 3164 § 5.4 example 2)",
    ),
    (
        "rsyslog-8bit-escape",
        "msg",
        "rsyslog was configured to escape 8-bit bytes as #ooo; logkeep keeps UTF-8",
    ),
    (
        "rsyslog-pmrfc3164-forcecolon-0",
        "msg",
        "leading spaces of RFC 3164 content are dropped; rsyslog keeps all but one",
    ),
    (
        "rsyslog-pmrfc3164-json-3",
        "msg",
        "leading whitespace of the input is removed before parsing",
    ),
    (
        "rsyslog-vendor-7",
        "programname",
        "a word without ':' or [pid] is not taken as TAG: devices send content without one (RFC 3164 § 5.4 example 2)",
    ),
    (
        "rsyslog-vendor-7",
        "msg",
        "a word without ':' or [pid] is not taken as TAG: devices send content without one (RFC 3164 § 5.4 example 2)",
    ),
    (
        "rsyslog-snare-ccoff",
        "*",
        "a Snare record without PRI or timestamp is unparsed; rsyslog invents PRI 13 and a tag",
    ),
    (
        "rsyslog-pmlastmsg-2",
        "msg",
        "rsyslog's pmlastmsg strips words from a near-miss; logkeep keeps the text whole",
    ),
    (
        "logstash-input-asa",
        "timestamp",
        "the source states the year in prose (`<current year>`)",
    ),
    (
        "logstash-grok-5424-ipv4-host",
        "msg",
        "only one SP separates STRUCTURED-DATA from MSG (RFC 5424 § 6); grok strips all",
    ),
    (
        "logstash-grok-5424-sd-unquoted",
        "msg",
        "malformed STRUCTURED-DATA keeps the header and the text from the STRUCTURED-DATA field on",
    ),
    (
        "mirage-syslog-message-readme",
        "hostname",
        "`word:` after the timestamp is a tag, as BusyBox, haproxy and pfSense send it, unless a Cisco %MNEMONIC: follows",
    ),
    (
        "mirage-syslog-message-readme",
        "timestamp",
        "the source states the year in prose",
    ),
    (
        "sysloglose-parse_invalid_date",
        "valid",
        "a year-less Feb 29 resolves to the most recent leap year, so the message is kept; syslog_loose rejects it",
    ),
    (
        "gosyslog5424-027",
        "valid",
        "lower-case `t` and `z` are accepted in an RFC 5424 TIMESTAMP (RFC 3339 § 5.6 allows them); go-syslog follows RFC 5424 § 6.2.3 and rejects them",
    ),
    (
        "rsyslog-vendor-0",
        "msg",
        "NetScaler's `MM/DD/YYYY:hh:mm:ss ZONE HOSTNAME` header is parsed; rsyslog's default parser leaves it in the message",
    ),
];

/// Keys that name a source's own representation and have no logkeep
/// counterpart, with the reason they are not compared.
const IGNORED_KEYS: &[(&str, &str)] = &[
    ("error", "the source's own error text; `valid` is compared"),
    (
        "partial_best_effort",
        "go-syslog's best-effort output for an invalid message",
    ),
    (
        "syslogtag",
        "rsyslog's raw tag with ':' and [pid]; programname is compared",
    ),
    ("note", "prose"),
    (
        "sd_string",
        "grok's SD text; logkeep parses structured data instead",
    ),
    (
        "cisco_tag",
        "grok's capture; logkeep keeps the tag in app_name",
    ),
    ("rawmsg", "logkeep keeps the raw bytes, not a field"),
    (
        "timestamp_rfc3164_buggyday",
        "an rsyslog output format, the same stamp as timestamp",
    ),
    (
        "hostname_with_permit.AtSignsInHostname=on",
        "an rsyslog option",
    ),
    ("with_permit.AtSignsInHostname=off", "an rsyslog option"),
    ("msg_when_on", "an rsyslog option"),
];

/// Records whose source resolved RFC 3164 stamps with a fixed year that
/// the expected fields do not show.
const YEARS: &[(&str, i32)] = &[("sysloglose-parse_invalid_date", 2019)];

/// Records whose source parsed RFC 3164 stamps in a fixed zone.
const DEFAULT_OFFSETS: &[(&str, i32)] = &[("sysloglose-parse_chrono_tz", 3600)];

fn corpus_path() -> PathBuf {
    match std::env::var_os("LOGKEEP_CORPUS") {
        Some(path) => PathBuf::from(path),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/public.jsonl"),
    }
}

fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in text.bytes().filter(|byte| *byte != b'=') {
        let value = ALPHABET
            .iter()
            .position(|known| *known == byte)
            .expect("valid base64") as u32;
        buffer = (buffer << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

fn raw_bytes(record: &Value) -> Vec<u8> {
    match (record.get("raw"), record.get("raw_b64")) {
        (Some(Value::String(raw)), _) => raw.as_bytes().to_vec(),
        (_, Some(Value::String(encoded))) => decode_base64(encoded),
        _ => panic!("record {} has neither raw nor raw_b64", record["id"]),
    }
}

/// Splits a TCP byte stream into frames: RFC 6587 octet counting when it
/// starts with a digit, LF or NUL delimited otherwise. A frame whose length
/// prefix is invalid takes the rest of the stream.
fn split_frames(stream: &[u8]) -> Vec<&[u8]> {
    if !stream.first().is_some_and(u8::is_ascii_digit) {
        return stream
            .split(|byte| *byte == b'\n' || *byte == 0)
            .filter(|frame| !frame.is_empty())
            .collect();
    }
    let mut frames = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        let digits = rest.iter().take_while(|byte| byte.is_ascii_digit()).count();
        let length: Option<usize> = std::str::from_utf8(&rest[..digits])
            .ok()
            .and_then(|text| text.parse().ok());
        match length {
            Some(length) if digits > 0 && rest.get(digits) == Some(&b' ') => {
                let start = digits + 1;
                let end = (start + length).min(rest.len());
                frames.push(&rest[start..end]);
                rest = &rest[end..];
            }
            _ => {
                frames.push(rest);
                break;
            }
        }
    }
    frames
}

/// Options that reproduce the source's year and zone: a receive time at
/// the end of the year the source assumed, so every date of that year
/// resolves to it.
fn options_for(id: &str, expected: &Value) -> ParseOptions {
    let year = expected
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(|text| text.get(..4))
        .and_then(|year| year.parse::<i32>().ok())
        .or_else(|| {
            YEARS
                .iter()
                .find(|(known, _)| *known == id)
                .map(|(_, year)| *year)
        })
        .unwrap_or(2024);
    let received_at = Utc.with_ymd_and_hms(year, 12, 31, 23, 59, 59).unwrap();
    let mut options = ParseOptions::new(received_at);
    if let Some((_, seconds)) = DEFAULT_OFFSETS.iter().find(|(known, _)| *known == id) {
        options.default_offset = FixedOffset::east_opt(*seconds).unwrap();
    }
    options
}

fn text_or_null(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |text| Value::String(text.to_string()))
}

/// Normalises a source's NILVALUE spelling: `null`, and `-` for the
/// Python parser and Fluent Bit, which keep the dash.
fn nil_normalised(id: &str, expected: &Value) -> Value {
    let keeps_dash = id.starts_with("pyrfc5424-") || id.starts_with("fluentbit-");
    match expected {
        Value::String(text) if keeps_dash && text == "-" => Value::Null,
        // rsyslog fills in the receiver's name and an empty tag.
        Value::String(text) if text == "$RS_HOSTNAME" || text.is_empty() => Value::Null,
        other => other.clone(),
    }
}

fn bsd_text(timestamp: &DateTime<FixedOffset>) -> String {
    timestamp.format("%b %e %H:%M:%S").to_string()
}

fn squash_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Compares a timestamp in any of the corpus's spellings.
fn timestamp_agrees(expected: &str, actual: Option<DateTime<FixedOffset>>) -> bool {
    let Some(actual) = actual else {
        return false;
    };
    if let Some(local) = expected.strip_suffix(" (local)") {
        let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S%.f");
        return naive.is_ok_and(|naive| naive == actual.naive_local());
    }
    if let Ok(parsed) = DateTime::parse_from_rfc3339(expected) {
        return parsed == actual;
    }
    if let Ok(naive) = NaiveDateTime::parse_from_str(expected, "%Y-%m-%dT%H:%M:%S%.f") {
        return naive == actual.naive_local();
    }
    squash_spaces(expected) == squash_spaces(&bsd_text(&actual))
}

fn sd_json(message: &Message<'_>) -> Value {
    let elements: Vec<Value> = message
        .structured_data
        .iter()
        .map(|element| {
            let params: Vec<Value> = element
                .params
                .iter()
                .map(|(name, value)| serde_json::json!([name, value]))
                .collect();
            serde_json::json!({ "id": element.id, "params": params })
        })
        .collect();
    Value::Array(elements)
}

/// Compares one asserted key; returns `None` when it agrees, otherwise the
/// mismatch text.
fn compare(id: &str, key: &str, expected: &Value, message: &Message<'_>) -> Option<String> {
    let expected = nil_normalised(id, expected);
    let pri = match (message.facility, message.severity) {
        (Some(facility), Some(severity)) => {
            Value::from(u32::from(facility.code()) * 8 + u32::from(severity.code()))
        }
        _ => Value::Null,
    };
    let actual = match key {
        // Fluent Bit spells PRI as a string.
        "pri" if expected.is_string() => Value::String(pri.to_string()),
        "pri" => pri,
        "facility" => match &expected {
            Value::String(_) => text_or_null(message.facility.map(|f| f.name())),
            _ => message.facility.map_or(Value::Null, |f| f.code().into()),
        },
        "severity" => message.severity.map_or(Value::Null, |s| s.code().into()),
        "version" => {
            if message.format == Format::Rfc5424 {
                expected.clone()
            } else {
                Value::String(format!("format {}", message.format))
            }
        }
        "hostname" | "host" => text_or_null(message.hostname.as_deref()),
        "appname" | "programname" | "ident" => text_or_null(message.app_name.as_deref()),
        "procid" | "pid" => text_or_null(message.procid.as_deref()),
        "msgid" => text_or_null(message.msgid.as_deref()),
        "structured_data" | "extradata" => {
            let actual = sd_json(message);
            let expected = match expected {
                Value::Null => Value::Array(Vec::new()),
                Value::String(text) if text == "-" => Value::Array(Vec::new()),
                other => other,
            };
            return (expected != actual).then(|| format!("expected {expected}, got {actual}"));
        }
        "msg" | "message" => {
            let actual = Value::String(message.message.to_string());
            let expected = match expected {
                Value::Null => Value::String(String::new()),
                Value::Object(object) => {
                    let encoded = object["b64"].as_str().unwrap_or_default();
                    let bytes = decode_base64(encoded);
                    Value::String(String::from_utf8_lossy(&bytes).into_owned())
                }
                // rsyslog keeps the SP after `tag:` in msg; logkeep
                // removes that one separator, as syslog-ng does.
                Value::String(text)
                    if id.starts_with("rsyslog-") && message.format != Format::Rfc5424 =>
                {
                    Value::String(text.strip_prefix(' ').unwrap_or(&text).to_string())
                }
                other => other,
            };
            return (expected != actual).then(|| format!("expected {expected}, got {actual}"));
        }
        "timestamp" | "timestamp_rsyslog" | "time" => {
            return match &expected {
                Value::Null => message
                    .timestamp
                    .map(|stamp| format!("expected null, got {}", stamp.to_rfc3339())),
                Value::String(text) => (!timestamp_agrees(text, message.timestamp)).then(|| {
                    let actual = message.timestamp.map(|stamp| stamp.to_rfc3339());
                    format!("expected {text:?}, got {actual:?}")
                }),
                other => Some(format!("unexpected timestamp spelling {other}")),
            };
        }
        "timestamp_unix" => message
            .timestamp
            .map_or(Value::Null, |stamp| stamp.timestamp().into()),
        "timestamp_nanos" => message
            .timestamp
            .map_or(Value::Null, |stamp| stamp.timestamp_subsec_nanos().into()),
        "valid" => {
            let valid = message.format != Format::Unparsed && message.parse_error.is_none();
            Value::Bool(valid)
        }
        other => {
            return Some(format!(
                "unknown key {other:?}: compare it or list it in IGNORED_KEYS"
            ));
        }
    };
    (expected != actual).then(|| format!("expected {expected}, got {actual}"))
}

/// Compares every asserted key and returns how many were compared.
fn check(
    id: &str,
    expected: &serde_json::Map<String, Value>,
    message: &Message<'_>,
    mismatches: &mut Vec<(String, String, String)>,
) -> usize {
    let mut fields = 0;
    for (key, value) in expected {
        if key == "frames" || IGNORED_KEYS.iter().any(|(ignored, _)| ignored == key) {
            continue;
        }
        fields += 1;
        if let Some(problem) = compare(id, key, value, message) {
            mismatches.push((id.to_string(), key.clone(), problem));
        }
    }
    fields
}

#[test]
fn corpus_records_agree_with_sources() {
    let path = corpus_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read corpus {}: {error}", path.display()));
    let mut mismatches = Vec::new();
    let mut records = 0;
    let mut compared = 0;
    let mut fields = 0;
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let record: Value = serde_json::from_str(line).expect("corpus line is JSON");
        let id = record["id"].as_str().expect("record id");
        let raw = raw_bytes(&record);
        let expected = &record["expected"];
        let options = options_for(id, expected);
        records += 1;
        if record["format"] == "framed" {
            let frames = split_frames(&raw);
            let expected_frames = expected["frames"].as_array().cloned().unwrap_or_default();
            for (index, frame) in frames.iter().enumerate() {
                let message = parse(frame, &options);
                let frame_id = format!("{id}#{index}");
                if let Some(Value::Object(expected)) = expected_frames.get(index) {
                    fields += check(&frame_id, expected, &message, &mut mismatches);
                }
            }
            if frames.len() != expected_frames.len() {
                let problem = format!(
                    "expected {} frames, got {}",
                    expected_frames.len(),
                    frames.len()
                );
                mismatches.push((id.to_string(), "frames".into(), problem));
            }
            compared += 1;
            continue;
        }
        let message = parse(&raw, &options);
        if let Value::Object(expected) = expected {
            fields += check(id, expected, &message, &mut mismatches);
            compared += 1;
        }
    }

    let mut used = HashSet::new();
    let mut failures = Vec::new();
    for (id, key, problem) in &mismatches {
        let base = id.split('#').next().unwrap_or(id);
        let listed = EXCEPTIONS.iter().position(|(known, field, _)| {
            (*known == id || *known == base) && (field == key || *field == "*")
        });
        match listed {
            Some(index) => {
                used.insert(index);
            }
            None => failures.push(format!("{id} {key}: {problem}")),
        }
    }
    for (index, (id, key, _)) in EXCEPTIONS.iter().enumerate() {
        if !used.contains(&index) {
            failures.push(format!("{id} {key}: listed in EXCEPTIONS but agrees now"));
        }
    }
    let differing: HashSet<&str> = mismatches
        .iter()
        .map(|(id, _, _)| id.split('#').next().unwrap_or(id))
        .collect();
    println!(
        "{records} records, {compared} with assertions, {fields} fields compared, \
         {} fields in {} records differ on purpose",
        mismatches.len(),
        differing.len()
    );
    assert!(records >= 158, "corpus has only {records} records");
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_record_parses_without_panic_and_keeps_raw() {
    let path = corpus_path();
    let text = std::fs::read_to_string(&path).expect("corpus readable");
    let options = ParseOptions::new(Utc.with_ymd_and_hms(2024, 6, 20, 12, 0, 0).unwrap());
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let record: Value = serde_json::from_str(line).unwrap();
        let raw = raw_bytes(&record);
        let message = parse(&raw, &options);
        assert_eq!(message.raw, &raw[..], "{}", record["id"]);
        if message.format == Format::Unparsed {
            assert!(message.parse_error.is_some(), "{}", record["id"]);
        }
        let event = message.to_event();
        let json = logkeep::json::event_to_string(&event);
        assert!(json.starts_with('{'), "{}", record["id"]);
    }
}
