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
    let element = (sd_name(), vec(param, 0..4)).prop_map(|(id, params)| SdElementOwned {
        id: id.into(),
        params: params
            .into_iter()
            .map(|(name, value)| (name.into(), value.into()))
            .collect(),
    });
    vec(element, 0..3)
}

/// Timestamps with microsecond precision, the most RFC 5424 § 6.2.3
/// TIME-SECFRAC carries, so rendering loses nothing.
fn timestamp() -> impl Strategy<Value = Option<DateTime<FixedOffset>>> {
    let instant = (0i64..253_402_300_799, 0u32..1_000_000, -1439i32..=1439);
    proptest::option::of(instant.prop_map(|(seconds, micros, minutes)| {
        let offset = FixedOffset::east_opt(minutes * 60).unwrap();
        let utc = DateTime::<Utc>::from_timestamp(seconds, micros * 1000).unwrap();
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
            hostname: hostname.map(Into::into),
            app_name: app_name.map(Into::into),
            procid: procid.map(Into::into),
            msgid: msgid.map(Into::into),
            structured_data,
            message,
            bom,
            parse_error: None,
            transport_error: None,
            raw: Vec::new(),
        }
    }
}

proptest! {
    #[test]
    fn rfc5424_render_then_parse_round_trips(event in rfc5424_event()) {
        let mut wire = Vec::new();
        render_rfc5424(&event, &mut wire);
        let mut parsed = parse(&wire, &options()).to_event();
        prop_assert_eq!(&parsed.raw, &wire);
        parsed.raw = Vec::new();
        prop_assert_eq!(parsed, event);
    }
}

/// One header or content word of a generated RFC 3164 message, and
/// whether it is part of a timestamp (which the parser may consume).
type Token = (String, bool);

fn plain(words: &[&'static str]) -> BoxedStrategy<Vec<Token>> {
    let words: Vec<Token> = words.iter().map(|w| (w.to_string(), false)).collect();
    Just(words).boxed()
}

/// Timestamps in the styles senders use, as timestamp tokens.
fn bsd_stamp() -> impl Strategy<Value = Vec<Token>> {
    let styles = prop_oneof![
        Just("Jan  5 10:01:02"),
        Just("Jun 15 02:35:28.123"),
        Just("Jun 15 02:35:28.123 UTC:"),
        Just("*Mar  1 18:46:11.123 UTC:"),
        Just(".Jun 15 02:35:28.500 CET:"),
        Just("Aug 24 05:34:00 CST 1987"),
        Just("Jun 15 2024 02:35:28+08:00"),
        Just("2024-01-05T10:01:02Z"),
        Just("2019-12-02T16:49:23.5+02:00"),
        Just("05/21/2017:00:00:00 GMT"),
        Just("Jan  5 10:01:02 +0100"),
        Just("2023 Jun 15 02:35:28 UTC:"),
    ];
    styles.prop_map(|stamp| {
        stamp
            .split(' ')
            .filter(|part| !part.is_empty())
            .map(|part| (part.to_string(), true))
            .collect()
    })
}

/// Header and content words: hostnames, tags, Cisco sequence numbers,
/// words and numbers with colons.
fn rfc3164_word() -> impl Strategy<Value = Vec<Token>> {
    let single = prop_oneof![
        "[a-z][a-z0-9-]{2,10}",
        "[a-z]{3,8}\\.example\\.(net|org)",
        "10\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
        "[a-z][a-z0-9-]{2,8}:",
        "[a-z]{3,8}\\[[0-9]{1,5}\\]:?",
        // After the colon a letter comes first: digits glued to a following
        // stamp (`node:2024 Jun 15 …`) are its year.
        "[a-z]{3,8}:[a-z][a-z0-9]{2,7}",
        "[A-Z][a-z]{2,8}:",
        "%[A-Z]{3,6}-[0-7]-[A-Z_]{3,10}:",
        "[0-9]{1,10}:",
        // Four digits next to a stamp are its year, so they are left out.
        "[0-9]{1,3}|[0-9]{5,6}",
        "[0-9]{2}:[0-9]{2}:[0-9]{2}:?",
        "[A-Za-z]{3,10}",
        "http://[a-z]{3,8}\\.com/?:?",
        "(fe80|2001:db8)::[0-9a-f]{1,4}:?",
        "[a-z]{3,6},[0-9a-f]{12},v[0-9]\\.[0-9]\\.[0-9]{2}:?",
        "\\*[a-z]{3,8}Task[0-9]:",
        "[a-z]{3,6},(info|warning|error)",
        "[0-9]{1,2}d[0-9]{2}h:",
    ];
    single.prop_map(|word| vec![(word, false)])
}

/// RFC 3164-style messages: a PRI, then stamps, Cisco words, hostnames,
/// tags and content words in arbitrary order.
fn rfc3164_tokens() -> impl Strategy<Value = (u8, Vec<Token>)> {
    let part = prop_oneof![
        2 => bsd_stamp().boxed(),
        8 => rfc3164_word().boxed(),
        1 => plain(&[":"]),
        // Dates that do not exist: the message is unparsed when one is the
        // header's stamp, and the words stay in `message` otherwise.
        1 => plain(&["Feb", "30", "10:00:00"]),
        1 => plain(&["Jan", "5", "25:00:00:"]),
    ];
    (0u8..=191, vec(part, 0..10)).prop_map(|(pri, parts)| (pri, parts.concat()))
}

/// Splits `token` into its runs of ASCII letters and digits.
fn alphanumeric_runs(token: &str) -> impl Iterator<Item = &str> {
    token
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|run| !run.is_empty())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// Every word after the PRI lands in a field or is part of the
    /// recognised timestamp: the header parser drops no text.
    #[test]
    fn rfc3164_header_words_are_kept((pri, tokens) in rfc3164_tokens()) {
        let body: Vec<&str> = tokens.iter().map(|(word, _)| word.as_str()).collect();
        let input = format!("<{pri}>{}", body.join(" "));
        let message = parse(input.as_bytes(), &options());
        // `<PRI>1 ` and an RFC 3339 stamp start RFC 5424, whose VERSION and
        // NILVALUEs are syntax, not text.
        prop_assume!(message.format != Format::Rfc5424);
        let fields = [
            message.hostname.as_deref(),
            message.app_name.as_deref(),
            message.procid.as_deref(),
            message.msgid.as_deref(),
            Some(&*message.message),
        ];
        for (token, is_stamp) in &tokens {
            if *is_stamp && message.timestamp.is_some() {
                continue;
            }
            for run in alphanumeric_runs(token) {
                let found = fields.iter().flatten().any(|field| field.contains(run));
                prop_assert!(
                    found,
                    "{:?} of {:?} is in no field of {:?}: {:?}",
                    run,
                    token,
                    input,
                    fields
                );
            }
        }
    }
}
