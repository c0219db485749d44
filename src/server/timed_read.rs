//! Socket reads with a timeout, on Linux and in the Hermit image.
//!
//! The Hermit kernel (0.11) rejects `SO_RCVTIMEO` with EINVAL, and its
//! `shutdown` of a TCP socket does nothing, so neither a read timeout nor
//! another thread can end a blocked read there. Its `poll` takes a
//! timeout but passes the absolute wake-up time where a relative one is
//! expected, so it wakes only on socket events. In the image a read
//! therefore polls the socket in non-blocking mode and sleeps in between.

use std::io;
use std::net::TcpStream;
use std::time::Duration;

/// Reads into `buffer`, waiting at most `timeout` for data to arrive.
/// Returns an error of kind `TimedOut` or `WouldBlock` when none arrives
/// in time. `timeout` must not be zero.
pub fn read_with_timeout(
    stream: &mut TcpStream,
    buffer: &mut [u8],
    timeout: Duration,
) -> io::Result<usize> {
    #[cfg(target_os = "hermit")]
    {
        // The socket is blocking outside this call, so that writes block.
        stream.set_nonblocking(true)?;
        let result = hermit::read_polling(stream, buffer, timeout);
        stream.set_nonblocking(false)?;
        result
    }
    #[cfg(not(target_os = "hermit"))]
    {
        stream.set_read_timeout(Some(timeout))?;
        io::Read::read(stream, buffer)
    }
}

#[cfg(target_os = "hermit")]
mod hermit {
    use std::io::{self, Read};
    use std::net::TcpStream;
    use std::time::{Duration, Instant};

    /// Sleep between two reads that found no data. It adds at most this
    /// much latency to the first bytes after a pause, and each idle
    /// connection costs 1000 / 50 = 20 thread wake-ups per second.
    const POLL_SLEEP: Duration = Duration::from_millis(50);

    /// Reads from the non-blocking `stream` until data or the peer's close
    /// arrives, or `timeout` passes.
    pub fn read_polling(
        stream: &mut TcpStream,
        buffer: &mut [u8],
        timeout: Duration,
    ) -> io::Result<usize> {
        let deadline = Instant::now() + timeout;
        loop {
            match stream.read(buffer) {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    let remaining = deadline.saturating_duration_since(Instant::now());
                    if remaining.is_zero() {
                        return Err(io::ErrorKind::TimedOut.into());
                    }
                    std::thread::sleep(remaining.min(POLL_SLEEP));
                }
                result => return result,
            }
        }
    }
}
