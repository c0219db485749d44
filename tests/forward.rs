//! Forwarding (relay) tests: real sockets on 127.0.0.1, a plain UDP or TCP
//! socket as destination, and a real rsyslogd that the test starts and
//! restarts on a loopback port.

mod common;

use std::io::Read;
use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use common::DEADLINE;
use logkeep::event::{Event, Facility, Format, Severity};
use logkeep::framing::{DecoderConfig, FrameDecoder};
use logkeep::send::{Destination, TcpFraming, render_rfc5424};
use logkeep::server::forward::{ForwardConfig, Forwarder, SenderThreads};
use logkeep::server::{Collector, Shutdown};
use logkeep::stats::StatsSnapshot;

const MIB: usize = 1 << 20;

/// How long the restart test waits for rsyslogd to write what it received.
const DELIVERY_DEADLINE: Duration = Duration::from_secs(30);

fn event(facility: Option<Facility>, severity: Option<Severity>, text: &str) -> Event {
    Event {
        id: 0,
        received_at: Some(Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap()),
        source: Some("127.0.0.1:9".into()),
        format: Format::Rfc5424,
        facility,
        severity,
        timestamp: None,
        hostname: Some("host1.example.net".into()),
        app_name: Some("app".into()),
        procid: None,
        msgid: None,
        structured_data: Vec::new(),
        message: String::from(text),
        bom: false,
        parse_error: None,
        transport_error: None,
        raw: format!("<raw>{text}").into_bytes(),
    }
}

fn config(url: &str) -> ForwardConfig {
    ForwardConfig {
        destinations: vec![Destination::parse(url).expect("a destination URL")],
        min_severity: None,
        facilities: None,
        framing: TcpFraming::OctetCounting,
        raw: false,
        queue_capacity: 1000,
    }
}

/// A collector (for its counters) and a forwarder built on it.
struct Relay {
    collector: Arc<Collector>,
    forwarder: Forwarder,
    senders: Option<SenderThreads>,
    shutdown: Shutdown,
}

impl Relay {
    fn start(config: ForwardConfig) -> Relay {
        let collector = Arc::new(Collector::new(MIB));
        let shutdown = Shutdown::new();
        let (forwarder, senders) =
            Forwarder::start(config, &collector, &shutdown).expect("start the forwarder");
        Relay {
            collector,
            forwarder,
            senders: Some(senders),
            shutdown,
        }
    }

    fn offer(&self, event: &Event) {
        self.forwarder.offer(event, self.collector.stats());
    }

    /// Waits until the forwarded counter reaches `count`, failing after
    /// [`DEADLINE`].
    fn wait_for_forwarded(&self, count: u64) -> StatsSnapshot {
        let start = Instant::now();
        loop {
            let stats = self.collector.stats().snapshot();
            if stats.forwarded >= count {
                return stats;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "forwarded never reached {count}: {stats:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn stop(&mut self) {
        self.shutdown.trigger();
        if let Some(senders) = self.senders.take() {
            senders.join();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop();
    }
}

fn udp_sink() -> (UdpSocket, String) {
    let sink = UdpSocket::bind("127.0.0.1:0").expect("bind the UDP sink");
    sink.set_read_timeout(Some(DEADLINE)).unwrap();
    let url = format!("udp://{}", sink.local_addr().unwrap());
    (sink, url)
}

fn receive(sink: &UdpSocket) -> Vec<u8> {
    let mut buffer = [0u8; 2048];
    let length = sink.recv(&mut buffer).expect("a forwarded datagram");
    buffer[..length].to_vec()
}

fn rendered(event: &Event) -> Vec<u8> {
    let mut out = Vec::new();
    render_rfc5424(event, &mut out);
    out
}

#[test]
fn udp_forward_applies_filters() {
    let (sink, url) = udp_sink();
    let mut config = config(&url);
    config.min_severity = Some(Severity::Warning);
    config.facilities = Some(vec![Facility::Local0, Facility::Auth]);
    let relay = Relay::start(config);

    let passing = [
        event(Some(Facility::Local0), Some(Severity::Err), "local0 err"),
        event(Some(Facility::Auth), Some(Severity::Emerg), "auth emerg"),
        event(
            Some(Facility::Local0),
            Some(Severity::Warning),
            "local0 warning",
        ),
    ];
    let filtered = [
        event(Some(Facility::Local0), Some(Severity::Info), "local0 info"),
        event(Some(Facility::User), Some(Severity::Crit), "user crit"),
        event(None, None, "no priority"),
    ];
    for (pass, filter) in passing.iter().zip(&filtered) {
        relay.offer(filter);
        relay.offer(pass);
    }

    for expected in &passing {
        assert_eq!(
            String::from_utf8_lossy(&receive(&sink)),
            String::from_utf8_lossy(&rendered(expected))
        );
    }
    let first = String::from_utf8(rendered(&passing[0])).unwrap();
    assert!(
        first.starts_with("<131>1 2026-01-02T03:04:05Z host1.example.net app - - - local0 err"),
        "{first}"
    );
    // The sender counts a batch after the send returns, which can be after
    // the datagrams arrived.
    let stats = relay.wait_for_forwarded(3);
    assert_eq!(stats.forwarded, 3);
    assert_eq!(stats.forward_dropped_queue_full, 0);
}

#[test]
fn udp_forward_raw_keeps_bytes() {
    let (sink, url) = udp_sink();
    let mut config = config(&url);
    config.raw = true;
    let relay = Relay::start(config);
    let mut original = event(None, None, "ignored");
    original.raw = b"<13>Jan  2 03:04:05 host app: raw \xff bytes".to_vec();
    relay.offer(&original);
    assert_eq!(receive(&sink), original.raw);
}

/// Reads frames from the first connection to `listener` until `count`
/// frames arrived.
fn read_frames(listener: &TcpListener, count: usize) -> Vec<Vec<u8>> {
    let (mut stream, _) = listener.accept().expect("a forwarding connection");
    stream.set_read_timeout(Some(DEADLINE)).unwrap();
    let mut decoder = FrameDecoder::new(DecoderConfig::default());
    let mut frames = Vec::new();
    let mut buffer = [0u8; 4096];
    while frames.len() < count {
        let length = stream.read(&mut buffer).expect("forwarded bytes");
        assert!(
            length > 0,
            "connection closed after {} frames",
            frames.len()
        );
        decoder.feed(&buffer[..length], &mut |frame| {
            assert!(frame.flags.is_clean(), "defective frame {frame:?}");
            frames.push(frame.data.to_vec());
        });
    }
    frames
}

#[test]
fn tcp_forward_in_both_framings() {
    for framing in [TcpFraming::OctetCounting, TcpFraming::Lf] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut config = config(&format!("tcp://{}", listener.local_addr().unwrap()));
        config.framing = framing;
        let relay = Relay::start(config);
        let events: Vec<Event> = (0..20)
            .map(|index| event(None, Some(Severity::Info), &format!("tcp framing {index}")))
            .collect();
        for event in &events {
            relay.offer(event);
        }
        let frames = read_frames(&listener, events.len());
        let expected: Vec<Vec<u8>> = events.iter().map(rendered).collect();
        assert_eq!(frames, expected, "framing {framing:?}");
    }
}

/// Returns a loopback port that nothing listens on right now.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn full_queue_drops_and_counts() {
    let mut config = config(&format!("tcp://127.0.0.1:{}", free_port()));
    config.queue_capacity = 5;
    let mut relay = Relay::start(config);
    for index in 0..50 {
        relay.offer(&event(None, None, &format!("undeliverable {index}")));
    }
    // At most one queue's worth waits in the queue and one more in the
    // sender thread's batch; everything else was dropped at once. The
    // queued gauge is moved by both threads, so it is read once the sender
    // thread has taken its batch and is waiting to reconnect.
    let deadline = Instant::now() + Duration::from_secs(2);
    let queued = loop {
        let snapshot = relay.collector.stats().snapshot();
        if snapshot.forward_queued <= 5 || Instant::now() > deadline {
            break snapshot;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(queued.forward_dropped_queue_full >= 40, "{queued:?}");
    assert!(queued.forward_queued <= 5, "{queued:?}");

    relay.stop();
    let stats = relay.collector.stats().snapshot();
    assert_eq!(stats.forwarded, 0);
    assert_eq!(stats.forward_queued, 0);
    assert_eq!(
        stats.forward_dropped_queue_full + stats.forward_dropped_send_failed,
        50,
        "{stats:?}"
    );
}

/// An rsyslogd in the foreground with its own configuration: imtcp on one
/// loopback port and every message written to `out.log`. No imuxsock or
/// imklog, so it does not touch the machine's own logging.
struct Rsyslog {
    child: Child,
    directory: PathBuf,
    port: u16,
}

impl Rsyslog {
    fn start(directory: &Path, port: u16) -> Rsyslog {
        let config = format!(
            r#"global(workDirectory="{dir}")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="{port}")
template(name="rawline" type="string" string="%rawmsg%\n")
action(type="omfile" file="{dir}/out.log" template="rawline")
"#,
            dir = directory.display()
        );
        let config_path = directory.join("rsyslog.conf");
        std::fs::write(&config_path, config).unwrap();
        let child = Command::new("rsyslogd")
            .arg("-n")
            .arg("-f")
            .arg(&config_path)
            .arg("-i")
            .arg(directory.join("rsyslogd.pid"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start rsyslogd ({error}); install it with apt-get install -y rsyslog"
                )
            });
        let mut rsyslog = Rsyslog {
            child,
            directory: directory.to_path_buf(),
            port,
        };
        rsyslog.wait_until_listening();
        rsyslog
    }

    fn wait_until_listening(&mut self) {
        let address = SocketAddr::from(([127, 0, 0, 1], self.port));
        let start = Instant::now();
        while std::net::TcpStream::connect(address).is_err() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("rsyslogd exited with {status} before listening on {address}");
            }
            assert!(
                start.elapsed() < DEADLINE,
                "rsyslogd does not listen on {address}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops rsyslogd with SIGTERM, so it writes what it received, and
    /// waits for it to exit.
    fn stop(&mut self) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(status.success(), "kill -TERM {pid} failed");
        self.child.wait().unwrap();
    }

    fn output(&self) -> String {
        std::fs::read_to_string(self.directory.join("out.log")).unwrap_or_default()
    }

    /// Waits until every token is in the output file, failing after
    /// [`DELIVERY_DEADLINE`].
    fn wait_for(&self, tokens: &[String]) {
        let start = Instant::now();
        loop {
            let output = self.output();
            let missing: Vec<&String> = tokens
                .iter()
                .filter(|token| !output.contains(&format!("{token} ")))
                .collect();
            if missing.is_empty() {
                return;
            }
            assert!(
                start.elapsed() < DELIVERY_DEADLINE,
                "rsyslogd never wrote {missing:?}; output so far:\n{output}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn tokens(phase: &str, count: usize) -> Vec<String> {
    (0..count).map(|index| format!("{phase}-{index}")).collect()
}

/// Ingests one message per token through the collector, which offers each
/// event to its forwarder.
fn ingest(collector: &Collector, tokens: &[String]) {
    let source = SocketAddr::from(([127, 0, 0, 1], 9));
    for token in tokens {
        let message = format!("<13>1 2026-01-02T03:04:05Z host1 app - - - {token} end");
        collector.ingest(message.as_bytes(), source);
    }
}

#[test]
fn rsyslog_receives_across_restart() {
    let directory = std::env::temp_dir().join(format!("logkeep-forward-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let port = free_port();
    let mut rsyslog = Rsyslog::start(&directory, port);

    let collector = Arc::new(Collector::new(16 * MIB));
    let shutdown = Shutdown::new();
    let (forwarder, senders) = Forwarder::start(
        config(&format!("tcp://127.0.0.1:{port}")),
        &collector,
        &shutdown,
    )
    .expect("start the forwarder");
    assert!(collector.set_forwarder(forwarder).is_ok());

    let before = tokens("before", 20);
    ingest(&collector, &before);
    rsyslog.wait_for(&before);

    rsyslog.stop();
    let during = tokens("during", 20);
    ingest(&collector, &during);
    // Let the sender find the receiver gone and back off at least once.
    std::thread::sleep(Duration::from_millis(500));
    let mut rsyslog = Rsyslog::start(&directory, port);

    let after = tokens("after", 20);
    ingest(&collector, &after);
    rsyslog.wait_for(&after);

    let stats = collector.stats().snapshot();
    let dropped = stats.forward_dropped_queue_full + stats.forward_dropped_send_failed;
    let output = rsyslog.output();
    let delivered = during
        .iter()
        .filter(|token| output.contains(&format!("{token} ")))
        .count() as u64;
    eprintln!("after the restart: {delivered} of 20 delivered, {dropped} dropped; {stats:?}");
    assert_eq!(
        delivered + dropped,
        20,
        "stats {stats:?}; output:\n{output}"
    );
    rsyslog.wait_for(&before);

    // The sender counts a batch after its write returns, so the counter
    // may trail what rsyslogd already wrote.
    let start = Instant::now();
    while collector.stats().snapshot().forwarded < 40 + delivered {
        assert!(
            start.elapsed() < DEADLINE,
            "{:?}",
            collector.stats().snapshot()
        );
        std::thread::sleep(Duration::from_millis(10));
    }

    shutdown.trigger();
    senders.join();
    rsyslog.stop();
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn serve_command_forwards_raw() {
    let (sink, url) = udp_sink();
    let args = [
        "--udp",
        "127.0.0.1:0",
        "--http",
        "127.0.0.1:0",
        "--forward",
        &url,
        "--forward-raw",
        "--forward-severity",
        "warning",
    ];
    let mut server = common::ChildServer::start(&args, &[]);
    let message = b"<12>1 2026-01-02T03:04:05Z host app - - - relayed by serve";
    common::send_all(server.udp, [&message[..]]);
    assert_eq!(
        receive(&sink),
        message.to_vec(),
        "log:\n{}",
        server.log_text()
    );
    let status = server.terminate();
    assert!(status.success(), "log:\n{}", server.log_text());
    let log = server.log_text();
    assert!(log.contains(&format!("forward: sending to {url}")), "{log}");
}
