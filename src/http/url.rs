//! Request-target decoding: the path and the `application/x-www-form-urlencoded`
//! query string of the URL Standard (`+` is a space, `%XX` a byte).

use alloc::string::String;
use alloc::vec::Vec;

/// Splits an origin-form request target (RFC 9112 § 3.2.1) into its path
/// and its query string, without the `?`.
pub fn split_target(target: &str) -> (&str, &str) {
    match target.split_once('?') {
        Some((path, query)) => (path, query),
        None => (target, ""),
    }
}

/// Decodes one query-string component. Returns `None` for a `%` not
/// followed by two hex digits, or for bytes that are not UTF-8 once
/// decoded.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = match bytes[index] {
            b'+' => b' ',
            b'%' => {
                let high = hex_value(*bytes.get(index + 1)?)?;
                let low = hex_value(*bytes.get(index + 2)?)?;
                index += 2;
                high << 4 | low
            }
            other => other,
        };
        decoded.push(byte);
        index += 1;
    }
    String::from_utf8(decoded).ok()
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// Splits a query string into decoded `(name, value)` pairs. A pair
/// without `=` has an empty value; empty pairs (`a=1&&b=2`) are skipped.
/// Returns the raw pair that failed to decode as the error.
pub fn query_pairs(query: &str) -> Result<Vec<(String, String)>, &str> {
    let mut pairs = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = percent_decode(name).ok_or(pair)?;
        let value = percent_decode(value).ok_or(pair)?;
        pairs.push((name, value));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_percent() {
        assert_eq!(percent_decode("a+b%20c").as_deref(), Some("a b c"));
        assert_eq!(percent_decode("%C3%A9t%c3%a9").as_deref(), Some("été"));
        assert_eq!(percent_decode("100%25").as_deref(), Some("100%"));
        assert_eq!(percent_decode("%2"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%FF"), None);
    }

    #[test]
    fn splits_pairs() {
        let pairs = query_pairs("q=disk+full&&limit=5&flag").unwrap();
        let expected = [("q", "disk full"), ("limit", "5"), ("flag", "")];
        assert_eq!(pairs.len(), expected.len());
        for ((name, value), (want_name, want_value)) in pairs.iter().zip(expected) {
            assert_eq!(name, want_name);
            assert_eq!(value, want_value);
        }
        assert_eq!(query_pairs("a=%zz"), Err("a=%zz"));
        assert_eq!(split_target("/events?limit=1"), ("/events", "limit=1"));
        assert_eq!(split_target("/stats"), ("/stats", ""));
    }
}
