use alloc::string::String;
use alloc::vec::Vec;

use serde_json::Value;

use super::*;
use crate::event::{Event, Format, Severity};
use crate::store::Store;

fn store() -> Store {
    let mut store = Store::new(1 << 20);
    for (index, severity) in [3u8, 6, 0].into_iter().enumerate() {
        store.push(Event {
            id: 0,
            received_at: None,
            source: Some("127.0.0.1:9".into()),
            format: Format::Rfc5424,
            facility: None,
            severity: Severity::from_code(severity),
            timestamp: None,
            hostname: Some("host".into()),
            app_name: None,
            procid: None,
            msgid: None,
            structured_data: Vec::new(),
            message: alloc::format!("message {index}"),
            bom: false,
            parse_error: None,
            transport_error: None,
            raw: Vec::new(),
        });
    }
    store
}

fn get(store: &Store, request: &str) -> Response {
    let context = Context {
        events: store,
        stats: StatsSnapshot::default(),
        uptime_seconds: 1,
    };
    handle(request.as_bytes(), &context).expect("a complete request")
}

fn body_json(response: &Response) -> Value {
    serde_json::from_slice(&response.body_bytes()).expect("a JSON body")
}

fn error_of(response: &Response) -> String {
    String::from(body_json(response)["error"].as_str().unwrap())
}

#[test]
fn events_json_page() {
    let response = get(&store(), "GET /events?limit=2 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type, "application/json");
    let body = body_json(&response);
    let ids: Vec<u64> = body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [3, 2]);
    assert_eq!(body["next_after"], 2);
}

#[test]
fn events_ndjson_by_accept_or_format() {
    let store = store();
    let by_accept = get(
        &store,
        "GET /events?severity=err HTTP/1.1\r\nAccept: application/x-ndjson\r\n\r\n",
    );
    assert_eq!(by_accept.content_type, "application/x-ndjson");
    let text = String::from_utf8(by_accept.body_bytes()).unwrap();
    assert_eq!(text.lines().count(), 2);
    let by_format = get(&store, "GET /events?format=ndjson&limit=1 HTTP/1.1\r\n\r\n");
    assert_eq!(by_format.content_type, "application/x-ndjson");
    assert!(
        by_format
            .headers
            .contains(&("X-Next-After", String::from("3")))
    );
}

#[test]
fn bad_parameters_are_named() {
    let store = store();
    let response = get(&store, "GET /events?severity=foo HTTP/1.1\r\n\r\n");
    assert_eq!(response.status, 400);
    assert_eq!(
        error_of(&response),
        "invalid severity \"foo\": expected a name such as err or a number 0-7"
    );
    let unknown = get(&store, "GET /events?colour=red HTTP/1.1\r\n\r\n");
    assert_eq!(unknown.status, 400);
    assert!(error_of(&unknown).contains("\"colour\""));
    let twice = get(&store, "GET /events?limit=1&limit=2 HTTP/1.1\r\n\r\n");
    assert_eq!(twice.status, 400);
    let encoding = get(&store, "GET /events?q=%zz HTTP/1.1\r\n\r\n");
    assert_eq!(encoding.status, 400);
    let on_stats = get(&store, "GET /stats?verbose=1 HTTP/1.1\r\n\r\n");
    assert_eq!(on_stats.status, 400);
}

#[test]
fn methods_paths_and_bodies() {
    let store = store();
    let post = get(&store, "POST /events HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(post.status, 405);
    assert!(post.headers.contains(&("Allow", String::from("GET, HEAD"))));
    assert_eq!(get(&store, "GET /nope HTTP/1.1\r\n\r\n").status, 404);
    let body = get(
        &store,
        "GET /events HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert_eq!(body.status, 413);
    let chunked = get(
        &store,
        "GET /events HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    assert_eq!(chunked.status, 413);
    let head = get(&store, "HEAD /healthz HTTP/1.1\r\n\r\n");
    assert_eq!(head.status, 200);
    let bytes = head.to_bytes();
    assert!(bytes.ends_with(b"\r\n\r\n"));
    assert!(
        String::from_utf8(bytes)
            .unwrap()
            .contains("Content-Length: 16\r\n")
    );
}

#[test]
fn incomplete_and_oversized_heads() {
    let store = store();
    let context = Context {
        events: &store,
        stats: StatsSnapshot::default(),
        uptime_seconds: 0,
    };
    assert_eq!(handle(b"GET /events HTTP/1.1\r\nHost:", &context), None);
    let mut long = Vec::from(&b"GET /events HTTP/1.1\r\nX-Padding: "[..]);
    long.resize(MAX_HEAD, b'a');
    assert_eq!(handle(&long, &context).unwrap().status, 431);
    let garbage = handle(b"\x00\x01\x02 nonsense\r\n\r\n", &context).unwrap();
    assert_eq!(garbage.status, 400);
}

#[test]
fn stats_and_metrics_render() {
    let store = store();
    let stats = get(&store, "GET /stats HTTP/1.1\r\n\r\n");
    assert_eq!(body_json(&stats)["events"], 3);
    let metrics = get(&store, "GET /metrics HTTP/1.1\r\n\r\n");
    assert_eq!(metrics.status, 200);
    let text = String::from_utf8(metrics.body).unwrap();
    assert!(text.contains("logkeep_events 3\n"));
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
        let store = store();
        let context = Context {
            events: &store,
            stats: StatsSnapshot::default(),
            uptime_seconds: 0,
        };
        if let Some(response) = handle(&bytes, &context) {
            proptest::prop_assert!(matches!(response.status, 200 | 400 | 404 | 405 | 413 | 431));
        }
    }

    #[test]
    fn arbitrary_query_strings_never_panic(query in "[a-z=&%+0-9A-F:.,-]{0,80}") {
        let store = store();
        let request = alloc::format!("GET /events?{query} HTTP/1.1\r\n\r\n");
        let response = get(&store, &request);
        proptest::prop_assert!(response.status == 200 || response.status == 400);
    }
}
