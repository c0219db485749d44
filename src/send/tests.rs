use chrono::TimeZone;

use super::*;

fn header() -> Header {
    Header {
        facility: Facility::Local4,
        severity: Severity::Warning,
        hostname: Some(String::from("host1.example.net")),
        app_name: Some(String::from("app")),
        procid: Some(String::from("42")),
        msgid: None,
    }
}

fn time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 5, 7, 8, 9).unwrap()
}

#[test]
fn rfc5424_header_fields() {
    let rendered = render_message(&header(), Syntax::Rfc5424, "disk full", time());
    assert_eq!(
        String::from_utf8(rendered).unwrap(),
        "<164>1 2026-03-05T07:08:09Z host1.example.net app 42 - - disk full"
    );
}

#[test]
fn rfc5424_replaces_spaces_in_fields() {
    let mut header = header();
    header.app_name = Some(String::from("my app"));
    header.hostname = None;
    let rendered = render_message(&header, Syntax::Rfc5424, "", time());
    assert_eq!(
        String::from_utf8(rendered).unwrap(),
        "<164>1 2026-03-05T07:08:09Z - my_app 42 - -"
    );
}

#[test]
fn rfc5424_escapes_structured_data() {
    let mut event = header_event(&header(), "x", time());
    event.structured_data.push(crate::event::SdElementOwned {
        id: "origin@32473".into(),
        params: vec![("note".into(), r#"a "b" \c] d"#.into())],
    });
    let mut out = Vec::new();
    render_rfc5424(&event, &mut out);
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.ends_with(r#" [origin@32473 note="a \"b\" \\c\] d"] x"#),
        "{text}"
    );
}

#[test]
fn rfc3164_layout() {
    let rendered = render_message(&header(), Syntax::Rfc3164, "disk full", time());
    assert_eq!(
        String::from_utf8(rendered).unwrap(),
        "<164>Mar  5 07:08:09 host1.example.net app[42]: disk full"
    );
}

#[test]
fn destination_urls() {
    let udp = Destination::parse("udp://127.0.0.1:5514").unwrap();
    assert_eq!(udp.protocol, Protocol::Udp);
    assert_eq!(udp.address, "127.0.0.1:5514");
    let tcp = Destination::parse("tcp://[::1]").unwrap();
    assert_eq!(tcp.protocol, Protocol::Tcp);
    assert_eq!(tcp.address, "[::1]:514");
    assert_eq!(
        Destination::parse("tcp://localhost").unwrap().address,
        "localhost:514"
    );
    assert!(Destination::parse("http://localhost").is_err());
    assert!(Destination::parse("udp://").is_err());
}

#[test]
fn tcp_framings() {
    let mut out = Vec::new();
    frame_tcp(b"<13>1 - - - - - hi", TcpFraming::OctetCounting, &mut out);
    frame_tcp(b"<13>x", TcpFraming::Lf, &mut out);
    assert_eq!(out, b"18 <13>1 - - - - - hi<13>x\n");
}

#[test]
fn paced_udp_send_delivers_count() {
    let sink = UdpSocket::bind("127.0.0.1:0").unwrap();
    let destination = Destination {
        protocol: Protocol::Udp,
        address: sink.local_addr().unwrap().to_string(),
    };
    let mut connection = Connection::open(
        &destination,
        TcpFraming::OctetCounting,
        Duration::from_secs(1),
    )
    .unwrap();
    let payloads = vec![b"one".to_vec(), b"two".to_vec()];
    let summary = send_paced(&mut connection, &payloads, 5, 1000.0);
    assert_eq!(summary.sent, 5);
    assert_eq!(summary.errors, 0);

    sink.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buffer = [0u8; 64];
    let mut received = Vec::new();
    for _ in 0..5 {
        let length = sink.recv(&mut buffer).unwrap();
        received.push(buffer[..length].to_vec());
    }
    assert_eq!(
        received,
        vec![
            b"one".to_vec(),
            b"two".to_vec(),
            b"one".to_vec(),
            b"two".to_vec(),
            b"one".to_vec()
        ]
    );
}
