//! Rendering events as RFC 3164 messages for `logkeep send`. RFC 5424
//! rendering lives in the core, [`crate::parse::render_rfc5424`], because
//! the forwarder uses it too.

use crate::event::Event;
use crate::parse::render::{MAX_HOSTNAME, MAX_PROCID, write_header_field, write_pri};

/// Appends `event` to `out` as a BSD syslog message (RFC 3164 § 4.1):
/// `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PROCID]: MSG`.
///
/// The timestamp is written in its own offset, which RFC 3164 cannot
/// state; `logkeep send` passes UTC. A missing hostname is written as `-`
/// so the tag is not read as the hostname.
pub fn render_rfc3164(event: &Event, out: &mut Vec<u8>) {
    write_pri(out, event);
    let timestamp = event
        .timestamp
        .or_else(|| event.received_at.map(|time| time.fixed_offset()));
    if let Some(timestamp) = timestamp {
        out.extend_from_slice(timestamp.format("%b %e %H:%M:%S ").to_string().as_bytes());
    }
    write_header_field(out, event.hostname.as_deref(), MAX_HOSTNAME);
    out.push(b' ');
    if let Some(app_name) = event.app_name.as_deref().filter(|name| !name.is_empty()) {
        // RFC 3164 § 4.1.3 limits TAG to 32 alphanumeric characters.
        write_header_field(out, Some(app_name), 32);
        if let Some(procid) = event.procid.as_deref().filter(|id| !id.is_empty()) {
            out.push(b'[');
            write_header_field(out, Some(procid), MAX_PROCID);
            out.push(b']');
        }
        out.extend_from_slice(b": ");
    }
    out.extend_from_slice(event.message.as_bytes());
}
