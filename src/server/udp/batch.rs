//! Receiving several datagrams per system call.
//!
//! On Linux, recvmmsg(2) fills up to 32 buffers in one call, so a
//! burst leaves the socket's receive queue at the cost of one system call
//! per batch instead of one per datagram. Elsewhere (Hermit has no
//! recvmmsg) a batch contains the one datagram of a `recv_from` call.

use std::net::SocketAddr;

use super::RECEIVE_BUFFER;

/// One received datagram.
pub struct Datagram<'a> {
    /// The payload, cut to [`RECEIVE_BUFFER`] bytes when the datagram was
    /// larger.
    pub payload: &'a [u8],
    /// The sender, or `None` when the kernel returned an address that is
    /// neither IPv4 nor IPv6.
    pub peer: Option<SocketAddr>,
}

pub use platform::Receiver;

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
mod platform {
    use std::io;
    use std::mem::{size_of, zeroed};
    use std::net::UdpSocket;
    use std::os::fd::AsRawFd;

    use super::{Datagram, RECEIVE_BUFFER};

    /// Datagrams per recvmmsg(2) call. Each has a buffer of
    /// [`RECEIVE_BUFFER`] bytes, 2 MiB of address space in all. The pages
    /// of a buffer become resident only as far as datagrams fill it.
    pub const BATCH: usize = 32;

    /// Buffers and headers for recvmmsg(2), reused by every call.
    ///
    /// The headers point into the vectors' heap memory, set once in
    /// [`Receiver::new`]. No vector is resized afterwards, so the pointers
    /// stay valid when the `Receiver` moves.
    pub struct Receiver {
        buffers: Vec<u8>,
        names: Vec<libc::sockaddr_storage>,
        iovecs: Vec<libc::iovec>,
        headers: Vec<libc::mmsghdr>,
        received: usize,
    }

    const NAME_SIZE: libc::socklen_t = size_of::<libc::sockaddr_storage>() as libc::socklen_t;

    impl Receiver {
        pub fn new() -> Receiver {
            // SAFETY: sockaddr_storage, iovec and mmsghdr are plain C data
            // for which all zeroes is a valid value (null pointers, zero
            // lengths).
            let (name, iovec, header) = unsafe {
                (
                    zeroed::<libc::sockaddr_storage>(),
                    zeroed::<libc::iovec>(),
                    zeroed::<libc::mmsghdr>(),
                )
            };
            let mut receiver = Receiver {
                buffers: vec![0; BATCH * RECEIVE_BUFFER],
                names: vec![name; BATCH],
                iovecs: vec![iovec; BATCH],
                headers: vec![header; BATCH],
                received: 0,
            };
            let buffers = receiver.buffers.as_mut_ptr();
            let names = receiver.names.as_mut_ptr();
            let iovecs = receiver.iovecs.as_mut_ptr();
            for (slot, header) in receiver.headers.iter_mut().enumerate() {
                let iovec = iovecs.wrapping_add(slot);
                // SAFETY: `slot` is below BATCH, the length of `iovecs`,
                // and nothing else refers to that element now.
                unsafe {
                    (*iovec).iov_base = buffers.wrapping_add(slot * RECEIVE_BUFFER).cast();
                    (*iovec).iov_len = RECEIVE_BUFFER;
                }
                header.msg_hdr.msg_name = names.wrapping_add(slot).cast();
                header.msg_hdr.msg_namelen = NAME_SIZE;
                header.msg_hdr.msg_iov = iovec;
                header.msg_hdr.msg_iovlen = 1;
            }
            receiver
        }

        /// Waits for at least one datagram (up to the socket's read
        /// timeout), then takes whatever else is queued, up to [`BATCH`].
        /// Returns how many were received.
        pub fn receive(&mut self, socket: &UdpSocket) -> io::Result<usize> {
            // The kernel shortened the address lengths of the slots it
            // filled last time; the others still have the full size.
            for header in &mut self.headers[..self.received] {
                header.msg_hdr.msg_namelen = NAME_SIZE;
            }
            self.received = 0;
            // SAFETY: each of the BATCH headers points at its own iovec and
            // address slot, and each iovec at its own RECEIVE_BUFFER bytes
            // of `buffers` (see `new`). All of them live in `self`, which
            // the call borrows mutably, so nothing reads them while the
            // kernel writes. MSG_WAITFORONE blocks only for the first
            // datagram, honouring SO_RCVTIMEO; no timeout argument is used.
            let count = unsafe {
                libc::recvmmsg(
                    socket.as_raw_fd(),
                    self.headers.as_mut_ptr(),
                    BATCH as libc::c_uint,
                    libc::MSG_WAITFORONE as _,
                    std::ptr::null_mut(),
                )
            };
            if count < 0 {
                return Err(io::Error::last_os_error());
            }
            self.received = count as usize;
            Ok(self.received)
        }

        /// Returns datagram `index` of the last [`Receiver::receive`].
        pub fn datagram(&self, index: usize) -> Datagram<'_> {
            assert!(index < self.received, "datagram {index} was not received");
            let header = &self.headers[index];
            let length = (header.msg_len as usize).min(RECEIVE_BUFFER);
            let start = index * RECEIVE_BUFFER;
            // SAFETY: the kernel wrote `msg_namelen` bytes of a socket
            // address of its family into this slot, and `SockAddr` reads
            // no more than that length.
            let address =
                unsafe { socket2::SockAddr::new(self.names[index], header.msg_hdr.msg_namelen) };
            Datagram {
                payload: &self.buffers[start..start + length],
                peer: address.as_socket(),
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use std::io;
    use std::net::{SocketAddr, UdpSocket};

    use super::{Datagram, RECEIVE_BUFFER};

    pub struct Receiver {
        buffer: Vec<u8>,
        received: Option<(usize, SocketAddr)>,
    }

    impl Receiver {
        pub fn new() -> Receiver {
            Receiver {
                buffer: vec![0; RECEIVE_BUFFER],
                received: None,
            }
        }

        /// Waits for one datagram, up to the socket's read timeout.
        pub fn receive(&mut self, socket: &UdpSocket) -> io::Result<usize> {
            self.received = None;
            let (length, peer) = socket.recv_from(&mut self.buffer)?;
            self.received = Some((length.min(RECEIVE_BUFFER), peer));
            Ok(1)
        }

        /// Returns the datagram of the last [`Receiver::receive`].
        pub fn datagram(&self, index: usize) -> Datagram<'_> {
            let (length, peer) = self
                .received
                .filter(|_| index == 0)
                .unwrap_or_else(|| panic!("datagram {index} was not received"));
            Datagram {
                payload: &self.buffer[..length],
                peer: Some(peer),
            }
        }
    }
}
