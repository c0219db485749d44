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

use chrono::{DateTime, FixedOffset};

use super::ParseOptions;
use super::error::ParseError;
use super::text;
use super::timestamp::{bsd_timestamp, iso_timestamp};
use super::vendor;

/// The fields of an RFC 3164 message after its PRI.
#[derive(Debug, Default)]
pub struct Parsed<'a> {
    pub timestamp: Option<DateTime<FixedOffset>>,
    pub hostname: Option<Cow<'a, str>>,
    pub app_name: Option<Cow<'a, str>>,
    pub procid: Option<Cow<'a, str>>,
    pub message: Cow<'a, str>,
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
/// an optional `:` after it.
fn timestamp_at<'a>(
    input: &'a [u8],
    options: &ParseOptions,
) -> Result<Option<Stamped<'a>>, ParseError> {
    let unmarked = match input {
        [b'*' | b'.', rest @ ..] => rest,
        _ => input,
    };
    let (rest, timestamp) = if let Ok((rest, stamp)) = bsd_timestamp(unmarked) {
        (
            rest,
            stamp.resolve(options.received_at, options.default_offset)?,
        )
    } else if let Ok((rest, timestamp)) = iso_timestamp(unmarked, options.default_offset) {
        (rest, timestamp)
    } else {
        return Ok(None);
    };
    let rest = rest.strip_prefix(b":").unwrap_or(rest);
    Ok(Some((timestamp, rest)))
}

fn is_hostname_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_')
}

/// Cisco uptime stamps (`00:01:01:` or `1d02h:`) used when the clock was
/// never set; they are not a date.
fn uptime(input: &[u8]) -> Option<&[u8]> {
    let (token, rest) = word(input);
    let token = token.strip_suffix(b":")?;
    let clock = token.len() >= 7
        && token
            .iter()
            .all(|byte| byte.is_ascii_digit() || *byte == b':' || *byte == b'.');
    let days = token.len() >= 3
        && token[0].is_ascii_digit()
        && token
            .iter()
            .all(|byte| byte.is_ascii_digit() || b"ywdhm".contains(byte));
    (clock || days).then_some(rest)
}

/// Fields found in a Cisco-style prefix before the timestamp.
#[derive(Default)]
struct Prefix<'a> {
    hostname: Option<&'a [u8]>,
    /// A sequence number or uptime stamp was seen, so the text is a Cisco
    /// header even when no date follows.
    cisco: bool,
}

/// The Cisco prefix, the timestamp if one was found, and the rest.
type HeaderStart<'a> = (Prefix<'a>, Option<DateTime<FixedOffset>>, &'a [u8]);

/// Parses the header up to and including the timestamp, skipping up to
/// four Cisco prefix tokens (`000123: host: 6340004: *Jun 15 …`).
fn header_start<'a>(
    input: &'a [u8],
    options: &ParseOptions,
) -> Result<HeaderStart<'a>, ParseError> {
    let mut prefix = Prefix::default();
    let mut rest = input;
    for _ in 0..5 {
        rest = skip_spaces(rest);
        if let Some((timestamp, after)) = timestamp_at(rest, options)? {
            return Ok((prefix, Some(timestamp), after));
        }
        if let Some(after) = uptime(rest) {
            prefix.cisco = true;
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
        let len = rest.iter().take_while(|byte| **byte != b':').count();
        let token = &rest[..len];
        let after = rest.get(len + 1..).unwrap_or_default();
        if token.is_empty() || len == rest.len() || len > 255 {
            break;
        }
        let spaced = after.first() == Some(&b' ');
        if token.iter().all(u8::is_ascii_digit) && spaced {
            prefix.cisco = true;
        } else if token[0] == b'*' && spaced && !token.contains(&b' ') {
            // A Cisco WLC task name such as `*spamApTask1:`.
        } else if token.iter().all(|byte| is_hostname_byte(*byte)) && spaced {
            if prefix.hostname.is_some() {
                break;
            }
            prefix.hostname = Some(token);
        } else if !spaced && timestamp_at(after, options)?.is_some() {
            // An IOS-XR node name glued to the stamp, after the hostname
            // when one is configured: `router1 RP/0/RSP0/CPU0:Jun 15 …`.
            let (first, node) = word(token);
            let node = one_space(node);
            if node.contains(&b' ') || (!node.is_empty() && prefix.hostname.is_some()) {
                break;
            }
            if !node.is_empty() {
                prefix.hostname = Some(first);
            }
        } else {
            break;
        }
        rest = after;
    }
    Ok((prefix, None, rest))
}

/// Checks whether `word` is a Cisco message tag such as `%ASA-6-302013:`.
fn is_cisco_mnemonic(word: &[u8]) -> bool {
    word.len() > 2 && word[0] == b'%' && word.ends_with(b":") && word.contains(&b'-')
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

/// Checks whether the first word after the timestamp is a TAG rather than a
/// HOSTNAME. A TAG ends in `:`, carries `[pid]` or contains a `:` without
/// being an IPv6 address (`tag:text`). Two `word:` forms are hostnames:
/// Cisco ASA's `host: %ASA-…:` and UniFi's `host,mac,firmware:`.
fn is_tag_word(first: &[u8], after: &[u8]) -> bool {
    if is_ipv6(first) {
        return false;
    }
    if is_cef_or_leef(first) {
        return false;
    }
    if first.ends_with(b":") {
        // UniFi access points send `hostname,mac,firmware:` before the tag.
        if first.contains(&b',') {
            return false;
        }
        let (next, _) = word(one_space(after));
        return !is_cisco_mnemonic(next);
    }
    pid_tag(first).is_some() || glued_colon(first).is_some()
}

/// Finds the colon of a `tag:text` word (rsyslog's `tag5:msgnum:5`). The
/// tag needs a letter, so times (`12:30`) and sequence numbers stay
/// content, and `scheme://` is a URL, not a tag.
fn glued_colon(word: &[u8]) -> Option<usize> {
    let colon = word.iter().position(|byte| *byte == b':')?;
    let tag = &word[..colon];
    let has_letter = tag.iter().any(u8::is_ascii_alphabetic);
    let is_url = word[colon + 1..].starts_with(b"//");
    (has_letter && !is_url).then_some(colon)
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
    message: &'a [u8],
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
        message: input,
    };
    if is_cef_or_leef(first) {
        return untagged;
    }
    if let Some((tag, pid, consumed)) = pid_tag(first) {
        return Tagged {
            app_name: Some(tag),
            procid: Some(pid),
            message: one_space(&input[consumed..]),
        };
    }
    // Snare and NXLog end `MSWinEventLog` with a TAB, not a colon.
    if let Some(tab) = first.iter().position(|byte| *byte == b'\t') {
        let tag = &first[..tab];
        if !tag.is_empty() && tag.iter().all(u8::is_ascii_alphanumeric) {
            return Tagged {
                app_name: Some(tag),
                procid: None,
                message: &input[tab + 1..],
            };
        }
    }
    if let Some(tag) = first.strip_suffix(b":") {
        return Tagged {
            app_name: (!tag.is_empty()).then_some(tag),
            procid: None,
            message: one_space(after),
        };
    }
    match glued_colon(first) {
        Some(colon) if glued => Tagged {
            app_name: Some(&first[..colon]),
            procid: None,
            message: &input[colon + 1..],
        },
        _ => untagged,
    }
}

/// Turns the hostname word into a field, without the brackets of an IPv6
/// address. UniFi sends
/// `hostname,mac,firmware` in its place; the fields after the first comma
/// stay only in the raw bytes.
fn hostname_field(word: &[u8]) -> Cow<'_, str> {
    if let Some(inner) = word
        .strip_prefix(b"[")
        .and_then(|inner| inner.strip_suffix(b"]"))
    {
        return text(inner);
    }
    let end = word
        .iter()
        .position(|byte| *byte == b',')
        .unwrap_or(word.len());
    text(if end == 0 { word } else { &word[..end] })
}

/// Builds the fields. Spaces that start the content are dropped: RFC 3164
/// content is free text, and senders differ in how many spaces they put
/// after the tag.
fn finish<'a>(
    timestamp: Option<DateTime<FixedOffset>>,
    hostname: Option<&'a [u8]>,
    tagged: Tagged<'a>,
) -> Parsed<'a> {
    Parsed {
        timestamp,
        hostname: hostname.map(hostname_field),
        app_name: tagged.app_name.map(text),
        procid: tagged.procid.map(text),
        message: text(skip_spaces(tagged.message)),
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
        return Ok(finish(None, None, tagged(input, false)));
    }
    let rest = skip_spaces(rest);
    if let Some(hostname) = prefix.hostname {
        return Ok(finish(timestamp, Some(hostname), tagged(rest, true)));
    }
    if prefix.cisco && timestamp.is_none() {
        return Ok(finish(None, None, tagged(rest, true)));
    }
    // `OCT 11 22:14:15 : a message`: no hostname and an empty tag.
    let (first, after) = word(rest);
    if first.is_empty() || first == b":" || is_tag_word(first, after) {
        return Ok(finish(timestamp, None, tagged(rest, true)));
    }
    let rest = one_space(after);
    let (timestamp, rest) = cisco_sequence(rest, options, timestamp)?;
    let hostname = first.strip_suffix(b":").unwrap_or(first);
    Ok(finish(timestamp, Some(hostname), tagged(rest, true)))
}

/// Skips a Cisco sequence number after the hostname
/// (`router1 123: *Jun 15 02:35:28.123: %SYS-5-CONFIG_I: …`) and takes
/// the device's own timestamp when one follows it, because it carries
/// milliseconds and the device's zone where the outer one may be a relay's.
fn cisco_sequence<'a>(
    input: &'a [u8],
    options: &ParseOptions,
    timestamp: Option<DateTime<FixedOffset>>,
) -> Result<(Option<DateTime<FixedOffset>>, &'a [u8]), ParseError> {
    let (first, after) = word(input);
    // IOS sequence numbers are 32-bit counters, ten digits at most.
    let is_sequence = (2..=11).contains(&first.len())
        && first.ends_with(b":")
        && first[..first.len() - 1].iter().all(u8::is_ascii_digit);
    if !is_sequence {
        return Ok((timestamp, input));
    }
    let after = one_space(after);
    match timestamp_at(after, options)? {
        Some((inner, rest)) => Ok((Some(inner), skip_spaces(rest))),
        None => Ok((timestamp, after)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(parsed.message, "ath0: STA x");
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
    fn hostname_only() {
        let parsed = ok(b"Aug 30 23:00:05 X4711");
        assert_eq!(parsed.hostname.as_deref(), Some("X4711"));
        assert_eq!(parsed.message, "");
    }
}
