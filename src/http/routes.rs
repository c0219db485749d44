//! Routing and the handlers of each endpoint.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use httparse::Header;
use serde_json::{Value, json};

use super::metrics::Report;
use super::url::{query_pairs, split_target};
use super::{Context, EventBody, Response};
use crate::query::{self, Page, Query};

const NDJSON: &str = "application/x-ndjson";

/// The methods every route allows.
const ALLOW: &str = "GET, HEAD";

pub(super) fn route(
    method: &str,
    target: &str,
    headers: &[Header<'_>],
    context: &Context<'_>,
) -> Response {
    if !target.starts_with('/') {
        let message = format!("invalid request target {target:?}: expected a path such as /events");
        return Response::error(400, &message);
    }
    let (path, query) = split_target(target);
    let handler = match path {
        "/events" => events,
        "/stats" => stats,
        "/metrics" => metrics,
        "/healthz" => healthz,
        _ => {
            let message =
                format!("no route for {path:?}: expected /events, /stats, /metrics or /healthz");
            return Response::error(404, &message);
        }
    };
    // `handle` drops the body of every response to `HEAD`.
    match method {
        "GET" | "HEAD" => {}
        _ => {
            let message = format!("method {method} not allowed on {path}: use GET or HEAD");
            let mut response = Response::error(405, &message);
            response.headers.push(("Allow", ALLOW.to_string()));
            return response;
        }
    }
    if let Err(response) = check_no_body(headers) {
        return response;
    }
    let pairs = match query_pairs(query) {
        Ok(pairs) => pairs,
        Err(pair) => {
            let message =
                format!("invalid query parameter {pair:?}: bad percent-encoding or not UTF-8");
            return Response::error(400, &message);
        }
    };
    handler(&pairs, headers, context)
}

/// Rejects requests that announce a body: the API has no use for one, and
/// reading it would let a client hold a connection open.
fn check_no_body(headers: &[Header<'_>]) -> Result<(), Response> {
    for header in headers {
        if header.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Response::error(413, "request bodies are not accepted"));
        }
        if header.name.eq_ignore_ascii_case("content-length") {
            let length = core::str::from_utf8(header.value)
                .ok()
                .and_then(|value| value.trim().parse::<u64>().ok());
            match length {
                Some(0) => {}
                Some(_) => return Err(Response::error(413, "request bodies are not accepted")),
                None => return Err(Response::error(400, "invalid Content-Length header")),
            }
        }
    }
    Ok(())
}

fn reject_parameters(pairs: &[(String, String)]) -> Result<(), Response> {
    match pairs.first() {
        Some((name, _)) => {
            let message = format!("unknown query parameter {name:?}: this endpoint takes none");
            Err(Response::error(400, &message))
        }
        None => Ok(()),
    }
}

fn wants_ndjson(headers: &[Header<'_>]) -> bool {
    headers.iter().any(|header| {
        header.name.eq_ignore_ascii_case("accept")
            && core::str::from_utf8(header.value).is_ok_and(|value| {
                value
                    .split(',')
                    .any(|item| item.trim().to_ascii_lowercase().starts_with(NDJSON))
            })
    })
}

fn events(pairs: &[(String, String)], headers: &[Header<'_>], context: &Context<'_>) -> Response {
    let mut query = Query::default();
    let mut ndjson = wants_ndjson(headers);
    let mut seen: Vec<&str> = Vec::new();
    for (name, value) in pairs {
        if seen.contains(&name.as_str()) {
            let message = format!("duplicate query parameter {name:?}: give it once");
            return Response::error(400, &message);
        }
        seen.push(name);
        if name == "format" {
            ndjson = match value.as_str() {
                "json" => false,
                "ndjson" => true,
                _ => {
                    let message = format!("invalid format {value:?}: expected json or ndjson");
                    return Response::error(400, &message);
                }
            };
            continue;
        }
        match query.set(name, value) {
            Ok(true) => {}
            Ok(false) => {
                let message = format!(
                    "unknown query parameter {name:?}: expected since, until, severity, facility, host, app, q, limit, after, order or format"
                );
                return Response::error(400, &message);
            }
            Err(error) => return Response::error(400, &error.to_string()),
        }
    }

    let page = query::run(context.events, &query);
    if ndjson {
        render_ndjson(page)
    } else {
        render_json(page)
    }
}

fn render_json(page: Page) -> Response {
    Response::events(
        "application/json",
        EventBody {
            page,
            ndjson: false,
        },
    )
}

/// Renders one event per line. The cursor for the next page has no place
/// in the lines, so it goes to the `X-Next-After` header.
fn render_ndjson(page: Page) -> Response {
    let next_after = page.next_after;
    let mut response = Response::events(NDJSON, EventBody { page, ndjson: true });
    if let Some(id) = next_after {
        response.headers.push(("X-Next-After", id.to_string()));
    }
    response
}

fn report(context: &Context<'_>) -> Report {
    Report {
        stats: context.stats,
        store: context.events.status(),
        uptime_seconds: context.uptime_seconds,
    }
}

fn stats(pairs: &[(String, String)], _: &[Header<'_>], context: &Context<'_>) -> Response {
    if let Err(response) = reject_parameters(pairs) {
        return response;
    }
    let mut body = report(context).to_json().to_string().into_bytes();
    body.push(b'\n');
    Response::new(200, "application/json", body)
}

fn metrics(pairs: &[(String, String)], _: &[Header<'_>], context: &Context<'_>) -> Response {
    if let Err(response) = reject_parameters(pairs) {
        return response;
    }
    let body = report(context).to_prometheus().into_bytes();
    Response::new(200, "text/plain; version=0.0.4; charset=utf-8", body)
}

fn healthz(pairs: &[(String, String)], _: &[Header<'_>], _: &Context<'_>) -> Response {
    if let Err(response) = reject_parameters(pairs) {
        return response;
    }
    let body: Value = json!({ "status": "ok" });
    let mut body = body.to_string().into_bytes();
    body.push(b'\n');
    Response::new(200, "application/json", body)
}
