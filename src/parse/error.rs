//! Errors that stop a message from matching a grammar.

use core::fmt;

/// Fault found in one header field (HOSTNAME, APP-NAME, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldFault {
    /// The field is longer than its RFC 5424 § 6 limit.
    TooLong { len: usize, max: usize },
    /// A byte outside PRINTUSASCII (33-126).
    Byte(u8),
    /// The field is empty or the separating SP is missing.
    Missing,
}

impl fmt::Display for FieldFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldFault::TooLong { len, max } => write!(f, "{len} bytes long, max {max}"),
            FieldFault::Byte(byte) => write!(f, "byte 0x{byte:02x} is not printable US-ASCII"),
            FieldFault::Missing => f.write_str("missing"),
        }
    }
}

/// The first fault a parser found, named after the field that failed.
///
/// The messages are short and lowercase because they end up in the
/// `parse_error` field of an event next to the raw text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("empty message")]
    Empty,
    /// Neither a PRI nor a timestamp starts the input.
    #[error("no syslog header: expected <PRI> or a timestamp")]
    Header,
    #[error("invalid pri: expected <0-191> without leading zeros")]
    PriSyntax,
    #[error("invalid pri <{0}>: must be 0-191")]
    PriValue(u32),
    #[error("invalid version: expected 1-3 digits without a leading zero")]
    Version,
    #[error("invalid timestamp: {0}")]
    Timestamp(&'static str),
    #[error("invalid hostname: {0}")]
    Hostname(FieldFault),
    #[error("invalid app-name: {0}")]
    AppName(FieldFault),
    #[error("invalid procid: {0}")]
    ProcId(FieldFault),
    #[error("invalid msgid: {0}")]
    MsgId(FieldFault),
    /// `at` counts bytes from the first `[` of the STRUCTURED-DATA field.
    #[error("invalid structured data at byte {at}: {reason}")]
    StructuredData { at: usize, reason: &'static str },
}

/// Lets nom combinators produce a [`ParseError`] directly, so `cut` turns a
/// field's own error into a failure without a conversion step.
impl<I> nom::error::ParseError<I> for ParseError {
    fn from_error_kind(_input: I, _kind: nom::error::ErrorKind) -> Self {
        ParseError::Header
    }

    fn append(_input: I, _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}
