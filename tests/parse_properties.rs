//! Properties of the parser: it never panics, and what the RFC 5424
//! renderer writes parses back to the same event.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use logkeep::event::{Event, Facility, Format, SdElementOwned, Severity};
use logkeep::parse::{ParseOptions, parse, render_rfc5424};
use proptest::collection::vec;
use proptest::prelude::*;

fn options() -> ParseOptions {
    ParseOptions::new(Utc.with_ymd_and_hms(2024, 6, 20, 12, 0, 0).unwrap())
}

/// Inputs that reach deep into the grammars, not only random bytes.
fn syslog_like() -> impl Strategy<Value = Vec<u8>> {
    let prefixes = prop_oneof![
        Just(&b""[..]),
        Just(&b"<13>"[..]),
        Just(&b"<13>1 "[..]),
        Just(&b"<13>1 - - - - - "[..]),
        Just(&b"<13>1 2024-01-01T00:00:00Z host app 1 id "[..]),
        Just(&b"<13>Jan  5 10:00:00 "[..]),
        Just(&b"<166>000123: host: 1: *"[..]),
        Just(&b"<111>date=2021-06-15 "[..]),
    ];
    let alphabet = prop_oneof![
        Just(b'['),
        Just(b']'),
        Just(b'"'),
        Just(b'\\'),
        Just(b' '),
        Just(b'='),
        Just(b':'),
        Just(b'-'),
        Just(b'<'),
        Just(b'>'),
        b'0'..=b'9',
        b'a'..=b'z',
        any::<u8>(),
    ];
    (prefixes, vec(alphabet, 0..300)).prop_map(|(prefix, body)| {
        let mut input = prefix.to_vec();
        input.extend(body);
        input
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..600)) {
        let message = parse(&bytes, &options());
        prop_assert_eq!(message.raw, &bytes[..]);
        if message.format == Format::Unparsed {
            prop_assert!(message.parse_error.is_some());
        }
    }

    #[test]
    fn syslog_like_bytes_never_panic(bytes in syslog_like()) {
        let message = parse(&bytes, &options());
        let event = message.to_event();
        let _ = logkeep::json::event_to_string(&event);
    }
}

fn header_field(max: usize) -> impl Strategy<Value = Option<String>> {
    let pattern = proptest::string::string_regex(&format!("[!-~]{{1,{max}}}")).unwrap();
    proptest::option::of(pattern.prop_filter("`-` alone is the NILVALUE", |text| text != "-"))
}

fn sd_name() -> impl Strategy<Value = String> {
    "[!#-<>-\\\\^-~]{1,32}"
}

fn structured_data() -> impl Strategy<Value = Vec<SdElementOwned>> {
    let param = (sd_name(), "\\PC{0,20}");
    let element =
        (sd_name(), vec(param, 0..4)).prop_map(|(id, params)| SdElementOwned { id, params });
    vec(element, 0..3)
}

fn timestamp() -> impl Strategy<Value = Option<DateTime<FixedOffset>>> {
    let instant = (0i64..253_402_300_799, 0u32..1_000_000_000, -1439i32..=1439);
    proptest::option::of(instant.prop_map(|(seconds, nanos, minutes)| {
        let offset = FixedOffset::east_opt(minutes * 60).unwrap();
        let utc = DateTime::<Utc>::from_timestamp(seconds, nanos).unwrap();
        utc.with_timezone(&offset)
    }))
}

/// MSG text; trailing ASCII whitespace is removed because the parser
/// strips it from the input.
fn message_text() -> impl Strategy<Value = String> {
    "\\PC{0,60}".prop_map(|text| {
        text.trim_end_matches(|c: char| c.is_ascii_whitespace())
            .to_string()
    })
}

prop_compose! {
    fn rfc5424_event()(
        facility in 0u8..24,
        severity in 0u8..8,
        timestamp in timestamp(),
        hostname in header_field(255),
        app_name in header_field(48),
        procid in header_field(128),
        msgid in header_field(32),
        structured_data in structured_data(),
        message in message_text(),
        bom in any::<bool>(),
    ) -> Event {
        Event {
            id: 0,
            received_at: None,
            source: None,
            format: Format::Rfc5424,
            facility: Facility::from_code(facility),
            severity: Severity::from_code(severity),
            timestamp,
            hostname,
            app_name,
            procid,
            msgid,
            structured_data,
            message,
            bom,
            parse_error: None,
            raw: Vec::new(),
        }
    }
}

proptest! {
    #[test]
    fn rfc5424_render_then_parse_round_trips(event in rfc5424_event()) {
        let wire = render_rfc5424(&event);
        let mut parsed = parse(&wire, &options()).to_event();
        prop_assert_eq!(&parsed.raw, &wire);
        parsed.raw = Vec::new();
        prop_assert_eq!(parsed, event);
    }
}
