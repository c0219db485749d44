//! Feeds arbitrary bytes to the syslog parser and checks what every
//! message must satisfy: no panic, raw bytes kept, a reason for unparsed
//! input, and JSON output for the result.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use logkeep::event::Format;
use logkeep::parse::{ParseOptions, parse, render_rfc5424};

fuzz_target!(|data: &[u8]| {
    let received_at = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
    let options = ParseOptions::new(received_at);
    let message = parse(data, &options);
    assert_eq!(message.raw, data);
    if message.format == Format::Unparsed {
        assert!(message.parse_error.is_some());
    }
    let event = message.to_event();
    let _ = logkeep::json::event_to_string(&event);

    // The renderer must turn any parsed event into valid RFC 5424.
    let wire = render_rfc5424(&event);
    let again = parse(&wire, &options);
    assert_eq!(again.format, Format::Rfc5424, "{:?}", String::from_utf8_lossy(&wire));
});
