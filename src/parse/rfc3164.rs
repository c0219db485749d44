//! BSD syslog, [RFC 3164 § 4](https://www.rfc-editor.org/rfc/rfc3164#section-4),
//! and the header variants devices send.
//!
//! ```text
//! PRI TIMESTAMP SP HOSTNAME SP TAG ["[" PID "]"] ":" SP CONTENT
//! ```
//!
//! RFC 3164 describes what was observed rather than a grammar, and senders
//! differ. BusyBox, haproxy and pfSense leave the hostname out (`tag:`
//! right after the timestamp). Cisco IOS puts a sequence number, the
//! hostname and `*`/`.` clock-sync markers before the timestamp and a
//! `%FAC-SEV-MNEMONIC:` tag after it. Many stamps carry a year,
//! milliseconds or an RFC 3339 time. The rules below decide each word by
//! its shape, never by looking further than the next word, so the parser
//! stays linear.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use chrono::{DateTime, FixedOffset};

use super::ParseOptions;
use super::error::ParseError;
use super::pri::{Pri, parse_pri};
use super::text;
use super::timestamp::{bsd_timestamp, iso_timestamp, slash_timestamp, sophos_utm_timestamp};
use super::vendor;

/// The fields of an RFC 3164 message after its PRI.
#[derive(Debug, Default)]
pub struct Parsed<'a> {
    pub timestamp: Option<DateTime<FixedOffset>>,
    pub hostname: Option<Cow<'a, str>>,
    pub app_name: Option<Cow<'a, str>>,
    pub procid: Option<Cow<'a, str>>,
    /// A numeric event id between the hostname and the tag (HP ProCurve),
    /// or Cisco sequence numbers, comma-separated.
    pub msgid: Option<Cow<'a, str>>,
    pub message: Cow<'a, str>,
    /// PRI of a message that a relay wrapped in its own header
    /// (`Aug 22 05:11:06 host1 <189>2: *Jan  2 …`). It is the device's
    /// own, so it replaces the outer PRI.
    pub inner_pri: Option<Pri>,
}

fn skip_spaces(input: &[u8]) -> &[u8] {
    let count = input.iter().take_while(|byte| **byte == b' ').count();
    &input[count..]
}

/// Splits off the word before the next SP.
fn word(input: &[u8]) -> (&[u8], &[u8]) {
    let len = input.iter().take_while(|byte| **byte != b' ').count();
    (&input[..len], &input[len..])
}

/// Removes the one SP that separates a field from what follows.
fn one_space(input: &[u8]) -> &[u8] {
    input.strip_prefix(b" ").unwrap_or(input)
}

/// A timestamp and the input after it.
type Stamped<'a> = (DateTime<FixedOffset>, &'a [u8]);

/// Parses a timestamp in any accepted form, with an optional Cisco
/// clock-sync marker before it (`*` not synchronised, `.` lost sync) and
/// an optional `:` after it. A stamp of the right shape whose date or
/// time does not exist (`Feb 30`, `25:00:00`) is an error, not text.
fn timestamp_at<'a>(
    input: &'a [u8],
    options: &ParseOptions,
) -> Result<Option<Stamped<'a>>, ParseError> {
    let unmarked = match input {
        [b'*' | b'.', rest @ ..] => rest,
        _ => input,
    };
    let (rest, timestamp) = match bsd_timestamp(unmarked) {
        Ok((rest, stamp)) => (
            rest,
            stamp.resolve(options.received_at, options.default_offset)?,
        ),
        Err(nom::Err::Failure(error)) => return Err(error),
        Err(_) => match numeric_date_timestamp(unmarked, options.default_offset) {
            Ok((rest, timestamp)) => (rest, timestamp),
            Err(nom::Err::Failure(error)) => return Err(error),
            Err(_) => return Ok(None),
        },
    };
    let rest = rest.strip_prefix(b":").unwrap_or(rest);
    Ok(Some((timestamp, rest)))
}

/// Parses a stamp that starts with a numeric date: RFC 3339-like
/// (`2024-01-05T10:01:02`), NetScaler's `05/21/2017:00:00:00` or Sophos
/// UTM's `2023:04:28-11:28:41`.
fn numeric_date_timestamp(
    input: &[u8],
    default_offset: FixedOffset,
) -> nom::IResult<&[u8], DateTime<FixedOffset>, ParseError> {
    match iso_timestamp(input, default_offset) {
        Err(nom::Err::Error(_)) => match slash_timestamp(input, default_offset) {
            Err(nom::Err::Error(_)) => sophos_utm_timestamp(input, default_offset),
            result => result,
        },
        result => result,
    }
}

fn is_hostname_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_')
}

/// Cisco uptime stamps (`00:01:01:` or `1d02h:`) used when the clock was
/// never set; they are not a date. A plain number (`000123:`) is a
/// sequence number, so each form needs its `:` or unit letter.
fn uptime(input: &[u8]) -> Option<&[u8]> {
    let (token, rest) = word(input);
    let token = token.strip_suffix(b":")?;
    let clock = token.len() >= 7
        && token.contains(&b':')
        && token
            .iter()
            .all(|byte| byte.is_ascii_digit() || *byte == b':' || *byte == b'.');
    let days = token.len() >= 3
        && token[0].is_ascii_digit()
        && token.iter().any(|byte| b"ywdhm".contains(byte))
        && token
            .iter()
            .all(|byte| byte.is_ascii_digit() || b"ywdhm".contains(byte));
    (clock || days).then_some(rest)
}

/// Fields found in a Cisco-style prefix before the timestamp.
#[derive(Default)]
struct Prefix<'a> {
    hostname: Option<&'a [u8]>,
    /// A sequence number, uptime stamp or empty sequence number was seen,
    /// so the text is a Cisco header when a date or a `%FAC-SEV-MNEMONIC:`
    /// follows.
    cisco: bool,
    /// Sequence numbers without their `:`, in the order sent; they become
    /// `msgid`.
    sequence: Vec<&'a [u8]>,
    /// The Cisco WLC task name without `*` and `:`; it becomes `procid`.
    task: Option<&'a [u8]>,
    /// Header words that fit no field (an uptime stamp, an IOS-XR node name
    /// after the hostname); they start `message`.
    message_prefix: Vec<&'a [u8]>,
    /// The timestamp is a Cisco device's own (after a sequence number or
    /// with a clock-sync marker) and ends in `:`, so the header ends there
    /// and no hostname follows it.
    device_stamp: bool,
}

/// The Cisco prefix, the timestamp if one was found, and the rest.
type HeaderStart<'a> = (Prefix<'a>, Option<DateTime<FixedOffset>>, &'a [u8]);

/// Parses the header up to and including the timestamp, collecting up to
/// five Cisco prefix tokens (`000123: host: 6340004: *Jun 15 …`).
fn header_start<'a>(
    input: &'a [u8],
    options: &ParseOptions,
) -> Result<HeaderStart<'a>, ParseError> {
    let mut prefix = Prefix::default();
    let mut rest = input;
    for _ in 0..5 {
        rest = skip_spaces(rest);
        if let Some((timestamp, after)) = timestamp_at(rest, options)? {
            // Cisco's own stamps: after a sequence number, with a
            // clock-sync marker, or BSD-style with milliseconds.
            let stamp = &rest[..rest.len() - after.len()];
            let marked = matches!(stamp.first(), Some(b'*' | b'.'));
            prefix.device_stamp = (prefix.cisco || marked) && stamp.ends_with(b":");
            let device_stamp = || {
                let bsd = stamp.first().is_some_and(u8::is_ascii_alphabetic);
                prefix.cisco || marked || (bsd && stamp.contains(&b'.'))
            };
            if let Some((zone, after_zone)) = unknown_zone(after).filter(|_| device_stamp()) {
                prefix.message_prefix.push(zone);
                prefix.device_stamp = prefix.cisco || marked;
                return Ok((prefix, Some(timestamp), after_zone));
            }
            return Ok((prefix, Some(timestamp), after));
        }
        if let Some(after) = uptime(rest) {
            prefix.cisco = true;
            prefix.message_prefix.push(word(rest).0);
            rest = after;
            continue;
        }
        // NX-OS sends an empty sequence number (`<189>: 2021 Jun 15 …`)
        // and some ASA releases a bare colon (`<166>:Jun 15 …`).
        if let Some(after) = rest.strip_prefix(b":") {
            prefix.cisco = true;
            rest = after;
            continue;
        }
        if let Some(after) = bare_hostname(rest, &prefix, options) {
            prefix.hostname = Some(word(rest).0);
            rest = after;
            continue;
        }
        let len = rest.iter().take_while(|byte| **byte != b':').count();
        let token = &rest[..len];
        let after = rest.get(len + 1..).unwrap_or_default();
        if token.is_empty() || len == rest.len() || len > 255 {
            break;
        }
        let spaced = after.first() == Some(&b' ');
        if token.iter().all(u8::is_ascii_digit) && spaced {
            prefix.cisco = true;
            prefix.sequence.push(token);
        } else if token[0] == b'*' && spaced && !token.contains(&b' ') && prefix.task.is_none() {
            // A Cisco WLC task name such as `*spamApTask1:`.
            prefix.task = Some(&token[1..]);
        } else if token.iter().all(|byte| is_hostname_byte(*byte)) && spaced {
            if prefix.hostname.is_some() {
                break;
            }
            prefix.hostname = Some(token);
        } else if let Some(after) = colon_hostname(rest, &prefix, options)? {
            // A Cisco Aironet access point's name contains a colon:
            // `6642: AP:abcd.9876.0123: *Jul  9 09:06:15.007: …`.
            prefix.hostname = Some(&rest[..rest.len() - after.len() - 2]);
            rest = after;
            continue;
        } else if !spaced && timestamp_at(after, options)?.is_some() {
            // An IOS-XR node name glued to the stamp, after the hostname
            // when one is configured: `router1 RP/0/RSP0/CPU0:Jun 15 …`.
            let (first, node) = word(token);
            let node = one_space(node);
            if node.contains(&b' ') || (!node.is_empty() && prefix.hostname.is_some()) {
                break;
            }
            // The node name (the line card that logged) is the hostname
            // when the router sends none; after a hostname it is kept in
            // the message.
            match (node.is_empty(), prefix.hostname) {
                (true, Some(_)) => prefix.message_prefix.push(first),
                (true, None) => prefix.hostname = Some(first),
                (false, _) => {
                    prefix.hostname = Some(first);
                    prefix.message_prefix.push(node);
                }
            }
        } else {
            break;
        }
        rest = after;
    }
    // Without a date, only an uptime stamp or a `%FAC-SEV-MNEMONIC:` makes
    // the words before it a Cisco header: `404: not found` is text.
    let (next, _) = word(skip_spaces(rest));
    let uptime_seen = !prefix.message_prefix.is_empty();
    prefix.cisco &= uptime_seen || is_cisco_mnemonic(next);
    Ok((prefix, None, rest))
}

/// Splits off an unknown zone abbreviation glued to a colon after a Cisco
/// device stamp (`.123 CST:`, `DST:`). Cisco prints whatever name
/// `clock timezone` was given, and names such as `CST` mean several
/// offsets. So the word is kept for the message and `default_offset`
/// applies. Read as a hostname, it would hide the real one.
fn unknown_zone(input: &[u8]) -> Option<(&[u8], &[u8])> {
    unknown_zone_word(input.strip_prefix(b" ")?)
}

/// Splits off a word of two to five upper-case letters and a colon, the
/// shape of a zone name after a Cisco stamp, and the one space after it.
fn unknown_zone_word(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let letters = input
        .iter()
        .take(6)
        .take_while(|byte| byte.is_ascii_uppercase())
        .count();
    let is_name = (2..=5).contains(&letters) && input.get(letters) == Some(&b':');
    if !is_name {
        return None;
    }
    let after = &input[letters + 1..];
    let ends = after.is_empty() || after[0] == b' ';
    ends.then(|| (&input[..=letters], one_space(after)))
}

/// Checks for a hostname that contains colons and ends in `: ` before a
/// timestamp, as Cisco Aironet access points send it, and returns the
/// input after the `: `. Only the first hostname is read this way.
fn colon_hostname<'a>(
    input: &'a [u8],
    prefix: &Prefix<'_>,
    options: &ParseOptions,
) -> Result<Option<&'a [u8]>, ParseError> {
    if prefix.hostname.is_some() {
        return Ok(None);
    }
    let (token, after) = word(input);
    let Some(name) = token.strip_suffix(b":") else {
        return Ok(None);
    };
    let shaped = name.contains(&b':')
        && name.iter().any(u8::is_ascii_alphabetic)
        && name
            .iter()
            .all(|byte| is_hostname_byte(*byte) || *byte == b':');
    if !shaped || !after.starts_with(b" ") {
        return Ok(None);
    }
    let after = &after[1..];
    Ok(cisco_continues(after, options).then_some(after))
}

/// Checks for a hostname without a colon inside a Cisco prefix, after a
/// sequence number: `3132517: 192.0.2.2 3132513: Jul 14 …` or
/// `: host1 Aug 27 21:40:50 PDT: …`. The word must contain a letter or a
/// `.` and be followed by what a Cisco header continues with. Returns the
/// input after the word and its space.
fn bare_hostname<'a>(
    input: &'a [u8],
    prefix: &Prefix<'_>,
    options: &ParseOptions,
) -> Option<&'a [u8]> {
    if !prefix.cisco || prefix.hostname.is_some() {
        return None;
    }
    let (name, after) = word(input);
    let shaped = !name.is_empty()
        && name.iter().all(|byte| is_hostname_byte(*byte))
        && name
            .iter()
            .any(|byte| byte.is_ascii_alphabetic() || *byte == b'.');
    let after = after.strip_prefix(b" ")?;
    (shaped && cisco_continues(after, options)).then_some(after)
}

/// Checks whether `input` goes on as a Cisco header does after a
/// hostname: a timestamp, an uptime stamp, a sequence number before one
/// of these or before a mnemonic, or a `%FAC-SEV-MNEMONIC:`.
fn cisco_continues(input: &[u8], options: &ParseOptions) -> bool {
    if is_cisco_mnemonic(word(input).0) || cisco_stamp_follows(input, options) {
        return true;
    }
    match split_sequence(input) {
        Some((_, after)) => is_cisco_mnemonic(word(after).0),
        None => false,
    }
}

/// Checks whether `input` starts with a timestamp or uptime stamp, alone
/// or after a sequence number. Unlike [`cisco_continues`] a mnemonic is
/// not enough, so that a tag before a mnemonic stays a tag (Arista
/// `Ebra: %LINEPROTO-5-UPDOWN:`, `Acl: 100: %ACL-6-IPACCESS:`).
fn cisco_stamp_follows(input: &[u8], options: &ParseOptions) -> bool {
    let is_stamp =
        |text: &[u8]| matches!(timestamp_at(text, options), Ok(Some(_))) || uptime(text).is_some();
    is_stamp(input) || split_sequence(input).is_some_and(|(_, after)| is_stamp(after))
}

/// Checks whether `word` is a Cisco message tag such as `%ASA-6-302013:`.
fn is_cisco_mnemonic(word: &[u8]) -> bool {
    word.len() > 2 && word[0] == b'%' && word.ends_with(b":") && word.contains(&b'-')
}

/// Checks whether `word` is a Cisco `%FACILITY-SEVERITY-MNEMONIC` without
/// its colon: `%`, then upper-case words, digits and `_` joined by `-`,
/// one of them a single severity digit 0-7 that is neither first nor last.
fn is_bare_cisco_mnemonic(word: &[u8]) -> bool {
    let Some(body) = word.strip_prefix(b"%") else {
        return false;
    };
    let parts = body.split(|byte| *byte == b'-');
    let count = parts.clone().count();
    let well_formed = parts.clone().all(|part| {
        !part.is_empty()
            && part
                .iter()
                .all(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit() || *byte == b'_')
    });
    let severity = parts
        .enumerate()
        .any(|(index, part)| index > 0 && index + 1 < count && matches!(part, [b'0'..=b'7']));
    count >= 3 && well_formed && severity
}

/// Checks whether `word` is an IPv6 address, bare or in brackets.
fn is_ipv6(word: &[u8]) -> bool {
    let bare = word
        .strip_prefix(b"[")
        .and_then(|inner| inner.strip_suffix(b"]"))
        .unwrap_or(word);
    core::str::from_utf8(bare).is_ok_and(|text| text.parse::<core::net::Ipv6Addr>().is_ok())
}

/// Checks whether the content is an ArcSight CEF or IBM LEEF record, whose
/// `CEF:0|…` start is a format marker, not a `tag:`.
fn is_cef_or_leef(word: &[u8]) -> bool {
    word.starts_with(b"CEF:") || word.starts_with(b"LEEF:")
}

/// Role of the first word after the timestamp.
#[derive(Debug, PartialEq)]
enum FirstWord {
    Hostname,
    Tag,
    /// Neither: the content starts here (`404: not found`).
    Content,
}

/// Decides whether the first word after the timestamp is a TAG, a
/// HOSTNAME or content. A TAG passes [`tag_colon`] or carries `[pid]`.
/// Two `word:` forms are hostnames: Cisco ASA's `host: %ASA-…:` and
/// UniFi's `host,mac,firmware:`. Any other `word:` that is no TAG
/// (`404:`, `10:01:02:`, `http://example.com:`) is content.
fn classify_first(first: &[u8], after: &[u8]) -> FirstWord {
    if is_ipv6(first) || is_cef_or_leef(first) {
        return FirstWord::Hostname;
    }
    if first.ends_with(b":") {
        let (next, _) = word(one_space(after));
        if first.contains(&b',') || is_cisco_mnemonic(next) {
            return FirstWord::Hostname;
        }
        if tag_colon(first).is_some() {
            return FirstWord::Tag;
        }
        return FirstWord::Content;
    }
    if pid_tag(first).is_some()
        || tag_colon(first).is_some()
        || is_routeros_topics(first)
        || is_bare_cisco_mnemonic(first)
    {
        return FirstWord::Tag;
    }
    FirstWord::Hostname
}

/// Finds the colon that ends the TAG in `tag: text` or `tag:text`
/// (rsyslog's `tag5:msgnum:5`). RFC 3164 § 4.1.3 makes the TAG
/// alphanumeric, but real tags also contain `-_./%` (systemd units, Cisco
/// `%FAC-SEV-MNEMONIC`), so the rule works by exclusion. The tag needs a
/// letter, which makes times (`12:30`) and sequence numbers (`404:`) text.
/// `//` after the colon marks a URL and `:` an IPv6 address, both text.
/// Words such as `Error:` pass, because their shape is a tag's.
fn tag_colon(word: &[u8]) -> Option<usize> {
    let colon = word.iter().position(|byte| *byte == b':')?;
    let tag = &word[..colon];
    let after = &word[colon + 1..];
    let has_letter = tag.iter().any(u8::is_ascii_alphabetic);
    let is_url = after.starts_with(b"//");
    let is_address = after.starts_with(b":") || is_ipv6(word.strip_suffix(b":").unwrap_or(word));
    (has_letter && !is_url && !is_address).then_some(colon)
}

/// Splits `tag[pid]` with an optional `:`; returns the tag, the pid and
/// the length of the word consumed.
fn pid_tag(word: &[u8]) -> Option<(&[u8], &[u8], usize)> {
    let open = word.iter().position(|byte| *byte == b'[')?;
    let close = open + word[open..].iter().position(|byte| *byte == b']')?;
    if open == 0 || close == open + 1 {
        return None;
    }
    match word.get(close + 1) {
        None => Some((&word[..open], &word[open + 1..close], close + 1)),
        Some(b':') => Some((&word[..open], &word[open + 1..close], close + 2)),
        Some(_) => None,
    }
}

/// The TAG and the CONTENT after it.
struct Tagged<'a> {
    app_name: Option<&'a [u8]>,
    procid: Option<&'a [u8]>,
    msgid: Option<&'a [u8]>,
    message: &'a [u8],
}

/// Severity topics of MikroTik RouterOS; every RouterOS log line carries
/// one of them in its topic list.
const ROUTEROS_SEVERITIES: [&[u8]; 5] = [b"debug", b"info", b"warning", b"error", b"critical"];

/// Checks whether `word` is a MikroTik RouterOS topic list such as
/// `system,info,account`: two or more comma-separated lower-case topics,
/// one of them a severity. RouterOS sends it where the tag belongs, with
/// no colon after it.
fn is_routeros_topics(word: &[u8]) -> bool {
    let mut topics = word.split(|byte| *byte == b',');
    let count = topics.clone().count();
    let well_formed = topics.clone().all(|topic| {
        !topic.is_empty()
            && topic
                .iter()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || *byte == b'-')
    });
    count >= 2 && well_formed && topics.any(|topic| ROUTEROS_SEVERITIES.contains(&topic))
}

/// Splits off a numeric event id before a tag, as HP ProCurve sends it
/// after the hostname (`00025 ports: port 1 is now on-line`). The id needs
/// a tag after it, so a number that starts prose stays in the content.
fn event_id(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let (id, after) = word(input);
    let after = one_space(after);
    let is_id = (1..=10).contains(&id.len()) && id.iter().all(u8::is_ascii_digit);
    let (next, _) = word(after);
    let tag_follows = (next.len() > 1 && next.ends_with(b":")) || pid_tag(next).is_some();
    (is_id && tag_follows).then_some((id, after))
}

/// Parses `TAG[PID]: CONTENT`, `TAG: CONTENT` or, with `glued`,
/// `TAG:CONTENT`. A word without `:` or `[pid]` is left in the content.
/// RFC 3164 § 4.1.3 lets a space end the TAG, but devices also send
/// content without a tag (RFC 3164 § 5.4, example 2: `Use the BFG!`).
/// Misfiling the first word of a sentence loses more than leaving a tag in
/// the message.
fn tagged(input: &[u8], glued: bool) -> Tagged<'_> {
    let (first, after) = word(input);
    let untagged = Tagged {
        app_name: None,
        procid: None,
        msgid: None,
        message: input,
    };
    if is_cef_or_leef(first) {
        return untagged;
    }
    if let Some((tag, pid, consumed)) = pid_tag(first) {
        return Tagged {
            app_name: Some(tag),
            procid: Some(pid),
            msgid: None,
            message: one_space(&input[consumed..]),
        };
    }
    if is_routeros_topics(first) {
        return Tagged {
            app_name: Some(first),
            procid: None,
            msgid: None,
            message: one_space(after),
        };
    }
    // Snare and NXLog end `MSWinEventLog` with a TAB, not a colon.
    if let Some(tab) = first.iter().position(|byte| *byte == b'\t') {
        let tag = &first[..tab];
        if !tag.is_empty() && tag.iter().all(u8::is_ascii_alphanumeric) {
            return Tagged {
                app_name: Some(tag),
                procid: None,
                msgid: None,
                message: &input[tab + 1..],
            };
        }
    }
    // Cisco APIC leaves the colon off its mnemonic:
    // `apic1 %LOG_LOCAL0-2-SYSTEM_MSG [F0110]…`.
    if is_bare_cisco_mnemonic(first) {
        return Tagged {
            app_name: Some(first),
            message: one_space(after),
            ..untagged
        };
    }
    // `OCT 11 22:14:15 : a message`: an empty tag.
    if first == b":" {
        return Tagged {
            message: one_space(after),
            ..untagged
        };
    }
    match tag_colon(first) {
        Some(colon) if colon + 1 == first.len() => Tagged {
            app_name: Some(&first[..colon]),
            message: one_space(after),
            ..untagged
        },
        Some(colon) if glued => Tagged {
            app_name: Some(&first[..colon]),
            message: &input[colon + 1..],
            ..untagged
        },
        _ => untagged,
    }
}

/// Splits the hostname word into the hostname, without the brackets of an
/// IPv6 address, and the text after it that is no hostname. UniFi sends
/// `hostname,mac,firmware` in its place: the MAC address and firmware
/// version are returned to start the message, where a text search finds
/// them, and the hostname stays exact for host filters.
fn hostname_field(word: &[u8]) -> (&[u8], Option<&[u8]>) {
    if let Some(inner) = word
        .strip_prefix(b"[")
        .and_then(|inner| inner.strip_suffix(b"]"))
    {
        return (inner, None);
    }
    match word.iter().position(|byte| *byte == b',') {
        Some(comma) if comma > 0 => (&word[..comma], Some(&word[comma + 1..])),
        _ => (word, None),
    }
}

/// Joins words with `separator`, borrowing when there is only one.
fn join<'a>(words: &[&'a [u8]], separator: &str) -> Option<Cow<'a, str>> {
    match words {
        [] => None,
        [only] => Some(text(only)),
        _ => {
            let mut joined = String::new();
            for (index, word) in words.iter().enumerate() {
                if index > 0 {
                    joined.push_str(separator);
                }
                joined.push_str(&text(word));
            }
            Some(Cow::Owned(joined))
        }
    }
}

/// Builds the fields. Spaces that start the content are dropped: RFC 3164
/// content is free text, and senders differ in how many spaces they put
/// after the tag.
///
/// Every header word is kept somewhere. Cisco sequence numbers go to
/// `msgid` (comma-separated when there are two, then the event id), a WLC
/// task name to `procid` when the tag carries no pid, and the words that
/// fit no field start `message`, separated by spaces.
fn finish<'a>(
    timestamp: Option<DateTime<FixedOffset>>,
    hostname: Option<&'a [u8]>,
    tagged: Tagged<'a>,
    prefix: Prefix<'a>,
) -> Parsed<'a> {
    let mut message_prefix = prefix.message_prefix;
    let hostname = hostname.map(|word| {
        let (hostname, rest) = hostname_field(word);
        message_prefix.extend(rest);
        text(hostname)
    });
    // A tag's own `[pid]` wins over the WLC task name, which then stays in
    // the message.
    let procid = match (tagged.procid, prefix.task) {
        (Some(pid), Some(task)) => {
            message_prefix.push(task);
            Some(pid)
        }
        (pid, task) => pid.or(task),
    };
    let mut sequence = prefix.sequence;
    sequence.extend(tagged.msgid);
    let content = skip_spaces(tagged.message);
    if !content.is_empty() {
        message_prefix.push(content);
    }
    Parsed {
        timestamp,
        hostname,
        app_name: tagged.app_name.map(text),
        procid: procid.map(text),
        msgid: join(&sequence, ","),
        message: join(&message_prefix, " ").unwrap_or_default(),
        inner_pri: None,
    }
}

/// Parses a message after its PRI (`has_pri`) or one without PRI.
///
/// With a PRI anything is accepted: text without a timestamp becomes the
/// content (with its tag, if it starts with one) or, for `key=value`
/// bodies, goes to [`vendor::parse`]. Without a PRI a timestamp must start
/// the input, otherwise this returns [`ParseError::Header`].
pub fn parse<'a>(
    input: &'a [u8],
    options: &ParseOptions,
    has_pri: bool,
) -> Result<Parsed<'a>, ParseError> {
    let input = skip_spaces(input);
    let (prefix, timestamp, rest) = header_start(input, options)?;

    if timestamp.is_none() && !prefix.cisco {
        if !has_pri {
            return Err(ParseError::Header);
        }
        if let Some(parsed) = vendor::parse(input, options) {
            return Ok(parsed);
        }
        let tagged = tagged(input, false);
        return Ok(finish(None, None, tagged, Prefix::default()));
    }

    let rest = skip_spaces(rest);
    let mut prefix = prefix;
    if let Some(hostname) = prefix.hostname {
        let tagged = after_hostname(rest, &mut prefix.message_prefix);
        return Ok(finish(timestamp, Some(hostname), tagged, prefix));
    }
    if (prefix.cisco && timestamp.is_none()) || prefix.device_stamp {
        return Ok(finish(timestamp, None, tagged(rest, true), prefix));
    }

    // `OCT 11 22:14:15 : a message`: no hostname and an empty tag.
    let (first, after) = word(rest);
    let kind = match first {
        b"" | b":" => FirstWord::Tag,
        _ => classify_first(first, after),
    };
    match kind {
        FirstWord::Tag => return Ok(finish(timestamp, None, tagged(rest, true), prefix)),
        FirstWord::Content => return Ok(finish(timestamp, None, untagged(rest), prefix)),
        FirstWord::Hostname => {}
    }

    let (inner_pri, mut rest) = embedded_pri(one_space(after));
    let mut hostname = first.strip_suffix(b":").unwrap_or(first);
    if let Some((device, after)) = device_hostname(rest, options) {
        // A relay wrote its own header before the device's
        // `sw01: 3132779: Jul 14 …`: the name the device gives itself is
        // the hostname, and the relay's word for it starts the message.
        prefix.message_prefix.push(hostname);
        hostname = device;
        rest = after;
    }
    if let Some(after) = repeated_hostname(rest, hostname) {
        rest = after;
    }
    if starts_with_key(rest) && prefix.sequence.is_empty() && prefix.message_prefix.is_empty() {
        if let Some(mut parsed) = relayed_key_values(rest, hostname, timestamp, options) {
            parsed.inner_pri = inner_pri;
            return Ok(parsed);
        }
    }
    let (timestamp, rest) = match cisco_sequence(rest, options) {
        Some(device) => {
            prefix
                .sequence
                .extend(device.sequence.into_iter().flatten());
            prefix.message_prefix.extend(device.zone);
            let outer_first = device.unsynchronised && timestamp.is_some();
            match outer_first {
                true => (timestamp, device.rest),
                false => (device.timestamp.or(timestamp), device.rest),
            }
        }
        None => (timestamp, rest),
    };
    let tagged = after_hostname(rest, &mut prefix.message_prefix);
    let mut parsed = finish(timestamp, Some(hostname), tagged, prefix);
    parsed.inner_pri = inner_pri;
    Ok(parsed)
}

/// Splits off a valid PRI glued to the text after it (`<189>2: *Jan  2 …`),
/// which a relay that writes its own header before the raw message leaves
/// after the hostname. Anything else, including an invalid PRI, is left in
/// place.
fn embedded_pri(input: &[u8]) -> (Option<Pri>, &[u8]) {
    if input.first() != Some(&b'<') {
        return (None, input);
    }
    match parse_pri(input) {
        Ok(Some((pri, rest))) if rest.first().is_some_and(|byte| *byte != b' ') => {
            (Some(pri), rest)
        }
        _ => (None, input),
    }
}

/// Content without a tag.
fn untagged(input: &[u8]) -> Tagged<'_> {
    Tagged {
        app_name: None,
        procid: None,
        msgid: None,
        message: input,
    }
}

/// Syslog severity keywords as syslog-ng's `${LEVEL}` prints them; F5
/// BIG-IP puts one between the hostname and the tag
/// (`bigip1 info logger[1234]: …`).
const LEVELS: [&[u8]; 8] = [
    b"emerg", b"alert", b"crit", b"err", b"warning", b"notice", b"info", b"debug",
];

/// Facility keywords of `facility.level` (`user.info`), which Ubiquiti
/// gateways put in the same place.
const FACILITIES: [&[u8]; 20] = [
    b"kern",
    b"user",
    b"mail",
    b"daemon",
    b"auth",
    b"syslog",
    b"lpr",
    b"news",
    b"uucp",
    b"cron",
    b"authpriv",
    b"ftp",
    b"local0",
    b"local1",
    b"local2",
    b"local3",
    b"local4",
    b"local5",
    b"local6",
    b"local7",
];

/// Checks whether `word` is a severity keyword, alone or after a facility
/// keyword and a `.`.
fn is_level_word(word: &[u8]) -> bool {
    let level = match word.iter().position(|byte| *byte == b'.') {
        Some(dot) if FACILITIES.contains(&&word[..dot]) => &word[dot + 1..],
        Some(_) => return false,
        None => word,
    };
    LEVELS.contains(&level)
}

/// Splits off a severity keyword (F5 BIG-IP) or `facility.level` word
/// (Ubiquiti) that comes before a tag with `[pid]` or `:`.
fn level_before_tag(input: &[u8]) -> Option<(&[u8], &[u8])> {
    // `authpriv.warning`, the longest such word, has 16 bytes, so the scan
    // stops early on ordinary tags (`sshd[812]:` at its `[`).
    let len = input
        .iter()
        .take(17)
        .take_while(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || **byte == b'.')
        .count();
    if len == 0 || input.get(len) != Some(&b' ') || !is_level_word(&input[..len]) {
        return None;
    }
    let after = &input[len + 1..];
    let (next, _) = word(after);
    let is_tag = pid_tag(next).is_some() || (next.len() > 1 && next.ends_with(b":"));
    is_tag.then_some((&input[..len], after))
}

/// Skips the spaces and the lone `:` that Cisco ASA and FTD put between
/// the hostname and the mnemonic (`host : %ASA-…:`, `host  %FTD-…:`).
/// Before anything else an empty word keeps meaning an empty tag
/// (`host  {"json": 1}`), so the input is returned unchanged.
fn skip_to_cisco_mnemonic(input: &[u8]) -> &[u8] {
    let mut rest = skip_spaces(input);
    if let Some(after) = rest.strip_prefix(b": ") {
        rest = skip_spaces(after);
    }
    match is_cisco_mnemonic(word(rest).0) {
        true => rest,
        false => input,
    }
}

/// Parses what follows the hostname: an optional severity keyword (F5)
/// or numeric event id (HP ProCurve), then the tag and content. A
/// severity keyword starts `message`, so it is pushed to
/// `message_prefix`.
fn after_hostname<'a>(input: &'a [u8], message_prefix: &mut Vec<&'a [u8]>) -> Tagged<'a> {
    let mut input = match input.first() {
        Some(b' ' | b':') => skip_to_cisco_mnemonic(input),
        _ => input,
    };
    // A zone name between the hostname and the mnemonic
    // (`host1 AEST: %SFF8472-3-THRESHOLD_VIOLATION: …`) starts the message.
    let zone = match input.first() {
        Some(b'A'..=b'Z') => unknown_zone_word(input),
        _ => None,
    };
    if let Some((zone, after)) = zone {
        if is_cisco_mnemonic(word(after).0) {
            message_prefix.push(zone);
            input = after;
        }
    }
    if let Some((level, after)) = level_before_tag(input) {
        message_prefix.push(level);
        input = after;
    }
    match event_id(input) {
        Some((id, rest)) => Tagged {
            msgid: Some(id),
            ..tagged(rest, true)
        },
        None => tagged(input, true),
    }
}

/// Checks cheaply whether `input` starts with `key=`, with a key of at
/// most 16 letters, digits, `_`, `-` or `.` (FortiGate's `date=`,
/// SonicWall's `id=`, Sophos's `device=`).
fn starts_with_key(input: &[u8]) -> bool {
    let len = input
        .iter()
        .take(17)
        .take_while(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.'))
        .count();
    len > 0 && input.get(len) == Some(&b'=')
}

/// Parses a firewall's `key=value` body behind a relay's header
/// (`Jul 19 11:08:59 _gateway date=2024-07-19 time=11:05:36 devname=fw1 …`).
/// The device name and time in the body win, as a Cisco device's own name
/// and stamp do, and the relay's word for the host then starts the message.
/// Returns `None` unless the body names a device or a time.
fn relayed_key_values<'a>(
    input: &'a [u8],
    relay_host: &'a [u8],
    outer: Option<DateTime<FixedOffset>>,
    options: &ParseOptions,
) -> Option<Parsed<'a>> {
    let mut parsed = vendor::parse(input, options)?;
    if parsed.hostname.is_none() && parsed.timestamp.is_none() {
        return None;
    }
    parsed.timestamp = parsed.timestamp.or(outer);
    match parsed.hostname {
        Some(_) => {
            let mut message = String::from(text(relay_host));
            message.push(' ');
            message.push_str(&parsed.message);
            parsed.message = Cow::Owned(message);
        }
        None => parsed.hostname = Some(text(relay_host)),
    }
    Some(parsed)
}

/// Skips the hostname written a second time before a tag, as UniFi
/// consoles relay their own messages
/// (`host1 host1 ubios-udapi-server[3117]: …`). The word is the same as
/// the hostname field, so nothing is lost; without a tag after it the
/// input is left alone.
fn repeated_hostname<'a>(input: &'a [u8], hostname: &[u8]) -> Option<&'a [u8]> {
    let after = input.strip_prefix(hostname)?.strip_prefix(b" ")?;
    let (next, _) = word(after);
    let is_tag = pid_tag(next).is_some() || tag_colon(next).is_some();
    is_tag.then_some(after)
}

/// Splits off a Cisco device's own `hostname:` after a hostname, when a
/// device header follows it (see [`device_header_follows`]).
fn device_hostname<'a>(input: &'a [u8], options: &ParseOptions) -> Option<(&'a [u8], &'a [u8])> {
    // One scan that stops at the first byte no hostname has (the `[` of
    // `sshd[812]:`), then the cheap checks, so the common `host tag: text`
    // pays for no stamp parse.
    let end = input
        .iter()
        .take_while(|byte| is_hostname_byte(**byte) || **byte == b':')
        .count();
    if input.get(end) != Some(&b' ') {
        return None;
    }
    let name = input[..end].strip_suffix(b":")?;
    let after = &input[end + 1..];
    if name.is_empty() || !may_start_device_stamp(after) {
        return None;
    }
    let shaped = !name.contains(&b':') && name.iter().any(u8::is_ascii_alphabetic);
    (shaped && device_header_follows(after, options)).then_some((name, after))
}

/// Checks whether `input` starts with the header a Cisco device writes
/// after its own `name:`: a stamp that [`cisco_sequence`] takes, or an
/// uptime stamp before a `%FAC-SEV-MNEMONIC:`, alone or after a sequence
/// number. A plain date is not enough, because `web1 myapp: Jan  5
/// 10:00:00 started` is an ordinary tag before text that starts with a
/// date, and `web1` is its hostname.
fn device_header_follows(input: &[u8], options: &ParseOptions) -> bool {
    if cisco_sequence(input, options).is_some_and(|device| device.timestamp.is_some()) {
        return true;
    }
    let after = split_sequence(input).map_or(input, |(_, after)| after);
    uptime(after).is_some_and(|rest| is_cisco_mnemonic(word(one_space(rest)).0))
}

/// Checks cheaply whether `input` can start a Cisco device stamp, uptime
/// stamp or sequence number: a clock-sync marker, an upper-case month, a
/// four-digit year, or a word of digits ending in `:`.
fn may_start_device_stamp(input: &[u8]) -> bool {
    match input.first() {
        Some(b'*' | b'.' | b'A'..=b'Z') => true,
        Some(b'0'..=b'9') => {
            let digits = input
                .iter()
                .take_while(|byte| byte.is_ascii_digit())
                .count();
            let year = digits == 4 && input.get(4) == Some(&b' ');
            year || word(input).0.ends_with(b":")
        }
        _ => false,
    }
}

/// The part of a Cisco header after the hostname that a relay or the
/// device put first: the sequence number, the device's own timestamp, an
/// unknown zone name after that timestamp, and the input after them.
struct DeviceHeader<'a> {
    /// The relay's and the device's sequence numbers, in the order sent.
    sequence: [Option<&'a [u8]>; 2],
    timestamp: Option<DateTime<FixedOffset>>,
    /// The stamp carries Cisco's `*` marker: the device clock was never
    /// synchronised, so an outer stamp is closer to the truth.
    unsynchronised: bool,
    zone: Option<&'a [u8]>,
    rest: &'a [u8],
}

/// Splits off a Cisco sequence number after the hostname
/// (`router1 123: .Jun 15 02:35:28.123: %SYS-5-CONFIG_I: …`) and the
/// device's own timestamp after it, which replaces the outer one because
/// it carries milliseconds and the device's zone where the outer one may
/// be a relay's. A stamp marked `*` (clock never synchronised, often a
/// date just after boot) does not replace it. A number is a sequence number only when a valid stamp or
/// a `%FAC-SEV-MNEMONIC:` follows, so `web1 404: not found` keeps `404:`
/// in the content. An invalid inner stamp (`12: Feb 30 …`) leaves the
/// outer header valid and the text in the content.
///
/// NX-OS sends its stamp without a sequence number, sometimes after a
/// lone `:` (`10.0.0.33 : 2023 May  2 15:21:27.206 UTC: …`). Such a stamp
/// counts only when it ends in `:` or an unknown zone name follows it, so
/// a date that starts ordinary content stays there.
fn cisco_sequence<'a>(input: &'a [u8], options: &ParseOptions) -> Option<DeviceHeader<'a>> {
    let input = input.strip_prefix(b": ").unwrap_or(input);
    // Most content starts with a lower-case tag, which starts neither a
    // sequence number nor a stamp, so it returns here without a scan.
    if !matches!(input.first(), Some(b'0'..=b'9' | b'A'..=b'Z' | b'*' | b'.')) {
        return None;
    }
    // A relay's sequence number may come before the device's own
    // (`host1 5: 000006: *Jan  2 …`), so up to two are taken.
    let (number, after) = match split_sequence(input) {
        Some((number, after)) => (Some(number), after),
        None => (None, input),
    };
    let (second, after) = match number.and_then(|_| split_sequence(after)) {
        Some((second, rest)) => (Some(second), rest),
        None => (None, after),
    };
    if number.is_none() && !may_start_device_stamp(after) {
        return None;
    }
    if let Ok(Some((inner, rest))) = timestamp_at(after, options) {
        let stamp = &after[..after.len() - rest.len()];
        if number.is_none() && !stamp.ends_with(b":") && unknown_zone(rest).is_none() {
            return None;
        }
        let (zone, rest) = match unknown_zone(rest) {
            Some((zone, rest)) => (Some(zone), rest),
            None => (None, rest),
        };
        return Some(DeviceHeader {
            sequence: [number, second],
            timestamp: Some(inner),
            unsynchronised: after.first() == Some(&b'*'),
            zone,
            rest: skip_spaces(rest),
        });
    }
    let (next, _) = word(after);
    (number.is_some() && is_cisco_mnemonic(next)).then_some(DeviceHeader {
        sequence: [number, second],
        timestamp: None,
        unsynchronised: false,
        zone: None,
        rest: after,
    })
}

/// Splits off a Cisco sequence number (`000123:`, a 32-bit counter, so
/// ten digits at most) without its `:`, and the input after its space.
fn split_sequence(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let (first, after) = word(input);
    let number = first.strip_suffix(b":")?;
    let is_number = (1..=10).contains(&number.len()) && number.iter().all(u8::is_ascii_digit);
    is_number.then(|| (number, one_space(after)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use chrono::Utc;

    fn options() -> ParseOptions {
        let received_at = DateTime::parse_from_rfc3339("2024-06-20T12:00:00Z").unwrap();
        ParseOptions::new(received_at.with_timezone(&Utc))
    }

    fn ok(input: &[u8]) -> Parsed<'_> {
        parse(input, &options(), true).unwrap()
    }

    fn stamp(parsed: &Parsed<'_>) -> String {
        parsed.timestamp.unwrap().to_rfc3339()
    }

    #[test]
    fn rfc3164_example_1() {
        let parsed = ok(b"Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick");
        assert_eq!(stamp(&parsed), "2023-10-11T22:14:15+00:00");
        assert_eq!(parsed.hostname.as_deref(), Some("mymachine"));
        assert_eq!(parsed.app_name.as_deref(), Some("su"));
        assert_eq!(parsed.message, "'su root' failed for lonvick");
    }

    #[test]
    fn rfc3164_example_2_has_no_tag() {
        let parsed = ok(b"Feb  5 17:32:18 10.0.0.99 Use the BFG!");
        assert_eq!(parsed.hostname.as_deref(), Some("10.0.0.99"));
        assert_eq!(parsed.app_name, None);
        assert_eq!(parsed.message, "Use the BFG!");
    }

    #[test]
    fn busybox_without_hostname() {
        let parsed = ok(b"Jun 15 02:35:28 udhcpc: sending renew to 192.0.2.1");
        assert_eq!(parsed.hostname, None);
        assert_eq!(parsed.app_name.as_deref(), Some("udhcpc"));
        assert_eq!(parsed.message, "sending renew to 192.0.2.1");
    }

    #[test]
    fn haproxy_tag_with_pid_without_hostname() {
        let parsed = ok(b"Jan 13 16:33:35 haproxy[73411]: Proxy started.");
        assert_eq!(parsed.hostname, None);
        assert_eq!(parsed.app_name.as_deref(), Some("haproxy"));
        assert_eq!(parsed.procid.as_deref(), Some("73411"));
    }

    #[test]
    fn tag_glued_to_content() {
        let parsed = ok(b"Feb 13 20:07:26 74794bfb6795 root[8539]:syslog message");
        assert_eq!(parsed.procid.as_deref(), Some("8539"));
        assert_eq!(parsed.message, "syslog message");
    }

    #[test]
    fn url_or_time_after_hostname_is_content() {
        let parsed = ok(b"Jun 15 02:35:28 monitor http://example.net/ is down");
        assert_eq!(parsed.hostname.as_deref(), Some("monitor"));
        assert_eq!(parsed.app_name, None);
        assert_eq!(parsed.message, "http://example.net/ is down");
        let parsed = ok(b"Jun 15 02:35:28 host 12:30 backup started");
        assert_eq!(parsed.app_name, None);
        assert_eq!(parsed.message, "12:30 backup started");
    }

    #[test]
    fn ipv6_hostname() {
        let parsed = ok(b"Jun 15 02:35:28 2001:db8::1 sshd[5]: accepted");
        assert_eq!(parsed.hostname.as_deref(), Some("2001:db8::1"));
        assert_eq!(parsed.app_name.as_deref(), Some("sshd"));
    }

    #[test]
    fn bracketed_ipv6_hostname() {
        let parsed = ok(b"Jun 15 02:35:28 [2001:db8::1] app: x");
        assert_eq!(parsed.hostname.as_deref(), Some("2001:db8::1"));
        assert_eq!(parsed.app_name.as_deref(), Some("app"));
    }

    #[test]
    fn check_point_cef_is_not_split_as_tag() {
        let parsed =
            ok(b"Jun 15 02:35:28 fw CEF:0|Check Point|VPN-1|Check Point|Log|Accept|Unknown|");
        assert_eq!(parsed.hostname.as_deref(), Some("fw"));
        assert_eq!(parsed.app_name, None);
        assert!(parsed.message.starts_with("CEF:0|Check Point"));
    }

    #[test]
    fn palo_alto_cef_right_after_pri() {
        let parsed = ok(b"CEF:0|Palo Alto Networks|PAN-OS|10.0|TRAFFIC|end|3|rt=x");
        assert_eq!(parsed.app_name, None);
        assert!(parsed.message.starts_with("CEF:0|"));
    }

    #[test]
    fn cisco_ios_sequence_number_prefix() {
        let input = b"000123: host-example-1: 6340004: Jun 15 02:35:28: %SEC-6-IPACCESSLOGP: list permitted";
        let parsed = ok(input);
        assert_eq!(parsed.hostname.as_deref(), Some("host-example-1"));
        assert_eq!(parsed.app_name.as_deref(), Some("%SEC-6-IPACCESSLOGP"));
        assert_eq!(parsed.msgid.as_deref(), Some("000123,6340004"));
        assert_eq!(parsed.message, "list permitted");
        assert_eq!(stamp(&parsed), "2024-06-15T02:35:28+00:00");
    }

    #[test]
    fn cisco_ios_unsynchronised_clock_with_zone() {
        let parsed = ok(b"123: *Mar  1 18:46:11.123 UTC: %SYS-5-CONFIG_I: Configured");
        assert_eq!(stamp(&parsed), "2024-03-01T18:46:11.123+00:00");
        assert_eq!(parsed.hostname, None);
        assert_eq!(parsed.app_name.as_deref(), Some("%SYS-5-CONFIG_I"));
    }

    #[test]
    fn cisco_ios_hostname_then_sequence() {
        let parsed =
            ok(b"Jun 15 02:35:29 router1 45: .Jun 15 02:35:28.500 CET: %LINK-3-UPDOWN: down");
        assert_eq!(parsed.hostname.as_deref(), Some("router1"));
        assert_eq!(stamp(&parsed), "2024-06-15T02:35:28.500+01:00");
        assert_eq!(parsed.app_name.as_deref(), Some("%LINK-3-UPDOWN"));
    }

    #[test]
    fn cisco_uptime_stamp_is_not_a_date() {
        let parsed = ok(b"host-example-1: 00:01:01: %SYSMGR-3-SHUTDOWN_START: started");
        assert_eq!(parsed.timestamp, None);
        assert_eq!(parsed.hostname.as_deref(), Some("host-example-1"));
        assert_eq!(parsed.app_name.as_deref(), Some("%SYSMGR-3-SHUTDOWN_START"));
        assert_eq!(parsed.message, "00:01:01: started");
    }

    #[test]
    fn cisco_nxos_empty_sequence_and_year() {
        let parsed = ok(b": 2023 Jun 15 02:35:28 UTC: %ETHPORT-5-IF_UP: Interface up");
        assert_eq!(stamp(&parsed), "2023-06-15T02:35:28+00:00");
        assert_eq!(parsed.app_name.as_deref(), Some("%ETHPORT-5-IF_UP"));
    }

    #[test]
    fn cisco_iosxr_node_name() {
        let input = b"1234: RP/0/RSP0/CPU0:Jun 15 02:35:28.123 UTC: ifmgr[227]: %PKT_INFRA-LINK-3-UPDOWN : down";
        let parsed = ok(input);
        assert_eq!(parsed.app_name.as_deref(), Some("ifmgr"));
        assert_eq!(parsed.procid.as_deref(), Some("227"));
    }

    #[test]
    fn cisco_asa_hostname_with_colon() {
        let parsed = ok(b"Aug  1 14:01:20 abc-asa1: %ASA-6-302013: Built outbound");
        assert_eq!(parsed.hostname.as_deref(), Some("abc-asa1"));
        assert_eq!(parsed.app_name.as_deref(), Some("%ASA-6-302013"));
    }

    #[test]
    fn ubiquiti_bracket_after_tag_is_content() {
        let parsed = ok(b"Jan 26 05:59:54 ubnt kernel: [WAN_LOCAL-default-D]IN=eth0 OUT=");
        assert_eq!(parsed.message, "[WAN_LOCAL-default-D]IN=eth0 OUT=");
    }

    #[test]
    fn unifi_hostname_mac_version() {
        let parsed = ok(b"Jun 15 02:35:28 switch-1,18e8294876c3,v4.0.66 switch: DOT1S: x");
        assert_eq!(parsed.hostname.as_deref(), Some("switch-1"));
        assert_eq!(parsed.app_name.as_deref(), Some("switch"));
        assert_eq!(parsed.message, "18e8294876c3,v4.0.66 DOT1S: x");
    }

    #[test]
    fn cisco_asa_leading_colon() {
        let parsed = ok(b":Jun 15 02:35:28 UTC: %ASA-6-302013: Built outbound");
        assert_eq!(stamp(&parsed), "2024-06-15T02:35:28+00:00");
        assert_eq!(parsed.app_name.as_deref(), Some("%ASA-6-302013"));
    }

    #[test]
    fn cisco_iosxr_hostname_and_node_name() {
        let input = b"1234: router1 RP/0/RSP0/CPU0:Jun 15 02:35:28.123 UTC: ifmgr[227]: %PKT_INFRA-LINK-3-UPDOWN : down";
        let parsed = ok(input);
        assert_eq!(parsed.hostname.as_deref(), Some("router1"));
        assert_eq!(stamp(&parsed), "2024-06-15T02:35:28.123+00:00");
        assert_eq!(parsed.app_name.as_deref(), Some("ifmgr"));
    }

    #[test]
    fn unifi_access_point_hostname_with_colon() {
        let parsed = ok(b"Jun 15 02:35:28 U7PG2,f09fc2238301,v4.3.20: hostapd: ath0: STA x");
        assert_eq!(parsed.hostname.as_deref(), Some("U7PG2"));
        assert_eq!(parsed.app_name.as_deref(), Some("hostapd"));
        assert_eq!(parsed.message, "f09fc2238301,v4.3.20 ath0: STA x");
    }

    #[test]
    fn snare_tab_separated_tag() {
        let parsed = ok(b"Jun 15 02:35:28 WINHOST MSWinEventLog\t1\tSecurity\t540 x");
        assert_eq!(parsed.hostname.as_deref(), Some("WINHOST"));
        assert_eq!(parsed.app_name.as_deref(), Some("MSWinEventLog"));
        assert_eq!(parsed.message, "1\tSecurity\t540 x");
    }

    #[test]
    fn rfc3164_example_3_zone_and_year() {
        let input = b"Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time";
        let parsed = ok(input);
        assert_eq!(stamp(&parsed), "1987-08-24T05:34:00+00:00");
        assert_eq!(parsed.hostname.as_deref(), Some("mymachine"));
        assert_eq!(parsed.procid.as_deref(), Some("10"));
    }

    #[test]
    fn huawei_year_and_glued_offset() {
        let input = b"Jun 15 2024 02:35:28+08:00 HUAWEI %%01SHELL/5/CMDRECORD(s)[0]:Recorded";
        let parsed = ok(input);
        assert_eq!(stamp(&parsed), "2024-06-15T02:35:28+08:00");
        assert_eq!(parsed.hostname.as_deref(), Some("HUAWEI"));
        assert_eq!(parsed.message, "Recorded");
    }

    #[test]
    fn rfc3339_stamp_in_header() {
        let parsed = ok(b"2019-12-02T16:49:23+02:00 host app[23410]: Test");
        assert_eq!(stamp(&parsed), "2019-12-02T16:49:23+02:00");
        assert_eq!(parsed.hostname.as_deref(), Some("host"));
    }

    #[test]
    fn pri_followed_by_text() {
        let parsed = ok(b"xapi: [error|xen3] Connection to master died.");
        assert_eq!(parsed.timestamp, None);
        assert_eq!(parsed.app_name.as_deref(), Some("xapi"));
        assert_eq!(parsed.message, "[error|xen3] Connection to master died.");
    }

    #[test]
    fn without_pri_needs_timestamp() {
        assert!(parse(b"complete gobbledegook", &options(), false).is_err());
        assert!(parse(b"Oct 11 22:14:15 host app: x", &options(), false).is_ok());
    }

    #[test]
    fn citrix_netscaler_date_slash_format() {
        let input = b" 05/21/2017:00:00:00 GMT HOSTNAME 1-ABC-2 : default SSLLOG SSL_HANDSHAKE_SUCCESS 1 0 :  SPCBId 1";
        let parsed = ok(input);
        assert_eq!(stamp(&parsed), "2017-05-21T00:00:00+00:00");
        assert_eq!(parsed.hostname.as_deref(), Some("HOSTNAME"));
        assert_eq!(parsed.app_name, None);
        assert!(parsed.message.starts_with("1-ABC-2 : default SSLLOG"));
    }

    #[test]
    fn hp_procurve_numeric_event_id() {
        let parsed = ok(b"Jan  5 10:01:02 10.1.1.1 00025 ports: port 1 is now on-line");
        assert_eq!(parsed.hostname.as_deref(), Some("10.1.1.1"));
        assert_eq!(parsed.msgid.as_deref(), Some("00025"));
        assert_eq!(parsed.app_name.as_deref(), Some("ports"));
        assert_eq!(parsed.message, "port 1 is now on-line");
    }

    #[test]
    fn number_starting_prose_is_not_event_id() {
        let parsed = ok(b"Jan  5 10:01:02 host 3 users logged in");
        assert_eq!(parsed.msgid, None);
        assert_eq!(parsed.message, "3 users logged in");
    }

    #[test]
    fn mikrotik_routeros_topics() {
        let input = b"Jan  5 10:01:02 MikroTik system,info,account user admin logged in from 192.0.2.1 via winbox";
        let parsed = ok(input);
        assert_eq!(parsed.hostname.as_deref(), Some("MikroTik"));
        assert_eq!(parsed.app_name.as_deref(), Some("system,info,account"));
        assert_eq!(
            parsed.message,
            "user admin logged in from 192.0.2.1 via winbox"
        );
    }

    #[test]
    fn mikrotik_routeros_topics_without_hostname() {
        let parsed = ok(b"Jan  5 10:01:02 dhcp,warning offering lease without success");
        assert_eq!(parsed.hostname, None);
        assert_eq!(parsed.app_name.as_deref(), Some("dhcp,warning"));
        assert_eq!(parsed.message, "offering lease without success");
    }

    #[test]
    fn comma_word_without_severity_topic_is_not_routeros() {
        let parsed = ok(b"Jan  5 10:01:02 host yes,no answer");
        assert_eq!(parsed.app_name, None);
        assert_eq!(parsed.message, "yes,no answer");
    }

    #[test]
    fn rfc3164_example_zone_tz_minus_6() {
        let parsed = ok(b"Jan  5 10:01:02 TZ-6 host app: x");
        assert_eq!(stamp(&parsed), "2024-01-05T10:01:02-06:00");
        assert_eq!(parsed.hostname.as_deref(), Some("host"));
        assert_eq!(parsed.app_name.as_deref(), Some("app"));
    }

    #[test]
    fn numeric_zone_after_time() {
        let parsed = ok(b"Jan  5 10:01:02 +0100 host app: x");
        assert_eq!(stamp(&parsed), "2024-01-05T10:01:02+01:00");
        assert_eq!(parsed.hostname.as_deref(), Some("host"));
        let parsed = ok(b"Jan  5 10:01:02.123 UTC host app: x");
        assert_eq!(stamp(&parsed), "2024-01-05T10:01:02.123+00:00");
        assert_eq!(parsed.hostname.as_deref(), Some("host"));
    }

    #[test]
    fn systemd_journal_forward_without_timestamp() {
        let parsed = ok(b"systemd[1]: Started Session 4 of user root.");
        assert_eq!(parsed.timestamp, None);
        assert_eq!(parsed.app_name.as_deref(), Some("systemd"));
        assert_eq!(parsed.procid.as_deref(), Some("1"));
    }

    #[test]
    fn hostname_only() {
        let parsed = ok(b"Aug 30 23:00:05 X4711");
        assert_eq!(parsed.hostname.as_deref(), Some("X4711"));
        assert_eq!(parsed.message, "");
    }

    #[test]
    fn number_with_colon_is_content() {
        for input in [
            &b"Jan  1 00:00:00 web1 404: not found"[..],
            b"Jan  1 00:00:00 web1 2024: year-end report",
        ] {
            let parsed = ok(input);
            assert_eq!(parsed.hostname.as_deref(), Some("web1"));
            assert_eq!(parsed.msgid, None);
            assert_eq!(parsed.app_name, None);
            assert!(parsed.message.contains(": "), "{}", parsed.message);
        }
        let parsed = ok(b"404: not found");
        assert_eq!(parsed.message, "404: not found");
        let parsed = ok(b"Jan  1 00:00:00 404: not found");
        assert_eq!(parsed.hostname, None);
        assert_eq!(parsed.message, "404: not found");
    }

    #[test]
    fn cisco_sequence_before_mnemonic_is_msgid() {
        let parsed = ok(b"Jan  1 00:00:00 router1 45: %LINK-3-UPDOWN: down");
        assert_eq!(parsed.hostname.as_deref(), Some("router1"));
        assert_eq!(parsed.msgid.as_deref(), Some("45"));
        assert_eq!(parsed.app_name.as_deref(), Some("%LINK-3-UPDOWN"));
        assert_eq!(parsed.message, "down");
    }

    #[test]
    fn url_time_ipv6_are_not_tags() {
        let cases: [(&[u8], &str); 4] = [
            (
                b"myhost http://example.com: not a tag",
                "http://example.com: not a tag",
            ),
            (b"myhost 10:01:02: late", "10:01:02: late"),
            (b"myhost fe80::1: down", "fe80::1: down"),
            (b"myhost 2001:db8::1: down", "2001:db8::1: down"),
        ];
        for (body, message) in cases {
            let mut input = b"Jan  1 00:00:00 ".to_vec();
            input.extend_from_slice(body);
            let parsed = parse(&input, &options(), true).unwrap();
            assert_eq!(parsed.hostname.as_deref(), Some("myhost"));
            assert_eq!(parsed.app_name, None);
            assert_eq!(parsed.message, message);
        }
    }

    #[test]
    fn word_ending_in_colon_is_tag() {
        let parsed = ok(b"Jan  1 00:00:00 myhost Error: disk full");
        assert_eq!(parsed.app_name.as_deref(), Some("Error"));
        assert_eq!(parsed.message, "disk full");
    }

    #[test]
    fn invalid_inner_cisco_stamp_keeps_outer() {
        let parsed = ok(b"Jan  1 00:00:00 web1 12: Feb 30 10:00:00 text");
        assert_eq!(stamp(&parsed), "2024-01-01T00:00:00+00:00");
        assert_eq!(parsed.hostname.as_deref(), Some("web1"));
        assert_eq!(parsed.message, "12: Feb 30 10:00:00 text");
    }

    #[test]
    fn invalid_outer_stamp_is_an_error() {
        assert!(parse(b"Jan  1 25:00:00 web1 app: x", &options(), true).is_err());
        assert!(parse(b"123: Feb 30 10:00:00: %SYS-5-X: y", &options(), true).is_err());
    }

    #[test]
    fn cisco_wlc_task_name_is_procid() {
        let parsed = ok(b"*spamApTask1: Jun 15 02:35:28.123: %LWAPP-3-RD_ERR: down");
        assert_eq!(parsed.procid.as_deref(), Some("spamApTask1"));
        assert_eq!(parsed.app_name.as_deref(), Some("%LWAPP-3-RD_ERR"));
    }

    #[test]
    fn cisco_iosxr_node_after_hostname_is_kept() {
        let input = b"router1 RP/0/RSP0/CPU0:Jun 15 02:35:28.123 UTC: ifmgr[227]: down";
        let parsed = ok(input);
        assert_eq!(parsed.hostname.as_deref(), Some("router1"));
        assert_eq!(parsed.message, "RP/0/RSP0/CPU0 down");
        let parsed = ok(b"1234: RP/0/RSP0/CPU0:Jun 15 02:35:28.123 UTC: ifmgr[227]: down");
        assert_eq!(parsed.hostname.as_deref(), Some("RP/0/RSP0/CPU0"));
        assert_eq!(parsed.msgid.as_deref(), Some("1234"));
    }

    #[test]
    fn cisco_unknown_zone_after_device_stamp() {
        let parsed = ok(b"84027: Jun 15 02:35:28.123 DST: %SYS-5-CONFIG_I: Configured");
        assert_eq!(parsed.hostname, None);
        assert_eq!(parsed.msgid.as_deref(), Some("84027"));
        assert_eq!(parsed.app_name.as_deref(), Some("%SYS-5-CONFIG_I"));
        assert_eq!(parsed.message, "DST: Configured");
        let parsed = ok(b"host1: Jun 15 02:35:28.123 CST: %SYS-5-CONFIG_I: Configured");
        assert_eq!(parsed.hostname.as_deref(), Some("host1"));
        assert_eq!(parsed.app_name.as_deref(), Some("%SYS-5-CONFIG_I"));
        assert_eq!(parsed.message, "CST: Configured");
    }

    #[test]
    fn uppercase_hostname_after_plain_stamp_stays_hostname() {
        let parsed = ok(b"Jun 15 02:35:28 ASA: %ASA-6-302013: Built");
        assert_eq!(parsed.hostname.as_deref(), Some("ASA"));
        assert_eq!(parsed.app_name.as_deref(), Some("%ASA-6-302013"));
        let parsed = ok(b"2024-06-15T02:35:28.123Z FW: %ASA-6-302013: Built");
        assert_eq!(parsed.hostname.as_deref(), Some("FW"));
    }

    #[test]
    fn cisco_asa_space_before_colon_and_double_space() {
        for input in [
            &b"Jun 15 02:35:28 host1 : %ASA-3-003164: TCP access denied"[..],
            b"2026-06-15T02:35:28Z host1  %ASA-3-003164: TCP access denied",
        ] {
            let parsed = ok(input);
            assert_eq!(parsed.hostname.as_deref(), Some("host1"));
            assert_eq!(parsed.app_name.as_deref(), Some("%ASA-3-003164"));
            assert_eq!(parsed.message, "TCP access denied");
        }
    }

    #[test]
    fn double_space_before_text_keeps_empty_tag() {
        let parsed = ok(b"Oct 30 16:05:54 opsaudit  {\"username\": \"admin\"}");
        assert_eq!(parsed.hostname.as_deref(), Some("opsaudit"));
        assert_eq!(parsed.app_name, None);
        let parsed = ok(b"Jun 15 02:35:28 host1 : not a tag: text");
        assert_eq!(parsed.app_name, None);
        assert_eq!(parsed.message, "not a tag: text");
    }

    #[test]
    fn f5_and_ubiquiti_level_word_before_tag() {
        let parsed = ok(b"Jun 15 02:35:28 bigip1 notice mcpd[5678]: 01070638:5: Pool down");
        assert_eq!(parsed.hostname.as_deref(), Some("bigip1"));
        assert_eq!(parsed.app_name.as_deref(), Some("mcpd"));
        assert_eq!(parsed.procid.as_deref(), Some("5678"));
        assert_eq!(parsed.message, "notice 01070638:5: Pool down");
        let parsed = ok(b"May  5 20:46:45 gw1 user.info kernel: TTL=126 ID=15317");
        assert_eq!(parsed.app_name.as_deref(), Some("kernel"));
        assert_eq!(parsed.message, "user.info TTL=126 ID=15317");
    }

    #[test]
    fn level_word_without_tag_is_content() {
        let parsed = ok(b"Jun 15 02:35:28 host1 info is missing");
        assert_eq!(parsed.app_name, None);
        assert_eq!(parsed.message, "info is missing");
        let parsed = ok(b"Jun 15 02:35:28 host1 foo.info kernel: x");
        assert_eq!(parsed.app_name, None);
    }

    #[test]
    fn cisco_apic_bare_mnemonic_is_tag() {
        let parsed = ok(b"Jul 22 22:45:28 apic1 %LOG_LOCAL0-2-SYSTEM_MSG [F0110][soaking] x");
        assert_eq!(parsed.hostname.as_deref(), Some("apic1"));
        assert_eq!(parsed.app_name.as_deref(), Some("%LOG_LOCAL0-2-SYSTEM_MSG"));
        assert_eq!(parsed.message, "[F0110][soaking] x");
        for word in [
            &b"%HOME"[..],
            b"%A-B",
            b"%A-9-B",
            b"%a-1-b",
            b"%-1-B",
            b"%A-1-",
        ] {
            assert!(
                !is_bare_cisco_mnemonic(word),
                "{:?}",
                core::str::from_utf8(word)
            );
        }
    }

    #[test]
    fn cisco_aironet_hostname_with_colon() {
        let input = b"6642: AP:abcd.9876.0123: *Jul  9 09:06:15.007: %DOT11-4-CCMP_REPLAY: Client";
        let parsed = ok(input);
        assert_eq!(parsed.hostname.as_deref(), Some("AP:abcd.9876.0123"));
        assert_eq!(parsed.msgid.as_deref(), Some("6642"));
        assert_eq!(parsed.app_name.as_deref(), Some("%DOT11-4-CCMP_REPLAY"));
        assert_eq!(parsed.message, "Client");
    }

    #[test]
    fn cisco_bare_hostname_between_sequences() {
        let input = b"3132517: 192.0.2.2 3132513: Jul 14 2023 08:23:43.398 UTC: %FOO-6-BAR: x";
        let parsed = ok(input);
        assert_eq!(parsed.hostname.as_deref(), Some("192.0.2.2"));
        assert_eq!(parsed.msgid.as_deref(), Some("3132517,3132513"));
        assert_eq!(stamp(&parsed), "2023-07-14T08:23:43.398+00:00");
        let parsed = ok(b": 2023host Aug 27 21:40:50 PDT: %SNMPD-6-INFO: x");
        assert_eq!(parsed.hostname.as_deref(), Some("2023host"));
        assert_eq!(parsed.app_name.as_deref(), Some("%SNMPD-6-INFO"));
    }

    #[test]
    fn cisco_device_hostname_after_relay_hostname() {
        let input =
            b"Jul 13 08:23:43 192.0.2.2 sw01: 3132779: Jul 14 2023 08:23:43.398 UTC: %FOO-6-BAR: x";
        let parsed = ok(input);
        assert_eq!(parsed.hostname.as_deref(), Some("sw01"));
        assert_eq!(parsed.msgid.as_deref(), Some("3132779"));
        assert_eq!(stamp(&parsed), "2023-07-14T08:23:43.398+00:00");
        assert_eq!(parsed.message, "192.0.2.2 x");
        // A tag before a mnemonic stays a tag (Arista EOS).
        let parsed = ok(b"Jun 15 02:35:28 arista1 Ebra: %LINEPROTO-5-UPDOWN: up");
        assert_eq!(parsed.hostname.as_deref(), Some("arista1"));
        assert_eq!(parsed.app_name.as_deref(), Some("Ebra"));
        let parsed = ok(b"Jun 15 02:35:28 arista1 Acl: 100: %ACL-6-IPACCESS: list denied");
        assert_eq!(parsed.hostname.as_deref(), Some("arista1"));
        assert_eq!(parsed.app_name.as_deref(), Some("Acl"));
        assert_eq!(parsed.message, "100: %ACL-6-IPACCESS: list denied");
    }

    #[test]
    fn date_after_tag_keeps_hostname() {
        for input in [
            &b"Jun 15 02:35:28 web1 myapp: Jun 15 02:35:00 job started"[..],
            b"Jun 15 02:35:28 web1 myapp: Jun 15 2024 02:35:00 job started",
            b"Jun 15 02:35:28 web1 myapp: 2024 Jun 15 02:35:00 job started",
            b"Jun 15 02:35:28 web1 myapp: 00:01:01: uptime of the job",
            b"Jun 15 02:35:28 web1 myapp: 1d02h: since the last run",
        ] {
            let parsed = ok(input);
            let line = String::from_utf8_lossy(input);
            assert_eq!(parsed.hostname.as_deref(), Some("web1"), "{line}");
            assert_eq!(parsed.app_name.as_deref(), Some("myapp"), "{line}");
            assert_eq!(stamp(&parsed), "2024-06-15T02:35:28+00:00", "{line}");
        }
        // The device forms the rule is for still name the device.
        let parsed = ok(b"Jun 15 02:35:28 10.0.0.1 sw01: 00:01:01: %SYS-5-CONFIG_I: x");
        assert_eq!(parsed.hostname.as_deref(), Some("sw01"));
        let parsed = ok(b"Jun 15 02:35:28 10.0.0.1 sw01: Jun 15 02:35:27.123 UTC: text");
        assert_eq!(parsed.hostname.as_deref(), Some("sw01"));
    }

    #[test]
    fn nxos_stamp_after_empty_sequence_ends_header() {
        let parsed = ok(b": 2023 May  2 12:55:19 UTC: last message repeated 1 times");
        assert_eq!(parsed.hostname, None);
        assert_eq!(parsed.app_name, None);
        assert_eq!(parsed.message, "last message repeated 1 times");
    }

    #[test]
    fn nxos_device_stamp_after_relay_hostname() {
        let input = b"May  2 15:21:27 AC2018 : 2023 May  2 15:21:27.206 UTC: %ETHPORT-5-IF_UP: up";
        let parsed = ok(input);
        assert_eq!(parsed.hostname.as_deref(), Some("AC2018"));
        assert_eq!(stamp(&parsed), "2023-05-02T15:21:27.206+00:00");
        assert_eq!(parsed.app_name.as_deref(), Some("%ETHPORT-5-IF_UP"));
        let input = b"May  3 13:55:35 192.0.2.35 2023 May  3 13:55:35.928 AEST: last message";
        let parsed = ok(input);
        assert_eq!(stamp(&parsed), "2023-05-03T13:55:35.928+00:00");
        assert_eq!(parsed.message, "AEST: last message");
        let parsed = ok(b"May  3 13:55:35 sr1 AEST: %SFF8472-3-THRESHOLD_VIOLATION: high");
        assert_eq!(
            parsed.app_name.as_deref(),
            Some("%SFF8472-3-THRESHOLD_VIOLATION")
        );
        assert_eq!(parsed.message, "AEST: high");
    }

    #[test]
    fn date_starting_content_after_hostname_stays() {
        let parsed = ok(b"Jun 15 02:35:28 host1 2026-06-15 02:35:28,123 INFO started");
        assert_eq!(parsed.hostname.as_deref(), Some("host1"));
        assert_eq!(stamp(&parsed), "2024-06-15T02:35:28+00:00");
        assert_eq!(parsed.message, "2026-06-15 02:35:28,123 INFO started");
    }

    #[test]
    fn relay_header_before_raw_cisco_message() {
        let input =
            b"Aug 22 05:11:06 sw1.example.net <189>2: *Jan  2 00:00:43.167: %LINK-5-UPDOWN: down";
        let parsed = parse(input, &options(), false).unwrap();
        assert_eq!(parsed.hostname.as_deref(), Some("sw1.example.net"));
        assert_eq!(parsed.inner_pri.map(Pri::value), Some(189));
        assert_eq!(parsed.msgid.as_deref(), Some("2"));
        assert_eq!(parsed.app_name.as_deref(), Some("%LINK-5-UPDOWN"));
        assert_eq!(parsed.message, "down");
        // The relay's stamp, because `*` marks an unsynchronised clock.
        assert_eq!(stamp(&parsed), "2023-08-22T05:11:06+00:00");
        let input = b"Aug 22 05:11:06 sw1 <189>5: 000006: *Jan  2 00:00:55.733: %SYS-5-X: off";
        let parsed = parse(input, &options(), false).unwrap();
        assert_eq!(parsed.msgid.as_deref(), Some("5,000006"));
        assert_eq!(parsed.app_name.as_deref(), Some("%SYS-5-X"));
        let parsed = ok(b"Aug 22 05:11:06 host1 <501093> text");
        assert_eq!(parsed.inner_pri, None);
        assert_eq!(parsed.message, "<501093> text");
    }

    #[test]
    fn zone_word_at_end_of_input() {
        assert_eq!(unknown_zone_word(b"A"), None);
        assert_eq!(unknown_zone_word(b"AB"), None);
        assert_eq!(unknown_zone_word(b"AB:"), Some((&b"AB:"[..], &b""[..])));
        assert_eq!(unknown_zone_word(b"ABCDEF: x"), None);
        assert_eq!(unknown_zone_word(b"AB:x"), None);
        let parsed = ok(b"Jun 15 02:35:28 host1 A");
        assert_eq!(parsed.message, "A");
    }

    #[test]
    fn unifi_hostname_written_twice() {
        let input = b"Feb 12 09:50:07 udm1 udm1 ubios-udapi-server[3117]: svc: restart";
        let parsed = ok(input);
        assert_eq!(parsed.hostname.as_deref(), Some("udm1"));
        assert_eq!(parsed.app_name.as_deref(), Some("ubios-udapi-server"));
        assert_eq!(parsed.procid.as_deref(), Some("3117"));
        assert_eq!(parsed.message, "svc: restart");
        let parsed = ok(b"Feb 12 09:50:07 udm1 udm1 is back");
        assert_eq!(parsed.message, "udm1 is back");
    }

    #[test]
    fn fortigate_body_behind_relay_header() {
        let input = b"Jul 19 11:08:59 _gateway date=2024-07-19 time=11:05:36 devname=fw1 logid=13";
        let parsed = parse(input, &options(), false).unwrap();
        assert_eq!(parsed.hostname.as_deref(), Some("fw1"));
        assert_eq!(stamp(&parsed), "2024-07-19T11:05:36+00:00");
        assert_eq!(parsed.app_name, None);
        assert_eq!(
            parsed.message,
            "_gateway date=2024-07-19 time=11:05:36 devname=fw1 logid=13"
        );
        // Key-value text that names no device or time stays content.
        let parsed = ok(b"Jul 19 11:08:59 host1 user=admin action=login");
        assert_eq!(parsed.hostname.as_deref(), Some("host1"));
        assert_eq!(parsed.message, "user=admin action=login");
    }
}
