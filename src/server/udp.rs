//! The UDP receiver of RFC 5426: one syslog message per datagram.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use chrono::Utc;

use super::bind::Bound;
use super::collector::ParsedBatch;
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

mod batch;

/// Receive threads per socket where the socket is read in batches. Two
/// threads parse at once while one of them reads. More would mostly wait
/// for the store's lock, whose pushes are serial anyway.
#[cfg(target_os = "linux")]
const THREADS: usize = 2;

/// One thread per socket where each read returns one datagram (Hermit has
/// no recvmmsg). A second thread was not measured in the image.
#[cfg(not(target_os = "linux"))]
const THREADS: usize = 1;

/// Returns how many threads [`run`] should read each socket with: at most
/// one per available core.
pub fn threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    THREADS.min(cores)
}

/// Lets the receive threads of one socket take turns: one reads the
/// socket at a time, all parse at once, and each batch is stored only
/// after the batch read before it. Ids and `received_at` therefore follow
/// the order in which the kernel delivered the datagrams, as with one
/// thread.
#[derive(Debug, Default)]
pub struct Turns {
    /// Number of the next batch to read. Held during the read.
    reading: Mutex<u64>,
    /// Number of the next batch to store. Held during the store.
    storing: Mutex<u64>,
    stored: Condvar,
}

impl Turns {
    /// Calls `read` in the reading turn. When it returns a batch, returns
    /// that with the batch's number.
    fn read<T>(&self, read: impl FnOnce() -> Option<T>) -> Option<(u64, T)> {
        let mut next = self.reading.lock().unwrap_or_else(PoisonError::into_inner);
        let batch = read()?;
        let number = *next;
        *next += 1;
        Some((number, batch))
    }

    /// Waits until every batch read before batch `number` is stored, then
    /// calls `store`. After a shutdown started it stops waiting, because
    /// a thread that ended early would never take its turn.
    fn store(&self, number: u64, shutdown: &Shutdown, store: impl FnOnce()) {
        let mut next = self.storing.lock().unwrap_or_else(PoisonError::into_inner);
        while *next < number && !shutdown.is_triggered() {
            next = self
                .stored
                .wait_timeout(next, POLL_INTERVAL)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        store();
        *next = (*next).max(number + 1);
        self.stored.notify_all();
    }
}

/// Receives datagrams on `socket` and ingests them until `shutdown` is
/// triggered. Several threads can run it on clones of one socket with
/// the same `turns`. Only one of them should `count_kernel_drops`, because
/// the kernel reports drops per socket.
///
/// On Linux one recvmmsg(2) call takes up to 32 queued datagrams, and the
/// collector stores each batch under one lock acquisition. Parsing happens
/// on the receive threads, so a datagram waits in the kernel's queue
/// (whose overflows are counted) rather than in one of ours.
///
/// Datagrams over [`MAX_DATAGRAM`] bytes are counted as oversize and not
/// stored. A failing receive call is counted, logged (rate-limited) and
/// retried, so no sender can stop the loop.
pub fn run(
    bound: Bound<UdpSocket>,
    collector: Arc<Collector>,
    shutdown: &Shutdown,
    turns: &Turns,
    count_kernel_drops: bool,
) {
    let Bound { socket, addr } = bound;
    let name = format!("udp:{addr}");
    if let Err(error) = socket.set_read_timeout(Some(POLL_INTERVAL)) {
        // Without a timeout the loop notices a shutdown only after the next
        // datagram. The Hermit kernel rejects every read timeout, so in the
        // image this is expected and not worth a warning at each boot.
        let level = match cfg!(target_os = "hermit") {
            true => log::Level::Debug,
            false => log::Level::Warn,
        };
        log::log!(
            level,
            "{name}: cannot set a read timeout ({error}); shutdown waits for the next datagram"
        );
    }

    let oversize = Throttle::new();
    let failures = Throttle::new();
    let mut kernel_drops = match count_kernel_drops {
        true => kernel::DropCounter::new(&socket, &name),
        false => None,
    };
    let mut receiver = batch::Receiver::new();
    let mut parsed = ParsedBatch::default();
    while !shutdown.is_triggered() {
        if let Some(counter) = kernel_drops.as_mut() {
            counter.update(&collector, &name);
        }
        let mut failed = None;
        let read = turns.read(|| match receiver.receive(&socket) {
            Ok(count) => Some((count, Utc::now())),
            Err(error) => {
                failed = Some(error);
                None
            }
        });
        let Some((number, (count, received_at))) = read else {
            match failed {
                Some(error) if !is_timeout(&error) => {
                    count_failure(&collector, &failures, &name, &error);
                    // A persistent error would otherwise spin a core.
                    std::thread::sleep(Duration::from_millis(10));
                }
                _ => {}
            }
            continue;
        };
        let datagrams = (0..count).filter_map(|index| {
            let datagram = receiver.datagram(index);
            let Some(peer) = datagram.peer else {
                let error = io::Error::other("the sender address is neither IPv4 nor IPv6");
                count_failure(&collector, &failures, &name, &error);
                return None;
            };
            let length = datagram.payload.len();
            if length > MAX_DATAGRAM {
                collector.count_oversize();
                if let Some(suppressed) = oversize.check() {
                    log_oversize(&name, peer, length, suppressed);
                }
                return None;
            }
            Some((datagram.payload, peer))
        });
        collector.parse_batch(datagrams, received_at, &mut parsed);
        turns.store(number, shutdown, || {
            collector.store_batch(&mut parsed);
        });
    }
    log::info!("{name}: stopped");
}

/// Counts and logs (rate-limited) a receive that failed or returned a
/// datagram that cannot be stored.
fn count_failure(collector: &Collector, failures: &Throttle, name: &str, error: &io::Error) {
    collector.stats().count_receive_error();
    if let Some(suppressed) = failures.check() {
        log::error!(
            "{name}: receive failed: {error} ({suppressed} more failures since the last report)"
        );
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_batch_waits_for_the_earlier_one() {
        let turns = Arc::new(Turns::default());
        let shutdown = Shutdown::new();
        let order = Arc::new(Mutex::new(Vec::new()));
        let (first, _) = turns.read(|| Some(())).unwrap();
        let (second, _) = turns.read(|| Some(())).unwrap();
        assert_eq!((first, second), (0, 1));

        // The second batch tries to store first; it must wait its turn.
        let later = {
            let (turns, shutdown, order) =
                (Arc::clone(&turns), shutdown.clone(), Arc::clone(&order));
            std::thread::spawn(move || {
                turns.store(second, &shutdown, || order.lock().unwrap().push(second));
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        turns.store(first, &shutdown, || order.lock().unwrap().push(first));
        later.join().unwrap();
        assert_eq!(*order.lock().unwrap(), [0, 1]);
    }

    #[test]
    fn failed_read_takes_no_number() {
        let turns = Turns::default();
        assert!(turns.read(|| None::<()>).is_none());
        assert_eq!(turns.read(|| Some(())).map(|(number, _)| number), Some(0));
    }

    #[test]
    fn shutdown_ends_the_wait() {
        let turns = Turns::default();
        let shutdown = Shutdown::new();
        shutdown.trigger();
        let mut stored = false;
        // Batch 5 would wait for batches 0 to 4 without the shutdown.
        turns.store(5, &shutdown, || stored = true);
        assert!(stored);
    }
}
