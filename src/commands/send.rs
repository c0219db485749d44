//! `logkeep send`: sends syslog messages over UDP or TCP, like logger(1),
//! and doubles as a load generator (`--count`, `--rate`, `--file`).

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use chrono::Utc;
use logkeep::event::{Facility, Severity};
use logkeep::send::{
    Connection, Destination, Header, Protocol, Summary, Syntax, TcpFraming, local_hostname,
    render_message, send_paced,
};

#[derive(clap::Args)]
pub struct SendArgs {
    /// Message text; several words are joined with spaces. Without it (and
    /// without --file) each line of stdin is sent as one message, skipping
    /// empty lines.
    message: Vec<String>,

    /// Destination URL: udp://HOST:PORT or tcp://HOST:PORT. Overrides
    /// --server, --port and --tcp.
    #[arg(long, value_name = "URL")]
    to: Option<String>,

    /// Destination host name or address.
    #[arg(long, default_value = "127.0.0.1")]
    server: String,

    /// Destination port.
    #[arg(long, default_value_t = 514)]
    port: u16,

    /// Send over TCP instead of UDP (with --server and --port).
    #[arg(long)]
    tcp: bool,

    /// TCP framing (RFC 6587): a length prefix, or an LF after each message.
    #[arg(long, value_enum, default_value_t = TcpFraming::OctetCounting)]
    framing: TcpFraming,

    /// Message syntax.
    #[arg(long, value_enum, default_value_t = Syntax::Rfc5424)]
    format: Syntax,

    /// Facility name (kern, user, daemon, local0 ... local7) or code 0-23.
    #[arg(long, default_value = "user", value_parser = parse_facility)]
    facility: Facility,

    /// Severity name (emerg, alert, crit, err, warning, notice, info,
    /// debug) or code 0-7.
    #[arg(long, default_value = "notice", value_parser = parse_severity)]
    severity: Severity,

    /// APP-NAME field (RFC 5424), or the tag (RFC 3164).
    #[arg(long, default_value = "logkeep")]
    app_name: String,

    /// HOSTNAME field [default: this machine's host name, or "-"].
    #[arg(long)]
    hostname: Option<String>,

    /// PROCID field [default: none].
    #[arg(long)]
    procid: Option<String>,

    /// MSGID field [default: none].
    #[arg(long)]
    msgid: Option<String>,

    /// Number of messages to send, cycling through the message or the
    /// lines of --file [default: 1 for a message, each line once for
    /// --file].
    #[arg(long)]
    count: Option<u64>,

    /// Messages per second; 0 sends as fast as possible.
    #[arg(long, default_value_t = 0.0)]
    rate: f64,

    /// File of raw messages, one per line, sent unchanged (no header is
    /// added), for replaying captured traffic.
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,

    /// Seconds to wait for a TCP connection.
    #[arg(long, default_value_t = 5.0)]
    connect_timeout: f64,
}

fn parse_facility(name: &str) -> Result<Facility, String> {
    Facility::from_name(name).ok_or_else(|| {
        format!(
            "invalid facility {name:?}: use a name such as user, daemon or local0, or a code 0-23"
        )
    })
}

fn parse_severity(name: &str) -> Result<Severity, String> {
    Severity::from_name(name).ok_or_else(|| {
        format!("invalid severity {name:?}: use emerg, alert, crit, err, warning, notice, info, debug or a code 0-7")
    })
}

pub fn run(args: SendArgs) -> ExitCode {
    match send(args) {
        Ok(summary) => {
            print_summary(&summary);
            if summary.errors == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(message) => {
            log::error!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn print_summary(summary: &Summary) {
    eprintln!(
        "sent {} messages ({} bytes) in {:.3} s: {:.0} messages/s, {} errors",
        summary.sent,
        summary.bytes,
        summary.elapsed.as_secs_f64(),
        summary.rate(),
        summary.errors,
    );
}

fn send(args: SendArgs) -> Result<Summary, String> {
    let destination = match &args.to {
        Some(url) => Destination::parse(url)?,
        None => Destination {
            protocol: if args.tcp {
                Protocol::Tcp
            } else {
                Protocol::Udp
            },
            address: format_address(&args.server, args.port),
        },
    };
    if !(args.rate >= 0.0 && args.rate.is_finite()) {
        return Err(format!(
            "invalid --rate {}: use a number of messages per second, or 0 for no limit",
            args.rate
        ));
    }
    let timeout = Duration::try_from_secs_f64(args.connect_timeout)
        .ok()
        .filter(|timeout| !timeout.is_zero())
        .ok_or_else(|| {
            format!(
                "invalid --connect-timeout {}: use a positive number of seconds",
                args.connect_timeout
            )
        })?;

    let header = Header {
        facility: args.facility,
        severity: args.severity,
        hostname: args.hostname.clone().or_else(local_hostname),
        app_name: Some(args.app_name.clone()),
        procid: args.procid.clone(),
        msgid: args.msgid.clone(),
    };

    let payloads = if let Some(path) = &args.file {
        read_raw_lines(path)?
    } else if !args.message.is_empty() {
        // NOTE: rendered once, so every copy of a --count run carries the
        // start time as its timestamp.
        let text = args.message.join(" ");
        vec![render_message(&header, args.format, &text, Utc::now())]
    } else {
        if args.count.is_some() {
            return Err(String::from(
                "--count needs a MESSAGE or --file; lines from stdin are each sent once",
            ));
        }
        Vec::new()
    };

    let mut connection = Connection::open(&destination, args.framing, timeout)
        .map_err(|error| format!("cannot connect to {destination}: {error}"))?;
    log::debug!("send: connected to {destination}");

    if payloads.is_empty() && args.file.is_none() {
        return send_stdin(&mut connection, &header, args.format, args.rate);
    }
    let count = args.count.unwrap_or(payloads.len() as u64);
    Ok(send_paced(&mut connection, &payloads, count, args.rate))
}

fn format_address(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Reads `path` as one raw message per line, without the LF (and CR).
fn read_raw_lines(path: &PathBuf) -> Result<Vec<Vec<u8>>, String> {
    let content = std::fs::read(path)
        .map_err(|error| format!("cannot read --file {}: {error}", path.display()))?;
    let lines: Vec<Vec<u8>> = content
        .split(|&byte| byte == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line).to_vec())
        .filter(|line| !line.is_empty())
        .collect();
    if lines.is_empty() {
        return Err(format!(
            "--file {} contains no messages: expected one message per line",
            path.display()
        ));
    }
    Ok(lines)
}

/// Sends each line of stdin as it arrives, rendered with `header`.
fn send_stdin(
    connection: &mut Connection,
    header: &Header,
    syntax: Syntax,
    rate: f64,
) -> Result<Summary, String> {
    let mut total = Summary::default();
    let start = std::time::Instant::now();
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|error| format!("cannot read stdin: {error}"))?;
        // An empty line carries no message, as in --file.
        if line.trim_end_matches('\r').is_empty() {
            continue;
        }
        let payload = render_message(header, syntax, &line, Utc::now());
        let summary = send_paced(connection, std::slice::from_ref(&payload), 1, 0.0);
        total.sent += summary.sent;
        total.bytes += summary.bytes;
        total.errors += summary.errors;
        if rate > 0.0 {
            let due = start + Duration::from_secs_f64(total.sent as f64 / rate);
            std::thread::sleep(due.saturating_duration_since(std::time::Instant::now()));
        }
    }
    total.elapsed = start.elapsed();
    Ok(total)
}
