//! A stand-in collector for testing the image pipeline: binds UDP 514 and
//! TCP 8080 with std::net, counts datagrams, and answers every HTTP
//! request with `{"stored":N}`.

use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

fn main() {
    let udp = UdpSocket::bind("0.0.0.0:514").expect("bind UDP 514");
    let http = TcpListener::bind("0.0.0.0:8080").expect("bind TCP 8080");
    eprintln!("image_probe listening on udp/514 and tcp/8080");
    let stored = Arc::new(AtomicU64::new(0));

    let counter = Arc::clone(&stored);
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while udp.recv_from(&mut buf).is_ok() {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });

    for stream in http.incoming() {
        let Ok(mut stream) = stream else { continue };
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request);
        let body = format!("{{\"stored\":{}}}", stored.load(Ordering::Relaxed));
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
            body.len(),
            body
        );
    }
}
