//! RFC 5424 rendering, for forwarding and for round-trip tests.

use alloc::vec::Vec;

use chrono::SecondsFormat;

use crate::event::Event;

/// PRI used when an event has no facility or severity: `user.notice`, the
/// value RFC 3164 § 4.3.3 gives a message that arrived without one.
const DEFAULT_PRI: u8 = 13;

/// Appends a header field: `-` for none or empty, otherwise the bytes that
/// are printable US-ASCII (others become `?`), cut to `max` bytes.
fn push_field(out: &mut Vec<u8>, value: Option<&str>, max: usize) {
    let value = value.unwrap_or_default();
    if value.is_empty() {
        out.push(b'-');
        return;
    }
    let printable = value.bytes().take(max).map(|byte| {
        if (33..=126).contains(&byte) {
            byte
        } else {
            b'?'
        }
    });
    out.extend(printable);
}

/// Appends an SD-NAME, dropping bytes RFC 5424 § 6.3.2 forbids in it.
fn push_sd_name(out: &mut Vec<u8>, name: &str) {
    let start = out.len();
    let allowed = name
        .bytes()
        .filter(|byte| (33..=126).contains(byte) && !matches!(byte, b'=' | b']' | b'"'));
    out.extend(allowed.take(32));
    if out.len() == start {
        out.push(b'_');
    }
}

/// Renders `event` as an RFC 5424 message (RFC 5424 § 6), without a
/// trailing newline.
///
/// Fields that do not fit the grammar are made to fit: missing ones become
/// the NILVALUE, bytes outside PRINTUSASCII become `?`, over-long fields
/// are cut, and PARAM-VALUEs get the `\"`, `\\` and `\]` escapes of
/// § 6.3.3. Events without facility or severity get PRI 13 (`user.notice`).
pub fn render_rfc5424(event: &Event) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + event.message.len());
    let pri = match (event.facility, event.severity) {
        (Some(facility), Some(severity)) => (facility.code() << 3) | severity.code(),
        _ => DEFAULT_PRI,
    };
    out.extend(alloc::format!("<{pri}>1 ").bytes());
    match event.timestamp {
        Some(timestamp) => {
            let text = timestamp.to_rfc3339_opts(SecondsFormat::AutoSi, true);
            out.extend(text.bytes());
        }
        None => out.push(b'-'),
    }
    out.push(b' ');
    push_field(&mut out, event.hostname.as_deref(), 255);
    out.push(b' ');
    push_field(&mut out, event.app_name.as_deref(), 48);
    out.push(b' ');
    push_field(&mut out, event.procid.as_deref(), 128);
    out.push(b' ');
    push_field(&mut out, event.msgid.as_deref(), 32);
    out.push(b' ');
    push_structured_data(&mut out, event);
    if event.bom || !event.message.is_empty() {
        out.push(b' ');
        if event.bom {
            out.extend(b"\xEF\xBB\xBF");
        }
        out.extend(event.message.bytes());
    }
    out
}

/// Appends STRUCTURED-DATA, or the NILVALUE when there is none.
fn push_structured_data(out: &mut Vec<u8>, event: &Event) {
    if event.structured_data.is_empty() {
        out.push(b'-');
    }
    for element in &event.structured_data {
        out.push(b'[');
        push_sd_name(out, &element.id);
        for (name, value) in &element.params {
            out.push(b' ');
            push_sd_name(out, name);
            out.extend(b"=\"");
            for byte in value.bytes() {
                if matches!(byte, b'"' | b'\\' | b']') {
                    out.push(b'\\');
                }
                out.push(byte);
            }
            out.push(b'"');
        }
        out.push(b']');
    }
}
