//! Regression tests from a round of hostile input against `logkeep serve`:
//! behaviour that was checked by hand and found correct, kept so that it
//! stays that way.

mod common;

use common::*;

const MIB: usize = 1 << 20;

/// Rejects every bad query value with a 400 whose JSON body names the
/// parameter.
#[test]
fn bad_query_values_name_parameter() {
    let server = TestServer::start(MIB);
    let cases = [
        ("/events?limit=0", "limit"),
        ("/events?limit=-1", "limit"),
        ("/events?limit=10001", "limit"),
        ("/events?limit=99999999999999999999999", "limit"),
        ("/events?limit=", "limit"),
        ("/events?after=garbage", "after"),
        ("/events?after=-1", "after"),
        ("/events?after=18446744073709551616", "after"),
        ("/events?since=2026-01-01", "since"),
        ("/events?since=2026-13-01T00:00:00Z", "since"),
        ("/events?until=2026-01-01T24:00:00Z", "until"),
        ("/events?severity=8", "severity"),
        ("/events?severity=-1", "severity"),
        ("/events?facility=24", "facility"),
        ("/events?facility=auth,", "facility"),
        ("/events?order=ASC", "order"),
        ("/events?format=NDJSON", "format"),
        ("/events?Limit=1", "Limit"),
        ("/events?q=1&q=2", "q"),
        ("/events?q=%zz", "q=%zz"),
        ("/events?q=%C3", "q=%C3"),
        ("/stats?x=1", "x"),
        ("/healthz?a", "a"),
    ];
    for (path, name) in cases {
        let response = get(server.http, path);
        assert_eq!(response.status, 400, "{path}: {}", response.text());
        let body = response.json();
        let error = body["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(name),
            "{path}: error {error:?} does not name {name:?}"
        );
    }
    assert!(server.stop());
}

/// Accepts odd but valid values: lower-case RFC 3339, offsets,
/// fractions, a leap second, `%00` and multi-byte UTF-8 in `q`.
#[test]
fn odd_valid_query_values_accepted() {
    let server = TestServer::start(MIB);
    for path in [
        "/events?since=2026-01-01t00:00:00z",
        "/events?since=2026-01-01T00:00:00%2B01:00",
        "/events?until=2026-01-01T00:00:00.123456789123-05:30",
        "/events?since=2016-12-31T23:59:60Z",
        "/events?q=%00",
        "/events?q=%C3%A9t%C3%A9",
        "/events?q=a+b",
        "/events?facility=AUTH,%20authpriv,0",
        "/events?severity=ERR",
        "/stats?",
        "/stats?&&",
    ] {
        let response = get(server.http, path);
        assert_eq!(response.status, 200, "{path}: {}", response.text());
    }
    assert!(server.stop());
}

/// Stores and counts each pathological datagram once, and the server
/// still responds afterwards.
#[test]
fn hostile_datagrams_stored_and_counted() {
    let server = TestServer::start(16 * MIB);
    let mut backslashes = b"<13>1 - h a - - [x@1 k=\"".to_vec();
    backslashes.extend(std::iter::repeat_n(b'\\', 65_000));
    backslashes.extend_from_slice(b"\"] tail");
    let mut brackets = b"<13>1 - - - - - ".to_vec();
    brackets.extend(std::iter::repeat_n(b'[', 60_000));
    let mut params = b"<13>1 - - - - - [a@1 ".to_vec();
    for _ in 0..9000 {
        params.extend_from_slice(b"x=\"1\" ");
    }
    params.push(b']');

    let datagrams: Vec<Vec<u8>> = vec![
        Vec::new(),
        vec![0; 100],
        b"<13>\x00\x00abc".to_vec(),
        b"\xff\xfe<13>bad utf8 \xc3\x28".to_vec(),
        b"<99999999999999999999999>hello".to_vec(),
        b"<4294967296>x".to_vec(),
        b"<192>bad".to_vec(),
        b"<-1>neg".to_vec(),
        backslashes,
        brackets,
        params,
        vec![b'A'; 65_507],
    ];
    // One at a time: the test socket keeps the kernel's default receive
    // buffer, which a burst of 64 KiB datagrams overflows.
    for datagram in &datagrams {
        send_all(server.udp, [datagram.as_slice()]);
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    let count = datagrams.len() as u64;
    let stats = wait_for_received(server.http, count);
    assert_eq!(stats["events"], count, "{stats}");
    assert_eq!(stats["dropped"], 0, "{stats}");
    let body = get_json(server.http, "/events?limit=100&order=asc");
    assert_eq!(event_ids(&body), (1..=count).collect::<Vec<_>>());

    // The SD value of 65,000 backslashes decodes to half as many.
    let with_sd = &body["events"][8];
    let value = with_sd["structured_data"][0]["params"][0][1]
        .as_str()
        .unwrap_or_default();
    assert_eq!(value.len(), 32_500, "{}", &value[..16.min(value.len())]);
    assert_eq!(with_sd["message"], "tail");

    assert_eq!(get(server.http, "/healthz").status, 200);
    assert!(server.stop());
}
