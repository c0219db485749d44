//! Syslog parsers: RFC 5424, RFC 3164 and the variants devices send.

use alloc::string::String;
use alloc::vec::Vec;

use chrono::{DateTime, FixedOffset, Utc};

use crate::event::{Format, Message};

/// Settings that the wire format leaves to the receiver.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// When the message arrived; RFC 3164 timestamps take their year from it.
    pub received_at: DateTime<Utc>,
    /// Offset applied to timestamps that carry none (RFC 3164).
    pub default_offset: FixedOffset,
}

/// Parses one syslog message. Never fails: input that matches no grammar
/// becomes a [`Format::Unparsed`] message with the reason in `parse_error`.
pub fn parse<'a>(input: &'a [u8], _options: &ParseOptions) -> Message<'a> {
    // TODO: placeholder until the grammars land.
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
        message: String::from_utf8_lossy(input),
        bom: false,
        parse_error: Some(String::from("not implemented")),
        raw: input,
    }
}
