//! logkeep: a syslog collector that boots as its own unikernel.
//!
//! The crate is `#![no_std]` with `alloc` unless the `std` feature is on, so
//! the message model, parsers, store, query and HTTP handling carry to any
//! kernel that offers an allocator. Only the collector shell and the command line need
//! `std`; Hermit provides std, so the same shell runs hosted and in the image.
//!
//! Untrusted bytes go through [`parse::parse`], which borrows them and never
//! fails: input that matches no grammar becomes an `unparsed` message.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod event;
pub mod framing;
pub mod http;
pub mod json;
pub mod parse;
pub mod query;
pub mod stats;
pub mod store;

#[cfg(feature = "std")]
pub mod send;
#[cfg(feature = "std")]
pub mod server;
