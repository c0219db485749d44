//! HTTP request handling for the query API, independent of sockets.
//!
//! [`handle`] turns the bytes a client sent so far into a response, or
//! returns `None` while the request head is incomplete, so the same code
//! serves the hosted build and the unikernel. The API accepts only `GET` and `HEAD` without a body, reads
//! at most [`MAX_HEAD`] bytes of request line and headers, and sends every
//! response with `Connection: close`. One request per connection keeps the
//! server free of pipelining and idle keep-alive state.
//!
//! Routes: `/events` (see [`crate::query`]), `/stats`, `/metrics` and
//! `/healthz`. Errors carry a JSON body `{"error": "..."}` that names the
//! bad part of the request.

pub mod metrics;
mod routes;
pub mod url;

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::json;

use crate::stats::StatsSnapshot;
use crate::store::EventSource;

/// Maximum bytes of request line plus headers read before responding 431.
pub const MAX_HEAD: usize = 8 * 1024;

/// Maximum header fields accepted before responding 431.
pub const MAX_HEADERS: usize = 64;

/// The data a response is built from.
pub struct Context<'a> {
    pub events: &'a dyn EventSource,
    pub stats: StatsSnapshot,
    pub uptime_seconds: u64,
}

/// A complete response; [`Response::to_bytes`] serialises it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    /// Extra header fields, such as `Allow` on a 405.
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    /// A response to `HEAD`: the headers describe `body`, which is not sent.
    pub head_only: bool,
}

impl Response {
    pub fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Response {
        Response {
            status,
            content_type,
            headers: Vec::new(),
            body,
            head_only: false,
        }
    }

    /// Builds an error response with the body `{"error": message}`.
    pub fn error(status: u16, message: &str) -> Response {
        let mut body = json!({ "error": message }).to_string().into_bytes();
        body.push(b'\n');
        Response::new(status, "application/json", body)
    }

    /// Serialises the status line, the header fields and, unless this
    /// responds to a `HEAD`, the body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        for (name, value) in &self.headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        if !self.head_only {
            bytes.extend_from_slice(&self.body);
        }
        bytes
    }
}

/// Returns the reason phrase of RFC 9110 § 15 for the statuses used here.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

/// Builds the response to the request in `buffer`, the bytes received so far. Returns
/// `None` when the head is incomplete and shorter than [`MAX_HEAD`], so the
/// caller should read more.
pub fn handle(buffer: &[u8], context: &Context<'_>) -> Option<Response> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut headers);
    let head_length = match request.parse(buffer) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) if buffer.len() < MAX_HEAD => return None,
        Ok(httparse::Status::Partial) => return Some(head_too_large()),
        Err(httparse::Error::TooManyHeaders) => return Some(head_too_large()),
        Err(error) => return Some(Response::error(400, &format!("invalid request: {error}"))),
    };
    if head_length > MAX_HEAD {
        return Some(head_too_large());
    }
    // `Complete` guarantees the method and the path.
    let method = request.method.unwrap_or_default();
    let target = request.path.unwrap_or_default();
    Some(routes::route(method, target, request.headers, context))
}

fn head_too_large() -> Response {
    Response::error(
        431,
        &format!("request line and headers exceed {MAX_HEAD} bytes or {MAX_HEADERS} fields"),
    )
}

#[cfg(test)]
mod tests;
