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

use crate::json::event_to_vec;
use crate::query::Page;
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

/// A complete response; [`Response::write_to`] serialises it.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    /// Extra header fields, such as `Allow` on a 405.
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    /// Events rendered one at a time after `body` while the response is
    /// written, so a page of 10,000 events never exists as one buffer.
    pub events: Option<EventBody>,
    /// A response to `HEAD`: the headers describe the body, which is not
    /// sent (RFC 9110 § 9.3.2).
    pub head_only: bool,
}

/// A page of events and the format to render it in.
#[derive(Clone, Debug, PartialEq)]
pub struct EventBody {
    pub page: Page,
    /// One event per line; otherwise `{"events": [...], "next_after": ...}`.
    pub ndjson: bool,
}

impl EventBody {
    /// Calls `write` with the rendered body piece by piece, so at most one
    /// event's JSON exists at a time.
    fn write_to<E>(&self, write: &mut dyn FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
        if self.ndjson {
            for event in &self.page.events {
                write(&event_to_vec(event))?;
                write(b"\n")?;
            }
            return Ok(());
        }

        write(b"{\"events\":[")?;
        for (index, event) in self.page.events.iter().enumerate() {
            if index > 0 {
                write(b",")?;
            }
            write(&event_to_vec(event))?;
        }
        let next_after = match self.page.next_after {
            Some(id) => id.to_string(),
            None => String::from("null"),
        };
        write(format!("],\"next_after\":{next_after}}}\n").as_bytes())
    }
}

impl Response {
    pub fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Response {
        Response {
            status,
            content_type,
            headers: Vec::new(),
            body,
            events: None,
            head_only: false,
        }
    }

    /// Builds a 200 response whose body is rendered from `body` while it
    /// is written.
    pub fn events(content_type: &'static str, body: EventBody) -> Response {
        let mut response = Response::new(200, content_type, Vec::new());
        response.events = Some(body);
        response
    }

    /// Builds an error response with the body `{"error": message}`.
    pub fn error(status: u16, message: &str) -> Response {
        let mut body = json!({ "error": message }).to_string().into_bytes();
        body.push(b'\n');
        Response::new(status, "application/json", body)
    }

    /// Marks this as the response to the request whose first bytes are
    /// `request`: a response to `HEAD` sends no body (RFC 9110 § 9.3.2),
    /// whatever its status. Every response to a request that was read
    /// passes through here, errors included.
    pub fn for_request(mut self, request: &[u8]) -> Response {
        self.head_only = request.starts_with(b"HEAD ");
        self
    }

    /// Serialises the whole response into one buffer, for small responses
    /// and tests. See [`Response::write_to`].
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        let _ = self.write_to(&mut |piece: &[u8]| -> Result<(), ()> {
            bytes.extend_from_slice(piece);
            Ok(())
        });
        bytes
    }

    /// Returns the body as sent to a `GET`, including rendered events.
    pub fn body_bytes(&self) -> Vec<u8> {
        let mut bytes = self.body.clone();
        if let Some(events) = &self.events {
            let _ = events.write_to(&mut |piece: &[u8]| -> Result<(), ()> {
                bytes.extend_from_slice(piece);
                Ok(())
            });
        }
        bytes
    }

    /// Calls `write` with the status line, the header fields and, unless
    /// this responds to a `HEAD`, the body, piece by piece.
    ///
    /// A response with [`Response::events`] has no `Content-Length`, because
    /// its length is known only once rendered: the connection closing ends
    /// its body (RFC 9112 § 6.3, last rule), as every response here closes.
    pub fn write_to<E>(&self, write: &mut dyn FnMut(&[u8]) -> Result<(), E>) -> Result<(), E> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\n",
            self.status,
            reason(self.status),
            self.content_type,
        );
        if self.events.is_none() {
            head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        head.push_str("Cache-Control: no-store\r\nConnection: close\r\n");
        for (name, value) in &self.headers {
            head.push_str(name);
            head.push_str(": ");
            head.push_str(value);
            head.push_str("\r\n");
        }
        head.push_str("\r\n");
        write(head.as_bytes())?;
        if self.head_only {
            return Ok(());
        }
        write(&self.body)?;
        if let Some(events) = &self.events {
            events.write_to(write)?;
        }
        Ok(())
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
    let response = build_response(buffer, context)?;
    Some(response.for_request(buffer))
}

fn build_response(buffer: &[u8], context: &Context<'_>) -> Option<Response> {
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
