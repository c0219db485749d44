//! TCP syslog helpers: send RFC 6587 frames and find them through the
//! HTTP API. Usable against an in-process collector or a booted image.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{DEADLINE, get_json};

/// Frames `message` with octet counting (RFC 6587 § 3.4.1): `LEN SP MSG`.
pub fn octet_frame(message: &[u8]) -> Vec<u8> {
    let mut frame = format!("{} ", message.len()).into_bytes();
    frame.extend_from_slice(message);
    frame
}

/// Polls `GET /events?q=token` on `http` until `count` events match,
/// failing after [`DEADLINE`]. `token` must be URL-safe (letters, digits,
/// `-`, `_`).
pub fn wait_for_events(http: SocketAddr, token: &str, count: usize) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let body = get_json(http, &format!("/events?q={token}&limit=1000"));
        let events = body["events"].as_array().cloned().unwrap_or_default();
        if events.len() >= count {
            return events;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "timed out waiting for {count} events matching {token:?}; last /events: {body}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `message` as one octet-counted frame over a new TCP connection to
/// `tcp`, closes it, and returns the event that `/events` on `http` then
/// lists for `token` (which `message` must contain).
pub fn tcp_round_trip(tcp: SocketAddr, http: SocketAddr, message: &str, token: &str) -> Value {
    assert!(
        message.contains(token),
        "message {message:?} lacks token {token:?}"
    );
    let mut stream = TcpStream::connect_timeout(&tcp, DEADLINE)
        .unwrap_or_else(|error| panic!("connect to the TCP receiver at {tcp}: {error}"));
    stream
        .write_all(&octet_frame(message.as_bytes()))
        .expect("send the frame");
    drop(stream);
    let events = wait_for_events(http, token, 1);
    assert_eq!(events.len(), 1, "events matching {token:?}: {events:?}");
    events[0].clone()
}
