//! RFC 5424 rendering, shared by `logkeep send`, the forwarder and the
//! round-trip tests, so every message logkeep emits follows one set of
//! rules.

use alloc::vec::Vec;

use chrono::{DateTime, FixedOffset, SecondsFormat, Timelike};

use crate::event::{Event, Facility, Severity};

/// Field size limits of RFC 5424 § 6 (the HEADER ABNF), in characters.
pub(crate) const MAX_HOSTNAME: usize = 255;
const MAX_APP_NAME: usize = 48;
pub(crate) const MAX_PROCID: usize = 128;
const MAX_MSGID: usize = 32;
/// SD-NAME is at most 32 characters (RFC 5424 § 6.3).
const MAX_SD_NAME: usize = 32;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Returns the PRI value. A missing facility becomes `user` and a missing
/// severity `notice`, the defaults of RFC 3164 § 4.3.3 and logger(1).
pub(crate) fn pri(event: &Event) -> u8 {
    let facility = event.facility.unwrap_or(Facility::User);
    let severity = event.severity.unwrap_or(Severity::Notice);
    facility.code() * 8 + severity.code()
}

/// Appends `<PRI>` without allocating.
pub(crate) fn write_pri(out: &mut Vec<u8>, event: &Event) {
    let pri = pri(event);
    out.push(b'<');
    if pri >= 100 {
        out.push(b'0' + pri / 100);
    }
    if pri >= 10 {
        out.push(b'0' + pri / 10 % 10);
    }
    out.push(b'0' + pri % 10);
    out.push(b'>');
}

/// Appends a header field: `-` (NILVALUE) when absent or empty, else the
/// value cut to `max` characters. Characters outside PRINTUSASCII
/// (`%d33-126`) become `_`, because the header grammar allows nothing else
/// and a space would shift every following field.
pub(crate) fn write_header_field(out: &mut Vec<u8>, value: Option<&str>, max: usize) {
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

/// Appends an SD-NAME: PRINTUSASCII except `=`, SP, `]` and `"`, with
/// other characters replaced by `_` (RFC 5424 § 6.3.2).
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

/// Appends a timestamp as RFC 5424 § 6.2.3 allows: RFC 3339, `Z` for
/// UTC, and at most six fraction digits (TIME-SECFRAC), so nanoseconds
/// are cut.
fn write_timestamp(out: &mut Vec<u8>, timestamp: &DateTime<FixedOffset>) {
    let nanos = timestamp.nanosecond() % 1_000_000_000;
    let precision = if nanos == 0 {
        SecondsFormat::Secs
    } else if nanos % 1_000_000 == 0 {
        SecondsFormat::Millis
    } else {
        SecondsFormat::Micros
    };
    out.extend_from_slice(timestamp.to_rfc3339_opts(precision, true).as_bytes());
}

/// Appends STRUCTURED-DATA, or the NILVALUE when there is none.
fn write_structured_data(out: &mut Vec<u8>, event: &Event) {
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
}

/// Appends `event` to `out` as an RFC 5424 message (RFC 5424 § 6),
/// without framing or a trailing newline.
///
/// Fields that do not fit the grammar are made to fit: missing ones become
/// the NILVALUE, characters outside PRINTUSASCII become `_`, over-long
/// fields are cut, and PARAM-VALUEs get the escapes of § 6.3.3. A missing
/// facility or severity becomes `user` or `notice`. A missing timestamp
/// falls back to the receive time, then to the NILVALUE. A BOM is written
/// when the event had one, even before an empty MSG.
pub fn render_rfc5424(event: &Event, out: &mut Vec<u8>) {
    write_pri(out, event);
    out.extend_from_slice(b"1 ");
    let timestamp = event
        .timestamp
        .or_else(|| event.received_at.map(|time| time.fixed_offset()));
    match timestamp {
        Some(timestamp) => write_timestamp(out, &timestamp),
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
    write_structured_data(out, event);
    if event.bom || !event.message.is_empty() {
        out.push(b' ');
        if event.bom {
            out.extend_from_slice(BOM);
        }
        out.extend_from_slice(event.message.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn render(event: &Event) -> String {
        let mut out = Vec::new();
        render_rfc5424(event, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn event() -> Event {
        crate::parse::parse(
            b"<0>1 - - - - - -",
            &crate::parse::ParseOptions::new(DateTime::from_timestamp(0, 0).unwrap()),
        )
        .to_event()
    }

    #[test]
    fn pri_digits_and_defaults() {
        let mut event = event();
        assert!(render(&event).starts_with("<0>1 "));
        event.facility = Some(Facility::Local7);
        event.severity = Some(Severity::Debug);
        assert!(render(&event).starts_with("<191>1 "));
        event.severity = None;
        assert!(render(&event).starts_with("<189>1 "));
        event.facility = None;
        assert!(render(&event).starts_with("<13>1 "));
    }

    #[test]
    fn nanoseconds_are_cut_to_microseconds() {
        let mut event = event();
        let timestamp = DateTime::parse_from_rfc3339("2024-01-05T10:01:02.123456789+01:00");
        event.timestamp = Some(timestamp.unwrap());
        assert_eq!(
            render(&event),
            "<0>1 2024-01-05T10:01:02.123456+01:00 - - - - -"
        );
    }

    #[test]
    fn bom_before_empty_message() {
        let mut event = event();
        event.bom = true;
        let mut out = Vec::new();
        render_rfc5424(&event, &mut out);
        assert!(out.ends_with(b" - \xEF\xBB\xBF"), "{out:?}");
    }
}
