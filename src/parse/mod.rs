//! Syslog parsers: RFC 5424, RFC 3164 and the variants devices send.
//!
//! [`parse`] accepts any bytes and never fails. It tries, in order:
//!
//! 1. PRI (`<0>` to `<191>`, no leading zeros). An invalid PRI (`<192>`,
//!    `<002>`, `<87]`) makes the whole message `unparsed`, because nothing
//!    after it can be trusted to be syslog.
//! 2. `VERSION SP` after PRI commits to RFC 5424 ([`rfc5424`]). A fault in
//!    a header field makes the message `unparsed` with `parse_error` naming
//!    the field; facility and severity stay set. A TIMESTAMP without an
//!    offset is accepted in `default_offset` although § 6.2.3 requires one. Malformed
//!    STRUCTURED-DATA keeps the header: the message is `rfc5424` with no
//!    structured data, `message` holds everything from the
//!    STRUCTURED-DATA field on, and `parse_error` says what was wrong. A
//!    header that ends after a complete field keeps the fields it has.
//!    Cisco Meraki's `1 <epoch> host category …` fails that grammar and is
//!    read by [`vendor::meraki`] instead.
//! 3. An RFC 3339 timestamp and the RFC 5424 fields without VERSION
//!    (VMware NSX, Junos after a space), as RFC 5424.
//! 4. Everything else after a valid PRI is RFC 3164 ([`rfc3164`]),
//!    including `<PRI>` followed directly by text and `key=value` bodies
//!    ([`vendor`]).
//! 5. Input without PRI is RFC 3164 when it starts with a timestamp (a
//!    line from a log file); facility and severity stay unknown rather
//!    than the `user.notice` that RFC 3164 § 4.3.3 has relays assume.
//!    Anything else is `unparsed`.
//!
//! Leading whitespace and trailing whitespace, CR, LF and NUL are removed
//! before parsing (`raw` keeps them): framing and editors add them, and
//! RFC 5424 MSG would otherwise end in a line break.

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use chrono::{DateTime, FixedOffset, Utc};

use crate::event::{Format, Message};

pub mod error;
pub mod pri;
pub(crate) mod render;
pub mod rfc3164;
pub mod rfc5424;
pub mod structured_data;
pub mod timestamp;
pub mod vendor;

pub use error::{FieldFault, ParseError};
pub use render::render_rfc5424;

/// Settings that the wire format leaves to the receiver.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// When the message arrived; RFC 3164 timestamps take their year from it.
    pub received_at: DateTime<Utc>,
    /// Offset applied to timestamps that carry none (RFC 3164).
    pub default_offset: FixedOffset,
}

impl ParseOptions {
    /// Options for a message received at `received_at`, with UTC for
    /// timestamps that carry no offset.
    pub fn new(received_at: DateTime<Utc>) -> ParseOptions {
        ParseOptions {
            received_at,
            default_offset: timestamp::utc(),
        }
    }
}

/// Converts wire bytes to text, borrowing when they are valid UTF-8 and
/// replacing invalid sequences with U+FFFD otherwise.
pub(crate) fn text(bytes: &[u8]) -> Cow<'_, str> {
    // `from_utf8` validates faster than the chunk walk inside
    // `from_utf8_lossy`, and nearly all syslog input is valid UTF-8: a
    // callgrind profile of ingest put the walk at 10% of its instructions.
    match core::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

fn is_trailing_junk(byte: &u8) -> bool {
    byte.is_ascii_whitespace() || *byte == 0
}

fn trim(input: &[u8]) -> &[u8] {
    let start = input
        .iter()
        .position(|byte| !byte.is_ascii_whitespace())
        .unwrap_or(input.len());
    let end = input
        .iter()
        .rposition(|byte| !is_trailing_junk(byte))
        .map_or(start, |last| last + 1);
    &input[start..end.max(start)]
}

fn unparsed<'a>(raw: &'a [u8], text_input: &'a [u8], error: ParseError) -> Message<'a> {
    Message {
        format: Format::Unparsed,
        facility: None,
        severity: None,
        timestamp: None,
        hostname: None,
        app_name: None,
        procid: None,
        msgid: None,
        structured_data: Vec::new(),
        message: text(text_input),
        bom: false,
        parse_error: Some(error.to_string()),
        raw,
    }
}

/// Parses one syslog message. Never fails: input that matches no grammar
/// becomes a [`Format::Unparsed`] message with the reason in `parse_error`.
pub fn parse<'a>(input: &'a [u8], options: &ParseOptions) -> Message<'a> {
    let trimmed = trim(input);
    if trimmed.is_empty() {
        return unparsed(input, trimmed, ParseError::Empty);
    }
    let (pri, rest) = match pri::parse_pri(trimmed) {
        Ok(Some((pri, rest))) => (Some(pri), rest),
        Ok(None) => (None, trimmed),
        Err(error) => return unparsed(input, trimmed, error),
    };
    let mut message = match pri.is_some() {
        true => parse_after_pri(input, trimmed, rest, options),
        false => match rfc3164::parse(rest, options, false) {
            Ok(parsed) => from_rfc3164(input, parsed),
            Err(error) => unparsed(input, trimmed, error),
        },
    };
    // A PRI inside the message, set by `from_rfc3164`, is the device's and
    // wins over a relay's outer one.
    message.facility = message.facility.or(pri.map(|pri| pri.facility));
    message.severity = message.severity.or(pri.map(|pri| pri.severity));
    message
}

fn parse_after_pri<'a>(
    input: &'a [u8],
    trimmed: &'a [u8],
    rest: &'a [u8],
    options: &ParseOptions,
) -> Message<'a> {
    if let Some(result) = rfc5424::parse(rest, options.default_offset) {
        return match result {
            Ok(parsed) => from_rfc5424(input, parsed),
            // Cisco Meraki writes VERSION but an epoch TIMESTAMP and no
            // PROCID, MSGID or STRUCTURED-DATA. The check runs only after
            // the RFC 5424 header failed, so it costs nothing otherwise.
            Err(error) => match vendor::meraki(rest) {
                Some(parsed) => from_rfc3164(input, parsed),
                None => unparsed(input, trimmed, error),
            },
        };
    }
    // Junos puts a space after PRI in this form: `<166> 2023-05-08T10:54:24.756+10:00 …`.
    let unspaced = rest.trim_ascii_start();
    if let Some(parsed) = rfc5424::parse_without_version(unspaced, options.default_offset) {
        return from_rfc5424(input, parsed);
    }
    match rfc3164::parse(rest, options, true) {
        Ok(parsed) => from_rfc3164(input, parsed),
        Err(error) => unparsed(input, trimmed, error),
    }
}

fn from_rfc5424<'a>(raw: &'a [u8], parsed: rfc5424::Parsed<'a>) -> Message<'a> {
    let header = parsed.header;
    Message {
        format: Format::Rfc5424,
        facility: None,
        severity: None,
        timestamp: header.timestamp,
        hostname: header.hostname,
        app_name: header.app_name,
        procid: header.procid,
        msgid: header.msgid,
        structured_data: parsed.structured_data,
        message: parsed.message,
        bom: parsed.bom,
        parse_error: parsed.kept_error.map(|error| error.to_string()),
        raw,
    }
}

fn from_rfc3164<'a>(raw: &'a [u8], parsed: rfc3164::Parsed<'a>) -> Message<'a> {
    Message {
        format: Format::Rfc3164,
        facility: parsed.inner_pri.map(|pri| pri.facility),
        severity: parsed.inner_pri.map(|pri| pri.severity),
        timestamp: parsed.timestamp,
        hostname: parsed.hostname,
        app_name: parsed.app_name,
        procid: parsed.procid,
        msgid: parsed.msgid,
        structured_data: Vec::new(),
        message: parsed.message,
        bom: false,
        parse_error: None,
        raw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Facility, Severity};

    fn options() -> ParseOptions {
        let received_at = DateTime::parse_from_rfc3339("2024-06-20T12:00:00Z").unwrap();
        ParseOptions::new(received_at.with_timezone(&Utc))
    }

    #[test]
    fn strips_trailing_crlf_and_nul() {
        let input = b"<13>1 - - - - - - hello\r\n\0\0";
        let message = parse(input, &options());
        assert_eq!(message.message, "hello");
        assert_eq!(message.raw, input);
    }

    #[test]
    fn leading_whitespace_is_ignored() {
        let message = parse(b"\n   <13>Feb  5 17:32:18 host app: x\n  ", &options());
        assert_eq!(message.format, Format::Rfc3164);
        assert_eq!(message.app_name.as_deref(), Some("app"));
    }

    #[test]
    fn invalid_pri_is_unparsed() {
        let message = parse(
            b"<409>1 2016-01-15T00:00:00Z host2 prg - - - message",
            &options(),
        );
        assert_eq!(message.format, Format::Unparsed);
        assert_eq!(message.facility, None);
        assert_eq!(
            message.parse_error.as_deref(),
            Some("invalid pri <409>: must be 0-191")
        );
    }

    #[test]
    fn rfc5424_header_fault_keeps_pri() {
        let message = parse(b"<29>1 2006-01-02X15:04:05Z - - - - -", &options());
        assert_eq!(message.format, Format::Unparsed);
        assert_eq!(message.facility, Some(Facility::Daemon));
        assert_eq!(message.severity, Some(Severity::Notice));
        assert!(
            message
                .parse_error
                .unwrap()
                .starts_with("invalid timestamp")
        );
    }

    #[test]
    fn rfc5424_bad_sd_keeps_header() {
        let message = parse(b"<34>1 - rufus - - - [meta sequenceId=10] x", &options());
        assert_eq!(message.format, Format::Rfc5424);
        assert_eq!(message.hostname.as_deref(), Some("rufus"));
        assert_eq!(message.message, "[meta sequenceId=10] x");
        assert!(message.parse_error.unwrap().contains("structured data"));
    }

    #[test]
    fn gobbledegook_is_unparsed() {
        let message = parse(b"complete and utter gobbledegook", &options());
        assert_eq!(message.format, Format::Unparsed);
        assert_eq!(message.message, "complete and utter gobbledegook");
    }

    #[test]
    fn empty_and_whitespace_only() {
        for input in [&b""[..], b"\r\n", b"   \0"] {
            let message = parse(input, &options());
            assert_eq!(message.format, Format::Unparsed);
            assert_eq!(message.parse_error.as_deref(), Some("empty message"));
        }
    }

    #[test]
    fn non_utf8_is_replaced_in_text_and_kept_in_raw() {
        let message = parse(b"<13>1 - - - - - - caf\xE9", &options());
        assert_eq!(message.message, "caf\u{FFFD}");
        assert_eq!(message.raw.last(), Some(&0xE9));
    }

    #[test]
    fn pri_only() {
        let message = parse(b"<0>x", &options());
        assert_eq!(message.format, Format::Rfc3164);
        assert_eq!(message.facility, Some(Facility::Kern));
        assert_eq!(message.message, "x");
    }

    #[test]
    fn fortigate_after_pri() {
        let message = parse(
            b"<111>date=2021-06-15 time=02:35:28 devname=fw1 x=y",
            &options(),
        );
        assert_eq!(message.hostname.as_deref(), Some("fw1"));
        assert!(message.timestamp.is_some());
    }

    #[test]
    fn iso_timestamp_without_pri() {
        let message = parse(b"2024-01-05T10:00:00.5+01:00 host app: started", &options());
        assert_eq!(message.format, Format::Rfc3164);
        assert_eq!(message.facility, None);
        let timestamp = message.timestamp.unwrap().to_rfc3339();
        assert_eq!(timestamp, "2024-01-05T10:00:00.500+01:00");
        assert_eq!(message.hostname.as_deref(), Some("host"));
    }

    #[test]
    fn lower_case_month_without_pri() {
        let message = parse(b"jan  5 10:00:00 host app: x", &options());
        assert_eq!(message.format, Format::Rfc3164);
        assert_eq!(message.app_name.as_deref(), Some("app"));
    }

    #[test]
    fn systemd_unit_tag_with_dots_and_slashes() {
        let input = b"<30>Jun 15 02:35:28 host systemd-logind.service/x-1: New session";
        let message = parse(input, &options());
        assert_eq!(
            message.app_name.as_deref(),
            Some("systemd-logind.service/x-1")
        );
        assert_eq!(message.message, "New session");
    }

    #[test]
    fn rsyslog_traditional_forward_format() {
        let input = b"<86>Jun 15 02:35:28 web1 sshd[812]: Accepted publickey for user1";
        let message = parse(input, &options());
        assert_eq!(message.facility, Some(Facility::Authpriv));
        assert_eq!(message.hostname.as_deref(), Some("web1"));
        assert_eq!(message.procid.as_deref(), Some("812"));
    }

    #[test]
    fn checkpoint_semicolon_sd_keeps_header() {
        let input = br#"<134>1 2024-06-15T02:35:28Z gw CheckPoint 13752 - [action:"Accept"; ifdir:"inbound"] x"#;
        let message = parse(input, &options());
        assert_eq!(message.format, Format::Rfc5424);
        assert_eq!(message.app_name.as_deref(), Some("CheckPoint"));
        assert!(message.message.starts_with("[action:"));
        assert!(message.parse_error.is_some());
    }

    fn received_in_2026() -> ParseOptions {
        let received_at = DateTime::parse_from_rfc3339("2026-12-04T12:00:00Z").unwrap();
        ParseOptions::new(received_at.with_timezone(&Utc))
    }

    #[test]
    fn february_29_in_common_year_is_kept() {
        let input = b"<134>Feb 29 14:07:19 myhostname sshd - - - this is my message";
        let message = parse(input, &received_in_2026());
        assert_eq!(message.format, Format::Rfc3164);
        let timestamp = message.timestamp.unwrap().to_rfc3339();
        assert_eq!(timestamp, "2024-02-29T14:07:19+00:00");
        assert_eq!(message.hostname.as_deref(), Some("myhostname"));
        assert_eq!(message.parse_error, None);
    }

    #[test]
    fn impossible_rfc3164_date_or_time_is_unparsed() {
        let cases: [(&[u8], &str); 3] = [
            (
                b"<134>Feb 30 14:07:19 host sshd: x",
                "invalid timestamp: day out of range for the month",
            ),
            (
                b"<134>Jan  5 24:00:00 host sshd: x",
                "invalid timestamp: time of day out of range",
            ),
            (
                b"<134>2023-02-29T10:00:00Z host sshd: x",
                "invalid timestamp: date out of range",
            ),
        ];
        for (input, reason) in cases {
            let message = parse(input, &received_in_2026());
            assert_eq!(message.format, Format::Unparsed);
            assert_eq!(message.parse_error.as_deref(), Some(reason));
            assert_eq!(message.facility, Some(Facility::Local0));
        }
    }

    #[test]
    fn invalid_cisco_stamp_after_valid_header() {
        let input = b"<13>Jan  1 00:00:00 web1 12: Feb 30 10:00:00 text";
        let message = parse(input, &received_in_2026());
        assert_eq!(message.format, Format::Rfc3164);
        assert_eq!(message.parse_error, None);
        assert_eq!(message.hostname.as_deref(), Some("web1"));
        assert_eq!(message.message, "12: Feb 30 10:00:00 text");
    }

    #[test]
    fn rfc5424_lower_case_t_and_z() {
        let message = parse(
            b"<13>1 2024-01-05t10:01:02z host app - - - lower",
            &options(),
        );
        assert_eq!(message.format, Format::Rfc5424);
        let timestamp = message.timestamp.unwrap().to_rfc3339();
        assert_eq!(timestamp, "2024-01-05T10:01:02+00:00");
        assert_eq!(message.app_name.as_deref(), Some("app"));
    }

    #[test]
    fn rfc5424_header_ending_early_is_kept() {
        let message = parse(b"<13>1 2024-01-05T10:01:02Z host app\n", &options());
        assert_eq!(message.format, Format::Rfc5424);
        assert_eq!(message.hostname.as_deref(), Some("host"));
        assert_eq!(message.app_name.as_deref(), Some("app"));
        assert_eq!(
            message.parse_error.as_deref(),
            Some("incomplete header: the message ends after APP-NAME")
        );
    }

    #[test]
    fn meraki_epoch_header_after_pri() {
        let message = parse(
            b"<134>1 1647478222.583851938 MX84 events type=vpn_connectivity_change",
            &options(),
        );
        assert_eq!(message.format, Format::Rfc3164);
        assert_eq!(message.facility, Some(Facility::Local0));
        assert_eq!(message.hostname.as_deref(), Some("MX84"));
        assert_eq!(message.app_name.as_deref(), Some("events"));
        assert_eq!(message.parse_error, None);
    }

    #[test]
    fn junos_space_after_pri_without_version() {
        let input = b"<166> 2023-05-08T10:54:24.756+10:00 srx1 - - - - srx1 nh_fill: x";
        let message = parse(input, &options());
        assert_eq!(message.format, Format::Rfc5424);
        assert_eq!(message.hostname.as_deref(), Some("srx1"));
        assert_eq!(message.app_name, None);
        assert_eq!(message.message, "srx1 nh_fill: x");
    }

    #[test]
    fn hostile_device_headers_terminate() {
        let patterns: [(&[u8], &[u8]); 9] = [
            (b"<13>", b"1: "),
            (b"<13>1: ", b"a:"),
            (b"<13>Jun 15 02:35:28 host1", b" :"),
            (b"<13>Jun 15 02:35:28 host1 ", b"info "),
            (b"<13>Jun 15 02:35:28 host1 %A-1-B", b"-1-B"),
            (b"<13>1: Jun 15 02:35:28.123", b" AEST:"),
            (b"<13>", b"2023:04:28-"),
            (b"<13>Jun 15 02:35:28 a ", b"b: "),
            (b"<13>Jun 15 02:35:28 host1 ", b"<13>"),
        ];
        for (start, repeated) in patterns {
            let mut input = start.to_vec();
            for _ in 0..20_000 {
                input.extend_from_slice(repeated);
            }
            let message = parse(&input, &options());
            assert_eq!(message.raw.len(), input.len());
        }
    }

    #[test]
    fn pathological_inputs_terminate() {
        for byte in [b'[', b'\\', b'<', b'"', b' ', b':', b'1'] {
            let mut input = b"<13>1 - - - - - ".to_vec();
            input.extend(core::iter::repeat_n(byte, 65536));
            let _ = parse(&input, &options());
            let _ = parse(&input[4..], &options());
            let _ = parse(&input[6..], &options());
        }
    }
}
