//! PRI, the `<N>` that starts a syslog message.
//!
//! [RFC 5424 § 6.2.1](https://www.rfc-editor.org/rfc/rfc5424#section-6.2.1):
//! `PRI = "<" PRIVAL ">"`, `PRIVAL = 1*3DIGIT ; range 0 .. 191`, and
//! "PRIVAL … MUST NOT contain leading zeros" except `<0>` itself.
//! [RFC 3164 § 4.1.1](https://www.rfc-editor.org/rfc/rfc3164#section-4.1.1)
//! is the same rule.

use crate::event::{Facility, Severity};

use super::error::ParseError;

/// Facility and severity decoded from a valid PRIVAL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pri {
    pub facility: Facility,
    pub severity: Severity,
}

impl Pri {
    pub fn from_value(value: u8) -> Option<Pri> {
        Some(Pri {
            facility: Facility::from_code(value >> 3)?,
            severity: Severity::from_code(value & 7)?,
        })
    }

    pub fn value(self) -> u8 {
        (self.facility.code() << 3) | self.severity.code()
    }
}

/// Parses a PRI at the start of `input`.
///
/// Returns `Ok(None)` when `input` does not start with `<`, so the caller
/// can try the header grammars that come without one.
pub fn parse_pri(input: &[u8]) -> Result<Option<(Pri, &[u8])>, ParseError> {
    let Some(rest) = input.strip_prefix(b"<") else {
        return Ok(None);
    };
    let digits = rest.iter().take_while(|byte| byte.is_ascii_digit()).count();
    if digits == 0 || rest.get(digits) != Some(&b'>') {
        return Err(ParseError::PriSyntax);
    }
    if digits > 1 && rest[0] == b'0' {
        return Err(ParseError::PriSyntax);
    }
    if digits > 3 {
        // Saturate: the value is only shown in the error message.
        let value = rest[..digits.min(9)]
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
        return Err(ParseError::PriValue(value));
    }
    let value = rest[..digits]
        .iter()
        .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0'));
    let pri = u8::try_from(value)
        .ok()
        .and_then(Pri::from_value)
        .ok_or(ParseError::PriValue(value))?;
    Ok(Some((pri, &rest[digits + 1..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local7_debug_is_191() {
        let (pri, rest) = parse_pri(b"<191>x").unwrap().unwrap();
        assert_eq!(pri.facility, Facility::Local7);
        assert_eq!(pri.severity, Severity::Debug);
        assert_eq!(pri.value(), 191);
        assert_eq!(rest, b"x");
    }

    #[test]
    fn kern_emerg_is_zero() {
        let (pri, _) = parse_pri(b"<0>").unwrap().unwrap();
        assert_eq!(pri.value(), 0);
    }

    #[test]
    fn no_angle_bracket_is_not_a_pri() {
        assert_eq!(parse_pri(b"Oct 11 22:14:15"), Ok(None));
    }

    #[test]
    fn rejects_value_above_191() {
        assert_eq!(parse_pri(b"<192>"), Err(ParseError::PriValue(192)));
        assert_eq!(parse_pri(b"<4096>1"), Err(ParseError::PriValue(4096)));
    }

    #[test]
    fn rejects_leading_zero() {
        assert_eq!(parse_pri(b"<002>1"), Err(ParseError::PriSyntax));
        assert_eq!(parse_pri(b"<00>"), Err(ParseError::PriSyntax));
    }

    #[test]
    fn rejects_missing_digits_or_bracket() {
        assert_eq!(parse_pri(b"<>"), Err(ParseError::PriSyntax));
        assert_eq!(parse_pri(b"<87]123"), Err(ParseError::PriSyntax));
        assert_eq!(parse_pri(b"<13"), Err(ParseError::PriSyntax));
    }

    #[test]
    fn long_digit_run_does_not_overflow() {
        let input = b"<99999999999999999999999>";
        assert!(matches!(parse_pri(input), Err(ParseError::PriValue(_))));
    }
}
