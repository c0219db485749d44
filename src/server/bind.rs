//! Binding listening sockets from command-line addresses.
//!
//! An address is either a full socket address (`127.0.0.1:5514`,
//! `[::]:514`) or a bare port (`5514`), which means every IPv4 and IPv6
//! address. On Linux a bare port binds one IPv6 socket with `IPV6_V6ONLY`
//! off, which receives IPv4 too, and falls back to `0.0.0.0` when the
//! host has no IPv6. Elsewhere (the Hermit unikernel) it binds `0.0.0.0`
//! and then tries `[::]` on the same port, keeping IPv4 alone when that
//! fails.

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket};
use std::str::FromStr;

/// A listening address given on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListenAddr {
    /// One socket address.
    Socket(SocketAddr),
    /// Every IPv4 and IPv6 address on this port.
    AllAddresses(u16),
}

impl ListenAddr {
    /// Returns the port. Port 0 requests an ephemeral port from the system.
    pub fn port(&self) -> u16 {
        match self {
            ListenAddr::Socket(addr) => addr.port(),
            ListenAddr::AllAddresses(port) => *port,
        }
    }
}

impl FromStr for ListenAddr {
    type Err = String;

    fn from_str(text: &str) -> Result<ListenAddr, String> {
        // Lists such as `--udp "a, b"` leave a space after each comma.
        let text = text.trim();
        if let Ok(port) = text.parse::<u16>() {
            return Ok(ListenAddr::AllAddresses(port));
        }
        text.parse::<SocketAddr>().map(ListenAddr::Socket).map_err(|_| {
            format!(
                "invalid address {text:?}: expected IP:PORT such as 0.0.0.0:5514 or [::1]:5514, or a bare port for all addresses"
            )
        })
    }
}

impl fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListenAddr::Socket(addr) => write!(f, "{addr}"),
            ListenAddr::AllAddresses(port) => write!(f, "*:{port}"),
        }
    }
}

/// A socket bound by [`bind_udp`] or [`bind_tcp`], with the address to
/// report for it.
#[derive(Debug)]
pub struct Bound<S> {
    pub socket: S,
    /// `local_addr()`, or the requested address when the platform reports
    /// port 0 for a socket bound to a fixed port (Hermit does).
    pub addr: SocketAddr,
}

/// A failed bind with the address and a suggested fix in its message.
#[derive(Debug)]
pub struct BindError {
    pub protocol: &'static str,
    pub addr: SocketAddr,
    pub source: io::Error,
}

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (protocol, addr, error) = (self.protocol, self.addr, &self.source);
        let (flag, other_port) = match protocol {
            "udp" => ("--udp", 5514),
            "tcp" => ("--tcp", 5514),
            _ => ("--http", 8081),
        };
        let other = SocketAddr::new(addr.ip(), other_port);
        write!(f, "cannot bind {protocol} {addr}: {error}")?;
        match error.kind() {
            io::ErrorKind::PermissionDenied => write!(
                f,
                "; ports below 1024 need root or CAP_NET_BIND_SERVICE (sudo setcap cap_net_bind_service=+ep \"$(command -v logkeep)\"), or use another port such as {flag} {other}"
            ),
            io::ErrorKind::AddrInUse => write!(
                f,
                "; another process listens there: stop it or use another port such as {flag} {other}"
            ),
            io::ErrorKind::AddrNotAvailable => write!(
                f,
                "; no interface has this address: use one of this host's addresses or 0.0.0.0"
            ),
            // Hermit's socket() returns EINVAL when the kernel found no
            // network device, so every bind in the image fails this way.
            io::ErrorKind::InvalidInput if cfg!(target_os = "hermit") => write!(
                f,
                "; the guest has no usable network device: start QEMU with -device virtio-net-pci,disable-legacy=on (scripts/run.sh does)"
            ),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for BindError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// The receive buffer asked for on UDP sockets: enough for about a second
/// of 8,000 average-sized (1 KiB) datagrams while the receiver is busy.
pub const UDP_RECEIVE_BUFFER: usize = 8 << 20;

/// Binds the UDP sockets for `listen`, with a large receive buffer where
/// the platform allows one.
pub fn bind_udp(listen: ListenAddr) -> Result<Vec<Bound<UdpSocket>>, BindError> {
    let sockets = match listen {
        ListenAddr::Socket(addr) => vec![bind_one(addr, "udp", UdpSocket::bind)?],
        ListenAddr::AllAddresses(port) => {
            bind_all(port, "udp", platform::udp_dual_stack, UdpSocket::bind)?
        }
    };
    for bound in &sockets {
        platform::grow_receive_buffer(&bound.socket, bound.addr);
    }
    Ok(sockets)
}

/// Binds the TCP listeners for `listen`.
pub fn bind_tcp(listen: ListenAddr) -> Result<Vec<Bound<TcpListener>>, BindError> {
    match listen {
        ListenAddr::Socket(addr) => Ok(vec![bind_one(addr, "http", TcpListener::bind)?]),
        // A Hermit (0.11) listening socket takes connections of either
        // family, and its accept returns an IPv4 peer of an IPv6 listener
        // with the IPv6 family but the IPv4 length, on which std's accept
        // panics. So the image listens on IPv4 only, the one family that
        // its kernel arguments (-ip, -gateway, -mask) configure.
        ListenAddr::AllAddresses(port) if cfg!(target_os = "hermit") => {
            let any4 = SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), port);
            Ok(vec![bind_one(any4, "http", TcpListener::bind)?])
        }
        ListenAddr::AllAddresses(port) => {
            bind_all(port, "http", platform::tcp_dual_stack, TcpListener::bind)
        }
    }
}

pub trait LocalAddr {
    fn local(&self) -> io::Result<SocketAddr>;
}

/// A socket bound elsewhere (tests bind `127.0.0.1:0`) is reported by
/// `local_addr()`, or by the unspecified address when that call fails.
impl<S: LocalAddr> From<S> for Bound<S> {
    fn from(socket: S) -> Bound<S> {
        let addr = socket
            .local()
            .unwrap_or(SocketAddr::from((std::net::Ipv4Addr::UNSPECIFIED, 0)));
        Bound { socket, addr }
    }
}

impl LocalAddr for UdpSocket {
    fn local(&self) -> io::Result<SocketAddr> {
        self.local_addr()
    }
}

impl LocalAddr for TcpListener {
    fn local(&self) -> io::Result<SocketAddr> {
        self.local_addr()
    }
}

fn bound<S: LocalAddr>(socket: S, requested: SocketAddr) -> Bound<S> {
    let addr = match socket.local() {
        Ok(local) if local.port() != 0 || requested.port() == 0 => local,
        _ => requested,
    };
    Bound { socket, addr }
}

fn bind_one<S: LocalAddr>(
    addr: SocketAddr,
    protocol: &'static str,
    bind: fn(SocketAddr) -> io::Result<S>,
) -> Result<Bound<S>, BindError> {
    match bind(addr) {
        Ok(socket) => Ok(bound(socket, addr)),
        Err(source) => Err(BindError {
            protocol,
            addr,
            source,
        }),
    }
}

fn bind_all<S: LocalAddr>(
    port: u16,
    protocol: &'static str,
    dual_stack: fn(SocketAddr) -> Option<io::Result<S>>,
    bind: fn(SocketAddr) -> io::Result<S>,
) -> Result<Vec<Bound<S>>, BindError> {
    let any6 = SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), port);
    let any4 = SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), port);

    match dual_stack(any6) {
        Some(Ok(socket)) => return Ok(vec![bound(socket, any6)]),
        Some(Err(error)) if !ipv6_unavailable(&error) => {
            return Err(BindError {
                protocol,
                addr: any6,
                source: error,
            });
        }
        Some(Err(error)) => {
            log::info!("{protocol}: no IPv6 on this host ({error}); listening on IPv4 only");
            return Ok(vec![bind_one(any4, protocol, bind)?]);
        }
        // No dual-stack sockets on this platform: bind each family.
        None => {}
    }

    let mut sockets = vec![bind_one(any4, protocol, bind)?];
    match bind(any6) {
        Ok(socket) => sockets.push(bound(socket, any6)),
        Err(error) => {
            log::info!("{protocol}: cannot bind {any6} ({error}); listening on IPv4 only")
        }
    }
    Ok(sockets)
}

/// Returns whether a bind failed because the host has no IPv6 at all (disabled in
/// the kernel or absent from the network stack), not because of the port.
fn ipv6_unavailable(error: &io::Error) -> bool {
    // EAFNOSUPPORT (97) and EADDRNOTAVAIL (99) on Linux.
    matches!(error.raw_os_error(), Some(97 | 99))
        || matches!(
            error.kind(),
            io::ErrorKind::AddrNotAvailable | io::ErrorKind::Unsupported
        )
}

#[cfg(target_os = "linux")]
mod platform {
    use std::io;
    use std::net::{SocketAddr, TcpListener, UdpSocket};

    use socket2::{Domain, SockRef, Socket, Type};

    use super::UDP_RECEIVE_BUFFER;

    fn dual_stack_socket(addr: SocketAddr, kind: Type) -> io::Result<Socket> {
        let socket = Socket::new(Domain::IPV6, kind, None)?;
        socket.set_only_v6(false)?;
        if kind == Type::STREAM {
            // Restarting right after a stop must not fail on TIME_WAIT.
            socket.set_reuse_address(true)?;
        }
        socket.bind(&addr.into())?;
        Ok(socket)
    }

    pub fn udp_dual_stack(addr: SocketAddr) -> Option<io::Result<UdpSocket>> {
        Some(dual_stack_socket(addr, Type::DGRAM).map(UdpSocket::from))
    }

    pub fn tcp_dual_stack(addr: SocketAddr) -> Option<io::Result<TcpListener>> {
        let listener = dual_stack_socket(addr, Type::STREAM).and_then(|socket| {
            socket.listen(1024)?;
            Ok(TcpListener::from(socket))
        });
        Some(listener)
    }

    /// Asks for [`UDP_RECEIVE_BUFFER`] bytes; Linux caps the request at
    /// `net.core.rmem_max`, so the size obtained is logged.
    pub fn grow_receive_buffer(socket: &UdpSocket, addr: SocketAddr) {
        let socket = SockRef::from(socket);
        if let Err(error) = socket.set_recv_buffer_size(UDP_RECEIVE_BUFFER) {
            log::warn!("udp:{addr}: cannot set the receive buffer size: {error}");
            return;
        }
        match socket.recv_buffer_size() {
            // Linux reports twice the size set, the rest being its own
            // bookkeeping (socket(7), SO_RCVBUF).
            Ok(reported) if reported / 2 < UDP_RECEIVE_BUFFER => log::info!(
                "udp:{addr}: receive buffer is {} bytes, below the {UDP_RECEIVE_BUFFER} asked for; raise the cap with sysctl -w net.core.rmem_max={UDP_RECEIVE_BUFFER}",
                reported / 2
            ),
            Ok(reported) => log::debug!("udp:{addr}: receive buffer is {} bytes", reported / 2),
            Err(error) => log::debug!("udp:{addr}: cannot read the receive buffer size: {error}"),
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use std::io;
    use std::net::{SocketAddr, TcpListener, UdpSocket};

    pub fn udp_dual_stack(_: SocketAddr) -> Option<io::Result<UdpSocket>> {
        None
    }

    pub fn tcp_dual_stack(_: SocketAddr) -> Option<io::Result<TcpListener>> {
        None
    }

    /// std has no setter for SO_RCVBUF; the platform default applies.
    pub fn grow_receive_buffer(_: &UdpSocket, _: SocketAddr) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_addresses_and_ports() {
        let v4: SocketAddr = "127.0.0.1:5514".parse().unwrap();
        assert_eq!("127.0.0.1:5514".parse(), Ok(ListenAddr::Socket(v4)));
        assert_eq!("5514".parse(), Ok(ListenAddr::AllAddresses(5514)));
        let v6: SocketAddr = "[::1]:0".parse().unwrap();
        assert_eq!("[::1]:0".parse(), Ok(ListenAddr::Socket(v6)));
        assert!("localhost:514".parse::<ListenAddr>().is_err());
        assert!("70000".parse::<ListenAddr>().is_err());
    }

    #[test]
    fn bind_error_suggests_fix() {
        let occupied = UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = occupied.local_addr().unwrap();
        let error = bind_udp(ListenAddr::Socket(addr)).unwrap_err();
        let message = error.to_string();
        assert!(message.contains(&addr.to_string()), "{message}");
        assert!(message.contains("--udp 127.0.0.1:5514"), "{message}");
    }

    #[test]
    fn all_addresses_bind_reports_port() {
        let sockets = bind_tcp(ListenAddr::AllAddresses(0)).unwrap();
        assert!(!sockets.is_empty());
        assert!(sockets.iter().all(|bound| bound.addr.port() != 0));
    }

    #[test]
    fn all_addresses_receive_ipv4() {
        let sockets = bind_udp(ListenAddr::AllAddresses(0)).unwrap();
        let receiver = &sockets[0];
        let target = SocketAddr::new(Ipv4Addr::LOCALHOST.into(), receiver.addr.port());
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        sender.send_to(b"over ipv4", target).unwrap();
        receiver
            .socket
            .set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .unwrap();
        let mut buffer = [0u8; 64];
        let (length, _) = receiver.socket.recv_from(&mut buffer).unwrap();
        assert_eq!(&buffer[..length], b"over ipv4");
    }
}
