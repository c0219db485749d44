//! Event queries: the filters of `GET /events` and the paging over them.
//!
//! A query scans the store in id order from a cursor and keeps the events
//! that pass every filter, up to a limit.
//!
//! Time filters apply to the event's own `timestamp` when the sender gave
//! one, because that is when the event happened. Without one they apply to
//! `received_at`, the best time the collector has. An event with neither
//! never passes a time filter.

use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::ops::ControlFlow;

use chrono::{DateTime, FixedOffset};

use crate::event::{Event, Facility, Severity};
use crate::store::{EventSource, Order};

/// Events returned when the request gives no `limit`.
pub const DEFAULT_LIMIT: usize = 100;

/// The largest `limit` accepted, which bounds the memory of one response.
pub const MAX_LIMIT: usize = 10_000;

/// The event memory ([`Event::memory_size`]) one page may reference. A page
/// that reaches it ends early with `next_after` set, so one response keeps
/// alive at most this much of events evicted while it is written.
pub const MAX_PAGE_BYTES: usize = 8 << 20;

/// The longest `q` accepted, in bytes. Matching is linear in the message
/// length, but the needle is copied and prepared for every query.
pub const MAX_TEXT: usize = 1024;

/// The longest `host` or `app` value accepted, in bytes: a few hostnames
/// of 255 bytes, the RFC 5424 § 6.2.4 limit.
pub const MAX_NAMES: usize = 1024;

/// Maximum number of patterns with `*` in one `host` list. Each costs up
/// to two byte comparisons per byte of every stored hostname, so this
/// bounds a query's work per event at about 16 linear scans of the
/// hostname. Names without `*` are not limited: they are compared only
/// with hostnames of their length.
pub const MAX_HOST_WILDCARDS: usize = 16;

/// The filters and paging of one query. Every filter that is set must pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// Events at or after this instant.
    pub since: Option<DateTime<FixedOffset>>,
    /// Events at or before this instant.
    pub until: Option<DateTime<FixedOffset>>,
    /// This severity and every more severe one (lower codes).
    pub severity: Option<Severity>,
    /// Bit `n` set when facility code `n` is wanted.
    pub facilities: Option<u32>,
    /// Any of these hostname patterns.
    pub host: Option<Vec<NamePattern>>,
    /// An APP-NAME (RFC 3164 tag) pattern.
    pub app: Option<NamePattern>,
    /// Substring of the message text, case-insensitive.
    pub text: Option<String>,
    pub limit: usize,
    /// The id cursor: with [`Order::Desc`] only older events (lower ids),
    /// with [`Order::Asc`] only newer ones.
    pub after: Option<u64>,
    pub order: Order,
}

impl Default for Query {
    fn default() -> Query {
        Query {
            since: None,
            until: None,
            severity: None,
            facilities: None,
            host: None,
            app: None,
            text: None,
            limit: DEFAULT_LIMIT,
            after: None,
            order: Order::Desc,
        }
    }
}

/// A rejected query parameter, rendered as
/// `invalid severity "foo": expected a name such as err or a number 0-7`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamError {
    pub name: String,
    pub value: String,
    pub expected: &'static str,
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A rejected value can be long (`q` of a megabyte), so the message
        // shows its start and its length.
        const SHOWN: usize = 64;
        if self.value.chars().count() <= SHOWN {
            return write!(
                f,
                "invalid {} {:?}: expected {}",
                self.name, self.value, self.expected
            );
        }
        let start: String = self.value.chars().take(SHOWN).collect();
        write!(
            f,
            "invalid {} {:?}... ({} bytes): expected {}",
            self.name,
            start,
            self.value.len(),
            self.expected
        )
    }
}

fn invalid(name: &str, value: &str, expected: &'static str) -> ParamError {
    ParamError {
        name: name.to_string(),
        value: value.to_string(),
        expected,
    }
}

impl Query {
    /// Sets the filter or paging option `name` from its decoded `value`.
    /// Returns `Ok(false)` when `name` is not a query parameter.
    pub fn set(&mut self, name: &str, value: &str) -> Result<bool, ParamError> {
        match name {
            "since" => self.since = Some(parse_time(name, value)?),
            "until" => self.until = Some(parse_time(name, value)?),
            "severity" => {
                let severity = Severity::from_name(value)
                    .ok_or_else(|| invalid(name, value, "a name such as err or a number 0-7"))?;
                self.severity = Some(severity);
            }
            "facility" => self.facilities = Some(parse_facilities(value)?),
            "host" => {
                if value.len() > MAX_NAMES {
                    return Err(invalid(name, value, "at most 1024 bytes of hostnames"));
                }
                // A comma lists several hosts: a HOSTNAME is a DNS name or
                // an address (RFC 5424 § 6.2.4), neither of which has one.
                // An empty item matches nothing, because no event has an
                // empty hostname, so it is a typo (`fw1,,fw2`, `fw1,`).
                if value.split(',').any(str::is_empty) {
                    return Err(invalid(
                        name,
                        value,
                        "hostnames separated by commas, none empty",
                    ));
                }
                let patterns: Vec<NamePattern> = value.split(',').map(NamePattern::new).collect();
                let wildcards = patterns.iter().filter(|p| p.has_wildcard()).count();
                if wildcards > MAX_HOST_WILDCARDS {
                    return Err(invalid(name, value, "at most 16 hostnames with *"));
                }
                self.host = Some(patterns);
            }
            "app" => {
                if value.len() > MAX_NAMES {
                    return Err(invalid(name, value, "at most 1024 bytes of app name"));
                }
                // No list here: MikroTik sends comma-separated topics such
                // as `system,info,account` as its tag.
                if value.is_empty() {
                    return Err(invalid(
                        name,
                        value,
                        "an app name, with * for any characters",
                    ));
                }
                self.app = Some(NamePattern::new(value));
            }
            "q" => {
                if value.len() > MAX_TEXT {
                    return Err(invalid(name, value, "at most 1024 bytes of text"));
                }
                self.text = Some(value.to_string());
            }
            "limit" => {
                self.limit = parse_decimal(value)
                    .and_then(|limit| usize::try_from(limit).ok())
                    .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                    .ok_or_else(|| invalid(name, value, "a number from 1 to 10000"))?;
            }
            "after" => {
                let after = parse_decimal(value)
                    .ok_or_else(|| invalid(name, value, "an event id (a non-negative integer)"))?;
                self.after = Some(after);
            }
            "order" => {
                self.order = match value {
                    "asc" => Order::Asc,
                    "desc" => Order::Desc,
                    _ => return Err(invalid(name, value, "asc or desc")),
                };
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Returns whether `event` passes every filter (paging aside).
    pub fn matches(&self, event: &Event) -> bool {
        let text = self.text.as_deref().map(TextMatcher::new);
        self.matches_with(event, text.as_ref())
    }

    /// [`Query::matches`] with the text filter prepared once by the caller.
    fn matches_with(&self, event: &Event, text: Option<&TextMatcher>) -> bool {
        if self.since.is_some() || self.until.is_some() {
            let Some(time) = event_time(event) else {
                return false;
            };
            if self.since.is_some_and(|since| time < since) {
                return false;
            }
            if self.until.is_some_and(|until| time > until) {
                return false;
            }
        }
        let severity_passes = self
            .severity
            .is_none_or(|wanted| event.severity.is_some_and(|severity| severity <= wanted));
        let facility_passes = self.facilities.is_none_or(|mask| {
            let code = event.facility.map(Facility::code);
            code.is_some_and(|code| mask & (1 << code) != 0)
        });
        if !severity_passes || !facility_passes {
            return false;
        }
        let host_passes = self.host.as_ref().is_none_or(|patterns| {
            let host = event.hostname.as_deref();
            host.is_some_and(|host| NamePattern::any_match(patterns, host))
        });
        let app_passes = self.app.as_ref().is_none_or(|pattern| {
            let app = event.app_name.as_deref();
            app.is_some_and(|app| pattern.is_match(app))
        });
        if !host_passes || !app_passes {
            return false;
        }
        text.is_none_or(|text| text.is_match(&event.message))
    }
}

/// One page of query results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Page {
    pub events: Vec<Arc<Event>>,
    /// The `after` value for the next page, or `None` when this page
    /// contains the last matching event.
    pub next_after: Option<u64>,
}

/// Runs `query` over `source`, returning at most `query.limit` events and
/// at most [`MAX_PAGE_BYTES`] of them (but always one that matches).
pub fn run(source: &dyn EventSource, query: &Query) -> Page {
    let mut events = Vec::new();
    let mut bytes = 0;
    let mut more = false;
    let text = query.text.as_deref().map(TextMatcher::new);
    source.scan(query.order, query.after, &mut |event| {
        if !query.matches_with(event, text.as_ref()) {
            return ControlFlow::Continue(());
        }
        // One match beyond the limit proves that another page exists.
        let size = event.memory_size();
        let over_budget = !events.is_empty() && bytes + size > MAX_PAGE_BYTES;
        if events.len() == query.limit || over_budget {
            more = true;
            return ControlFlow::Break(());
        }
        bytes += size;
        events.push(Arc::clone(event));
        ControlFlow::Continue(())
    });
    let next_after = if more {
        events.last().map(|event: &Arc<Event>| event.id)
    } else {
        None
    };
    Page { events, next_after }
}

fn event_time(event: &Event) -> Option<DateTime<FixedOffset>> {
    event
        .timestamp
        .or_else(|| event.received_at.map(|time| time.fixed_offset()))
}

fn parse_time(name: &str, value: &str) -> Result<DateTime<FixedOffset>, ParamError> {
    DateTime::parse_from_rfc3339(value).map_err(|_| {
        // A `+` in a query string decodes to a space, so `+01:00` arrives
        // as ` 01:00`.
        let expected = if value.contains(' ') {
            "an RFC 3339 time such as 2026-01-31T12:00:00+01:00, with + written as %2B because a + in a query string means a space"
        } else {
            "an RFC 3339 time such as 2026-01-31T12:00:00Z"
        };
        invalid(name, value, expected)
    })
}

/// Parses plain decimal digits. Unlike `str::parse`, it rejects a sign
/// (`+5`) and leading zeros (`05`), so each number has one spelling.
fn parse_decimal(value: &str) -> Option<u64> {
    let canonical = value == "0"
        || value
            .bytes()
            .next()
            .is_some_and(|b| (b'1'..=b'9').contains(&b));
    if !canonical || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

fn parse_facilities(value: &str) -> Result<u32, ParamError> {
    let mut mask = 0;
    for name in value.split(',') {
        let facility = Facility::from_name(name.trim()).ok_or_else(|| {
            invalid(
                "facility",
                value,
                "comma-separated names such as daemon,local0 or numbers 0-23",
            )
        })?;
        mask |= 1 << facility.code();
    }
    Ok(mask)
}

/// A case-insensitive name to match a whole field against, where `*`
/// stands for any run of characters: `core-sw*`, `*.example.net`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamePattern {
    /// The pattern in lower case.
    lowered: String,
    /// The literal parts between the `*`s, or `None` without a `*`.
    segments: Option<Vec<Segment>>,
}

/// The literal text between two `*`s of a [`NamePattern`], with its
/// Knuth-Morris-Pratt table so it can be found in linear time.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Segment {
    bytes: Vec<u8>,
    /// `fallback[i]`: the length of the longest proper prefix of
    /// `bytes[..=i]` that is also its suffix.
    fallback: Vec<usize>,
}

impl Segment {
    fn new(bytes: &[u8]) -> Segment {
        Segment {
            bytes: bytes.to_vec(),
            fallback: kmp_table(bytes),
        }
    }

    /// Returns whether the segment is the text's bytes from `start` on.
    fn is_at(&self, start: usize, byte: &impl Fn(usize) -> u8) -> bool {
        self.bytes
            .iter()
            .enumerate()
            .all(|(i, &expected)| byte(start + i) == expected)
    }

    /// Returns the end of the first occurrence of the segment in the
    /// text's bytes `start..end`, using at most two byte comparisons per
    /// byte of the text.
    fn find_end(&self, start: usize, end: usize, byte: &impl Fn(usize) -> u8) -> Option<usize> {
        if self.bytes.is_empty() {
            return Some(start);
        }
        let mut matched = 0;
        for t in start..end {
            let current = byte(t);
            loop {
                if current == self.bytes[matched] {
                    matched += 1;
                    break;
                }
                if matched == 0 {
                    break;
                }
                matched = self.fallback[matched - 1];
            }
            if matched == self.bytes.len() {
                return Some(t + 1);
            }
        }
        None
    }
}

impl NamePattern {
    pub fn new(pattern: &str) -> NamePattern {
        let lowered = pattern.to_lowercase();
        let segments = lowered.contains('*').then(|| {
            lowered
                .split('*')
                .map(|part| Segment::new(part.as_bytes()))
                .collect()
        });
        NamePattern { lowered, segments }
    }

    /// Returns whether the pattern contains a `*`.
    pub fn has_wildcard(&self) -> bool {
        self.segments.is_some()
    }

    /// Returns whether the whole of `name` matches, ignoring case.
    pub fn is_match(&self, name: &str) -> bool {
        NamePattern::any_match(core::slice::from_ref(self), name)
    }

    /// Returns whether the whole of `name` matches one of `patterns`,
    /// ignoring case. A name that is not ASCII is lowered once for all
    /// patterns, not once per pattern.
    pub fn any_match(patterns: &[NamePattern], name: &str) -> bool {
        if name.is_ascii() {
            let name = name.as_bytes();
            return patterns.iter().any(|pattern| {
                pattern.is_match_lowered(name.len(), |i| name[i].to_ascii_lowercase())
            });
        }
        let lowered = name.to_lowercase();
        let name = lowered.as_bytes();
        patterns
            .iter()
            .any(|pattern| pattern.is_match_lowered(name.len(), |i| name[i]))
    }

    /// Matches the lower-case name of `length` bytes whose byte `i` is
    /// `byte(i)`, so ASCII names are folded without a copy.
    ///
    /// With `*`s the first literal part must start the name and the last
    /// one must end it. Each part between them is taken at its first
    /// occurrence after the previous one, because a later occurrence
    /// would leave less room for the rest. Each part is found with Knuth-Morris-Pratt,
    /// so the cost is linear in the name and the pattern, whatever the
    /// pattern. Matching bytes is sound for UTF-8 because the literal
    /// parts of the pattern are whole characters.
    fn is_match_lowered(&self, length: usize, byte: impl Fn(usize) -> u8) -> bool {
        let Some(segments) = &self.segments else {
            let pattern = self.lowered.as_bytes();
            return length == pattern.len() && (0..length).all(|i| byte(i) == pattern[i]);
        };
        // A pattern with a `*` splits into at least two parts.
        let [first, middle @ .., last] = segments.as_slice() else {
            return false;
        };
        if length < first.bytes.len() + last.bytes.len() {
            return false;
        }
        let end = length - last.bytes.len();
        if !first.is_at(0, &byte) || !last.is_at(end, &byte) {
            return false;
        }
        let mut start = first.bytes.len();
        for segment in middle {
            match segment.find_end(start, end, &byte) {
                Some(found) => start = found,
                None => return false,
            }
        }
        true
    }
}

/// Returns the Knuth-Morris-Pratt failure table of `needle`: entry `i` is
/// the length of the longest proper prefix of `needle[..=i]` that is also
/// its suffix.
fn kmp_table(needle: &[u8]) -> Vec<usize> {
    let mut fallback = alloc::vec![0; needle.len()];
    let mut length = 0;
    for i in 1..needle.len() {
        while length > 0 && needle[i] != needle[length] {
            length = fallback[length - 1];
        }
        if needle[i] == needle[length] {
            length += 1;
        }
        fallback[i] = length;
    }
    fallback
}

/// A case-insensitive substring search, prepared once per query.
///
/// ASCII needles use Knuth-Morris-Pratt over ASCII-folded bytes: at most
/// `2 × haystack length` byte comparisons per event and no allocation, so
/// a long needle full of near-matches costs no more than a short one.
/// Other needles compare the full Unicode lowercase of both sides with
/// `str::contains`, which is linear too but allocates per event.
#[derive(Clone, Debug)]
pub struct TextMatcher {
    needle: Vec<u8>,
    /// `fallback[i]`: the length of the longest proper prefix of
    /// `needle[..=i]` that is also its suffix.
    fallback: Vec<usize>,
    /// The lowercased needle when it is not ASCII.
    unicode: Option<String>,
}

impl TextMatcher {
    pub fn new(needle: &str) -> TextMatcher {
        if !needle.is_ascii() {
            return TextMatcher {
                needle: Vec::new(),
                fallback: Vec::new(),
                unicode: Some(needle.to_lowercase()),
            };
        }
        let needle: Vec<u8> = needle.bytes().map(|b| b.to_ascii_lowercase()).collect();
        let fallback = kmp_table(&needle);
        TextMatcher {
            needle,
            fallback,
            unicode: None,
        }
    }

    /// Returns whether the needle occurs in `haystack`, ignoring case.
    pub fn is_match(&self, haystack: &str) -> bool {
        let mut comparisons = 0;
        self.is_match_counting(haystack, &mut comparisons)
    }

    /// [`TextMatcher::is_match`], adding the byte comparisons of the ASCII
    /// search to `comparisons` so tests can check the linear bound.
    fn is_match_counting(&self, haystack: &str, comparisons: &mut usize) -> bool {
        if let Some(needle) = &self.unicode {
            return haystack.to_lowercase().contains(needle.as_str());
        }
        if self.needle.is_empty() {
            return true;
        }
        let mut matched = 0;
        for byte in haystack.bytes() {
            let byte = byte.to_ascii_lowercase();
            loop {
                *comparisons += 1;
                if byte == self.needle[matched] {
                    matched += 1;
                    break;
                }
                if matched == 0 {
                    break;
                }
                matched = self.fallback[matched - 1];
            }
            if matched == self.needle.len() {
                return true;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests;
