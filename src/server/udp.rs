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
    let mut kernel_drops = kernel::DropCounter::new(&socket, &name);
    let mut buffer = vec![0u8; RECEIVE_BUFFER];
    while !shutdown.is_triggered() {
        if let Some(counter) = kernel_drops.as_mut() {
            counter.update(&collector, &name);
        }
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

#[cfg(target_os = "linux")]
mod kernel {
    //! The kernel's count of datagrams it dropped for a full socket receive
    //! buffer, read from the `drops` column of `/proc/net/udp` and
    //! `/proc/net/udp6` (see proc(5)), so these losses show in `/stats` too.

    use std::net::UdpSocket;
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::MetadataExt;
    use std::time::{Duration, Instant};

    use super::Collector;

    /// How often the kernel's table is read.
    const INTERVAL: Duration = Duration::from_secs(1);

    pub struct DropCounter {
        inode: u64,
        last_drops: u64,
        last_read: Instant,
    }

    impl DropCounter {
        /// Finds the socket's inode, the key of its row in the tables.
        pub fn new(socket: &UdpSocket, name: &str) -> Option<DropCounter> {
            let path = format!("/proc/self/fd/{}", socket.as_raw_fd());
            match std::fs::metadata(&path) {
                Ok(metadata) => Some(DropCounter {
                    inode: metadata.ino(),
                    last_drops: 0,
                    last_read: Instant::now(),
                }),
                Err(error) => {
                    log::info!(
                        "{name}: cannot read {path} ({error}); kernel drops are not counted"
                    );
                    None
                }
            }
        }

        /// Adds the drops since the last reading to the collector's
        /// counters, at most once per [`INTERVAL`].
        pub fn update(&mut self, collector: &Collector, name: &str) {
            if self.last_read.elapsed() < INTERVAL {
                return;
            }
            self.last_read = Instant::now();
            let Some(drops) = self.read() else {
                return;
            };
            let new = drops.saturating_sub(self.last_drops);
            self.last_drops = drops;
            if new > 0 {
                collector.stats().count_kernel_drops(new);
                log::warn!(
                    "{name}: the kernel dropped {new} datagrams because the socket receive buffer was full: the receiver fell behind the senders; a larger buffer (sysctl net.core.rmem_max) absorbs longer bursts"
                );
            }
        }

        /// Returns the socket's current `drops` value, if its row is found.
        pub fn read(&self) -> Option<u64> {
            ["/proc/net/udp", "/proc/net/udp6"]
                .iter()
                .find_map(|table| {
                    let text = std::fs::read_to_string(table).ok()?;
                    text.lines()
                        .skip(1)
                        .find_map(|line| drops_of(line, self.inode))
                })
        }
    }

    /// Parses one table row: field 9 is the inode, field 12 the drops.
    fn drops_of(line: &str, inode: u64) -> Option<u64> {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.get(9)?.parse::<u64>().ok()? != inode {
            return None;
        }
        fields.get(12)?.parse().ok()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn parses_a_table_row() {
            let row = "  123: 0100007F:15DF 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 17";
            assert_eq!(drops_of(row, 4242), Some(17));
            assert_eq!(drops_of(row, 4243), None);
        }

        #[test]
        fn counts_drops_of_an_unread_socket() {
            let receiver = UdpSocket::bind("127.0.0.1:0").unwrap();
            socket2::SockRef::from(&receiver)
                .set_recv_buffer_size(4096)
                .unwrap();
            let counter = DropCounter::new(&receiver, "test").unwrap();
            let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
            let target = receiver.local_addr().unwrap();
            for _ in 0..200 {
                sender.send_to(&[b'x'; 1000], target).unwrap();
            }
            let drops = counter.read().unwrap();
            assert!(drops > 0, "no drops counted");
        }
    }
}

/// No kernel drop counter on this platform.
#[cfg(not(target_os = "linux"))]
mod kernel {
    use std::net::UdpSocket;

    use super::Collector;

    pub struct DropCounter;

    impl DropCounter {
        pub fn new(_: &UdpSocket, _: &str) -> Option<DropCounter> {
            None
        }

        pub fn update(&mut self, _: &Collector, _: &str) {}
    }
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}
