//! The RFC 5424 grammar, [§ 6](https://www.rfc-editor.org/rfc/rfc5424#section-6).
//!
//! ```text
//! SYSLOG-MSG = HEADER SP STRUCTURED-DATA [SP MSG]
//! HEADER     = PRI VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID
//! VERSION    = NONZERO-DIGIT 0*2DIGIT
//! HOSTNAME   = NILVALUE / 1*255PRINTUSASCII
//! APP-NAME   = NILVALUE / 1*48PRINTUSASCII
//! PROCID     = NILVALUE / 1*128PRINTUSASCII
//! MSGID      = NILVALUE / 1*32PRINTUSASCII
//! MSG        = MSG-ANY / MSG-UTF8 ; MSG-UTF8 = BOM UTF-8-STRING
//! ```
//!
//! The caller has already parsed PRI. Once `VERSION SP` matched, the input
//! is committed to this grammar (`cut`): a later fault is reported for the
//! field that failed instead of trying RFC 3164.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use chrono::{DateTime, FixedOffset};
use nom::bytes::complete::take_while_m_n;
use nom::character::complete::char;
use nom::combinator::cut;
use nom::{IResult, Parser};

use super::error::{FieldFault, ParseError};
use super::structured_data::structured_data;
use super::text;
use super::timestamp::rfc5424_timestamp;
use crate::event::SdElement;

type Res<'a, T> = IResult<&'a [u8], T, ParseError>;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The header fields of an RFC 5424 message; `None` is the NILVALUE.
#[derive(Debug)]
pub struct Header<'a> {
    pub timestamp: Option<DateTime<FixedOffset>>,
    pub hostname: Option<Cow<'a, str>>,
    pub app_name: Option<Cow<'a, str>>,
    pub procid: Option<Cow<'a, str>>,
    pub msgid: Option<Cow<'a, str>>,
}

/// Everything after PRI of a message that matched the grammar.
#[derive(Debug)]
pub struct Parsed<'a> {
    pub header: Header<'a>,
    pub structured_data: Vec<SdElement<'a>>,
    pub message: Cow<'a, str>,
    pub bom: bool,
    /// Fault of a message that still keeps its header: malformed
    /// STRUCTURED-DATA (the message contains everything from that field
    /// on), or a header that ends early (the missing fields are NILVALUE
    /// and the message is empty).
    pub kept_error: Option<ParseError>,
}

/// Parses `VERSION SP`, the point where the input commits to RFC 5424.
fn version(input: &[u8]) -> Res<'_, &[u8]> {
    let (rest, digits) = take_while_m_n(1, 3, |byte: u8| byte.is_ascii_digit()).parse(input)?;
    if digits[0] == b'0' {
        return Err(nom::Err::Error(ParseError::Version));
    }
    let (rest, _) = char(' ').parse(rest)?;
    Ok((rest, digits))
}

/// Parses a header field up to the next SP or the end of the input; `-`
/// alone is the NILVALUE.
fn field(
    max: usize,
    error: fn(FieldFault) -> ParseError,
) -> impl FnMut(&[u8]) -> Res<'_, Option<Cow<'_, str>>> {
    move |input| {
        let fail = |fault| Err(nom::Err::Error(error(fault)));
        let len = input.iter().take_while(|byte| **byte != b' ').count();
        let value = &input[..len];
        if len == 0 {
            return fail(FieldFault::Missing);
        }
        if let Some(byte) = value.iter().find(|byte| !(33..=126).contains(*byte)) {
            return fail(FieldFault::Byte(*byte));
        }
        if len > max {
            return fail(FieldFault::TooLong { len, max });
        }
        let value = (value != b"-").then(|| text(value));
        Ok((input.get(len + 1..).unwrap_or_default(), value))
    }
}

/// A header and, when the input ended before MSGID, the name of the last
/// field present.
type HeaderEnd<'a> = (Header<'a>, Option<&'static str>);

/// Parses the header after `VERSION SP`; `missing_offset` applies to a
/// TIMESTAMP without an offset.
///
/// A header that ends after a complete field (`1 - host app`) keeps the
/// fields it has and gets the NILVALUE for the others, because the sender
/// evidently wrote RFC 5424 and its fields are worth keeping for search.
/// A field cut inside its value looks like a whole one and is kept as sent.
fn header(input: &[u8], missing_offset: FixedOffset) -> Res<'_, HeaderEnd<'_>> {
    let mut header = Header {
        timestamp: None,
        hostname: None,
        app_name: None,
        procid: None,
        msgid: None,
    };

    let rest = if input == b"-" {
        b""
    } else if let Some(rest) = input.strip_prefix(b"- ") {
        rest
    } else {
        let (rest, timestamp) = rfc5424_timestamp(input, Some(missing_offset))?;
        header.timestamp = Some(timestamp);
        match rest {
            [] => rest,
            [b' ', rest @ ..] => rest,
            _ => return Err(timestamp_error("expected ' ' after the timestamp")),
        }
    };
    if rest.is_empty() {
        return Ok((rest, (header, Some("TIMESTAMP"))));
    }

    let (rest, hostname) = field(255, ParseError::Hostname).parse(rest)?;
    header.hostname = hostname;
    if rest.is_empty() {
        return Ok((rest, (header, Some("HOSTNAME"))));
    }

    let (rest, app_name) = field(48, ParseError::AppName).parse(rest)?;
    header.app_name = app_name;
    if rest.is_empty() {
        return Ok((rest, (header, Some("APP-NAME"))));
    }

    let (rest, procid) = field(128, ParseError::ProcId).parse(rest)?;
    header.procid = procid;
    if rest.is_empty() {
        return Ok((rest, (header, Some("PROCID"))));
    }

    let (rest, msgid) = field(32, ParseError::MsgId).parse(rest)?;
    header.msgid = msgid;
    Ok((rest, (header, None)))
}

fn timestamp_error(reason: &'static str) -> nom::Err<ParseError> {
    nom::Err::Error(ParseError::Timestamp(reason))
}

/// Splits STRUCTURED-DATA and MSG.
fn body(input: &[u8]) -> Result<(Vec<SdElement<'_>>, &[u8]), ParseError> {
    let (elements, rest) = match input {
        [b'-', rest @ ..] => (Vec::new(), rest),
        [b'[', ..] => structured_data(input)?,
        _ => {
            return Err(ParseError::StructuredData {
                at: 0,
                reason: "expected '-' or '['",
            });
        }
    };
    match rest {
        [] => Ok((elements, rest)),
        [b' ', message @ ..] => Ok((elements, message)),
        _ => Err(ParseError::StructuredData {
            at: input.len() - rest.len(),
            reason: "expected ' ' before the message",
        }),
    }
}

fn message(input: &[u8]) -> (Cow<'_, str>, bool) {
    match input.strip_prefix(BOM) {
        Some(rest) => (text(rest), true),
        None => (text(input), false),
    }
}

fn finish<'a>((header, ended_after): HeaderEnd<'a>, rest: &'a [u8]) -> Parsed<'a> {
    if let Some(field) = ended_after {
        return Parsed {
            header,
            structured_data: Vec::new(),
            message: Cow::Borrowed(""),
            bom: false,
            kept_error: Some(ParseError::IncompleteHeader(field)),
        };
    }
    match body(rest) {
        Ok((structured_data, msg)) => {
            let (message, bom) = message(msg);
            Parsed {
                header,
                structured_data,
                message,
                bom,
                kept_error: None,
            }
        }
        Err(error) => Parsed {
            header,
            structured_data: Vec::new(),
            message: text(rest),
            bom: false,
            kept_error: Some(error),
        },
    }
}

/// Parses an RFC 5424 message after its PRI.
///
/// Returns `None` when the input does not start with `VERSION SP`, so the
/// caller can try other grammars, and `Some(Err)` for a committed message
/// with a malformed header.
pub fn parse(input: &[u8], missing_offset: FixedOffset) -> Option<Result<Parsed<'_>, ParseError>> {
    let (rest, _) = version(input).ok()?;
    let result = match cut(|rest| header(rest, missing_offset)).parse(rest) {
        Ok((rest, header)) => Ok(finish(header, rest)),
        Err(nom::Err::Error(error) | nom::Err::Failure(error)) => Err(error),
        Err(nom::Err::Incomplete(_)) => Err(ParseError::Header),
    };
    Some(result)
}

/// Parses `TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD`
/// without PRI's VERSION, as VMware NSX and some ESXi builds send it.
///
/// Nothing is committed here: any fault returns `None` and the caller
/// tries RFC 3164, which also accepts an RFC 3339 timestamp.
pub fn parse_without_version(input: &[u8], missing_offset: FixedOffset) -> Option<Parsed<'_>> {
    if !input.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let (rest, header) = header(input, missing_offset).ok()?;
    let parsed = finish(header, rest);
    parsed.kept_error.is_none().then_some(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::timestamp::utc;
    use alloc::string::String;

    fn ok(input: &[u8]) -> Parsed<'_> {
        parse(input, utc())
            .expect("version matched")
            .expect("valid message")
    }

    fn err(input: &[u8]) -> ParseError {
        parse(input, utc()).expect("version matched").unwrap_err()
    }

    #[test]
    fn rfc5424_example_1_with_bom() {
        let input = b"1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \xEF\xBB\xBF'su root' failed";
        let parsed = ok(input);
        assert_eq!(
            parsed.header.hostname.as_deref(),
            Some("mymachine.example.com")
        );
        assert_eq!(parsed.header.app_name.as_deref(), Some("su"));
        assert_eq!(parsed.header.procid, None);
        assert_eq!(parsed.header.msgid.as_deref(), Some("ID47"));
        assert!(parsed.bom);
        assert_eq!(parsed.message, "'su root' failed");
    }

    #[test]
    fn all_nilvalues_without_msg() {
        let parsed = ok(b"1 - - - - - -");
        assert_eq!(parsed.header.timestamp, None);
        assert_eq!(parsed.header.hostname, None);
        assert!(parsed.structured_data.is_empty());
        assert_eq!(parsed.message, "");
    }

    #[test]
    fn extra_spaces_belong_to_msg() {
        let parsed = ok(b"1 - host app - - -  two spaces");
        assert_eq!(parsed.message, " two spaces");
    }

    #[test]
    fn dash_prefixed_fields_are_not_nil() {
        let parsed = ok(b"1 - -web1west -201805020050 - - - x");
        assert_eq!(parsed.header.hostname.as_deref(), Some("-web1west"));
        assert_eq!(parsed.header.app_name.as_deref(), Some("-201805020050"));
    }

    #[test]
    fn rejects_msgid_longer_than_32() {
        let error = err(b"1 - - - - abcdefghilmnopqrstuvzabcdefghilmX -");
        let fault = FieldFault::TooLong { len: 33, max: 32 };
        assert_eq!(error, ParseError::MsgId(fault));
    }

    #[test]
    fn rejects_app_name_longer_than_48() {
        let mut input = b"1 - host ".to_vec();
        input.extend([b'a'; 49]);
        input.extend(b" - - -");
        assert!(matches!(
            err(&input),
            ParseError::AppName(FieldFault::TooLong { .. })
        ));
    }

    #[test]
    fn rejects_non_ascii_hostname() {
        let error = err("1 - Übergröße app - - -".as_bytes());
        assert!(matches!(
            error,
            ParseError::Hostname(FieldFault::Byte(0xC3))
        ));
    }

    #[test]
    fn rejects_september_31_before_end() {
        assert!(matches!(
            err(b"11 2003-09-31T22:14:15.003Z"),
            ParseError::Timestamp(_)
        ));
    }

    #[test]
    fn header_ending_early_keeps_fields() {
        let cases: [(&[u8], &str); 5] = [
            (b"1 -", "TIMESTAMP"),
            (b"1 2003-10-11T22:14:15Z", "TIMESTAMP"),
            (b"1 - host", "HOSTNAME"),
            (b"1 - host app", "APP-NAME"),
            (b"1 - host app 42", "PROCID"),
        ];
        for (input, field) in cases {
            let parsed = ok(input);
            let label = String::from_utf8_lossy(input);
            let expected = ParseError::IncompleteHeader(field);
            assert_eq!(parsed.kept_error, Some(expected), "{label}");
            assert_eq!(parsed.message, "", "{label}");
            assert_eq!(parsed.header.msgid, None, "{label}");
        }
        let parsed = ok(b"1 2003-10-11T22:14:15Z host app 42");
        assert_eq!(parsed.header.hostname.as_deref(), Some("host"));
        assert_eq!(parsed.header.app_name.as_deref(), Some("app"));
        assert_eq!(parsed.header.procid.as_deref(), Some("42"));
    }

    #[test]
    fn header_ending_after_msgid_lacks_structured_data() {
        let parsed = ok(b"1 - host app 42 ID7");
        assert_eq!(parsed.header.msgid.as_deref(), Some("ID7"));
        let error = parsed.kept_error.unwrap();
        assert!(
            matches!(error, ParseError::StructuredData { .. }),
            "{error}"
        );
    }

    #[test]
    fn double_space_in_header_is_missing_field() {
        assert_eq!(
            err(b"1 - host  app - - -"),
            ParseError::AppName(FieldFault::Missing)
        );
    }

    #[test]
    fn timestamp_without_offset_takes_default() {
        let parsed = ok(b"1 2021-06-15T02:35:28.123 host app - - - x");
        let stamp = parsed.header.timestamp.unwrap().to_rfc3339();
        assert_eq!(stamp, "2021-06-15T02:35:28.123+00:00");
    }

    #[test]
    fn rejects_text_glued_to_timestamp() {
        let error = err(b"1 2006-01-02T15:04:05Z+07:00 - - - - -");
        assert!(matches!(error, ParseError::Timestamp(_)));
    }

    #[test]
    fn malformed_sd_keeps_header_and_text() {
        let parsed = ok(b"1 - rufus - - - [meta sequenceId=10] text");
        assert_eq!(parsed.header.hostname.as_deref(), Some("rufus"));
        assert!(parsed.kept_error.is_some());
        assert_eq!(parsed.message, "[meta sequenceId=10] text");
    }

    #[test]
    fn sd_glued_to_msg_is_malformed() {
        let parsed = ok(br#"1 - - - - - [a b="c"]msg"#);
        assert!(parsed.kept_error.is_some());
    }

    #[test]
    fn not_rfc5424_without_version() {
        assert!(parse(b"Oct 11 22:14:15 host", utc()).is_none());
        assert!(parse(b"2021-06-15T02:35:28Z host", utc()).is_none());
        assert!(parse(b"000123: host", utc()).is_none());
    }

    #[test]
    fn nsx_without_version() {
        let input = b"2021-06-15T02:35:28.123Z host-example-1 FIREWALL-PKTLOG - - - INET TERM";
        let parsed = parse_without_version(input, utc()).unwrap();
        assert_eq!(parsed.header.app_name.as_deref(), Some("FIREWALL-PKTLOG"));
        assert_eq!(parsed.message, "INET TERM");
    }

    #[test]
    fn esxi_without_version_and_invalid_sd_is_not_rfc5424() {
        let input =
            b"2021-06-15T02:35:28.123Z host Vpxa: verbose vpxa[1] [Originator@6876 sub=V] x";
        assert!(parse_without_version(input, utc()).is_none());
    }
}
