//! `key=value` bodies that firewalls send after PRI without a syslog
//! header: FortiGate (`date=2021-06-15 time=02:35:28 devname=fw1 …`),
//! Sophos (`device_name=… timezone="CET"`), SonicWall
//! (`id=firewall sn=… time="2021-06-15 02:35:28 UTC" fw=… …`) and Check
//! Point, whose `time=` is seconds since the Unix epoch.
//!
//! The whole body stays the message; the device name and time become the
//! hostname and timestamp when they are present.

use alloc::borrow::Cow;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};

use super::ParseOptions;
use super::rfc3164::Parsed;
use super::text;
use super::timestamp::{iso_timestamp, utc, zone_offset};

/// Pairs read before giving up on finding the device name and time; both
/// vendors put them near the start.
const MAX_PAIRS: usize = 32;

fn is_key_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.')
}

/// Reads one `key=value` or `key="value"` pair and the spaces after it.
fn pair(input: &[u8]) -> Option<(&[u8], &[u8], &[u8])> {
    let key_len = input.iter().take_while(|byte| is_key_byte(**byte)).count();
    if key_len == 0 || input.get(key_len) != Some(&b'=') {
        return None;
    }
    let key = &input[..key_len];
    let rest = &input[key_len + 1..];
    let (value, rest) = match rest.strip_prefix(b"\"") {
        Some(quoted) => {
            let end = quoted.iter().position(|byte| *byte == b'"')?;
            (&quoted[..end], &quoted[end + 1..])
        }
        None => {
            let end = rest
                .iter()
                .position(|byte| *byte == b' ')
                .unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        }
    };
    let spaces = rest.iter().take_while(|byte| **byte == b' ').count();
    Some((key, value, &rest[spaces..]))
}

/// Parses a FortiGate `tz="+0200"` value.
fn offset(value: &[u8]) -> Option<FixedOffset> {
    let (sign, digits) = match value {
        [b'+', digits @ ..] => (1, digits),
        [b'-', digits @ ..] => (-1, digits),
        _ => return None,
    };
    if digits.len() != 4 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let number = |range: core::ops::Range<usize>| {
        digits[range]
            .iter()
            .fold(0i32, |acc, d| acc * 10 + i32::from(d - b'0'))
    };
    FixedOffset::east_opt(sign * (number(0..2) * 3600 + number(2..4) * 60))
}

fn ascii(value: &[u8]) -> Option<&str> {
    core::str::from_utf8(value).ok()
}

fn fortigate_time(date: &[u8], time: &[u8], offset: FixedOffset) -> Option<DateTime<FixedOffset>> {
    // chrono's `%Y` also takes signed and five-digit years, which RFC 3339
    // output could not carry: require `YYYY-MM-DD` exactly.
    let shape = date.len() == 10
        && date.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    if !shape {
        return None;
    }
    let date = NaiveDate::parse_from_str(ascii(date)?, "%Y-%m-%d").ok()?;
    let time = NaiveTime::parse_from_str(ascii(time)?, "%H:%M:%S").ok()?;
    NaiveDateTime::new(date, time)
        .and_local_timezone(offset)
        .single()
}

/// Parses Check Point's `time=1704448862`: seconds since the Unix epoch,
/// in UTC. Nine or ten digits cover 1973 to 2286, so a short number is
/// not taken for a date.
fn epoch_time(value: &[u8]) -> Option<DateTime<FixedOffset>> {
    if !(9..=10).contains(&value.len()) || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let seconds = value
        .iter()
        .fold(0i64, |acc, digit| acc * 10 + i64::from(digit - b'0'));
    let timestamp = DateTime::from_timestamp(seconds, 0)?;
    Some(timestamp.with_timezone(&utc()))
}

/// Parses SonicWall's `2021-06-15 02:35:28 UTC` or `2021-06-15 02:35:28`.
fn sonicwall_time(value: &[u8], default_offset: FixedOffset) -> Option<DateTime<FixedOffset>> {
    let (offset, stamp) = match value.strip_suffix(b" UTC") {
        Some(stamp) => (utc(), stamp),
        None => (default_offset, value),
    };
    match iso_timestamp(stamp, offset) {
        Ok((b"", timestamp)) => Some(timestamp),
        _ => None,
    }
}

/// Parses a body of `key=value` pairs; returns `None` unless the input
/// starts with one.
pub fn parse<'a>(input: &'a [u8], options: &ParseOptions) -> Option<Parsed<'a>> {
    pair(input)?;
    let mut hostname: Option<Cow<'a, str>> = None;
    let (mut date, mut time, mut zone) = (None, None, None);
    let mut rest = input;
    for _ in 0..MAX_PAIRS {
        let Some((key, value, after)) = pair(rest) else {
            break;
        };
        match key {
            b"devname" | b"device_name" | b"fw" if hostname.is_none() && !value.is_empty() => {
                hostname = Some(text(value));
            }
            b"date" => date = Some(value),
            b"time" => time = Some(value),
            b"tz" => zone = offset(value),
            // Sophos XG names the zone: `timezone="CET"`.
            b"timezone" => zone = zone_offset(value),
            _ => {}
        }
        rest = after;
    }
    let timestamp = match (date, time) {
        (Some(date), Some(time)) => {
            fortigate_time(date, time, zone.unwrap_or(options.default_offset))
        }
        (None, Some(time)) => {
            epoch_time(time).or_else(|| sonicwall_time(time, options.default_offset))
        }
        _ => None,
    };
    Some(Parsed {
        timestamp,
        hostname,
        app_name: None,
        procid: None,
        msgid: None,
        message: text(input),
        inner_pri: None,
    })
}

/// Parses Cisco Meraki's header, `1 1781490928.123456789 MX84 flows …`
/// after PRI: a `1` where RFC 5424 has VERSION, seconds since the Unix
/// epoch with up to nine decimals, the device name and a log category
/// (`flows`, `events`, `urls`, `ids-alerts`, …). The category becomes
/// `app_name` because it names the Meraki subsystem that logged. Returns
/// `None` for anything else.
pub fn meraki(input: &[u8]) -> Option<Parsed<'_>> {
    let rest = input.strip_prefix(b"1 ")?;
    let stamp_len = rest.iter().position(|byte| *byte == b' ')?;
    let timestamp = epoch_with_fraction(&rest[..stamp_len])?;
    let rest = &rest[stamp_len + 1..];
    let mut words = rest.splitn(3, |byte| *byte == b' ');
    let hostname = words.next().filter(|word| !word.is_empty())?;
    let category = words.next().filter(|word| !word.is_empty())?;
    let message = words.next().unwrap_or_default();
    Some(Parsed {
        timestamp: Some(timestamp),
        hostname: Some(text(hostname)),
        app_name: Some(text(category)),
        procid: None,
        msgid: None,
        message: text(message),
        inner_pri: None,
    })
}

/// Parses `1781490928.123456789`: ten digits of seconds since the Unix
/// epoch, a `.` and one to nine digits of fraction, in UTC.
fn epoch_with_fraction(value: &[u8]) -> Option<DateTime<FixedOffset>> {
    let (seconds, fraction) = value.split_at(value.iter().position(|byte| *byte == b'.')?);
    let fraction = &fraction[1..];
    let digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
    if seconds.len() != 10 || !(1..=9).contains(&fraction.len()) {
        return None;
    }
    if !digits(seconds) || !digits(fraction) {
        return None;
    }
    let whole = epoch_time(seconds)?;
    let nanos = fraction
        .iter()
        .chain(core::iter::repeat(&b'0'))
        .take(9)
        .fold(0i64, |acc, digit| acc * 10 + i64::from(digit - b'0'));
    Some(whole + chrono::Duration::nanoseconds(nanos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn options() -> ParseOptions {
        ParseOptions::new(DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap())
    }

    #[test]
    fn meraki_epoch_header() {
        let input = b"1 1647479055.795119971 MR_device_2 events type=dfs_event radio='2'";
        let parsed = meraki(input).unwrap();
        let stamp = parsed.timestamp.unwrap().to_rfc3339();
        assert_eq!(stamp, "2022-03-17T01:04:15.795119971+00:00");
        assert_eq!(parsed.hostname.as_deref(), Some("MR_device_2"));
        assert_eq!(parsed.app_name.as_deref(), Some("events"));
        assert_eq!(parsed.message, "type=dfs_event radio='2'");
    }

    #[test]
    fn meraki_rejects_other_headers() {
        for input in [
            &b"1 2024-01-05T10:00:00Z host app - - - x"[..],
            b"1 1647479055 MX84 events x",
            b"1 1647479055.1234567890 MX84 events x",
            b"1 1647479055.5 MX84",
            b"2 1647479055.5 MX84 events x",
        ] {
            assert!(meraki(input).is_none(), "{:?}", core::str::from_utf8(input));
        }
    }

    #[test]
    fn fortigate_without_header() {
        let input =
            br#"date=2021-06-15 time=02:35:28 devname="fw-1" devid=FG800C tz="+0200" type=traffic"#;
        let parsed = parse(input, &options()).unwrap();
        assert_eq!(parsed.hostname.as_deref(), Some("fw-1"));
        let stamp = parsed.timestamp.unwrap().to_rfc3339();
        assert_eq!(stamp, "2021-06-15T02:35:28+02:00");
        assert_eq!(parsed.message.len(), input.len());
    }

    #[test]
    fn sonicwall_quoted_utc_time() {
        let input = br#"id=firewall sn=C0EF time="2021-06-15 02:35:28 UTC" fw=192.0.2.1 pri=6"#;
        let parsed = parse(input, &options()).unwrap();
        assert_eq!(parsed.hostname.as_deref(), Some("192.0.2.1"));
        let stamp = parsed.timestamp.unwrap().to_rfc3339();
        assert_eq!(stamp, "2021-06-15T02:35:28+00:00");
    }

    #[test]
    fn fortigate_five_digit_year_is_ignored() {
        let parsed = parse(b"date=20210-06-15 time=02:35:28 devname=x", &options()).unwrap();
        assert_eq!(parsed.timestamp, None);
    }

    #[test]
    fn check_point_epoch_time() {
        let input = b"time=1704448862 action=accept orig=192.0.2.1";
        let parsed = parse(input, &options()).unwrap();
        let stamp = parsed.timestamp.unwrap().to_rfc3339();
        assert_eq!(stamp, "2024-01-05T10:01:02+00:00");
        let parsed = parse(b"time=12345 action=accept", &options()).unwrap();
        assert_eq!(parsed.timestamp, None);
    }

    #[test]
    fn sophos_xg_named_timezone() {
        let input = br#"device="SFW" date=2024-01-05 time=10:01:02 timezone="CET" device_name="XG230" log_id=010101600001"#;
        let parsed = parse(input, &options()).unwrap();
        assert_eq!(parsed.hostname.as_deref(), Some("XG230"));
        let stamp = parsed.timestamp.unwrap().to_rfc3339();
        assert_eq!(stamp, "2024-01-05T10:01:02+01:00");
    }

    #[test]
    fn prose_is_not_key_value() {
        assert!(parse(b"last message repeated 5 times", &options()).is_none());
    }
}
