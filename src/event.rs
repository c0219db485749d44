//! The message model: what a parsed syslog message contains.
//!
//! [`Message`] borrows the received bytes and is what the parsers return;
//! [`Event`] owns its fields and is what the store keeps. Untrusted input
//! always goes through [`crate::parse::parse`] first, which produces a
//! `Message` for every input, valid or not.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use chrono::{DateTime, FixedOffset, Utc};
pub use compact_str::CompactString;

/// Facility codes of [RFC 5424 § 6.2.1, table 1](https://www.rfc-editor.org/rfc/rfc5424#section-6.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Facility {
    Kern = 0,
    User = 1,
    Mail = 2,
    Daemon = 3,
    Auth = 4,
    Syslog = 5,
    Lpr = 6,
    News = 7,
    Uucp = 8,
    Cron = 9,
    Authpriv = 10,
    Ftp = 11,
    Ntp = 12,
    Security = 13,
    Console = 14,
    SolarisCron = 15,
    Local0 = 16,
    Local1 = 17,
    Local2 = 18,
    Local3 = 19,
    Local4 = 20,
    Local5 = 21,
    Local6 = 22,
    Local7 = 23,
}

/// Names in code order, as rsyslog and syslog-ng spell them (`authpriv`,
/// `local0`); code 13 is "log audit" and 14 "log alert" in the RFC table.
const FACILITY_NAMES: [&str; 24] = [
    "kern",
    "user",
    "mail",
    "daemon",
    "auth",
    "syslog",
    "lpr",
    "news",
    "uucp",
    "cron",
    "authpriv",
    "ftp",
    "ntp",
    "security",
    "console",
    "solaris-cron",
    "local0",
    "local1",
    "local2",
    "local3",
    "local4",
    "local5",
    "local6",
    "local7",
];

const FACILITIES: [Facility; 24] = [
    Facility::Kern,
    Facility::User,
    Facility::Mail,
    Facility::Daemon,
    Facility::Auth,
    Facility::Syslog,
    Facility::Lpr,
    Facility::News,
    Facility::Uucp,
    Facility::Cron,
    Facility::Authpriv,
    Facility::Ftp,
    Facility::Ntp,
    Facility::Security,
    Facility::Console,
    Facility::SolarisCron,
    Facility::Local0,
    Facility::Local1,
    Facility::Local2,
    Facility::Local3,
    Facility::Local4,
    Facility::Local5,
    Facility::Local6,
    Facility::Local7,
];

impl Facility {
    /// Returns the facility with numeric code `code`, or `None` above 23.
    pub fn from_code(code: u8) -> Option<Facility> {
        FACILITIES.get(usize::from(code)).copied()
    }

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn name(self) -> &'static str {
        FACILITY_NAMES[usize::from(self.code())]
    }

    /// Looks a facility up by name (case-insensitive) or by decimal code.
    pub fn from_name(name: &str) -> Option<Facility> {
        if let Some(code) = parse_code(name) {
            return Facility::from_code(code);
        }
        FACILITY_NAMES
            .iter()
            .position(|known| known.eq_ignore_ascii_case(name))
            .and_then(|index| FACILITIES.get(index).copied())
    }
}

impl fmt::Display for Facility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses a facility or severity code written as plain decimal digits.
/// Unlike `str::parse`, it rejects a sign (`+3`) and leading zeros (`03`).
fn parse_code(text: &str) -> Option<u8> {
    let canonical = text == "0"
        || text
            .bytes()
            .next()
            .is_some_and(|b| (b'1'..=b'9').contains(&b));
    if !canonical || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Severity levels of [RFC 5424 § 6.2.1, table 2](https://www.rfc-editor.org/rfc/rfc5424#section-6.2.1).
///
/// A lower code is more severe, so `Emerg < Debug` in the derived order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum Severity {
    Emerg = 0,
    Alert = 1,
    Crit = 2,
    Err = 3,
    Warning = 4,
    Notice = 5,
    Info = 6,
    Debug = 7,
}

const SEVERITY_NAMES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

const SEVERITIES: [Severity; 8] = [
    Severity::Emerg,
    Severity::Alert,
    Severity::Crit,
    Severity::Err,
    Severity::Warning,
    Severity::Notice,
    Severity::Info,
    Severity::Debug,
];

impl Severity {
    /// Returns the severity with numeric code `code`, or `None` above 7.
    pub fn from_code(code: u8) -> Option<Severity> {
        SEVERITIES.get(usize::from(code)).copied()
    }

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn name(self) -> &'static str {
        SEVERITY_NAMES[usize::from(self.code())]
    }

    /// Looks a severity up by name (case-insensitive; `error`, `warn`,
    /// `panic` and `emergency` as syslog.conf also accepts them) or by
    /// decimal code.
    pub fn from_name(name: &str) -> Option<Severity> {
        if let Some(code) = parse_code(name) {
            return Severity::from_code(code);
        }
        let aliases = [
            ("error", Severity::Err),
            ("warn", Severity::Warning),
            ("panic", Severity::Emerg),
            ("emergency", Severity::Emerg),
            ("critical", Severity::Crit),
        ];
        if let Some((_, severity)) = aliases
            .iter()
            .find(|(alias, _)| alias.eq_ignore_ascii_case(name))
        {
            return Some(*severity);
        }
        SEVERITY_NAMES
            .iter()
            .position(|known| known.eq_ignore_ascii_case(name))
            .and_then(|index| SEVERITIES.get(index).copied())
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The grammar that matched a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Rfc5424,
    Rfc3164,
    /// No grammar matched: the message text is the raw input.
    Unparsed,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Rfc5424 => "rfc5424",
            Format::Rfc3164 => "rfc3164",
            Format::Unparsed => "unparsed",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One SD-ELEMENT of RFC 5424 § 6.3: an SD-ID and its parameters in wire
/// order, duplicates kept, with the `\"`, `\\` and `\]` escapes decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SdElement<'a> {
    pub id: Cow<'a, str>,
    pub params: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

/// A parsed message that borrows the received bytes.
///
/// Text fields are `Cow` because most input is valid UTF-8 and needs no
/// copy, while escapes and invalid bytes (replaced by U+FFFD, the raw bytes
/// stay in `raw`) need one.
#[derive(Clone, Debug, PartialEq)]
pub struct Message<'a> {
    pub format: Format,
    pub facility: Option<Facility>,
    pub severity: Option<Severity>,
    pub timestamp: Option<DateTime<FixedOffset>>,
    pub hostname: Option<Cow<'a, str>>,
    pub app_name: Option<Cow<'a, str>>,
    pub procid: Option<Cow<'a, str>>,
    pub msgid: Option<Cow<'a, str>>,
    pub structured_data: Vec<SdElement<'a>>,
    pub message: Cow<'a, str>,
    /// Whether RFC 5424 MSG started with a UTF-8 byte-order mark, which is
    /// stripped from `message`.
    pub bom: bool,
    /// Reason no grammar matched, for `unparsed` messages. RFC 5424 messages
    /// with malformed STRUCTURED-DATA keep their header and also set it.
    pub parse_error: Option<String>,
    /// The bytes as received, for forwarding unchanged and for audit.
    pub raw: &'a [u8],
}

/// A defect of the transport frame an event arrived in (RFC 6587 framing
/// over TCP, or octet-counted input to `logkeep parse`). The message was
/// still parsed and stored, but its bytes may differ from what the
/// sender sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransportError {
    /// The frame was longer than the maximum frame size, so the message
    /// holds only its first maximum-frame-size bytes.
    Oversize,
    /// The connection or input ended inside the frame, so the message is
    /// what arrived. A last LF-framed line without its LF counts too.
    Truncated,
    /// The frame started with digits that are no valid MSG-LEN (or, with
    /// `logkeep parse --framing octet-counting`, with no MSG-LEN at all),
    /// so it was read up to the next LF, prefix included.
    InvalidLength,
}

impl TransportError {
    /// Returns the name used in JSON: `oversize`, `truncated` or
    /// `invalid_length`.
    pub fn name(self) -> &'static str {
        match self {
            TransportError::Oversize => "oversize",
            TransportError::Truncated => "truncated",
            TransportError::InvalidLength => "invalid_length",
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Owned copy of a [`SdElement`]. SD-IDs and PARAM-NAMEs are short (at
/// most 32 characters in RFC 5424 § 6), so most of them, and most values,
/// fit in the 24 inline bytes of a [`CompactString`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SdElementOwned {
    pub id: CompactString,
    pub params: Vec<(CompactString, CompactString)>,
}

/// A stored event: a [`Message`] with owned fields plus what the collector
/// records on receipt.
///
/// The short header fields are [`CompactString`]s, which keep up to 24
/// bytes inside the struct, so host names, app names, process ids,
/// message ids and IPv4 sender addresses usually cost no allocation of
/// their own. With the structured data, this halved the allocations per
/// stored corpus message in a callgrind profile (9.1 to 4.8).
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Monotonic, assigned by the store; 0 before insertion.
    pub id: u64,
    pub received_at: Option<DateTime<Utc>>,
    /// Sender address and port, such as `192.0.2.1:514` or `[2001:db8::1]:514`.
    pub source: Option<CompactString>,
    pub format: Format,
    pub facility: Option<Facility>,
    pub severity: Option<Severity>,
    pub timestamp: Option<DateTime<FixedOffset>>,
    pub hostname: Option<CompactString>,
    pub app_name: Option<CompactString>,
    pub procid: Option<CompactString>,
    pub msgid: Option<CompactString>,
    pub structured_data: Vec<SdElementOwned>,
    pub message: String,
    pub bom: bool,
    pub parse_error: Option<String>,
    /// Set by the receiver when the frame the event arrived in was
    /// defective; `None` for UDP and for clean frames.
    pub transport_error: Option<TransportError>,
    pub raw: Vec<u8>,
}

fn owned(text: &Option<Cow<'_, str>>) -> Option<CompactString> {
    text.as_ref().map(|text| CompactString::new(text))
}

impl Message<'_> {
    /// Copies the message into an owned event with no receipt data yet.
    pub fn to_event(&self) -> Event {
        let structured_data = self
            .structured_data
            .iter()
            .map(|element| SdElementOwned {
                id: CompactString::new(&element.id),
                params: element
                    .params
                    .iter()
                    .map(|(name, value)| (CompactString::new(name), CompactString::new(value)))
                    .collect(),
            })
            .collect();
        Event {
            id: 0,
            received_at: None,
            source: None,
            format: self.format,
            facility: self.facility,
            severity: self.severity,
            timestamp: self.timestamp,
            hostname: owned(&self.hostname),
            app_name: owned(&self.app_name),
            procid: owned(&self.procid),
            msgid: owned(&self.msgid),
            structured_data,
            message: String::from(self.message.as_ref()),
            bom: self.bom,
            parse_error: self.parse_error.clone(),
            transport_error: None,
            raw: self.raw.to_vec(),
        }
    }
}

impl Event {
    /// Returns the bytes this event occupies in memory: the struct itself
    /// plus every heap allocation it owns (by capacity, not length).
    ///
    /// The store sums this to enforce its byte capacity, so it must not
    /// undercount. Allocator overhead per allocation is not included.
    /// `transport_error` allocates nothing, so `size_of` covers it.
    pub fn memory_size(&self) -> usize {
        fn text(value: &Option<String>) -> usize {
            value.as_ref().map_or(0, String::capacity)
        }

        let mut size = core::mem::size_of::<Event>();
        size += short_text_heap(&self.source);
        size += short_text_heap(&self.hostname) + short_text_heap(&self.app_name);
        size += short_text_heap(&self.procid) + short_text_heap(&self.msgid);
        size += text(&self.parse_error);
        size += self.message.capacity() + self.raw.capacity();
        size += self.structured_data.capacity() * core::mem::size_of::<SdElementOwned>();
        for element in &self.structured_data {
            size += heap_size(&element.id);
            size +=
                element.params.capacity() * core::mem::size_of::<(CompactString, CompactString)>();
            for (name, value) in &element.params {
                size += heap_size(name) + heap_size(value);
            }
        }
        size
    }
}

/// Returns the heap bytes behind an optional short field (see
/// [`heap_size`]).
pub fn short_text_heap(value: &Option<CompactString>) -> usize {
    value.as_ref().map_or(0, heap_size)
}

/// Returns the heap bytes behind `text`: its capacity when it outgrew the
/// inline 24 bytes, else nothing beyond the struct holding it.
pub fn heap_size(text: &CompactString) -> usize {
    if text.is_heap_allocated() {
        text.capacity()
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facility_names_round_trip() {
        for code in 0..24 {
            let facility = Facility::from_code(code).unwrap();
            assert_eq!(facility.code(), code);
            assert_eq!(Facility::from_name(facility.name()), Some(facility));
        }
        assert_eq!(Facility::from_code(24), None);
        assert_eq!(Facility::from_name("LOCAL7"), Some(Facility::Local7));
    }

    #[test]
    fn severity_names_and_aliases() {
        for code in 0..8 {
            let severity = Severity::from_code(code).unwrap();
            assert_eq!(Severity::from_name(severity.name()), Some(severity));
        }
        assert_eq!(Severity::from_name("error"), Some(Severity::Err));
        assert_eq!(Severity::from_name("warn"), Some(Severity::Warning));
        assert_eq!(Severity::from_name("8"), None);
        assert!(Severity::Emerg < Severity::Debug);
    }

    #[test]
    fn memory_size_counts_short_fields_on_the_heap() {
        use crate::parse::{ParseOptions, parse};

        let options = ParseOptions::new(DateTime::from_timestamp(0, 0).unwrap());
        let short = parse(b"<13>1 - host app - - - x", &options).to_event();
        let long_host = "h".repeat(40);
        let wire = alloc::format!("<13>1 - {long_host} app - - - x");
        let long = parse(wire.as_bytes(), &options).to_event();
        assert!(!short.hostname.as_ref().unwrap().is_heap_allocated());
        assert!(long.hostname.as_ref().unwrap().is_heap_allocated());
        // 36 more bytes of `raw` and at least 40 of the host name.
        assert!(long.memory_size() >= short.memory_size() + 36 + 40);
    }
}
