use alloc::string::String;
use alloc::vec::Vec;

use chrono::{TimeZone, Utc};

use super::*;
use crate::event::Format;
use crate::store::Store;

fn event(severity: u8, facility: u8, host: &str, message: &str) -> Event {
    Event {
        id: 0,
        received_at: Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()),
        source: None,
        format: Format::Rfc5424,
        facility: Facility::from_code(facility),
        severity: Severity::from_code(severity),
        timestamp: None,
        hostname: Some(host.into()),
        app_name: Some("app".into()),
        procid: None,
        msgid: None,
        structured_data: Vec::new(),
        message: String::from(message),
        bom: false,
        parse_error: None,
        transport_error: None,
        raw: Vec::new(),
    }
}

fn query(pairs: &[(&str, &str)]) -> Query {
    let mut query = Query::default();
    for (name, value) in pairs {
        assert_eq!(query.set(name, value), Ok(true), "{name}={value}");
    }
    query
}

fn ids(page: &Page) -> Vec<u64> {
    page.events.iter().map(|event| event.id).collect()
}

fn sample_store() -> Store {
    let mut store = Store::new(1 << 20);
    store.push(event(3, 3, "alpha", "disk FULL on /var"));
    store.push(event(6, 16, "beta", "user logged in"));
    store.push(event(0, 0, "Alpha", "kernel panic"));
    store.push(event(7, 16, "gamma", "débogage Ünïcode"));
    store
}

#[test]
fn severity_includes_more_severe() {
    let store = sample_store();
    assert_eq!(ids(&run(&store, &query(&[("severity", "err")]))), [3, 1]);
    assert_eq!(ids(&run(&store, &query(&[("severity", "3")]))), [3, 1]);
    assert_eq!(
        ids(&run(&store, &query(&[("severity", "debug")]))),
        [4, 3, 2, 1]
    );
}

#[test]
fn facility_list_and_exact_host() {
    let store = sample_store();
    let by_facility = query(&[("facility", "local0,kern")]);
    assert_eq!(ids(&run(&store, &by_facility)), [4, 3, 2]);
    assert_eq!(ids(&run(&store, &query(&[("host", "ALPHA")]))), [3, 1]);
    assert_eq!(
        ids(&run(&store, &query(&[("host", "alp")]))),
        Vec::<u64>::new()
    );
}

#[test]
fn host_lists_and_wildcards() {
    let store = sample_store();
    let hosts = |value| ids(&run(&store, &query(&[("host", value)])));
    assert_eq!(hosts("beta,GAMMA"), [4, 2]);
    assert_eq!(hosts("al*"), [3, 1]);
    assert_eq!(hosts("*A"), [4, 3, 2, 1]);
    assert_eq!(hosts("*mm*"), [4]);
    assert_eq!(hosts("a*p*a"), [3, 1]);
    assert_eq!(hosts("a*p"), Vec::<u64>::new());
    assert_eq!(hosts("*,beta"), [4, 3, 2, 1]);
}

#[test]
fn app_pattern_keeps_commas() {
    let mut store = Store::new(1 << 20);
    let mut mikrotik = event(6, 16, "router", "user admin logged in");
    mikrotik.app_name = Some("system,info,account".into());
    store.push(mikrotik);
    store.push(event(6, 16, "router", "other"));
    let apps = |value| ids(&run(&store, &query(&[("app", value)])));
    assert_eq!(apps("system,info,account"), [1]);
    assert_eq!(apps("SYSTEM,*"), [1]);
    assert_eq!(apps("system"), Vec::<u64>::new());
    assert_eq!(apps("app,system,info,account"), Vec::<u64>::new());
}

#[test]
fn name_patterns_fold_unicode() {
    let pattern = NamePattern::new("ÜBER*");
    assert!(pattern.is_match("über-gateway"));
    assert!(!pattern.is_match("uber-gateway"));
    assert!(NamePattern::new("*é").is_match("CAFÉ"));
}

/// Reference matcher: tries every split at each `*`.
fn naive_glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| naive_glob(rest, &text[skip..])),
        Some((first, rest)) => text.first() == Some(first) && naive_glob(rest, &text[1..]),
    }
}

/// Returns all strings over `alphabet` of up to `length` bytes.
fn strings(alphabet: &[u8], length: usize) -> Vec<Vec<u8>> {
    let mut all = alloc::vec![Vec::new()];
    let mut last = alloc::vec![Vec::new()];
    for _ in 0..length {
        let mut next = Vec::new();
        for prefix in &last {
            for &byte in alphabet {
                let mut longer: Vec<u8> = prefix.clone();
                longer.push(byte);
                next.push(longer);
            }
        }
        all.extend(next.iter().cloned());
        last = next;
    }
    all
}

#[test]
fn glob_matches_reference_exhaustively() {
    for pattern in strings(b"ab*", 5) {
        let compiled = NamePattern::new(core::str::from_utf8(&pattern).unwrap());
        for text in strings(b"ab", 6) {
            let text = core::str::from_utf8(&text).unwrap();
            assert_eq!(
                compiled.is_match(text),
                naive_glob(&pattern, text.as_bytes()),
                "pattern {:?} against {text:?}",
                core::str::from_utf8(&pattern).unwrap()
            );
        }
    }
}

#[test]
fn glob_cost_is_linear() {
    // `*a*a…*b` and `*aaa…b` against a long run of `a`: retrying from the
    // last `*` costs the product of the lengths, a linear search their sum.
    let text = "a".repeat(255);
    let patterns = [
        alloc::format!("*{}b", "a".repeat(200)),
        alloc::format!("{}b", "*a".repeat(100)),
        alloc::format!("*{}*b", "a".repeat(200)),
    ];
    for pattern in &patterns {
        let compiled = NamePattern::new(pattern);
        let reads = core::cell::Cell::new(0usize);
        let bytes = text.as_bytes();
        let matched = compiled.is_match_lowered(bytes.len(), |i| {
            reads.set(reads.get() + 1);
            bytes[i]
        });
        assert!(!matched, "{pattern} matched");
        let bound = 2 * (text.len() + pattern.len());
        assert!(
            reads.get() <= bound,
            "{pattern}: {} byte reads",
            reads.get()
        );
    }
}

#[test]
fn host_wildcards_limited() {
    let sixteen = alloc::vec!["*x"; MAX_HOST_WILDCARDS].join(",");
    assert_eq!(Query::default().set("host", &sixteen), Ok(true));
    let error = Query::default()
        .set("host", &alloc::format!("{sixteen},*y"))
        .unwrap_err();
    assert_eq!(error.name, "host");
    let exact = alloc::vec!["fw"; 200].join(",");
    assert_eq!(
        Query::default().set("host", &alloc::format!("{sixteen},{exact}")),
        Ok(true)
    );
}

#[test]
fn empty_names_rejected() {
    for (name, value) in [
        ("host", ""),
        ("host", ","),
        ("host", "fw1,"),
        ("host", "a,,b"),
        ("app", ""),
    ] {
        let error = Query::default().set(name, value).unwrap_err();
        assert_eq!(error.name, name, "{name}={value:?}");
    }
    assert_eq!(Query::default().set("host", "*"), Ok(true));
}

#[test]
fn names_longer_than_limit_rejected() {
    let long = "h".repeat(MAX_NAMES + 1);
    for name in ["host", "app"] {
        let error = Query::default().set(name, &long).unwrap_err();
        assert_eq!(error.name, name);
    }
    assert_eq!(Query::default().set("host", &long[1..]), Ok(true));
}

#[test]
fn text_search_ignores_case() {
    let store = sample_store();
    assert_eq!(ids(&run(&store, &query(&[("q", "full")]))), [1]);
    assert_eq!(ids(&run(&store, &query(&[("q", "ünï")]))), [4]);
}

#[test]
fn paging_in_both_orders() {
    let store = sample_store();
    let first = run(&store, &query(&[("limit", "3")]));
    assert_eq!(ids(&first), [4, 3, 2]);
    assert_eq!(first.next_after, Some(2));
    let second = run(&store, &query(&[("limit", "3"), ("after", "2")]));
    assert_eq!(ids(&second), [1]);
    assert_eq!(second.next_after, None);

    let asc = run(&store, &query(&[("limit", "2"), ("order", "asc")]));
    assert_eq!(ids(&asc), [1, 2]);
    assert_eq!(asc.next_after, Some(2));
    let asc = run(
        &store,
        &query(&[("limit", "2"), ("order", "asc"), ("after", "2")]),
    );
    assert_eq!(ids(&asc), [3, 4]);
    assert_eq!(asc.next_after, None);
}

#[test]
fn time_filters_use_received_at_without_timestamp() {
    let store = sample_store();
    let before = query(&[("until", "2025-12-31T23:59:59Z")]);
    assert_eq!(ids(&run(&store, &before)), Vec::<u64>::new());
    let window = query(&[
        ("since", "2026-01-01T00:00:00Z"),
        ("until", "2026-01-01T01:00:00+01:00"),
    ]);
    assert_eq!(ids(&run(&store, &window)), [4, 3, 2, 1]);
}

#[test]
fn invalid_values_name_the_parameter() {
    let mut query = Query::default();
    let error = query.set("severity", "foo").unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid severity \"foo\": expected a name such as err or a number 0-7"
    );
    assert!(query.set("limit", "0").is_err());
    assert!(query.set("limit", "10001").is_err());
    assert!(query.set("facility", "kern,nope").is_err());
    assert!(query.set("since", "yesterday").is_err());
    assert!(query.set("order", "up").is_err());
    assert!(query.set("after", "-1").is_err());
    assert_eq!(query.set("colour", "red"), Ok(false));
}

#[test]
fn text_search_is_linear() {
    // Near-matches everywhere: the naive search compares about
    // `haystack × needle` bytes (130 million here).
    let haystack = "a".repeat(65_000);
    let mut needle = "A".repeat(2_000);
    needle.push('b');
    let matcher = TextMatcher::new(&needle);
    let mut comparisons = 0;
    assert!(!matcher.is_match_counting(&haystack, &mut comparisons));
    assert!(
        comparisons <= 2 * haystack.len(),
        "{comparisons} comparisons"
    );

    let mut found = haystack.clone();
    found.push_str(&needle.to_ascii_lowercase());
    comparisons = 0;
    assert!(matcher.is_match_counting(&found, &mut comparisons));
    assert!(comparisons <= 2 * found.len(), "{comparisons} comparisons");
}

#[test]
fn text_search_matches_naive() {
    let cases = [
        ("abcabd", "abd", true),
        ("aabaabaaab", "aaab", true),
        ("aabaabaab", "aaab", false),
        ("Hello World", "O w", true),
        ("", "", true),
        ("x", "", true),
        ("", "x", false),
        ("ÄRGER im Büro", "bü", true),
        ("straße", "STRASSE", false),
    ];
    for (haystack, needle, expected) in cases {
        let found = TextMatcher::new(needle).is_match(haystack);
        assert_eq!(found, expected, "{needle:?} in {haystack:?}");
    }
}

#[test]
fn text_longer_than_limit_rejected() {
    let mut query = Query::default();
    let long = "a".repeat(MAX_TEXT + 1);
    let error = query.set("q", &long).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("at most 1024 bytes"), "{message}");
    assert!(message.contains("1025 bytes"), "{message}");
    assert!(message.len() < 200, "{message}");
    assert_eq!(query.set("q", &long[..MAX_TEXT]), Ok(true));
}

#[test]
fn page_stops_at_byte_budget() {
    let mut store = Store::new(64 << 20);
    let message = "m".repeat(MAX_PAGE_BYTES / 4);
    for _ in 0..6 {
        store.push(event(3, 1, "alpha", &message));
    }
    let first = run(&store, &query(&[("order", "asc")]));
    assert!(first.events.len() < 6, "{} events", first.events.len());
    assert_eq!(first.next_after, first.events.last().map(|e| e.id));

    // One event larger than the budget still makes a page of one.
    let mut store = Store::new(64 << 20);
    store.push(event(3, 1, "alpha", &"m".repeat(MAX_PAGE_BYTES + 1)));
    store.push(event(3, 1, "alpha", "small"));
    let page = run(&store, &query(&[("order", "asc")]));
    assert_eq!(ids(&page), [1]);
    assert_eq!(page.next_after, Some(1));
}

#[test]
fn numbers_are_plain_digits() {
    let rejected = [
        ("limit", "+5"),
        ("limit", "05"),
        ("limit", " 5"),
        ("limit", ""),
        ("after", "+1"),
        ("after", "007"),
        ("severity", "+3"),
        ("severity", "03"),
        ("facility", "+1"),
        ("facility", "kern,01"),
    ];
    for (name, value) in rejected {
        let mut query = Query::default();
        assert!(query.set(name, value).is_err(), "{name}={value:?}");
    }
    let accepted = [
        ("limit", "5"),
        ("after", "0"),
        ("severity", "0"),
        ("severity", "3"),
        ("facility", "23"),
    ];
    for (name, value) in accepted {
        let mut query = Query::default();
        assert_eq!(query.set(name, value), Ok(true), "{name}={value:?}");
    }
}

#[test]
fn time_with_space_hints_at_plus() {
    let mut query = Query::default();
    let error = query.set("since", "2026-01-31T12:00:00 01:00").unwrap_err();
    assert!(error.to_string().contains("%2B"), "{error}");
    let error = query.set("since", "yesterday").unwrap_err();
    assert!(!error.to_string().contains("%2B"), "{error}");
}
