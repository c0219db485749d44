//! Rendering events as RFC 5424 and RFC 3164 messages, for `logkeep send`
//! and for forwarding.

use chrono::{DateTime, FixedOffset, SecondsFormat, Timelike};

use crate::event::{Event, Facility, Severity};

/// Field size limits of RFC 5424 § 6 (the HEADER ABNF), in characters.
const MAX_HOSTNAME: usize = 255;
const MAX_APP_NAME: usize = 48;
const MAX_PROCID: usize = 128;
const MAX_MSGID: usize = 32;
/// SD-NAME is at most 32 characters (RFC 5424 § 6.3).
const MAX_SD_NAME: usize = 32;

const BOM: &[u8] = b"\xEF\xBB\xBF";

fn pri(event: &Event) -> u8 {
    let facility = event.facility.unwrap_or(Facility::User);
    let severity = event.severity.unwrap_or(Severity::Notice);
    facility.code() * 8 + severity.code()
}

/// Appends a header field: `-` (NILVALUE) when absent or empty, else the
/// value cut to `max` characters. Characters outside PRINTUSASCII
/// (`%d33-126`) become `_`, because the header grammar allows nothing else
/// and a space would shift every following field.
fn write_header_field(out: &mut Vec<u8>, value: Option<&str>, max: usize) {
    let value = value.unwrap_or("");
    if value.is_empty() {
        out.push(b'-');
        return;
    }
    for character in value.chars().take(max) {
        let printable = character.is_ascii_graphic();
        out.push(if printable { character as u8 } else { b'_' });
    }
}

/// Appends an SD-NAME: PRINTUSASCII except `=`, SP, `]` and `"`.
fn write_sd_name(out: &mut Vec<u8>, name: &str) {
    if name.is_empty() {
        out.push(b'_');
        return;
    }
    for character in name.chars().take(MAX_SD_NAME) {
        let allowed = character.is_ascii_graphic() && !matches!(character, '=' | ']' | '"');
        out.push(if allowed { character as u8 } else { b'_' });
    }
}

/// Appends a PARAM-VALUE with `"`, `\` and `]` escaped (RFC 5424 § 6.3.3).
fn write_param_value(out: &mut Vec<u8>, value: &str) {
    for &byte in value.as_bytes() {
        if matches!(byte, b'"' | b'\\' | b']') {
            out.push(b'\\');
        }
        out.push(byte);
    }
}

/// Formats a timestamp as RFC 5424 § 6.2.3 allows: RFC 3339, `Z` for UTC,
/// and at most six fraction digits (TIME-SECFRAC), so nanoseconds are cut.
fn format_timestamp(timestamp: &DateTime<FixedOffset>) -> String {
    let nanos = timestamp.nanosecond() % 1_000_000_000;
    let precision = if nanos == 0 {
        SecondsFormat::Secs
    } else if nanos % 1_000_000 == 0 {
        SecondsFormat::Millis
    } else {
        SecondsFormat::Micros
    };
    timestamp.to_rfc3339_opts(precision, true)
}

/// Appends `event` to `out` as an RFC 5424 message (§ 6), without framing.
///
/// A missing facility or severity becomes `user.notice`, the default of
/// RFC 3164 § 4.3.3 and logger(1). A missing timestamp falls back to the
/// receipt time, then to NILVALUE.
pub fn render_rfc5424(event: &Event, out: &mut Vec<u8>) {
    out.extend_from_slice(format!("<{}>1 ", pri(event)).as_bytes());

    let timestamp = event
        .timestamp
        .or_else(|| event.received_at.map(|time| time.fixed_offset()));
    match timestamp {
        Some(timestamp) => out.extend_from_slice(format_timestamp(&timestamp).as_bytes()),
        None => out.push(b'-'),
    }
    out.push(b' ');

    write_header_field(out, event.hostname.as_deref(), MAX_HOSTNAME);
    out.push(b' ');
    write_header_field(out, event.app_name.as_deref(), MAX_APP_NAME);
    out.push(b' ');
    write_header_field(out, event.procid.as_deref(), MAX_PROCID);
    out.push(b' ');
    write_header_field(out, event.msgid.as_deref(), MAX_MSGID);
    out.push(b' ');

    if event.structured_data.is_empty() {
        out.push(b'-');
    }
    for element in &event.structured_data {
        out.push(b'[');
        write_sd_name(out, &element.id);
        for (name, value) in &element.params {
            out.push(b' ');
            write_sd_name(out, name);
            out.extend_from_slice(b"=\"");
            write_param_value(out, value);
            out.push(b'"');
        }
        out.push(b']');
    }

    if !event.message.is_empty() {
        out.push(b' ');
        if event.bom {
            out.extend_from_slice(BOM);
        }
        out.extend_from_slice(event.message.as_bytes());
    }
}

/// Appends `event` to `out` as a BSD syslog message (RFC 3164 § 4.1):
/// `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PROCID]: MSG`.
///
/// The timestamp is written in its own offset, which RFC 3164 cannot
/// state; `logkeep send` passes UTC. A missing hostname is written as `-`
/// so the tag is not read as the hostname.
pub fn render_rfc3164(event: &Event, out: &mut Vec<u8>) {
    out.extend_from_slice(format!("<{}>", pri(event)).as_bytes());
    let timestamp = event
        .timestamp
        .or_else(|| event.received_at.map(|time| time.fixed_offset()));
    if let Some(timestamp) = timestamp {
        out.extend_from_slice(timestamp.format("%b %e %H:%M:%S ").to_string().as_bytes());
    }
    write_header_field(out, event.hostname.as_deref(), MAX_HOSTNAME);
    out.push(b' ');
    if let Some(app_name) = event.app_name.as_deref().filter(|name| !name.is_empty()) {
        // RFC 3164 § 4.1.3 limits TAG to 32 alphanumeric characters.
        write_header_field(out, Some(app_name), 32);
        if let Some(procid) = event.procid.as_deref().filter(|id| !id.is_empty()) {
            out.push(b'[');
            write_header_field(out, Some(procid), MAX_PROCID);
            out.push(b']');
        }
        out.extend_from_slice(b": ");
    }
    out.extend_from_slice(event.message.as_bytes());
}
