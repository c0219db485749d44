//! `logkeep serve`: receive syslog over UDP, keep it in memory and answer
//! queries over HTTP until SIGINT or SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use logkeep::server::bind::{self, BindError, Bound, ListenAddr};
use logkeep::server::{self, Collector, Shutdown, http};
use logkeep::store::parse_size;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address to receive syslog datagrams on (RFC 5426), as IP:PORT, or a
    /// bare port for every IPv4 and IPv6 address. Repeat the flag or
    /// separate addresses with commas for several.
    #[arg(
        long = "udp",
        value_name = "ADDR",
        env = "LOGKEEP_UDP",
        value_delimiter = ',',
        default_value = "514"
    )]
    udp: Vec<ListenAddr>,

    /// Address to answer HTTP queries on, as IP:PORT, or a bare port for
    /// every IPv4 and IPv6 address. Repeatable like --udp.
    #[arg(
        long = "http",
        value_name = "ADDR",
        env = "LOGKEEP_HTTP",
        value_delimiter = ',',
        default_value = "8080"
    )]
    http: Vec<ListenAddr>,

    /// Memory for stored events, in bytes with an optional unit: KiB, MiB,
    /// GiB (powers of 1024) or KB, MB, GB (powers of 1000). When it is full
    /// the oldest events are evicted.
    #[arg(
        long,
        value_name = "SIZE",
        env = "LOGKEEP_CAPACITY",
        default_value = "64MiB",
        value_parser = parse_capacity
    )]
    capacity: usize,

    /// HTTP connections served at once; further connections are answered
    /// 503 and closed.
    #[arg(
        long,
        value_name = "COUNT",
        env = "LOGKEEP_MAX_CONNECTIONS",
        default_value_t = 64,
        value_parser = clap::value_parser!(u32).range(1..=10_000)
    )]
    max_connections: u32,

    /// Seconds an HTTP client has to send its request line and headers, and
    /// that one write of a response may block.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "LOGKEEP_HTTP_TIMEOUT",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    http_timeout: u64,
}

fn parse_capacity(text: &str) -> Result<usize, String> {
    parse_size(text).map_err(|error| format!("invalid size {text:?}: {error}"))
}

pub fn run(args: ServeArgs) -> ExitCode {
    log::info!(
        "logkeep {} starting: capacity {} bytes, udp {}, http {}",
        env!("CARGO_PKG_VERSION"),
        args.capacity,
        join(&args.udp),
        join(&args.http),
    );
    let (udp, listeners) = match bind_all(&args) {
        Ok(bound) => bound,
        Err(error) => {
            log::error!("{error}");
            return ExitCode::FAILURE;
        }
    };
    for bound in &udp {
        log::info!("listening on udp {}", bound.addr);
    }
    for bound in &listeners {
        log::info!("listening on http {}", bound.addr);
    }

    let collector = Arc::new(Collector::new(args.capacity));
    let shutdown = Shutdown::new();
    server::signals::watch(&shutdown);
    let timeout = Duration::from_secs(args.http_timeout);
    let limits = http::Limits {
        max_connections: args.max_connections as usize,
        head_timeout: timeout,
        write_timeout: timeout,
    };
    let udp = udp.into_iter().map(|bound| bound.socket).collect();
    let listeners = listeners.into_iter().map(|bound| bound.socket).collect();
    let running = match server::spawn(udp, listeners, &collector, &shutdown, limits) {
        Ok(running) => running,
        Err(error) => {
            log::error!("cannot start the server threads: {error}");
            return ExitCode::FAILURE;
        }
    };

    shutdown.wait();
    let clean = running.join();
    let stats = collector.stats().snapshot();
    log::info!(
        "logkeep stopped: {} messages received, {} oversize, {} HTTP requests",
        stats.received,
        stats.oversize,
        stats.http_requests
    );
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

type Sockets = (
    Vec<Bound<std::net::UdpSocket>>,
    Vec<Bound<std::net::TcpListener>>,
);

fn bind_all(args: &ServeArgs) -> Result<Sockets, BindError> {
    let mut udp = Vec::new();
    for addr in &args.udp {
        udp.extend(bind::bind_udp(*addr)?);
    }
    let mut listeners = Vec::new();
    for addr in &args.http {
        listeners.extend(bind::bind_tcp(*addr)?);
    }
    Ok((udp, listeners))
}

fn join(addrs: &[ListenAddr]) -> String {
    let names: Vec<String> = addrs.iter().map(ToString::to_string).collect();
    names.join(", ")
}
