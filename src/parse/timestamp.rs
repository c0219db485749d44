//! Timestamps: RFC 5424's RFC 3339 profile and the BSD `Mmm dd hh:mm:ss`
//! of RFC 3164 with the variants devices send.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use nom::bytes::complete::{tag, take_while_m_n};
use nom::character::complete::char;
use nom::combinator::{map, opt};
use nom::{IResult, Parser};

use super::error::ParseError;

type Res<'a, T> = IResult<&'a [u8], T, ParseError>;

fn fail<T>(reason: &'static str) -> Result<T, nom::Err<ParseError>> {
    Err(nom::Err::Error(ParseError::Timestamp(reason)))
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
    let mut nanos = 0u32;
    for position in 0..9 {
        let digit = rest.get(position).filter(|_| position < count);
        nanos = nanos * 10 + digit.map_or(0, |d| u32::from(d - b'0'));
    }
    Ok((&rest[count..], nanos))
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

/// Parses `hh:mm:ss` and optional fractional seconds.
fn partial_time(input: &[u8]) -> Res<'_, NaiveTime> {
    let (rest, (hour, _, minute, _, second)) =
        (digits(2), char(':'), digits(2), char(':'), digits(2)).parse(input)?;
    let (rest, nanos) = opt(secfrac).parse(rest)?;
    match time_of_day(hour, minute, second, nanos.unwrap_or(0)) {
        Some(time) => Ok((rest, time)),
        None => fail("time of day out of range"),
    }
}

/// Parses `Z` or `+hh:mm`/`-hh:mm` with hours up to 23 (RFC 5424 § 6.2.3).
fn time_offset(input: &[u8]) -> Res<'_, FixedOffset> {
    if let Ok((rest, _)) = char::<_, ParseError>('Z').parse(input) {
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
        None => fail("date out of range"),
    }
}

pub(crate) fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).expect("zero offset is valid")
}

/// Parses an RFC 5424 TIMESTAMP (RFC 5424 § 6.2.3): `FULL-DATE "T"
/// FULL-TIME` with upper-case `T` and `Z`.
///
/// The RFC makes the offset mandatory. With `missing_offset` set, a stamp
/// without one is accepted in that offset instead of rejecting the whole
/// message, because some devices leave it out.
pub fn rfc5424_timestamp(
    input: &[u8],
    missing_offset: Option<FixedOffset>,
) -> Res<'_, DateTime<FixedOffset>> {
    let (rest, date) = full_date(input).map_err(|_| timestamp_error("expected YYYY-MM-DD"))?;
    let (rest, _) = tag("T")
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

/// Parses an English three-letter month name in any letter case.
fn month(input: &[u8]) -> Res<'_, u32> {
    let Some(name) = input.get(..3) else {
        return fail("expected a month name");
    };
    let lower = [
        name[0].to_ascii_lowercase(),
        name[1].to_ascii_lowercase(),
        name[2].to_ascii_lowercase(),
    ];
    match MONTHS.iter().position(|known| **known == lower) {
        Some(index) => Ok((&input[3..], index as u32 + 1)),
        None => fail("expected a month name"),
    }
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

/// Parses ` ZONE` when ZONE is a known abbreviation followed by a space,
/// a colon or the end.
fn zone_name(input: &[u8]) -> Res<'_, FixedOffset> {
    let (rest, _) = char(' ').parse(input)?;
    let len = rest
        .iter()
        .take_while(|byte| byte.is_ascii_uppercase())
        .count();
    let after = rest.get(len);
    if !matches!(after, None | Some(b' ') | Some(b':')) {
        return fail("expected a zone name");
    }
    let found = ZONES.iter().find(|(name, _)| *name == &rest[..len]);
    match found.and_then(|(_, minutes)| FixedOffset::east_opt(minutes * 60)) {
        Some(offset) => Ok((&rest[len..], offset)),
        None => fail("expected a zone name"),
    }
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
    let (rest, named_offset) = opt(zone_name).parse(rest)?;
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
/// it is taken to be from the previous year: a day absorbs clock skew and
/// time-zone mistakes between sender and receiver.
const FUTURE_TOLERANCE_HOURS: i64 = 24;

impl BsdTimestamp {
    /// Resolves the year and offset.
    ///
    /// RFC 3164 timestamps carry no year, so the year of `received_at` (in
    /// the sender's offset) is used. When that would put the message more
    /// than a day in the future, the previous year is used instead, so a
    /// December message read in January lands in December.
    pub fn resolve(
        &self,
        received_at: DateTime<Utc>,
        default_offset: FixedOffset,
    ) -> Result<DateTime<FixedOffset>, ParseError> {
        let offset = self.offset.unwrap_or(default_offset);
        if let Some(year) = self.year {
            return self.at_year(year, offset);
        }
        let year = received_at.with_timezone(&offset).year();
        let candidate = self.at_year(year, offset)?;
        let limit = received_at + Duration::hours(FUTURE_TOLERANCE_HOURS);
        if candidate.with_timezone(&Utc) > limit {
            return self.at_year(year - 1, offset);
        }
        Ok(candidate)
    }

    fn at_year(&self, year: i32, offset: FixedOffset) -> Result<DateTime<FixedOffset>, ParseError> {
        let date = NaiveDate::from_ymd_opt(year, self.month, self.day)
            .ok_or(ParseError::Timestamp("day out of range for the month"))?;
        NaiveDateTime::new(date, self.time)
            .and_local_timezone(offset)
            .single()
            .ok_or(ParseError::Timestamp("out of range"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn rfc5424_rejects_lowercase_t() {
        assert!(rfc5424(b"2006-01-02t15:04:05Z").is_err());
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

    #[test]
    fn bsd_february_29_in_common_year_is_invalid() {
        let (_, stamp) = bsd_timestamp(b"Feb 29 14:07:19").unwrap();
        assert!(stamp.resolve(at("2019-06-01T00:00:00Z"), utc()).is_err());
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
