//! The collector shell: sockets, threads and shutdown around the core.
//!
//! Every receiver is a function that takes an already bound socket, the
//! shared [`Collector`] and a [`Shutdown`], so tests bind `127.0.0.1:0`
//! and run the real code in-process.

pub mod collector;
pub mod shutdown;
pub mod throttle;
pub mod udp;

pub use collector::Collector;
pub use shutdown::Shutdown;
