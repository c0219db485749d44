//! Forwarding (relay): sends a copy of selected events to other syslog
//! receivers over UDP or TCP.
//!
//! Ingest never waits for a destination. [`Forwarder::offer`] renders the
//! event once and puts a copy into each destination's bounded queue with
//! `try_send`; when a queue is full the event is dropped for that
//! destination and counted. A sender thread per destination empties its
//! queue, reconnecting with capped exponential backoff while the
//! destination is down.
//!
//! Delivery over TCP is at least once: a batch whose write failed is sent
//! again in full after the reconnect, so the frames that made it before the
//! failure arrive twice.
//!
//! NOTE: TCP has no application-level acknowledgment, so frames that sat
//! in the kernel's buffers when the receiver died are lost without being
//! counted. The sender checks for a closed connection before each batch,
//! which shrinks that window to the frames written just before the close.

use std::io::{self, Read};
use std::net::TcpStream;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::event::{Event, Facility, Severity};
use crate::send::{Connection, Destination, TcpFraming, render_rfc5424};
use crate::stats::{Stats, bump, decrement};

use super::throttle::Throttle;
use super::{Collector, Shutdown};

/// Forwarding settings: destinations, filters and wire format.
#[derive(Clone, Debug)]
pub struct ForwardConfig {
    pub destinations: Vec<Destination>,
    /// Forward only events of this severity or a more severe one. Events
    /// without a severity count as `notice`, which they are rendered with.
    pub min_severity: Option<Severity>,
    /// Forward only events of these facilities. Events without a facility
    /// count as `user`, which they are rendered with.
    pub facilities: Option<Vec<Facility>>,
    /// Framing on TCP connections.
    pub framing: TcpFraming,
    /// Send the received bytes unchanged instead of RFC 5424.
    pub raw: bool,
    /// Maximum number of events queued per destination. Events offered to
    /// a full queue are dropped for that destination and counted.
    pub queue_capacity: usize,
}

impl ForwardConfig {
    fn accepts(&self, event: &Event) -> bool {
        let severity = event.severity.unwrap_or(Severity::Notice);
        if self.min_severity.is_some_and(|min| severity > min) {
            return false;
        }
        let facility = event.facility.unwrap_or(Facility::User);
        match &self.facilities {
            Some(facilities) => facilities.contains(&facility),
            None => true,
        }
    }
}

/// First wait before reconnecting to a destination that is down; each
/// failed attempt doubles it up to [`MAX_BACKOFF`].
const MIN_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Time a TCP connect or one write may take before the destination counts
/// as down, so a stalled receiver cannot hold a sender thread forever.
const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// How often an idle sender thread checks for shutdown.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Most events a sender thread writes per TCP write. The batch is also
/// capped at the queue size, so at most twice a queue of events wait for
/// one destination: a full queue and one batch in the sender thread.
const BATCH: usize = 256;

/// Time a sender thread has at shutdown to send what is still queued.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(2);

struct Queue {
    destination: Destination,
    sender: SyncSender<Vec<u8>>,
    full: Throttle,
}

/// The forwarding side of a collector: one bounded queue per destination,
/// each emptied by a sender thread.
pub struct Forwarder {
    config: ForwardConfig,
    queues: Vec<Queue>,
}

/// The sender threads of a [`Forwarder`], kept apart from it because the
/// collector owns the forwarder while `logkeep serve` waits for the threads.
pub struct SenderThreads(Vec<JoinHandle<()>>);

impl SenderThreads {
    /// Waits for the sender threads, which end after a shutdown once they
    /// have sent what is queued or given up on it.
    pub fn join(self) {
        for thread in self.0 {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Forwarder {
    /// Starts a sender thread per destination of `config`. The threads
    /// count into `collector`'s stats and stop on `shutdown`, after trying
    /// to send what is still queued.
    pub fn start(
        config: ForwardConfig,
        collector: &Arc<Collector>,
        shutdown: &Shutdown,
    ) -> io::Result<(Forwarder, SenderThreads)> {
        let mut queues = Vec::new();
        let mut threads = Vec::new();
        for destination in &config.destinations {
            let capacity = config.queue_capacity.max(1);
            let (sender, receiver) = mpsc::sync_channel(capacity);
            let worker = Worker {
                destination: destination.clone(),
                framing: config.framing,
                queue: receiver,
                batch: capacity.min(BATCH),
                collector: Arc::downgrade(collector),
                shutdown: shutdown.clone(),
            };
            let thread = std::thread::Builder::new()
                .name(format!("forward-{destination}"))
                .spawn(move || worker.run())?;
            threads.push(thread);
            queues.push(Queue {
                destination: destination.clone(),
                sender,
                full: Throttle::new(),
            });
            log::info!(
                "forward: sending to {destination} (queue of {} events)",
                config.queue_capacity
            );
        }
        Ok((Forwarder { config, queues }, SenderThreads(threads)))
    }

    /// Queues `event` for every destination if it passes the filters. It
    /// never waits for a destination: a full queue drops the event for that
    /// destination and counts it.
    pub fn offer(&self, event: &Event, stats: &Stats) {
        if !self.config.accepts(event) {
            return;
        }
        let payload = if self.config.raw {
            event.raw.clone()
        } else {
            let mut payload = Vec::with_capacity(event.message.len() + 128);
            render_rfc5424(event, &mut payload);
            payload
        };

        for queue in &self.queues {
            // The gauge goes up before the send so that the sender thread,
            // which decrements it, never sees it below zero.
            bump(&stats.forward_queued);
            match queue.sender.try_send(payload.clone()) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    decrement(&stats.forward_queued);
                    bump(&stats.forward_dropped_queue_full);
                    if let Some(suppressed) = queue.full.check() {
                        log::warn!(
                            "forward: {}: queue full, dropped an event; the destination is down or slower than ingest ({suppressed} more dropped since the last report)",
                            queue.destination
                        );
                    }
                }
                Err(TrySendError::Disconnected(_)) => {
                    // The sender thread ended: at shutdown, or it panicked.
                    decrement(&stats.forward_queued);
                    bump(&stats.forward_dropped_send_failed);
                }
            }
        }
    }
}

/// The sender thread of one destination.
struct Worker {
    destination: Destination,
    framing: TcpFraming,
    queue: Receiver<Vec<u8>>,
    /// Most events taken from the queue at once. Without the cap, a fill
    /// racing with ingest would keep taking events as they arrive and hold
    /// far more than the queue size.
    batch: usize,
    /// Weak, because the collector owns the forwarder that owns this
    /// thread's queue; the thread ends when the collector is gone.
    collector: Weak<Collector>,
    shutdown: Shutdown,
}

impl Worker {
    fn run(self) {
        let mut connection: Option<Connection> = None;
        let mut backoff = MIN_BACKOFF;
        // Events taken from the queue but not yet sent, kept across
        // reconnects.
        let mut pending: Vec<Vec<u8>> = Vec::new();
        let failures = Throttle::new();

        loop {
            if self.shutdown.is_triggered() || self.collector.strong_count() == 0 {
                break;
            }
            if pending.is_empty() && !self.fill(&mut pending, POLL_INTERVAL) {
                continue;
            }

            if connection.as_mut().is_some_and(|open| !is_usable(open)) {
                log::info!(
                    "forward: {}: connection closed by the receiver",
                    self.destination
                );
                connection = None;
            }
            let open = match connection.as_mut() {
                Some(open) => open,
                None => match Connection::open(&self.destination, self.framing, IO_TIMEOUT) {
                    Ok(opened) => {
                        log::info!("forward: {}: connected", self.destination);
                        connection.insert(prepare(opened))
                    }
                    Err(error) => {
                        if let Some(suppressed) = failures.check() {
                            log::warn!(
                                "forward: {}: cannot connect, retrying in {} ms: {error} ({suppressed} more failures since the last report)",
                                self.destination,
                                backoff.as_millis()
                            );
                        }
                        self.sleep(backoff);
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                        continue;
                    }
                },
            };

            // The backoff resets only after a batch went out, so a receiver
            // that accepts and then closes at once is not retried in a loop.
            match self.send(open, &mut pending) {
                Ok(()) => backoff = MIN_BACKOFF,
                Err(error) => {
                    if let Some(suppressed) = failures.check() {
                        log::warn!(
                            "forward: {}: send failed, reconnecting in {} ms to send the batch again: {error} ({suppressed} more failures since the last report)",
                            self.destination,
                            backoff.as_millis()
                        );
                    }
                    connection = None;
                    self.sleep(backoff);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
        self.drain(connection, pending);
    }

    /// Moves up to `self.batch` events from the queue into `pending`, waiting
    /// at most `timeout` for the first. Returns whether it moved any.
    fn fill(&self, pending: &mut Vec<Vec<u8>>, timeout: Duration) -> bool {
        let first = match self.queue.recv_timeout(timeout) {
            Ok(payload) => payload,
            Err(RecvTimeoutError::Timeout) => return false,
            Err(RecvTimeoutError::Disconnected) => {
                self.sleep(timeout);
                return false;
            }
        };
        pending.push(first);
        while pending.len() < self.batch {
            match self.queue.try_recv() {
                Ok(payload) => pending.push(payload),
                Err(_) => break,
            }
        }
        if let Some(collector) = self.collector.upgrade() {
            for _ in 0..pending.len() {
                decrement(&collector.stats().forward_queued);
            }
        }
        true
    }

    /// Sends `pending` and clears it. UDP datagrams that fail are counted
    /// as dropped, since a datagram has no connection to repair. A TCP
    /// write error leaves `pending` intact for the next connection.
    fn send(&self, connection: &mut Connection, pending: &mut Vec<Vec<u8>>) -> io::Result<()> {
        let batch: Vec<&[u8]> = pending.iter().map(Vec::as_slice).collect();
        let result = connection.send_batch(&batch);
        let collector = self.collector.upgrade();
        let stats = collector.as_ref().map(|collector| collector.stats());

        if matches!(connection, Connection::Tcp { .. }) {
            if let Some(error) = result.errors.into_iter().next() {
                return Err(error);
            }
        } else if let Some(stats) = stats {
            for _ in &result.errors {
                bump(&stats.forward_dropped_send_failed);
            }
            if let Some(error) = result.errors.first() {
                log::debug!(
                    "forward: {}: {} datagrams failed: {error}",
                    self.destination,
                    result.errors.len()
                );
            }
        }
        if let Some(stats) = stats {
            stats
                .forwarded
                .fetch_add(result.sent as u64, std::sync::atomic::Ordering::Relaxed);
        }
        pending.clear();
        Ok(())
    }

    /// Sends what is pending and queued within [`DRAIN_TIMEOUT`] at
    /// shutdown, then counts the rest as dropped.
    fn drain(&self, mut connection: Option<Connection>, mut pending: Vec<Vec<u8>>) {
        let deadline = Instant::now() + DRAIN_TIMEOUT;
        while Instant::now() < deadline {
            if pending.is_empty() && !self.fill(&mut pending, Duration::ZERO) {
                break;
            }
            if connection.is_none() {
                let left = deadline.saturating_duration_since(Instant::now());
                let timeout = left.max(Duration::from_millis(1));
                connection = Connection::open(&self.destination, self.framing, timeout)
                    .ok()
                    .map(prepare);
            }
            let Some(open) = connection.as_mut() else {
                break;
            };
            if self.send(open, &mut pending).is_err() {
                break;
            }
        }

        let mut lost = pending.len() as u64;
        while self.queue.try_recv().is_ok() {
            lost += 1;
            if let Some(collector) = self.collector.upgrade() {
                decrement(&collector.stats().forward_queued);
            }
        }
        if lost > 0 {
            if let Some(collector) = self.collector.upgrade() {
                let dropped = &collector.stats().forward_dropped_send_failed;
                dropped.fetch_add(lost, std::sync::atomic::Ordering::Relaxed);
            }
            log::warn!(
                "forward: {}: {lost} queued events not sent before shutdown",
                self.destination
            );
        }
        log::info!("forward: {}: stopped", self.destination);
    }

    /// Sleeps for `duration` in steps, returning early on shutdown.
    fn sleep(&self, duration: Duration) {
        let deadline = Instant::now() + duration;
        while !self.shutdown.is_triggered() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            std::thread::sleep(left.min(POLL_INTERVAL));
        }
    }
}

/// Sets a write timeout on TCP connections so a stalled receiver counts as
/// down instead of blocking the sender thread forever.
fn prepare(connection: Connection) -> Connection {
    if let Connection::Tcp { stream, .. } = &connection {
        if let Err(error) = stream.set_write_timeout(Some(IO_TIMEOUT)) {
            log::warn!("forward: cannot set a write timeout: {error}");
        }
    }
    connection
}

/// Returns whether a TCP connection is still open, by a non-blocking read:
/// a receiver that closed it (restarting, say) shows end of stream. Syslog
/// receivers send nothing back, so any data read is discarded.
fn is_usable(connection: &mut Connection) -> bool {
    let Connection::Tcp { stream, .. } = connection else {
        return true;
    };
    peek_open(stream)
}

fn peek_open(stream: &mut TcpStream) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let mut scratch = [0u8; 256];
    let open = match stream.read(&mut scratch) {
        Ok(0) => false,
        Ok(_) => true,
        Err(error) => error.kind() == io::ErrorKind::WouldBlock,
    };
    stream.set_nonblocking(false).is_ok() && open
}
