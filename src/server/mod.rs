//! The collector shell: sockets, threads and shutdown around the core.
//!
//! Every receiver is a function that takes an already bound socket, the
//! shared [`Collector`] and a [`Shutdown`], so tests bind `127.0.0.1:0`
//! and run the real code in-process.

pub mod bind;
pub mod collector;
pub mod forward;
pub mod http;
pub mod shutdown;
pub mod signals;
pub mod tcp;
pub mod throttle;
pub mod timed_read;
pub mod udp;

pub use bind::Bound;
pub use collector::Collector;
pub use shutdown::Shutdown;

use std::net::{TcpListener, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

/// The running receivers and HTTP servers of one collector.
pub struct Running {
    threads: Vec<JoinHandle<()>>,
    failed: Arc<AtomicBool>,
}

impl Running {
    /// Waits for every thread to end after a shutdown. Returns `false` when
    /// one of them ended before the shutdown started (it panicked or its
    /// socket failed for good), which stops the others.
    pub fn join(self) -> bool {
        for thread in self.threads {
            let _ = thread.join();
        }
        !self.failed.load(Ordering::Relaxed)
    }

    /// Starts one accept thread per syslog TCP listener (RFC 6587), stopped
    /// by `shutdown` like the others.
    pub fn spawn_tcp(
        &mut self,
        listeners: Vec<impl Into<Bound<TcpListener>>>,
        collector: &Arc<Collector>,
        shutdown: &Shutdown,
        limits: tcp::TcpLimits,
    ) -> std::io::Result<()> {
        for listener in listeners {
            let listener = listener.into();
            let collector = Arc::clone(collector);
            let guard = StopGuard::new("tcp receiver", shutdown, &self.failed);
            self.threads.push(spawn_named("tcp", move || {
                tcp::run(listener, collector, &guard.shutdown, limits);
                drop(guard);
            })?);
        }
        Ok(())
    }
}

/// Starts [`udp::threads`] threads per UDP socket and one accept thread
/// per HTTP listener, all sharing `collector` and stopped by `shutdown`.
pub fn spawn(
    udp: Vec<impl Into<Bound<UdpSocket>>>,
    listeners: Vec<impl Into<Bound<TcpListener>>>,
    collector: &Arc<Collector>,
    shutdown: &Shutdown,
    limits: http::Limits,
) -> std::io::Result<Running> {
    let failed = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    for socket in udp {
        let socket = socket.into();
        let turns = Arc::new(udp::Turns::default());
        let mut sockets = Vec::new();
        for _ in 1..udp::threads() {
            sockets.push(Bound {
                socket: socket.socket.try_clone()?,
                addr: socket.addr,
            });
        }
        sockets.insert(0, socket);
        for (index, socket) in sockets.into_iter().enumerate() {
            let collector = Arc::clone(collector);
            let turns = Arc::clone(&turns);
            let guard = StopGuard::new("udp receiver", shutdown, &failed);
            threads.push(spawn_named("udp", move || {
                udp::run(socket, collector, &guard.shutdown, &turns, index == 0);
                drop(guard);
            })?);
        }
    }
    for listener in listeners {
        let listener = listener.into();
        let collector = Arc::clone(collector);
        let guard = StopGuard::new("http server", shutdown, &failed);
        threads.push(spawn_named("http", move || {
            http::run(listener, collector, &guard.shutdown, limits);
            drop(guard);
        })?);
    }
    Ok(Running { threads, failed })
}

fn spawn_named(
    name: &str,
    body: impl FnOnce() + Send + 'static,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name(String::from(name))
        .spawn(body)
}

/// Stops the whole collector when a server thread ends on its own, so a
/// dead receiver never leaves the process running without ingest.
struct StopGuard {
    role: &'static str,
    shutdown: Shutdown,
    failed: Arc<AtomicBool>,
}

impl StopGuard {
    fn new(role: &'static str, shutdown: &Shutdown, failed: &Arc<AtomicBool>) -> StopGuard {
        StopGuard {
            role,
            shutdown: shutdown.clone(),
            failed: Arc::clone(failed),
        }
    }
}

impl Drop for StopGuard {
    fn drop(&mut self) {
        if !self.shutdown.is_triggered() {
            log::error!("{} stopped unexpectedly; stopping the collector", self.role);
            self.failed.store(true, Ordering::Relaxed);
            self.shutdown.trigger();
        }
    }
}
