//! The UDP receiver of RFC 5426: one syslog message per datagram.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use super::throttle::Throttle;
use super::{Collector, Shutdown};

/// The largest UDP payload over IPv4 (65,535 minus the 8-byte UDP and
/// 20-byte IP headers); RFC 5426 § 3.2 bounds syslog datagrams by it.
pub const MAX_DATAGRAM: usize = 65_507;

/// One byte more than any IP datagram can carry, so a payload that fills
/// the buffer is known to be truncated.
const RECEIVE_BUFFER: usize = 65_536;

/// How long a receive blocks before the loop checks for shutdown.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Receives datagrams on `socket` and ingests each one until `shutdown`
/// is triggered.
///
/// Datagrams over [`MAX_DATAGRAM`] bytes are counted as oversize and not
/// stored. A failing receive call is counted, logged (rate-limited) and
/// retried, so no sender can stop the loop.
pub fn run(socket: UdpSocket, collector: Arc<Collector>, shutdown: &Shutdown) {
    let local = socket.local_addr().ok();
    let name = local.map_or_else(|| String::from("udp"), |addr| format!("udp:{addr}"));
    if let Err(error) = socket.set_read_timeout(Some(POLL_INTERVAL)) {
        // Without a timeout the loop notices a shutdown only after the next datagram.
        log::warn!(
            "{name}: cannot set a read timeout ({error}); shutdown waits for the next datagram"
        );
    }

    let oversize = Throttle::new();
    let failures = Throttle::new();
    let mut buffer = vec![0u8; RECEIVE_BUFFER];
    while !shutdown.is_triggered() {
        let (length, peer) = match socket.recv_from(&mut buffer) {
            Ok(received) => received,
            Err(error) if is_timeout(&error) => continue,
            Err(error) => {
                collector.stats().count_receive_error();
                if let Some(suppressed) = failures.check() {
                    log::error!(
                        "{name}: receive failed: {error} ({suppressed} more failures since the last report)"
                    );
                }
                // A persistent error would otherwise spin a core.
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        if length > MAX_DATAGRAM {
            collector.count_oversize();
            if let Some(suppressed) = oversize.check() {
                log_oversize(&name, peer, length, suppressed);
            }
            continue;
        }
        collector.ingest(&buffer[..length], peer);
    }
    log::info!("{name}: stopped");
}

fn log_oversize(name: &str, peer: SocketAddr, length: usize, suppressed: u64) {
    let size = if length >= RECEIVE_BUFFER {
        format!("{length} bytes or more (truncated)")
    } else {
        format!("{length} bytes")
    };
    log::warn!(
        "{name}: dropped a datagram of {size} from {peer}: larger than the {MAX_DATAGRAM}-byte limit ({suppressed} more dropped since the last report)"
    );
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}
