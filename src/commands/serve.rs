//! `logkeep serve`: receive syslog over UDP, keep it in memory and serve
//! queries over HTTP until SIGINT or SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use chrono::FixedOffset;

use logkeep::event::{Facility, Severity};
use logkeep::send::{Destination, TcpFraming};
use logkeep::server::bind::{self, BindError, Bound, ListenAddr};
use logkeep::server::forward::{ForwardConfig, Forwarder, SenderThreads};
use logkeep::server::tcp::TcpLimits;
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

    /// Address to receive syslog over TCP on (RFC 6587, octet-counting or
    /// LF framing), as IP:PORT or a bare port; repeatable like --udp. Off
    /// unless given, because RFC 6587 assigns no port: rsyslog senders
    /// usually use 514, syslog-ng 601.
    #[arg(
        long = "tcp",
        value_name = "ADDR",
        env = "LOGKEEP_TCP",
        value_delimiter = ','
    )]
    tcp: Vec<ListenAddr>,

    /// Syslog TCP connections read at once; further connections are
    /// accepted and closed at once.
    #[arg(
        long,
        value_name = "COUNT",
        env = "LOGKEEP_TCP_MAX_CONNECTIONS",
        default_value_t = DEFAULT_TCP_MAX_CONNECTIONS,
        value_parser = clap::value_parser!(u32).range(1..=100_000)
    )]
    tcp_max_connections: u32,

    /// Seconds a syslog TCP connection may send nothing before it is
    /// closed, once more than half of --tcp-max-connections are open; 0
    /// keeps idle connections open.
    #[arg(
        long,
        value_name = "SECONDS",
        env = "LOGKEEP_TCP_IDLE_TIMEOUT",
        default_value_t = 300
    )]
    tcp_idle_timeout: u64,

    /// Maximum TCP frame size, in bytes with an optional unit like
    /// --capacity, at least 480. Longer frames are stored cut to this size
    /// and counted.
    #[arg(
        long,
        value_name = "SIZE",
        env = "LOGKEEP_MAX_FRAME_SIZE",
        default_value = "64KiB",
        value_parser = parse_frame_size
    )]
    max_frame_size: usize,

    /// Forward a copy of each event to this receiver: udp://HOST:PORT or
    /// tcp://HOST:PORT (port 514 when left out). Repeatable.
    #[arg(long = "forward", value_name = "URL", env = "LOGKEEP_FORWARD", value_delimiter = ',', value_parser = Destination::parse)]
    forward: Vec<Destination>,

    /// Forward only events of this severity or a more severe one (emerg,
    /// alert, crit, err, warning, notice, info, debug).
    #[arg(long, value_name = "NAME", env = "LOGKEEP_FORWARD_SEVERITY", value_parser = parse_severity)]
    forward_severity: Option<Severity>,

    /// Forward only events of these facilities, comma-separated names or
    /// codes (such as auth,authpriv,local0).
    #[arg(long, value_name = "LIST", env = "LOGKEEP_FORWARD_FACILITY", value_delimiter = ',', value_parser = parse_facility)]
    forward_facility: Vec<Facility>,

    /// Framing on TCP forwarding connections (RFC 6587).
    #[arg(long, value_enum, env = "LOGKEEP_FORWARD_FRAMING", default_value_t = TcpFraming::OctetCounting)]
    forward_framing: TcpFraming,

    /// Forward the received bytes unchanged instead of rendering RFC 5424.
    #[arg(long, env = "LOGKEEP_FORWARD_RAW")]
    forward_raw: bool,

    /// Events each forwarding destination queues while it is slow or down;
    /// further events are dropped for it and counted.
    #[arg(
        long,
        value_name = "COUNT",
        env = "LOGKEEP_FORWARD_QUEUE",
        default_value_t = 10_000,
        value_parser = clap::value_parser!(u32).range(1..=10_000_000)
    )]
    forward_queue: u32,

    /// Address to serve the HTTP API on, as IP:PORT, or a bare port for
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
    /// GiB (powers of 1024) or KB, MB, GB (powers of 1000), at least 64KiB.
    /// When it is full the oldest events are evicted.
    #[arg(
        long,
        value_name = "SIZE",
        env = "LOGKEEP_CAPACITY",
        default_value = "64MiB",
        value_parser = parse_store_capacity
    )]
    capacity: usize,

    /// UTC offset assumed for timestamps that carry none, such as RFC 3164
    /// `Mmm dd hh:mm:ss` stamps, written as +HH:MM or -HH:MM.
    #[arg(
        long,
        value_name = "OFFSET",
        env = "LOGKEEP_DEFAULT_OFFSET",
        default_value = "+00:00",
        allow_hyphen_values = true,
        value_parser = parse_offset
    )]
    default_offset: FixedOffset,

    /// HTTP connections served at once; further connections get a 503
    /// response and are closed.
    #[arg(
        long,
        value_name = "COUNT",
        env = "LOGKEEP_MAX_CONNECTIONS",
        default_value_t = DEFAULT_HTTP_MAX_CONNECTIONS,
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

/// Default connection caps. In the Hermit image every connection thread
/// takes its stack (256 KiB plus 96 KiB of kernel stacks) from a reserve
/// of about 10% of guest memory, and the kernel panics when the reserve
/// runs out. The image defaults keep 48 threads, about 17 MiB, inside the
/// reserve of a 256 MiB guest. scripts/run.sh raises them for larger
/// guests through the environment.
#[cfg(target_os = "hermit")]
const DEFAULT_TCP_MAX_CONNECTIONS: u32 = 32;
#[cfg(target_os = "hermit")]
const DEFAULT_HTTP_MAX_CONNECTIONS: u32 = 16;
#[cfg(not(target_os = "hermit"))]
const DEFAULT_TCP_MAX_CONNECTIONS: u32 = 256;
#[cfg(not(target_os = "hermit"))]
const DEFAULT_HTTP_MAX_CONNECTIONS: u32 = 64;

fn parse_severity(name: &str) -> Result<Severity, String> {
    Severity::from_name(name).ok_or_else(|| {
        format!("invalid severity {name:?}: use emerg, alert, crit, err, warning, notice, info, debug or a code 0-7")
    })
}

fn parse_facility(name: &str) -> Result<Facility, String> {
    Facility::from_name(name.trim()).ok_or_else(|| {
        format!(
            "invalid facility {name:?}: use a name such as auth, daemon or local0, or a code 0-23"
        )
    })
}

fn parse_offset(text: &str) -> Result<FixedOffset, String> {
    text.parse()
        .map_err(|_| format!("invalid offset {text:?}: expected +HH:MM or -HH:MM, such as +01:00"))
}

fn parse_capacity(text: &str) -> Result<usize, String> {
    parse_size(text).map_err(|error| format!("invalid size {text:?}: {error}"))
}

/// The smallest `--capacity`: below it the store keeps only a handful of
/// events, and at 0 it drops every one.
const MIN_CAPACITY: usize = 64 * 1024;

/// The smallest `--max-frame-size`: the 480 octets that RFC 5426 § 3.2
/// requires every IPv4 syslog receiver to accept.
const MIN_FRAME_SIZE: usize = 480;

fn parse_store_capacity(text: &str) -> Result<usize, String> {
    let capacity = parse_capacity(text)?;
    if capacity < MIN_CAPACITY {
        return Err(format!(
            "invalid size {text:?}: {capacity} bytes is below the minimum of 64KiB ({MIN_CAPACITY} bytes)"
        ));
    }
    Ok(capacity)
}

fn parse_frame_size(text: &str) -> Result<usize, String> {
    let size = parse_capacity(text)?;
    if size < MIN_FRAME_SIZE {
        return Err(format!(
            "invalid size {text:?}: {size} bytes is below the minimum of {MIN_FRAME_SIZE} bytes"
        ));
    }
    Ok(size)
}

/// Rejects an address given twice for the same socket type, which would
/// otherwise fail to bind as if another process held it. `--tcp` and
/// `--http` both bind TCP listeners, so they are checked together. Port 0
/// requests a fresh ephemeral port each time and may repeat.
fn check_distinct_addresses(args: &ServeArgs) -> Result<(), String> {
    let udp = args.udp.iter().map(|addr| ("--udp", addr));
    let tcp = args.tcp.iter().map(|addr| ("--tcp", addr));
    let http = args.http.iter().map(|addr| ("--http", addr));
    let mut seen: Vec<(&str, &ListenAddr)> = Vec::new();
    for (flag, addr) in udp.chain(tcp).chain(http) {
        if addr.port() == 0 {
            continue;
        }
        let udp = flag == "--udp";
        let earlier = seen
            .iter()
            .find(|(other, seen)| (*other == "--udp") == udp && *seen == addr);
        if let Some((other, _)) = earlier {
            return Err(format!(
                "address {addr} is given twice ({other} and {flag}): list each address once"
            ));
        }
        seen.push((flag, addr));
    }
    Ok(())
}

/// Logs the guest's own address, which the listening lines cannot show
/// because they name the wildcard address. The Hermit kernel turns its
/// `-ip`, `-mask` and `-gateway` arguments into these variables and falls
/// back to the same defaults when they are absent.
#[cfg(target_os = "hermit")]
fn log_guest_address() {
    let setting = |name: &str, default: &str| std::env::var(name).unwrap_or(default.to_string());
    log::info!(
        "guest address {} mask {} gateway {}",
        setting("HERMIT_IP", "10.0.5.3"),
        setting("HERMIT_MASK", "255.255.255.0"),
        setting("HERMIT_GATEWAY", "10.0.5.1"),
    );
}

/// Makes every thread allocate from one glibc malloc arena, unless
/// `MALLOC_ARENA_MAX` already sets the number.
///
/// Events are parsed on the receive and connection threads and evicted on
/// whichever thread stores next. With glibc's default of up to 8 arenas
/// per core, each thread's arena kept the holes of events freed into it,
/// and RSS settled 20% above `--capacity` for events of about 1,300 bytes
/// from two UDP threads; with one arena it stayed within 4% (release
/// build, 2-core VM). Small requests still come from each thread's
/// tcache without the arena's lock, and in one run two flooding senders
/// lost no more datagrams than before.
///
/// NOTE: 16 TCP connections sending such events still put RSS 18% above
/// the capacity.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn use_one_malloc_arena() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    // SAFETY: mallopt changes an allocator setting and touches no memory
    // of ours; it runs before the receive threads start.
    let changed = unsafe { libc::mallopt(libc::M_ARENA_MAX, 1) };
    if changed == 0 {
        log::warn!(
            "mallopt(M_ARENA_MAX, 1) failed: memory use may exceed --capacity by 20% or more"
        );
    }
}

pub fn run(args: ServeArgs) -> ExitCode {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    use_one_malloc_arena();
    // TCP is off unless --tcp is given, so it is named only then.
    let tcp = if args.tcp.is_empty() {
        String::new()
    } else {
        format!(", tcp {}", join(&args.tcp))
    };
    log::info!(
        "logkeep {} starting: capacity {} bytes, udp {}{tcp}, http {}, default offset {}",
        env!("CARGO_PKG_VERSION"),
        args.capacity,
        join(&args.udp),
        join(&args.http),
        args.default_offset,
    );
    if let Err(error) = check_distinct_addresses(&args) {
        log::error!("{error}");
        return ExitCode::FAILURE;
    }
    let (udp, tcp, listeners) = match bind_all(&args) {
        Ok(bound) => bound,
        Err(error) => {
            log::error!("{error}");
            return ExitCode::FAILURE;
        }
    };
    for bound in &udp {
        log::info!("listening on udp {}", bound.addr);
    }
    for bound in &tcp {
        log::info!("listening on tcp {}", bound.addr);
    }
    for bound in &listeners {
        log::info!("listening on http {}", bound.addr);
    }
    #[cfg(target_os = "hermit")]
    log_guest_address();
    log::info!(
        "connection caps: {} tcp, {} http, one thread with a {} KiB stack each",
        args.tcp_max_connections,
        args.max_connections,
        server::tcp::CONNECTION_STACK / 1024
    );

    let collector = Collector::new(args.capacity).with_default_offset(args.default_offset);
    let collector = Arc::new(collector);
    let shutdown = Shutdown::new();
    server::signals::watch(&shutdown);
    let senders = match start_forwarding(&args, &collector, &shutdown) {
        Ok(senders) => senders,
        Err(error) => {
            log::error!("cannot start forwarding: {error}");
            return ExitCode::FAILURE;
        }
    };
    let timeout = Duration::from_secs(args.http_timeout);
    let limits = http::Limits {
        max_connections: args.max_connections as usize,
        head_timeout: timeout,
        write_timeout: timeout,
    };
    let mut running = match server::spawn(udp, listeners, &collector, &shutdown, limits) {
        Ok(running) => running,
        Err(error) => {
            log::error!("cannot start the server threads: {error}");
            return ExitCode::FAILURE;
        }
    };
    let tcp_limits = TcpLimits {
        max_connections: args.tcp_max_connections as usize,
        idle_timeout: Duration::from_secs(args.tcp_idle_timeout),
        max_frame_size: args.max_frame_size,
    };
    if let Err(error) = running.spawn_tcp(tcp, &collector, &shutdown, tcp_limits) {
        log::error!("cannot start the TCP receiver threads: {error}");
        shutdown.trigger();
        running.join();
        return ExitCode::FAILURE;
    }

    shutdown.wait();
    let clean = running.join();
    if let Some(senders) = senders {
        senders.join();
    }
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

/// Starts the forwarder when `--forward` is given and installs it in
/// `collector`.
fn start_forwarding(
    args: &ServeArgs,
    collector: &Arc<Collector>,
    shutdown: &Shutdown,
) -> std::io::Result<Option<SenderThreads>> {
    if args.forward.is_empty() {
        return Ok(None);
    }
    let config = ForwardConfig {
        destinations: args.forward.clone(),
        min_severity: args.forward_severity,
        facilities: (!args.forward_facility.is_empty()).then(|| args.forward_facility.clone()),
        framing: args.forward_framing,
        raw: args.forward_raw,
        queue_capacity: args.forward_queue as usize,
    };
    let (forwarder, senders): (Forwarder, SenderThreads) =
        Forwarder::start(config, collector, shutdown)?;
    if collector.set_forwarder(forwarder).is_err() {
        log::error!("forward: a forwarder was already installed; keeping the first");
    }
    Ok(Some(senders))
}

type Sockets = (
    Vec<Bound<std::net::UdpSocket>>,
    Vec<Bound<std::net::TcpListener>>,
    Vec<Bound<std::net::TcpListener>>,
);

fn bind_all(args: &ServeArgs) -> Result<Sockets, BindError> {
    let mut udp = Vec::new();
    for addr in &args.udp {
        udp.extend(bind::bind_udp(*addr)?);
    }
    let mut tcp = Vec::new();
    for addr in &args.tcp {
        let bound = bind::bind_tcp(*addr).map_err(|mut error| {
            error.protocol = "tcp";
            error
        })?;
        tcp.extend(bound);
    }
    let mut listeners = Vec::new();
    for addr in &args.http {
        listeners.extend(bind::bind_tcp(*addr)?);
    }
    Ok((udp, tcp, listeners))
}

fn join(addrs: &[ListenAddr]) -> String {
    let names: Vec<String> = addrs.iter().map(ToString::to_string).collect();
    names.join(", ")
}
