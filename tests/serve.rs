//! End-to-end tests of the collector in this process: real UDP and TCP
//! sockets on 127.0.0.1 with ephemeral ports, the real receivers, store
//! and HTTP server.

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use logkeep::server::http::Limits;

const MIB: usize = 1 << 20;

/// Builds an RFC 5424 message with the fields a test filters on.
fn rfc5424(facility: u8, severity: u8, time: &str, host: &str, app: &str, msg: &str) -> Vec<u8> {
    let pri = u32::from(facility) * 8 + u32::from(severity);
    format!("<{pri}>1 {time} {host} {app} 42 ID7 - {msg}").into_bytes()
}

#[test]
fn corpus_round_trips_over_udp() {
    let server = TestServer::start(16 * MIB);
    let cases: Vec<CorpusCase> = corpus()
        .into_iter()
        .filter(|case| case.format != "framed")
        .collect();
    assert!(cases.len() > 100, "only {} corpus cases", cases.len());
    send_all(server.udp, cases.iter().map(|case| case.bytes.as_slice()));
    let count = cases.len() as u64;
    let stats = wait_for_received(server.http, count);

    assert_eq!(stats["received"], count);
    let parsed = stats["parsed"]["rfc5424"].as_u64().unwrap()
        + stats["parsed"]["rfc3164"].as_u64().unwrap()
        + stats["unparsed"].as_u64().unwrap();
    assert_eq!(parsed, count, "every message counted once by format");
    assert_eq!(stats["events"], count);
    assert_eq!(stats["oversize"], 0);

    let body = get_json(server.http, "/events?order=asc&limit=10000");
    let events = body["events"].as_array().unwrap();
    assert_eq!(events.len(), cases.len());
    assert_eq!(body["next_after"], serde_json::Value::Null);
    let ids = event_ids(&body);
    let expected: Vec<u64> = (1..=count).collect();
    assert_eq!(ids, expected, "ids are assigned 1.. in arrival order");
    for event in events {
        let source = event["source"].as_str().unwrap();
        assert!(source.starts_with("127.0.0.1:"), "source {source}");
        let received_at = event["received_at"].as_str().unwrap();
        assert!(
            chrono::DateTime::parse_from_rfc3339(received_at).is_ok(),
            "received_at {received_at}"
        );
    }
}

/// Six messages whose every field is known, for exact filter counts.
fn send_known_messages(server: &TestServer) {
    let messages = [
        rfc5424(
            3,
            3,
            "2026-01-10T10:00:00Z",
            "web1",
            "nginx",
            "upstream timed out",
        ),
        rfc5424(
            3,
            6,
            "2026-01-10T11:00:00Z",
            "web1",
            "nginx",
            "GET /index.html 200",
        ),
        rfc5424(
            16,
            4,
            "2026-01-10T12:00:00Z",
            "db1",
            "postgres",
            "slow query: 2.5 s",
        ),
        rfc5424(
            16,
            2,
            "2026-01-10T13:00:00Z",
            "DB1",
            "Postgres",
            "Disk FULL on /var",
        ),
        rfc5424(
            4,
            5,
            "2026-01-11T09:00:00+02:00",
            "auth1",
            "sshd",
            "Accepted publickey",
        ),
        rfc5424(
            0,
            0,
            "2026-01-12T00:00:00Z",
            "web2",
            "kernel",
            "panic: disk full",
        ),
    ];
    send_all(server.udp, messages.iter().map(Vec::as_slice));
    wait_for_received(server.http, messages.len() as u64);
}

fn ids_for(server: &TestServer, query: &str) -> Vec<u64> {
    event_ids(&get_json(server.http, &format!("/events?{query}")))
}

#[test]
fn filters_on_parsed_fields() {
    let server = TestServer::start(16 * MIB);
    send_known_messages(&server);

    assert_eq!(ids_for(&server, "severity=err"), [6, 4, 1]);
    assert_eq!(ids_for(&server, "severity=3"), [6, 4, 1]);
    assert_eq!(ids_for(&server, "severity=emerg"), [6]);
    assert_eq!(ids_for(&server, "facility=daemon"), [2, 1]);
    assert_eq!(ids_for(&server, "facility=local0,kern"), [6, 4, 3]);
    assert_eq!(ids_for(&server, "facility=16"), [4, 3]);
    assert_eq!(ids_for(&server, "host=db1"), [4, 3]);
    assert_eq!(ids_for(&server, "host=web"), Vec::<u64>::new());
    assert_eq!(ids_for(&server, "host=web*"), [6, 2, 1]);
    assert_eq!(ids_for(&server, "host=auth1,WEB2"), [6, 5]);
    assert_eq!(ids_for(&server, "app=post*"), [4, 3]);
    assert_eq!(ids_for(&server, "app=POSTGRES"), [4, 3]);
    assert_eq!(ids_for(&server, "q=disk+full"), [6, 4]);
    assert_eq!(ids_for(&server, "q=%2Findex"), [2]);
    assert_eq!(ids_for(&server, "since=2026-01-10T12:00:00Z"), [6, 5, 4, 3]);
    assert_eq!(ids_for(&server, "until=2026-01-10T11:00:00Z"), [2, 1]);
    // 09:00 at +02:00 is 07:00 UTC.
    let window = "since=2026-01-11T06:59:59Z&until=2026-01-11T07:00:00Z";
    assert_eq!(ids_for(&server, window), [5]);
    assert_eq!(ids_for(&server, "severity=warning&facility=local0"), [4, 3]);
    assert_eq!(ids_for(&server, "host=web1&order=asc"), [1, 2]);
}

#[test]
fn paging_covers_every_event_once() {
    let server = TestServer::start(16 * MIB);
    let messages: Vec<Vec<u8>> = (0..25)
        .map(|n| format!("message {n}").into_bytes())
        .collect();
    send_all(server.udp, messages.iter().map(Vec::as_slice));
    wait_for_received(server.http, 25);

    for order in ["desc", "asc"] {
        let mut seen = Vec::new();
        let mut after = None;
        let mut pages = 0;
        loop {
            let cursor = after.map_or(String::new(), |id| format!("&after={id}"));
            let body = get_json(
                server.http,
                &format!("/events?limit=10&order={order}{cursor}"),
            );
            seen.extend(event_ids(&body));
            pages += 1;
            match body["next_after"].as_u64() {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        let mut expected: Vec<u64> = (1..=25).collect();
        if order == "desc" {
            expected.reverse();
        }
        assert_eq!(seen, expected, "order={order}");
        assert_eq!(pages, 3, "order={order}");
    }

    // A page that ends at the oldest event has no cursor.
    let body = get_json(server.http, "/events?limit=5&after=6");
    assert_eq!(event_ids(&body), [5, 4, 3, 2, 1]);
    assert_eq!(body["next_after"], serde_json::Value::Null);
}

#[test]
fn ndjson_by_accept_header() {
    let server = TestServer::start(MIB);
    send_all(server.udp, [&b"one"[..], b"two", b"three"]);
    wait_for_received(server.http, 3);

    let request = "GET /events?limit=2 HTTP/1.1\r\nAccept: application/x-ndjson\r\n\r\n";
    let response = raw_request(server.http, request.as_bytes());
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-type"),
        Some("application/x-ndjson")
    );
    assert_eq!(response.header("x-next-after"), Some("2"));
    let lines: Vec<serde_json::Value> = response
        .text()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], 3);
    assert_eq!(lines[1]["id"], 2);
}

#[test]
fn eviction_at_capacity_counts() {
    // Room for a handful of these events, whatever the parser makes of them.
    let capacity = 4096;
    let server = TestServer::start(capacity);
    let messages: Vec<Vec<u8>> = (0..40)
        .map(|n| format!("<13>1 - host app - - - event {n:04}").into_bytes())
        .collect();
    send_all(server.udp, messages.iter().map(Vec::as_slice));
    let stats = wait_for_received(server.http, 40);

    let stored = stats["events"].as_u64().unwrap();
    let evicted = stats["evicted"].as_u64().unwrap();
    let bytes = stats["bytes"].as_u64().unwrap();
    assert!(stored >= 1, "{stats}");
    assert!(stored < 40, "capacity too large for the test: {stats}");
    assert_eq!(stored + evicted, 40, "{stats}");
    assert!(bytes <= capacity as u64, "{stats}");
    // Every event has the same size, so one more would not have fitted.
    assert!(bytes + bytes / stored > capacity as u64, "{stats}");
    assert_eq!(stats["dropped"], 0);

    let body = get_json(server.http, "/events?order=asc&limit=100");
    let expected: Vec<u64> = (40 - stored + 1..=40).collect();
    assert_eq!(event_ids(&body), expected, "the newest events stay");

    // An event larger than the whole store is dropped and evicts nothing.
    let huge = vec![b'x'; capacity];
    send_all(server.udp, [huge.as_slice()]);
    let stats = wait_for_received(server.http, 41);
    assert_eq!(stats["dropped"], 1);
    assert_eq!(stats["events"], stored);
    assert_eq!(stats["evicted"], evicted);
}

#[test]
fn garbage_datagrams_are_stored_unparsed() {
    let server = TestServer::start(MIB);
    let garbage: [&[u8]; 5] = [
        b"",
        b"\x00\x00\x00",
        b"\xff\xfe<13>",
        b"<999>1",
        b"\r\n\r\n",
    ];
    send_all(server.udp, garbage);
    let stats = wait_for_received(server.http, garbage.len() as u64);
    assert_eq!(stats["events"], 5);
    assert_eq!(stats["unparsed"], 5);
    assert_eq!(get(server.http, "/healthz").status, 200);
}

#[test]
fn largest_ipv4_datagram_is_stored() {
    let server = TestServer::start(MIB);
    let largest = vec![b'a'; 65_507];
    send_all(server.udp, [largest.as_slice()]);
    let stats = wait_for_received(server.http, 1);
    assert_eq!(stats["events"], 1);
    assert_eq!(stats["oversize"], 0);
}

#[test]
fn oversize_datagram_counted_over_ipv6() {
    // Only IPv6 carries UDP payloads above 65,507 bytes (up to 65,527).
    if std::net::UdpSocket::bind("[::1]:0").is_err() {
        eprintln!("skipped: no IPv6 loopback on this host");
        return;
    }
    let server = TestServer::start_with("[::1]:0", MIB, Limits::default());
    let oversize = vec![b'o'; 65_520];
    send_all(server.udp, [oversize.as_slice(), b"after the oversize one"]);
    let stats = wait_for_stats(server.http, "one oversize and one message", |stats| {
        stats["oversize"] == 1 && stats["received"] == 1
    });
    assert_eq!(stats["events"], 1);
    let body = get_json(server.http, "/events");
    assert_eq!(event_ids(&body), [2 - 1]);
}

#[test]
fn malformed_http_gets_4xx_while_ingesting() {
    let server = TestServer::start(MIB);
    let cases: [(&[u8], u16); 9] = [
        (b"GARBAGE\r\n\r\n", 400),
        (b"\x00\x01\x02\x03\r\n\r\n", 400),
        (b"GET /events?severity=foo HTTP/1.1\r\n\r\n", 400),
        (b"GET /events?colour=red HTTP/1.1\r\n\r\n", 400),
        (b"GET /events?limit=100000 HTTP/1.1\r\n\r\n", 400),
        (b"GET /nowhere HTTP/1.1\r\n\r\n", 404),
        (b"DELETE /events HTTP/1.1\r\n\r\n", 405),
        (b"GET /events HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", 413),
        (b"GET http://example.test/events HTTP/1.1\r\n\r\n", 400),
    ];
    for (index, (request, status)) in cases.iter().enumerate() {
        let response = raw_request(server.http, request);
        assert_eq!(
            response.status,
            *status,
            "request {:?}",
            String::from_utf8_lossy(request)
        );
        let error = response.json()["error"].as_str().unwrap().to_string();
        assert!(!error.is_empty());
        send_all(server.udp, [format!("ingest {index}").as_bytes()]);
    }
    let bad_severity = raw_request(server.http, cases[2].0).json();
    assert_eq!(
        bad_severity["error"],
        "invalid severity \"foo\": expected a name such as err or a number 0-7"
    );
    let stats = wait_for_received(server.http, cases.len() as u64);
    assert_eq!(stats["events"], cases.len() as u64);
    assert!(stats["http_errors"].as_u64().unwrap() >= cases.len() as u64);
}

#[test]
fn oversized_head_gets_431() {
    let server = TestServer::start(MIB);
    let mut request = b"GET /events HTTP/1.1\r\n".to_vec();
    for n in 0..400 {
        request.extend_from_slice(format!("X-Filler-{n}: {}\r\n", "v".repeat(20)).as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    let response = raw_request(server.http, &request);
    assert_eq!(response.status, 431);
}

#[test]
fn head_request_has_no_body() {
    let server = TestServer::start(MIB);
    let response = raw_request(server.http, b"HEAD /stats HTTP/1.1\r\n\r\n");
    assert_eq!(response.status, 200);
    assert!(response.body.is_empty());
    let length: usize = response.header("content-length").unwrap().parse().unwrap();
    assert!(length > 0);
}

#[test]
fn metrics_in_prometheus_text() {
    let server = TestServer::start(MIB);
    send_all(server.udp, [&b"hello"[..]]);
    wait_for_received(server.http, 1);
    let response = get(server.http, "/metrics");
    assert_eq!(response.status, 200);
    assert!(
        response
            .header("content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    let text = response.text();
    assert!(text.contains("# TYPE logkeep_received_total counter\nlogkeep_received_total 1\n"));
    assert!(text.contains("logkeep_events 1\n"));
    assert!(text.contains(&format!("logkeep_capacity {MIB}\n")));
}

#[test]
fn slowloris_does_not_block_others() {
    let limits = Limits {
        max_connections: 8,
        head_timeout: Duration::from_secs(2),
        write_timeout: Duration::from_secs(2),
    };
    let server = TestServer::start_with("127.0.0.1:0", MIB, limits);
    // Four clients that send part of a request head and then stall.
    let mut slow: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut stream = TcpStream::connect(server.http).unwrap();
            stream
                .write_all(b"GET /events HTTP/1.1\r\nX-Slow: ")
                .unwrap();
            stream
        })
        .collect();

    send_all(server.udp, [&b"while stalled"[..]]);
    let stats = wait_for_received(server.http, 1);
    assert_eq!(stats["events"], 1);
    assert_eq!(get(server.http, "/healthz").status, 200);

    // The stalled clients are cut off with 408 once the head timeout passes.
    for stream in &mut slow {
        let response = read_response(stream);
        assert_eq!(response.status, 408);
    }
}

#[test]
fn connections_over_limit_get_503() {
    let limits = Limits {
        max_connections: 2,
        head_timeout: Duration::from_secs(2),
        write_timeout: Duration::from_secs(2),
    };
    let server = TestServer::start_with("127.0.0.1:0", MIB, limits);
    let idle: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(server.http).unwrap())
        .collect();
    // Connections are accepted in order, so the two idle ones hold both slots.
    let response = get(server.http, "/healthz");
    assert_eq!(response.status, 503);
    assert_eq!(response.header("retry-after"), Some("1"));
    drop(idle);

    // The slots free up once the idle connections end.
    let start = Instant::now();
    loop {
        if get(server.http, "/healthz").status == 200 {
            break;
        }
        assert!(start.elapsed() < DEADLINE, "slots never freed");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn shutdown_stops_every_thread() {
    let server = TestServer::start(MIB);
    send_all(server.udp, [&b"before stop"[..]]);
    wait_for_received(server.http, 1);
    assert!(server.stop(), "a server thread ended before the shutdown");
}

#[test]
fn queries_during_ingest_lose_nothing() {
    let server = TestServer::start(16 * MIB);
    let http = server.http;
    let querier = std::thread::spawn(move || {
        let mut pages = 0;
        for _ in 0..30 {
            let body = get_json(http, "/events?q=batch&limit=500");
            let ids = event_ids(&body);
            assert!(
                ids.windows(2).all(|pair| pair[0] > pair[1]),
                "ids out of order"
            );
            pages += 1;
        }
        pages
    });

    // Batches paced by /stats, so the socket buffer never overflows.
    let mut sent = 0;
    for batch in 0..20 {
        let messages: Vec<Vec<u8>> = (0..200)
            .map(|n| format!("batch {batch} message {n}").into_bytes())
            .collect();
        send_all(server.udp, messages.iter().map(Vec::as_slice));
        sent += messages.len() as u64;
        wait_for_received(server.http, sent);
    }
    assert_eq!(querier.join().unwrap(), 30);

    let stats = get_json(server.http, "/stats");
    assert_eq!(stats["received"], 4000);
    assert_eq!(stats["events"], 4000);
    assert_eq!(stats["evicted"], 0);
    let body = get_json(server.http, "/events?q=batch+19+message+199");
    assert_eq!(event_ids(&body), [4000]);
}

/// Returns the ids of `events` that `keep` accepts, newest first.
fn expected_ids(
    events: &[serde_json::Value],
    keep: impl Fn(&serde_json::Value) -> bool,
) -> Vec<u64> {
    let mut ids: Vec<u64> = events
        .iter()
        .filter(|event| keep(event))
        .map(|event| event["id"].as_u64().unwrap())
        .collect();
    ids.sort_unstable_by(|a, b| b.cmp(a));
    ids
}

fn query_value(text: &str) -> String {
    let mut encoded = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(byte as char);
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[test]
fn corpus_filters_agree_with_fields() {
    use logkeep::event::{Facility, Severity};

    let server = TestServer::start(16 * MIB);
    let cases: Vec<CorpusCase> = corpus()
        .into_iter()
        .filter(|case| case.format != "framed")
        .collect();
    send_all(server.udp, cases.iter().map(|case| case.bytes.as_slice()));
    wait_for_received(server.http, cases.len() as u64);
    let body = get_json(server.http, "/events?limit=10000");
    let events = body["events"].as_array().unwrap().clone();
    let text =
        |event: &serde_json::Value, field: &str| event[field].as_str().map(str::to_lowercase);

    for severity in 0..8u8 {
        let name = Severity::from_code(severity).unwrap().name();
        let expected = expected_ids(&events, |event| {
            event["severity"]
                .as_str()
                .and_then(Severity::from_name)
                .is_some_and(|found| found.code() <= severity)
        });
        assert_eq!(
            ids_for(&server, &format!("severity={name}&limit=10000")),
            expected,
            "severity={name}"
        );
    }
    for facility in 0..24u8 {
        let name = Facility::from_code(facility).unwrap().name();
        let expected = expected_ids(&events, |event| event["facility"].as_str() == Some(name));
        let query = format!("facility={facility}&limit=10000");
        assert_eq!(ids_for(&server, &query), expected, "facility={name}");
    }
    for field in ["hostname", "app_name"] {
        let parameter = if field == "hostname" { "host" } else { "app" };
        let mut values: Vec<String> = events
            .iter()
            .filter_map(|event| text(event, field))
            .collect();
        values.sort();
        values.dedup();
        for value in values.iter().take(40) {
            let expected = expected_ids(&events, |event| {
                text(event, field).as_deref() == Some(value)
            });
            let query = format!("{parameter}={}&limit=10000", query_value(value));
            assert_eq!(ids_for(&server, &query), expected, "{parameter}={value:?}");
        }
    }
    for needle in ["error", "sshd", "=", "ü"] {
        let expected = expected_ids(&events, |event| {
            text(event, "message").is_some_and(|message| message.contains(needle))
        });
        let query = format!("q={}&limit=10000", query_value(needle));
        assert_eq!(ids_for(&server, &query), expected, "q={needle:?}");
    }

    // The time filter reads `timestamp` when present, else `received_at`.
    let time_of = |event: &serde_json::Value| {
        let text = event["timestamp"]
            .as_str()
            .or(event["received_at"].as_str())
            .unwrap();
        chrono::DateTime::parse_from_rfc3339(text).unwrap()
    };
    let pivot = chrono::DateTime::parse_from_rfc3339("2019-01-01T00:00:00Z").unwrap();
    let expected = expected_ids(&events, |event| time_of(event) < pivot);
    let query = format!(
        "until={}&limit=10000",
        query_value("2018-12-31T23:59:59.999999999Z")
    );
    assert_eq!(ids_for(&server, &query), expected, "until before 2019");
    let expected = expected_ids(&events, |event| time_of(event) >= pivot);
    let query = format!("since={}&limit=10000", query_value("2019-01-01T00:00:00Z"));
    assert_eq!(ids_for(&server, &query), expected, "since 2019");
}

#[cfg(target_os = "linux")]
#[test]
fn burst_is_received_or_counted_as_kernel_drops() {
    let server = TestServer::start(64 * MIB);
    // Large datagrams fill the default socket buffer within a few sends.
    let datagram = vec![b'b'; 60_000];
    let sent = 300;
    send_all(server.udp, std::iter::repeat_n(datagram.as_slice(), sent));
    let stats = wait_for_stats(server.http, "every datagram accounted for", |stats| {
        let received = stats["received"].as_u64().unwrap();
        let dropped = stats["kernel_drops"].as_u64().unwrap();
        received + dropped == sent as u64
    });
    assert_eq!(stats["oversize"], 0);
    assert_eq!(stats["events"], stats["received"]);
}

#[test]
fn large_pages_stream_and_stop_at_budget() {
    let server = TestServer::start(64 * MIB);
    let source = "127.0.0.1:9".parse().unwrap();
    // Control bytes become six-byte `\u0001` escapes in JSON, so the full
    // page would render to about 120 MB.
    let message = vec![1u8; MIB];
    let count = 20;
    for _ in 0..count {
        server.collector.ingest(&message, source);
    }

    let response = get(server.http, "/events?limit=10000");
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-length"), None);
    let body = response.json();
    let first = event_ids(&body);
    assert!(!first.is_empty());
    assert!(first.len() < count, "{} events in one page", first.len());
    let next_after = body["next_after"].as_u64().expect("next_after set");
    assert_eq!(next_after, *first.last().unwrap());

    let mut ids = first;
    let mut cursor = Some(next_after);
    while let Some(after) = cursor {
        let page = get_json(server.http, &format!("/events?limit=10000&after={after}"));
        ids.extend(event_ids(&page));
        cursor = page["next_after"].as_u64();
    }
    let expected: Vec<u64> = (1..=count as u64).rev().collect();
    assert_eq!(ids, expected);

    let head = raw_request(server.http, b"HEAD /events HTTP/1.1\r\n\r\n");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
}

#[test]
fn head_errors_have_no_body() {
    let limits = Limits {
        head_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let server = TestServer::start_with("127.0.0.1:0", MIB, limits);
    let mut filler = String::from("HEAD /events HTTP/1.1\r\n");
    for n in 0..400 {
        filler.push_str(&format!("X-Filler-{n}: {}\r\n", "v".repeat(20)));
    }
    filler.push_str("\r\n");
    let cases: [(&str, &[u8]); 6] = [
        ("404", b"HEAD /nowhere HTTP/1.1\r\n\r\n"),
        ("413", b"HEAD /events HTTP/1.1\r\nContent-Length: 5\r\n\r\n"),
        ("400", b"HEAD /events?limit=abc HTTP/1.1\r\n\r\n"),
        ("400", b"HEAD /events HTTP/1.1\r\nbad header\r\n\r\n"),
        ("431", filler.as_bytes()),
        // No blank line: the server times out waiting for the head.
        ("408", b"HEAD /events HTTP/1.1\r\n"),
    ];
    for (status, request) in cases {
        let response = raw_request(server.http, request);
        assert_eq!(response.status.to_string(), status);
        assert!(
            response.body.is_empty(),
            "{status} to HEAD has a body: {:?}",
            String::from_utf8_lossy(&response.body)
        );
        let length = response.header("content-length").expect("Content-Length");
        assert_ne!(length, "0", "{status}: headers describe the GET body");
    }

    let get = get(server.http, "/nowhere");
    assert_eq!(get.status, 404);
    assert!(!get.body.is_empty());
}

#[test]
fn busy_counts_only_sent_responses() {
    let limits = Limits {
        max_connections: 1,
        ..Limits::default()
    };
    let server = TestServer::start_with("127.0.0.1:0", MIB, limits);
    let idle = TcpStream::connect(server.http).unwrap();
    // Sent before the server reads it, so every connection below is over
    // the limit; far more than the queue of 503 responses holds.
    let clients: Vec<TcpStream> = (0..150)
        .map(|_| {
            let mut stream = TcpStream::connect(server.http).unwrap();
            // The server may have closed the connection already, which
            // makes these calls fail. The read below distinguishes the cases.
            let _ = stream.write_all(b"GET /healthz HTTP/1.1\r\n\r\n");
            let _ = stream.shutdown(std::net::Shutdown::Write);
            stream
        })
        .collect();
    let mut answered = 0u64;
    let mut closed = 0u64;
    for mut stream in clients {
        stream.set_read_timeout(Some(DEADLINE)).unwrap();
        let mut bytes = Vec::new();
        match std::io::Read::read_to_end(&mut stream, &mut bytes) {
            Ok(_) if bytes.starts_with(b"HTTP/1.1 503 ") => answered += 1,
            Ok(_) if bytes.is_empty() => closed += 1,
            // A reset closes the connection without a response too.
            Err(_) => closed += 1,
            Ok(_) => panic!("unexpected {:?}", String::from_utf8_lossy(&bytes)),
        }
    }
    // How many fit the queue depends on thread scheduling, so the counts
    // are compared with what the clients saw, not with fixed numbers.
    assert_eq!(answered + closed, 150);
    drop(idle);

    // The idle connection's slot frees once its thread reads the close.
    // 503 responses until then are counted as well.
    let start = Instant::now();
    let stats = loop {
        let response = get(server.http, "/stats");
        if response.status == 200 {
            break response.json();
        }
        assert_eq!(response.status, 503);
        answered += 1;
        assert!(start.elapsed() < DEADLINE, "the slot never freed");
    };
    assert_eq!(stats["http_requests"], answered);
    assert_eq!(stats["http_errors"], answered);
    assert_eq!(stats["http_rejected"], closed);
}
