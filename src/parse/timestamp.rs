//! Timestamps: RFC 5424's RFC 3339 profile and the BSD `Mmm dd hh:mm:ss`
//! of RFC 3164 with the variants devices send.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc,
};
use nom::bytes::complete::{tag, take_while_m_n};
use nom::character::complete::char;
use nom::combinator::{map, opt};
use nom::{IResult, Parser};

use super::error::ParseError;

type Res<'a, T> = IResult<&'a [u8], T, ParseError>;

fn fail<T>(reason: &'static str) -> Result<T, nom::Err<ParseError>> {
    Err(nom::Err::Error(ParseError::Timestamp(reason)))
}

/// Fails for a stamp that has the right shape but names a date or time
/// that does not exist (`2023-02-30`, `25:00:00`). It is a nom `Failure`,
/// so callers that try other grammars report it instead of reading the
/// stamp as text.
fn fail_value<T>(reason: &'static str) -> Result<T, nom::Err<ParseError>> {
    Err(nom::Err::Failure(ParseError::Timestamp(reason)))
}

/// Parses exactly `n` ASCII digits as a number.
fn digits(n: usize) -> impl FnMut(&[u8]) -> Res<'_, u32> {
    move |input| {
        map(
            take_while_m_n(n, n, |byte: u8| byte.is_ascii_digit()),
            |text: &[u8]| text.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')),
        )
        .parse(input)
    }
}

/// Parses `.` and one or more digits into nanoseconds. RFC 5424 § 6.2.3
/// allows six digits; more are accepted and cut to nanosecond precision.
fn secfrac(input: &[u8]) -> Res<'_, u32> {
    let (rest, _) = char('.').parse(input)?;
    let count = rest.iter().take_while(|byte| byte.is_ascii_digit()).count();
    if count == 0 {
        return fail("expected digits after '.'");
    }
    Ok((&rest[count..], nanoseconds(&rest[..count])))
}

/// Reads the digits of a fraction of a second as nanoseconds, ignoring
/// digits past the ninth.
fn nanoseconds(digits: &[u8]) -> u32 {
    let mut nanos = 0u32;
    for position in 0..9 {
        let digit = digits.get(position);
        nanos = nanos * 10 + digit.map_or(0, |d| u32::from(d - b'0'));
    }
    nanos
}

/// Builds a time of day, mapping a leap second `:60` to chrono's
/// representation (second 59 with nanoseconds past one billion).
fn time_of_day(hour: u32, minute: u32, second: u32, nanos: u32) -> Option<NaiveTime> {
    if second == 60 {
        NaiveTime::from_hms_nano_opt(hour, minute, 59, 1_000_000_000 + nanos)
    } else {
        NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
    }
}

/// Parses `hh:mm:ss` and optional fractional seconds. Hours run from 00
/// to 23 (RFC 3339 § 5.6, RFC 3164 § 4.1.2), so `24:00:00` is rejected. A
/// leap second `:60` is accepted after any minute, because the stamp is
/// local time and leap seconds fall at the end of a UTC minute.
fn partial_time(input: &[u8]) -> Res<'_, NaiveTime> {
    let (rest, (hour, _, minute, _, second)) =
        (digits(2), char(':'), digits(2), char(':'), digits(2)).parse(input)?;
    let (rest, nanos) = opt(secfrac).parse(rest)?;
    match time_of_day(hour, minute, second, nanos.unwrap_or(0)) {
        Some(time) => Ok((rest, time)),
        None => fail_value("time of day out of range"),
    }
}

/// Parses `Z` or `+hh:mm`/`-hh:mm` with hours up to 23 (RFC 5424 § 6.2.3).
/// A lower-case `z` is accepted too (RFC 3339 § 5.6 NOTE).
fn time_offset(input: &[u8]) -> Res<'_, FixedOffset> {
    if let [b'Z' | b'z', rest @ ..] = input {
        return Ok((rest, utc()));
    }
    let (rest, sign) = nom::branch::alt((char('+'), char('-'))).parse(input)?;
    let (rest, (hours, _, minutes)) = (digits(2), char(':'), digits(2)).parse(rest)?;
    if hours > 23 || minutes > 59 {
        return fail("offset out of range, max ±23:59");
    }
    let seconds = (hours * 3600 + minutes * 60) as i32;
    let seconds = if sign == '-' { -seconds } else { seconds };
    match FixedOffset::east_opt(seconds) {
        Some(offset) => Ok((rest, offset)),
        None => fail("offset out of range, max ±23:59"),
    }
}

fn full_date(input: &[u8]) -> Res<'_, NaiveDate> {
    let (rest, (year, _, month, _, day)) =
        (digits(4), char('-'), digits(2), char('-'), digits(2)).parse(input)?;
    match NaiveDate::from_ymd_opt(year as i32, month, day) {
        Some(date) => Ok((rest, date)),
        None => fail_value("date out of range"),
    }
}

pub(crate) fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).expect("zero offset is valid")
}

/// Parses an RFC 5424 TIMESTAMP (RFC 5424 § 6.2.3): `FULL-DATE "T"
/// FULL-TIME`.
///
/// RFC 5424 § 6.2.3 requires upper-case `T` and `Z`, but lower case is
/// accepted: RFC 3339 § 5.6 allows it, and the stamp means the same. The
/// RFC also makes the offset mandatory. With `missing_offset` set, a stamp
/// without one is accepted in that offset instead of rejecting the whole
/// message, because some devices leave it out.
pub fn rfc5424_timestamp(
    input: &[u8],
    missing_offset: Option<FixedOffset>,
) -> Res<'_, DateTime<FixedOffset>> {
    let (rest, date) = full_date(input).map_err(|error| or_reason(error, "expected YYYY-MM-DD"))?;
    let (rest, _) = nom::branch::alt((tag("T"), tag("t")))
        .parse(rest)
        .map_err(|_: nom::Err<ParseError>| timestamp_error("expected 'T' after the date"))?;
    let (rest, time) = partial_time(rest).map_err(|error| or_reason(error, "expected hh:mm:ss"))?;
    let ends = matches!(rest.first(), None | Some(b' '));
    let (rest, offset) = match missing_offset {
        Some(offset) if ends => (rest, offset),
        _ => time_offset(rest).map_err(|error| or_reason(error, "expected 'Z' or ±hh:mm"))?,
    };
    let local = NaiveDateTime::new(date, time);
    match local.and_local_timezone(offset).single() {
        Some(timestamp) => Ok((rest, timestamp)),
        None => fail("out of range"),
    }
}

/// Parses an RFC 3339-like stamp as devices put it in RFC 3164 headers:
/// `T` or a space between date and time, and the offset optional
/// (`default_offset` applies then).
pub fn iso_timestamp(input: &[u8], default_offset: FixedOffset) -> Res<'_, DateTime<FixedOffset>> {
    let (rest, date) = full_date(input)?;
    let (rest, _) = nom::branch::alt((char('T'), char('t'), char(' '))).parse(rest)?;
    let (rest, time) = partial_time(rest)?;
    let (rest, time) = comma_fraction(rest, time)?;
    let (rest, offset) = opt(time_offset).parse(rest)?;
    let local = NaiveDateTime::new(date, time);
    match local
        .and_local_timezone(offset.unwrap_or(default_offset))
        .single()
    {
        Some(timestamp) => Ok((rest, timestamp)),
        None => fail("out of range"),
    }
}

/// Parses a fraction of a second written with a comma (`06:04:24,445`),
/// which ISO 8601 allows and Aruba ClearPass and Java loggers send, and
/// adds it to `time`. Input without `,` and a digit is returned unchanged.
fn comma_fraction(input: &[u8], time: NaiveTime) -> Res<'_, NaiveTime> {
    let [b',', digit, ..] = input else {
        return Ok((input, time));
    };
    if !digit.is_ascii_digit() || time.nanosecond() != 0 {
        return Ok((input, time));
    }
    let count = input[1..]
        .iter()
        .take_while(|byte| byte.is_ascii_digit())
        .count();
    let nanos = nanoseconds(&input[1..1 + count]);
    match time.with_nanosecond(nanos) {
        Some(time) => Ok((&input[1 + count..], time)),
        None => Ok((input, time)),
    }
}

/// Parses Citrix NetScaler's `MM/DD/YYYY:hh:mm:ss` with an optional zone
/// after it (`05/21/2017:00:00:00 GMT`); `default_offset` applies without
/// one. NetScaler can also be set to `DD/MM/YYYY`: a first field above 12
/// is read as the day, and ambiguous dates are read as `MM/DD`.
pub fn slash_timestamp(
    input: &[u8],
    default_offset: FixedOffset,
) -> Res<'_, DateTime<FixedOffset>> {
    let (rest, (first, _, second, _, year, _)) = (
        digits(2),
        char('/'),
        digits(2),
        char('/'),
        digits(4),
        char(':'),
    )
        .parse(input)?;
    let (month, day) = if first > 12 {
        (second, first)
    } else {
        (first, second)
    };
    let Some(date) = NaiveDate::from_ymd_opt(year as i32, month, day) else {
        return fail_value("date out of range");
    };
    let (rest, time) = partial_time(rest)?;
    let (rest, offset) = opt(zone).parse(rest)?;
    match NaiveDateTime::new(date, time)
        .and_local_timezone(offset.unwrap_or(default_offset))
        .single()
    {
        Some(timestamp) => Ok((rest, timestamp)),
        None => fail("out of range"),
    }
}

/// Parses Sophos UTM's `YYYY:MM:DD-hh:mm:ss`, in which month and day may
/// lack their padding (`2016:1:29-06:09:59`). UTM writes local time
/// without a zone, so `default_offset` applies.
pub fn sophos_utm_timestamp(
    input: &[u8],
    default_offset: FixedOffset,
) -> Res<'_, DateTime<FixedOffset>> {
    let one_or_two = || take_while_m_n(1, 2, |byte: u8| byte.is_ascii_digit());
    let (rest, (year, _, month, _, day, _)) = (
        digits(4),
        char(':'),
        one_or_two(),
        char(':'),
        one_or_two(),
        char('-'),
    )
        .parse(input)?;
    let number = |text: &[u8]| text.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'));
    let Some(date) = NaiveDate::from_ymd_opt(year as i32, number(month), number(day)) else {
        return fail_value("date out of range");
    };
    let (rest, time) = partial_time(rest)?;
    match NaiveDateTime::new(date, time)
        .and_local_timezone(default_offset)
        .single()
    {
        Some(timestamp) => Ok((rest, timestamp)),
        None => fail("out of range"),
    }
}

fn timestamp_error(reason: &'static str) -> nom::Err<ParseError> {
    nom::Err::Error(ParseError::Timestamp(reason))
}

/// Keeps a specific timestamp reason, replacing nom's generic one.
fn or_reason(error: nom::Err<ParseError>, reason: &'static str) -> nom::Err<ParseError> {
    error.map(|inner| match inner {
        ParseError::Timestamp(_) => inner,
        _ => ParseError::Timestamp(reason),
    })
}

const MONTHS: [&[u8; 3]; 12] = [
    b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec",
];

/// The letters of each month's full English name after its first three,
/// in the order of [`MONTHS`].
const MONTH_ENDINGS: [&[u8]; 12] = [
    b"uary", b"ruary", b"ch", b"il", b"", b"e", b"y", b"ust", b"tember", b"ober", b"ember",
    b"ember",
];

/// Parses an English month name in any letter case: the three-letter
/// abbreviation of RFC 3164 § 4.1.2, or the full name (`July`) or `Sept`
/// as Cisco APIC and other senders print them.
fn month(input: &[u8]) -> Res<'_, u32> {
    let Some(name) = input.get(..3) else {
        return fail("expected a month name");
    };
    let lower = [
        name[0].to_ascii_lowercase(),
        name[1].to_ascii_lowercase(),
        name[2].to_ascii_lowercase(),
    ];
    let Some(index) = MONTHS.iter().position(|known| **known == lower) else {
        return fail("expected a month name");
    };
    let rest = &input[3..];
    let letters = rest
        .iter()
        .take_while(|byte| byte.is_ascii_alphabetic())
        .count();
    let ending = &rest[..letters];
    let full = MONTH_ENDINGS[index];
    let known = ending.is_empty()
        || ending.eq_ignore_ascii_case(full)
        || (index == 8 && ending.eq_ignore_ascii_case(b"t"));
    if !known {
        return fail("expected a month name");
    }
    Ok((&rest[letters..], index as u32 + 1))
}

/// Parses a day of month: one or two digits, space-padded or not
/// (`Jan  5`, `Jan 5`, `Jan 05`).
fn day(input: &[u8]) -> Res<'_, u32> {
    let (rest, _) = char(' ').parse(input)?;
    let (rest, _) = opt(char(' ')).parse(rest)?;
    let (rest, text) = take_while_m_n(1, 2, |byte: u8| byte.is_ascii_digit()).parse(rest)?;
    let value = text.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'));
    Ok((rest, value))
}

/// Parses a space and a four-digit year.
fn space_year(input: &[u8]) -> Res<'_, i32> {
    let (rest, (_, year)) = (char(' '), digits(4)).parse(input)?;
    // A year ends at a space or the end: `2001:db8::1` is a hostname.
    if rest.first().is_some_and(|byte| *byte != b' ') {
        return fail("expected a year");
    }
    Ok((rest, year as i32))
}

/// Time-zone abbreviations that name one offset without doubt, as Cisco
/// IOS appends them with `service timestamps … show-timezone`.
///
/// `CST`, `IST` and other names used by several zones are left out: they
/// stay in the message and `default_offset` applies.
const ZONES: [(&[u8], i32); 18] = [
    (b"UTC", 0),
    (b"GMT", 0),
    (b"WET", 0),
    (b"WEST", 60),
    (b"CET", 60),
    (b"CEST", 120),
    (b"MET", 60),
    (b"MEST", 120),
    (b"EET", 120),
    (b"EEST", 180),
    (b"EST", -300),
    (b"EDT", -240),
    (b"CDT", -300),
    (b"MST", -420),
    (b"MDT", -360),
    (b"PST", -480),
    (b"PDT", -420),
    (b"JST", 540),
];

/// Returns the offset of a zone abbreviation listed in [`ZONES`].
pub(crate) fn zone_offset(name: &[u8]) -> Option<FixedOffset> {
    let found = ZONES.iter().find(|(known, _)| *known == name)?;
    FixedOffset::east_opt(found.1 * 60)
}

/// Checks that a zone ends at a space, a colon or the end of the input.
fn ends_zone(rest: &[u8]) -> bool {
    matches!(rest.first(), None | Some(b' ') | Some(b':'))
}

/// Parses ` ZONE` when ZONE is a known abbreviation followed by a space,
/// a colon or the end.
fn zone_name(input: &[u8]) -> Res<'_, FixedOffset> {
    let (rest, _) = char(' ').parse(input)?;
    let len = rest
        .iter()
        .take_while(|byte| byte.is_ascii_uppercase())
        .count();
    if !ends_zone(&rest[len..]) {
        return fail("expected a zone name");
    }
    match zone_offset(&rest[..len]) {
        Some(offset) => Ok((&rest[len..], offset)),
        None => fail("expected a zone name"),
    }
}

/// Parses ` ±hhmm`, ` ±hh:mm` or ` NAME±h[h][:mm]` with NAME one of `UTC`,
/// `GMT` or `TZ`, followed by a space, a colon or the end.
///
/// The sign is read as written, as in RFC 3339 (`TZ-6` is six hours behind
/// UTC), not inverted as in the POSIX `TZ` variable, because senders
/// print the offset for people to read.
fn numeric_zone(input: &[u8]) -> Res<'_, FixedOffset> {
    let (rest, _) = char(' ').parse(input)?;
    let (rest, named) = match rest {
        [b'U', b'T', b'C', rest @ ..] | [b'G', b'M', b'T', rest @ ..] | [b'T', b'Z', rest @ ..] => {
            (rest, true)
        }
        _ => (rest, false),
    };
    let (rest, sign) = match rest {
        [b'+', rest @ ..] => (rest, 1),
        [b'-', rest @ ..] => (rest, -1),
        _ => return fail("expected a zone offset"),
    };
    let hour_len = rest.iter().take_while(|byte| byte.is_ascii_digit()).count();
    let (hours, minutes, rest) = match (named, hour_len) {
        (_, 4) => (number(&rest[..2]), number(&rest[2..4]), &rest[4..]),
        (true, 1) | (_, 2) => match rest[hour_len..] {
            [b':', m1, m2, ..] if m1.is_ascii_digit() && m2.is_ascii_digit() => (
                number(&rest[..hour_len]),
                number(&[m1, m2]),
                &rest[hour_len + 3..],
            ),
            _ if named => (number(&rest[..hour_len]), 0, &rest[hour_len..]),
            _ => return fail("expected a zone offset"),
        },
        _ => return fail("expected a zone offset"),
    };
    if hours > 23 || minutes > 59 || !ends_zone(rest) {
        return fail("expected a zone offset");
    }
    match FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60)) {
        Some(offset) => Ok((rest, offset)),
        None => fail("expected a zone offset"),
    }
}

fn number(digits: &[u8]) -> i32 {
    digits
        .iter()
        .fold(0, |acc, digit| acc * 10 + i32::from(digit - b'0'))
}

/// Parses a zone after the time: a known name or a numeric offset.
fn zone(input: &[u8]) -> Res<'_, FixedOffset> {
    nom::branch::alt((zone_name, numeric_zone)).parse(input)
}

/// Parses ` ZONE YYYY` with a zone name not in [`ZONES`], as in RFC 3164
/// § 5.4 example 3 (`Aug 24 05:34:00 CST 1987`). The zone is skipped and
/// `default_offset` applies, because names such as `CST` are ambiguous.
fn unknown_zone_then_year(input: &[u8]) -> Res<'_, i32> {
    let (rest, _) = char(' ').parse(input)?;
    let len = rest
        .iter()
        .take_while(|byte| byte.is_ascii_uppercase())
        .count();
    if !(2..=5).contains(&len) {
        return fail("expected a zone name");
    }
    space_year(&rest[len..])
}

/// A BSD timestamp before its year is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BsdTimestamp {
    pub month: u32,
    pub day: u32,
    pub time: NaiveTime,
    pub year: Option<i32>,
    pub offset: Option<FixedOffset>,
}

/// Parses the RFC 3164 § 4.1.2 TIMESTAMP `Mmm dd hh:mm:ss` and the forms
/// devices send. The month may have any letter case and the day may lack
/// its padding. Cisco adds milliseconds (`service timestamps log datetime
/// msec`) and a zone name, Huawei a numeric offset. A year may come before
/// the month, after the day or after the time.
pub fn bsd_timestamp(input: &[u8]) -> Res<'_, BsdTimestamp> {
    let (rest, leading_year) = opt(|i| {
        let (rest, year) = digits(4).parse(i)?;
        let (rest, _) = char(' ').parse(rest)?;
        Ok((rest, year as i32))
    })
    .parse(input)?;
    let (rest, month) = month(rest)?;
    let (rest, day) = day(rest)?;
    let (rest, middle_year) = opt(space_year).parse(rest)?;
    let (rest, _) = char(' ').parse(rest)?;
    let (rest, time) = partial_time(rest)?;
    // Huawei VRP glues a numeric offset to the time: `02:35:28+08:00`.
    let (rest, numeric_offset) = opt(time_offset).parse(rest)?;
    let (rest, trailing_year) = opt(space_year).parse(rest)?;
    let (rest, named_offset) = opt(zone).parse(rest)?;
    let (rest, zone_year) = match (named_offset, trailing_year) {
        (None, None) => opt(unknown_zone_then_year).parse(rest)?,
        _ => (rest, None),
    };
    let year = leading_year.or(middle_year).or(trailing_year).or(zone_year);
    let offset = numeric_offset.or(named_offset);
    let stamp = BsdTimestamp {
        month,
        day,
        time,
        year,
        offset,
    };
    Ok((rest, stamp))
}

/// How far ahead of the receive time a year-less timestamp may lie before
/// it is taken to be from an earlier year: a day absorbs clock skew and
/// time-zone mistakes between sender and receiver.
const FUTURE_TOLERANCE_HOURS: i64 = 24;

/// Years searched back for a year-less date. Leap years are at most eight
/// years apart (2096 to 2104), so `Feb 29` always finds one.
const MAX_YEARS_BACK: i32 = 8;

/// A leap year, to tell dates that exist in some year (`Feb 29`) from
/// dates that exist in none (`Feb 30`, `Apr 31`, day 0 or 32).
const LEAP_YEAR: i32 = 2000;

impl BsdTimestamp {
    /// Resolves the year and offset.
    ///
    /// RFC 3164 timestamps carry no year, so the most recent year that puts
    /// the stamp at most a day after `received_at` is used. The search
    /// starts at the year after the receive year (in the sender's offset),
    /// so a `Jan  1 00:05` read at 23:50 on Dec 31 lands in the new year,
    /// and a December message read in January lands in December. A year
    /// in which the date does not exist is skipped, so `Feb 29` read in
    /// 2026 resolves to 2024. A date that exists in no year, or in no year
    /// the stamp names, is an error.
    pub fn resolve(
        &self,
        received_at: DateTime<Utc>,
        default_offset: FixedOffset,
    ) -> Result<DateTime<FixedOffset>, ParseError> {
        let offset = self.offset.unwrap_or(default_offset);
        let day_error = ParseError::Timestamp("day out of range for the month");
        if let Some(year) = self.year {
            return self.at_year(year, offset).ok_or(day_error);
        }
        if NaiveDate::from_ymd_opt(LEAP_YEAR, self.month, self.day).is_none() {
            return Err(day_error);
        }
        let receive_year = received_at.with_timezone(&offset).year();
        let limit = received_at + Duration::hours(FUTURE_TOLERANCE_HOURS);
        for year in (receive_year - MAX_YEARS_BACK..=receive_year + 1).rev() {
            let Some(candidate) = self.at_year(year, offset) else {
                continue;
            };
            if candidate.with_timezone(&Utc) <= limit {
                return Ok(candidate);
            }
        }
        Err(ParseError::Timestamp("out of range"))
    }

    /// Returns the stamp in `year`, or `None` when the date does not exist
    /// in that year or lies outside chrono's range.
    fn at_year(&self, year: i32, offset: FixedOffset) -> Option<DateTime<FixedOffset>> {
        let date = NaiveDate::from_ymd_opt(year, self.month, self.day)?;
        NaiveDateTime::new(date, self.time)
            .and_local_timezone(offset)
            .single()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::{String, ToString};

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn rfc5424(input: &[u8]) -> Result<String, ParseError> {
        match rfc5424_timestamp(input, None) {
            Ok((_, stamp)) => Ok(stamp.to_rfc3339()),
            Err(nom::Err::Error(error) | nom::Err::Failure(error)) => Err(error),
            Err(nom::Err::Incomplete(_)) => unreachable!("complete parsers"),
        }
    }

    #[test]
    fn full_month_names_and_sept() {
        for (input, month) in [
            (&b"July 22 22:45:28"[..], 7),
            (b"september 1 00:00:00", 9),
            (b"Sept 1 00:00:00", 9),
            (b"JANUARY 5 10:00:00", 1),
            (b"May 5 10:00:00", 5),
        ] {
            let (_, stamp) = bsd_timestamp(input).unwrap();
            assert_eq!(stamp.month, month, "{:?}", core::str::from_utf8(input));
        }
        for input in [
            &b"Julx 22 22:45:28"[..],
            b"Junk 15 02:35:28",
            b"Mayday 5 10:00:00",
        ] {
            assert!(bsd_timestamp(input).is_err());
        }
    }

    #[test]
    fn sophos_utm_stamp() {
        let (rest, stamp) = sophos_utm_timestamp(b"2023:04:28-11:28:41 utm1", utc()).unwrap();
        assert_eq!(stamp.to_rfc3339(), "2023-04-28T11:28:41+00:00");
        assert_eq!(rest, b" utm1");
        let (_, stamp) = sophos_utm_timestamp(b"2016:1:29-06:09:59", utc()).unwrap();
        assert_eq!(stamp.to_rfc3339(), "2016-01-29T06:09:59+00:00");
        assert!(matches!(
            sophos_utm_timestamp(b"2023:02:30-00:00:00", utc()),
            Err(nom::Err::Failure(_))
        ));
        assert!(sophos_utm_timestamp(b"2023-04-28T11:28:41", utc()).is_err());
    }

    #[test]
    fn iso_comma_fraction() {
        let (rest, stamp) = iso_timestamp(b"2023-09-27 06:04:24,445 host", utc()).unwrap();
        assert_eq!(stamp.to_rfc3339(), "2023-09-27T06:04:24.445+00:00");
        assert_eq!(rest, b" host");
        let (rest, _) = iso_timestamp(b"2023-09-27 06:04:24,x", utc()).unwrap();
        assert_eq!(rest, b",x");
    }

    #[test]
    fn rfc5424_fraction_and_offset() {
        let text = rfc5424(b"2003-08-24T05:14:15.000003-07:00").unwrap();
        assert_eq!(text, "2003-08-24T05:14:15.000003-07:00");
    }

    #[test]
    fn rfc5424_missing_offset_only_when_allowed() {
        assert!(rfc5424(b"2021-06-15T02:35:28.123 host").is_err());
        let offset = FixedOffset::east_opt(3600);
        let (rest, stamp) = rfc5424_timestamp(b"2021-06-15T02:35:28.123 host", offset).unwrap();
        assert_eq!(stamp.to_rfc3339(), "2021-06-15T02:35:28.123+01:00");
        assert_eq!(rest, b" host");
    }

    #[test]
    fn rfc5424_leap_second() {
        let text = rfc5424(b"2016-12-31T23:59:60-04:00").unwrap();
        assert_eq!(text, "2016-12-31T23:59:60-04:00");
    }

    #[test]
    fn rfc5424_rejects_february_30() {
        assert!(matches!(
            rfc5424(b"2023-02-30T00:00:00Z"),
            Err(ParseError::Timestamp(_))
        ));
        assert!(rfc5424(b"2018-02-29T22:14:16+01:00").is_err());
    }

    #[test]
    fn rfc5424_rejects_offset_24_hours() {
        assert!(rfc5424(b"2003-08-24T05:14:15.000003-24:00").is_err());
        assert!(rfc5424(b"2003-08-24T05:14:15-23:59").is_ok());
    }

    #[test]
    fn rfc5424_lower_case_t_and_z() {
        let text = rfc5424(b"2006-01-02t15:04:05z").unwrap();
        assert_eq!(text, "2006-01-02T15:04:05+00:00");
        let text = rfc5424(b"2006-01-02t15:04:05.5+01:00").unwrap();
        assert_eq!(text, "2006-01-02T15:04:05.500+01:00");
    }

    #[test]
    fn bsd_numeric_zone_after_time() {
        let cases: [(&[u8], i32, &[u8]); 7] = [
            (b"Jan  5 10:01:02 +0100 host", 3600, b" host"),
            (b"Jan  5 10:01:02 -05:00 host", -5 * 3600, b" host"),
            (b"Jan  5 10:01:02 TZ-6 host", -6 * 3600, b" host"),
            (b"Jan  5 10:01:02 UTC+8: x", 8 * 3600, b": x"),
            (b"Jan  5 10:01:02 GMT+05:30 host", 19800, b" host"),
            (b"Jan  5 10:01:02.123 UTC host", 0, b" host"),
            (b"Jan  5 10:01:02 GMT-3", -3 * 3600, b""),
        ];
        for (input, seconds, rest) in cases {
            let (after, stamp) = bsd_timestamp(input).unwrap();
            let label = String::from_utf8_lossy(input);
            assert_eq!(stamp.offset, FixedOffset::east_opt(seconds), "{label}");
            assert_eq!(after, rest, "{label}");
        }
    }

    #[test]
    fn bsd_number_after_time_is_not_a_zone() {
        for input in [
            &b"Jan  5 10:01:02 +01 host"[..],
            b"Jan  5 10:01:02 +2400 host",
            b"Jan  5 10:01:02 +0100x host",
            b"Jan  5 10:01:02 TZ6 host",
        ] {
            let (_, stamp) = bsd_timestamp(input).unwrap();
            assert_eq!(stamp.offset, None, "{}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn citrix_netscaler_slash_date_and_zone() {
        let (rest, stamp) = slash_timestamp(b"05/21/2017:00:00:00 GMT HOSTNAME", utc()).unwrap();
        assert_eq!(stamp.to_rfc3339(), "2017-05-21T00:00:00+00:00");
        assert_eq!(rest, b" HOSTNAME");
        let offset = FixedOffset::east_opt(3600).unwrap();
        let (_, stamp) = slash_timestamp(b"21/05/2017:10:00:00 host", offset).unwrap();
        assert_eq!(stamp.to_rfc3339(), "2017-05-21T10:00:00+01:00");
        let error = slash_timestamp(b"02/30/2017:10:00:00 host", utc()).unwrap_err();
        let expected = nom::Err::Failure(ParseError::Timestamp("date out of range"));
        assert_eq!(error, expected);
    }

    #[test]
    fn rfc5424_keeps_nanoseconds_of_long_fraction() {
        let text = rfc5424(b"2003-08-24T05:14:15.1122334455+07:00").unwrap();
        assert_eq!(text, "2003-08-24T05:14:15.112233445+07:00");
    }

    #[test]
    fn bsd_december_read_in_january_is_last_year() {
        let (_, stamp) = bsd_timestamp(b"Dec 31 23:59:00").unwrap();
        let resolved = stamp.resolve(at("2025-01-01T00:10:00Z"), utc()).unwrap();
        assert_eq!(resolved.to_rfc3339(), "2024-12-31T23:59:00+00:00");
    }

    #[test]
    fn bsd_small_clock_skew_stays_this_year() {
        let (_, stamp) = bsd_timestamp(b"Jan  2 00:30:00").unwrap();
        let resolved = stamp.resolve(at("2025-01-01T23:00:00Z"), utc()).unwrap();
        assert_eq!(resolved.year(), 2025);
    }

    fn resolve(input: &[u8], received_at: &str) -> Result<String, ParseError> {
        let (_, stamp) = bsd_timestamp(input).unwrap();
        let resolved = stamp.resolve(at(received_at), utc())?;
        Ok(resolved.to_rfc3339())
    }

    #[test]
    fn bsd_february_29_steps_back_to_leap_year() {
        let text = resolve(b"Feb 29 14:07:19", "2026-06-01T00:00:00Z").unwrap();
        assert_eq!(text, "2024-02-29T14:07:19+00:00");
        let text = resolve(b"Feb 29 14:07:19", "2024-03-01T00:00:00Z").unwrap();
        assert_eq!(text, "2024-02-29T14:07:19+00:00");
    }

    #[test]
    fn bsd_february_29_before_leap_day_is_previous_leap_year() {
        let text = resolve(b"Feb 29 14:07:19", "2028-01-15T00:00:00Z").unwrap();
        assert_eq!(text, "2024-02-29T14:07:19+00:00");
    }

    #[test]
    fn bsd_february_29_across_century_gap() {
        // 2100 is not a leap year, so the previous one is 2096.
        let text = resolve(b"Feb 29 00:00:00", "2103-06-01T00:00:00Z").unwrap();
        assert_eq!(text, "2096-02-29T00:00:00+00:00");
    }

    #[test]
    fn bsd_impossible_days_are_invalid() {
        for input in [
            &b"Feb 30 14:07:19"[..],
            b"Apr 31 14:07:19",
            b"Jan  0 14:07:19",
            b"Jan 32 14:07:19",
        ] {
            let error = resolve(input, "2024-06-01T00:00:00Z").unwrap_err();
            let expected = ParseError::Timestamp("day out of range for the month");
            assert_eq!(error, expected, "{}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn bsd_explicit_year_without_february_29_is_invalid() {
        let error = resolve(b"Feb 29 2023 14:07:19", "2024-06-01T00:00:00Z").unwrap_err();
        assert!(matches!(error, ParseError::Timestamp(_)));
    }

    #[test]
    fn bsd_new_year_stamp_read_before_midnight_is_next_year() {
        let text = resolve(b"Jan  1 00:05:00", "2024-12-31T23:50:00Z").unwrap();
        assert_eq!(text, "2025-01-01T00:05:00+00:00");
    }

    #[test]
    fn bsd_year_follows_sender_offset_at_new_year() {
        // 08:00 JST on Jan 1 is 23:00 UTC on Dec 31 of the year before.
        let (_, stamp) = bsd_timestamp(b"Jan  1 08:00:00 JST").unwrap();
        let resolved = stamp.resolve(at("2024-12-31T23:30:00Z"), utc()).unwrap();
        assert_eq!(resolved.to_rfc3339(), "2025-01-01T08:00:00+09:00");
        let (_, stamp) = bsd_timestamp(b"Dec 31 20:00:00 EST").unwrap();
        let resolved = stamp.resolve(at("2025-01-01T00:30:00Z"), utc()).unwrap();
        assert_eq!(resolved.to_rfc3339(), "2024-12-31T20:00:00-05:00");
    }

    #[test]
    fn bsd_leap_second() {
        let text = resolve(b"Dec 31 23:59:60", "2017-01-01T00:00:30Z").unwrap();
        assert_eq!(text, "2016-12-31T23:59:60+00:00");
        let text = resolve(b"Jun 30 23:59:60.5", "2015-07-01T00:00:00Z").unwrap();
        assert_eq!(text, "2015-06-30T23:59:60.500+00:00");
    }

    #[test]
    fn bsd_hour_24_and_second_61_are_invalid() {
        for input in [
            &b"Jan  5 24:00:00"[..],
            b"Jan  5 10:60:00",
            b"Jan  5 10:00:61",
        ] {
            let error = bsd_timestamp(input).unwrap_err();
            let expected = nom::Err::Failure(ParseError::Timestamp("time of day out of range"));
            assert_eq!(error, expected, "{}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn rfc5424_hour_24_is_invalid() {
        let error = rfc5424(b"2024-01-05T24:00:00Z").unwrap_err();
        assert_eq!(error, ParseError::Timestamp("time of day out of range"));
    }

    #[test]
    fn dst_zone_names_keep_their_offset_all_year() {
        // A zone name is the sender's statement of its offset, so `CEST`
        // in January still means +02:00.
        let (_, stamp) = bsd_timestamp(b"Jan  5 10:00:00 CEST").unwrap();
        let resolved = stamp.resolve(at("2024-06-01T00:00:00Z"), utc()).unwrap();
        assert_eq!(resolved.to_rfc3339(), "2024-01-05T10:00:00+02:00");
        let (_, stamp) = bsd_timestamp(b"Jul  5 10:00:00 PDT").unwrap();
        let resolved = stamp.resolve(at("2024-08-01T00:00:00Z"), utc()).unwrap();
        assert_eq!(resolved.to_rfc3339(), "2024-07-05T10:00:00-07:00");
    }

    #[test]
    fn dst_zone_at_new_year_stays_within_tolerance() {
        // 23:30 EDT on Dec 31 is 03:30 UTC on Jan 1.
        let (_, stamp) = bsd_timestamp(b"Dec 31 23:30:00 EDT").unwrap();
        let resolved = stamp.resolve(at("2025-01-01T03:40:00Z"), utc()).unwrap();
        assert_eq!(resolved.to_rfc3339(), "2024-12-31T23:30:00-04:00");
    }

    #[test]
    fn iso_date_that_does_not_exist_is_a_failure() {
        let error = iso_timestamp(b"2023-02-29 10:00:00 host", utc()).unwrap_err();
        let expected = nom::Err::Failure(ParseError::Timestamp("date out of range"));
        assert_eq!(error, expected);
    }

    #[test]
    fn bsd_cisco_milliseconds_and_zone() {
        let (rest, stamp) = bsd_timestamp(b"Jun 15 02:35:28.123 CDT: %X").unwrap();
        assert_eq!(rest, b": %X");
        assert_eq!(stamp.offset, FixedOffset::east_opt(-5 * 3600));
        assert_eq!(stamp.time.to_string(), "02:35:28.123");
    }

    #[test]
    fn bsd_year_after_day_and_before_month() {
        let (_, stamp) = bsd_timestamp(b"Oct 16 2009 23:47:31 host").unwrap();
        assert_eq!(stamp.year, Some(2009));
        let (_, stamp) = bsd_timestamp(b"2024 Jan  5 10:00:00 host").unwrap();
        assert_eq!(stamp.year, Some(2024));
    }

    #[test]
    fn bsd_upper_case_month() {
        let (_, stamp) = bsd_timestamp(b"OCT 11 22:14:15 : a message").unwrap();
        assert_eq!(stamp.month, 10);
    }

    #[test]
    fn huawei_glued_numeric_offset() {
        let (rest, stamp) = bsd_timestamp(b"Jun 15 2024 02:35:28+08:00 HUAWEI %%01").unwrap();
        assert_eq!(stamp.offset, FixedOffset::east_opt(8 * 3600));
        assert_eq!(stamp.year, Some(2024));
        assert_eq!(rest, b" HUAWEI %%01");
    }

    #[test]
    fn rfc3164_example_3_zone_and_year() {
        let (rest, stamp) = bsd_timestamp(b"Aug 24 05:34:00 CST 1987 mymachine").unwrap();
        assert_eq!(stamp.year, Some(1987));
        assert_eq!(stamp.offset, None);
        assert_eq!(rest, b" mymachine");
    }

    #[test]
    fn bsd_unknown_zone_word_is_left_in_place() {
        let (rest, stamp) = bsd_timestamp(b"Mar 10 01:00:00 HOST tag: x").unwrap();
        assert_eq!(stamp.offset, None);
        assert_eq!(rest, b" HOST tag: x");
    }
}
