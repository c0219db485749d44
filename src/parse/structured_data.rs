//! STRUCTURED-DATA of [RFC 5424 § 6.3](https://www.rfc-editor.org/rfc/rfc5424#section-6.3).
//!
//! ```text
//! STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT
//! SD-ELEMENT      = "[" SD-ID *(SP SD-PARAM) "]"
//! SD-PARAM        = PARAM-NAME "=" %d34 PARAM-VALUE %d34
//! SD-ID, PARAM-NAME = SD-NAME
//! SD-NAME         = 1*32PRINTUSASCII ; except '=', SP, ']', %d34 (")
//! ```
//!
//! Two departures are accepted because the meaning stays unambiguous and
//! rejecting them would only lose data. Spaces may surround `=` and
//! separate parameters in runs: a misprinted copy of the RFC's own example,
//! `eventSource= "Application"`, circulates widely. An unescaped `]` inside
//! a quoted value is kept as a `]`.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use nom::Parser;
use nom::bytes::complete::take_while;

use super::error::ParseError;
use super::text;
use crate::event::SdElement;

/// SD-NAME length limit of RFC 5424 § 6.3.2 and § 6.3.3.
const SD_NAME_MAX: usize = 32;

fn is_sd_name_byte(byte: u8) -> bool {
    (33..=126).contains(&byte) && !matches!(byte, b'=' | b']' | b'"')
}

struct Cursor<'a> {
    input: &'a [u8],
    position: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.position).copied()
    }

    fn fail<T>(&self, reason: &'static str) -> Result<T, ParseError> {
        Err(ParseError::StructuredData {
            at: self.position,
            reason,
        })
    }

    fn expect(&mut self, byte: u8, reason: &'static str) -> Result<(), ParseError> {
        if self.peek() == Some(byte) {
            self.position += 1;
            Ok(())
        } else {
            self.fail(reason)
        }
    }

    fn skip_spaces(&mut self) -> usize {
        let rest = &self.input[self.position..];
        let (_, spaces) = take_while::<_, _, ParseError>(|byte| byte == b' ')
            .parse(rest)
            .unwrap_or((rest, &[]));
        self.position += spaces.len();
        spaces.len()
    }

    fn sd_name(&mut self, what: &'static str) -> Result<&'a str, ParseError> {
        let rest = &self.input[self.position..];
        let len = rest
            .iter()
            .take_while(|byte| is_sd_name_byte(**byte))
            .count();
        if len == 0 {
            return self.fail(what);
        }
        if len > SD_NAME_MAX {
            return self.fail("name longer than 32 bytes");
        }
        self.position += len;
        // Every byte is printable US-ASCII, so this never fails.
        core::str::from_utf8(&rest[..len]).or_else(|_| self.fail(what))
    }

    /// Parses PARAM-VALUE up to its closing quote, decoding `\"`, `\\` and
    /// `\]`; a backslash before any other byte stays literal (§ 6.3.3).
    fn param_value(&mut self) -> Result<Cow<'a, str>, ParseError> {
        let start = self.position;
        let mut decoded: Option<Vec<u8>> = None;
        loop {
            let Some(byte) = self.peek() else {
                return self.fail("unterminated param value");
            };
            match byte {
                b'"' => break,
                b'\\' if matches!(self.input.get(self.position + 1), Some(b'"' | b'\\' | b']')) => {
                    let buffer =
                        decoded.get_or_insert_with(|| self.input[start..self.position].to_vec());
                    buffer.push(self.input[self.position + 1]);
                    self.position += 2;
                }
                _ => {
                    if let Some(buffer) = decoded.as_mut() {
                        buffer.push(byte);
                    }
                    self.position += 1;
                }
            }
        }
        let value = match decoded {
            None => text(&self.input[start..self.position]),
            Some(buffer) => Cow::Owned(match String::from_utf8(buffer) {
                Ok(text) => text,
                Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
            }),
        };
        self.position += 1;
        Ok(value)
    }

    fn element(&mut self) -> Result<SdElement<'a>, ParseError> {
        self.expect(b'[', "expected '['")?;
        let id = self.sd_name("expected an SD-ID")?;
        let mut params = Vec::new();
        loop {
            let spaces = self.skip_spaces();
            if self.peek() == Some(b']') {
                self.position += 1;
                break;
            }
            if spaces == 0 {
                return self.fail("expected ' ' or ']' after the SD-ID or a param");
            }
            let name = self.sd_name("expected a param name")?;
            self.skip_spaces();
            self.expect(b'=', "expected '=' after the param name")?;
            self.skip_spaces();
            self.expect(b'"', "expected '\"' to open the param value")?;
            let value = self.param_value()?;
            params.push((Cow::Borrowed(name), value));
        }
        Ok(SdElement {
            id: Cow::Borrowed(id),
            params,
        })
    }
}

/// Parses one or more SD-ELEMENTs at the start of `input` (which must not
/// be the NILVALUE) and returns them with the rest of the input.
pub fn structured_data(input: &[u8]) -> Result<(Vec<SdElement<'_>>, &[u8]), ParseError> {
    let mut cursor = Cursor { input, position: 0 };
    let mut elements = Vec::new();
    loop {
        elements.push(cursor.element()?);
        if cursor.peek() != Some(b'[') {
            break;
        }
    }
    Ok((elements, &input[cursor.position..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(element: &SdElement<'_>) -> Vec<(String, String)> {
        element
            .params
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn rfc5424_example_two_elements() {
        let input = br#"[exampleSDID@32473 iut="3" eventSource="Application"][examplePriority@32473 class="high"] msg"#;
        let (elements, rest) = structured_data(input).unwrap();
        assert_eq!(rest, b" msg");
        assert_eq!(elements.len(), 2);
        assert_eq!(elements[0].id, "exampleSDID@32473");
        assert_eq!(params(&elements[1]), [("class".into(), "high".into())]);
    }

    #[test]
    fn decodes_the_three_escapes_only() {
        let input = br#"[m a="q\"b\\s\]c" b="\n\x"]"#;
        let (elements, _) = structured_data(input).unwrap();
        let values = params(&elements[0]);
        assert_eq!(values[0].1, r#"q"b\s]c"#);
        assert_eq!(values[1].1, r"\n\x");
    }

    #[test]
    fn keeps_duplicate_params_in_order() {
        let (elements, _) = structured_data(br#"[a x="1" x="2" y="3"]"#).unwrap();
        let names: Vec<_> = params(&elements[0]).into_iter().map(|p| p.0).collect();
        assert_eq!(names, ["x", "x", "y"]);
    }

    #[test]
    fn junos_empty_value_and_dotted_enterprise() {
        let input = br#"[junos@2636.1.1.1.2.57 pid="14374" core-dump-status=""]"#;
        let (elements, _) = structured_data(input).unwrap();
        assert_eq!(elements[0].id, "junos@2636.1.1.1.2.57");
        assert_eq!(params(&elements[0])[1].1, "");
    }

    #[test]
    fn tolerates_space_after_equals() {
        let (elements, _) = structured_data(br#"[e eventSource= "Application"]"#).unwrap();
        assert_eq!(params(&elements[0])[0].1, "Application");
    }

    #[test]
    fn rejects_unquoted_value() {
        let error = structured_data(b"[meta sequenceId=10] x").unwrap_err();
        assert!(matches!(error, ParseError::StructuredData { at: 17, .. }));
    }

    #[test]
    fn rejects_sd_id_longer_than_32() {
        let input = b"[abcdefghilmnopqrstuvzabcdefghilmX]";
        assert!(structured_data(input).is_err());
    }

    #[test]
    fn rejects_unterminated_element() {
        assert!(structured_data(b"[tcpflood@32473 MSGNUM").is_err());
        assert!(structured_data(br#"[a b="open"#).is_err());
        assert!(structured_data(br#"["]"#).is_err());
    }

    #[test]
    fn brackets_64k_are_linear() {
        let input = alloc::vec![b'['; 65536];
        assert!(structured_data(&input).is_err());
        let mut quoted = b"[a b=\"".to_vec();
        quoted.extend(core::iter::repeat_n(b'\\', 65536));
        assert!(structured_data(&quoted).is_err());
    }
}
