//! Store tests: explicit edge cases, then the ring buffer checked against a
//! `VecDeque` model with proptest.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::event::Format;

fn event(message: &str) -> Event {
    Event {
        id: 0,
        received_at: None,
        source: None,
        format: Format::Unparsed,
        facility: None,
        severity: None,
        timestamp: None,
        hostname: None,
        app_name: None,
        procid: None,
        msgid: None,
        structured_data: Vec::new(),
        message: String::from(message),
        bom: false,
        parse_error: None,
        raw: message.as_bytes().to_vec(),
    }
}

fn ids(store: &Store) -> Vec<u64> {
    store.iter().map(|event| event.id).collect()
}

fn scanned(store: &Store, order: Order, after: Option<u64>) -> Vec<u64> {
    let mut seen = Vec::new();
    store.scan(order, after, &mut |event| {
        seen.push(event.id);
        ControlFlow::Continue(())
    });
    seen
}

#[test]
fn zero_capacity_drops_everything() {
    let mut store = Store::new(0);
    let size = charge(&event(""));
    assert_eq!(store.push(event("")), Push::TooLarge { size });
    assert_eq!(store.len(), 0);
    assert_eq!(store.bytes(), 0);
    assert!(store.is_full());
    assert_eq!(store.status().dropped, 1);
    assert_eq!(store.status().evicted, 0);
}

#[test]
fn event_larger_than_capacity_is_dropped() {
    let small = charge(&event("a"));
    let mut store = Store::new(small * 2);
    assert_eq!(store.push(event("a")), Push::Stored { id: 1, evicted: 0 });
    let big = "x".repeat(small * 2);
    assert!(matches!(store.push(event(&big)), Push::TooLarge { .. }));
    // The stored event stays: dropping the large one evicts nothing.
    assert_eq!(ids(&store), [1]);
    assert_eq!(store.status().dropped, 1);
    assert_eq!(store.status().evicted, 0);
}

#[test]
fn wrap_around_evicts_oldest_first() {
    let size = charge(&event("abc"));
    let mut store = Store::new(size * 3);
    for _ in 0..3 {
        store.push(event("abc"));
    }
    assert_eq!(store.bytes(), size * 3);
    assert!(store.is_full());
    assert_eq!(store.push(event("abc")), Push::Stored { id: 4, evicted: 1 });
    assert_eq!(ids(&store), [2, 3, 4]);
    for _ in 0..10 {
        store.push(event("abc"));
    }
    assert_eq!(ids(&store), [12, 13, 14]);
    assert_eq!(store.status().evicted, 11);
    assert_eq!(store.bytes(), size * 3);
}

#[test]
fn larger_event_evicts_several() {
    let size = charge(&event("a"));
    let mut store = Store::new(size * 4);
    for _ in 0..4 {
        store.push(event("a"));
    }
    // The message and the raw bytes both count: about 2.5 slots.
    let big = "b".repeat(size * 3 / 4);
    let pushed = store.push(event(&big));
    assert!(matches!(pushed, Push::Stored { id: 5, evicted: 3 }));
    assert_eq!(ids(&store), [4, 5]);
}

#[test]
fn scan_resumes_after_evicted_cursor() {
    let size = charge(&event("a"));
    let mut store = Store::new(size * 3);
    for _ in 0..6 {
        store.push(event("a"));
    }
    assert_eq!(ids(&store), [4, 5, 6]);
    // Ids 1 to 3 are gone; the cursor still finds its place.
    assert_eq!(scanned(&store, Order::Asc, Some(2)), [4, 5, 6]);
    assert_eq!(scanned(&store, Order::Asc, Some(5)), [6]);
    assert_eq!(scanned(&store, Order::Desc, Some(2)), Vec::<u64>::new());
    assert_eq!(scanned(&store, Order::Desc, Some(6)), [5, 4]);
    assert_eq!(scanned(&store, Order::Desc, Some(100)), [6, 5, 4]);
    assert_eq!(scanned(&store, Order::Desc, None), [6, 5, 4]);
}

#[test]
fn scan_chunk_returns_resume_point() {
    let mut store = Store::new(1 << 20);
    for _ in 0..5 {
        store.push(event("a"));
    }
    let mut seen = Vec::new();
    let mut visit = |event: &Arc<Event>| {
        seen.push(event.id);
        ControlFlow::Continue(())
    };
    assert_eq!(store.scan_chunk(Order::Asc, None, 2, &mut visit), Some(2));
    assert_eq!(
        store.scan_chunk(Order::Asc, Some(2), 2, &mut visit),
        Some(4)
    );
    assert_eq!(store.scan_chunk(Order::Asc, Some(4), 2, &mut visit), None);
    assert_eq!(seen, [1, 2, 3, 4, 5]);
}

#[test]
fn parse_size_units() {
    assert_eq!(parse_size("65536"), Ok(65536));
    assert_eq!(parse_size("512KiB"), Ok(512 * 1024));
    assert_eq!(parse_size("64MiB"), Ok(64 << 20));
    assert_eq!(parse_size("64mib"), Ok(64 << 20));
    assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
    assert_eq!(parse_size("2 G"), Ok(2 << 30));
    assert_eq!(parse_size("0"), Ok(0));
    assert_eq!(parse_size("MiB"), Err(SizeError::Invalid));
    assert_eq!(parse_size("12 parsecs"), Err(SizeError::Invalid));
    assert_eq!(parse_size("-1"), Err(SizeError::Invalid));
    assert_eq!(
        parse_size("99999999999999999999GiB"),
        Err(SizeError::TooLarge)
    );
}

/// The reference: a deque of (id, charge) evicted by a plain loop.
struct Model {
    events: VecDeque<(u64, usize)>,
    capacity: usize,
    bytes: usize,
    next_id: u64,
    evicted: u64,
    dropped: u64,
}

impl Model {
    fn push(&mut self, size: usize) {
        if size > self.capacity {
            self.dropped += 1;
            return;
        }
        while self.bytes + size > self.capacity {
            let (_, oldest) = self.events.pop_front().unwrap();
            self.bytes -= oldest;
            self.evicted += 1;
        }
        self.events.push_back((self.next_id, size));
        self.next_id += 1;
        self.bytes += size;
    }
}

proptest! {
    #[test]
    fn store_matches_deque_model(
        capacity_events in 0usize..8,
        lengths in proptest::collection::vec(0usize..600, 0..60),
        cursor in 0u64..70,
    ) {
        let capacity = capacity_events * charge(&event("")) + capacity_events * 100;
        let mut store = Store::new(capacity);
        let mut model = Model {
            events: VecDeque::new(),
            capacity,
            bytes: 0,
            next_id: 1,
            evicted: 0,
            dropped: 0,
        };
        for length in lengths {
            let message = "m".repeat(length);
            let next = event(&message);
            model.push(charge(&next));
            store.push(next);

            let model_ids: Vec<u64> = model.events.iter().map(|(id, _)| *id).collect();
            prop_assert_eq!(ids(&store), model_ids);
            prop_assert_eq!(store.bytes(), model.bytes);
            prop_assert!(store.bytes() <= store.capacity());
            prop_assert_eq!(store.status().evicted, model.evicted);
            prop_assert_eq!(store.status().dropped, model.dropped);
        }

        let ascending: Vec<u64> = model
            .events
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| *id > cursor)
            .collect();
        prop_assert_eq!(scanned(&store, Order::Asc, Some(cursor)), ascending);
        let descending: Vec<u64> = model
            .events
            .iter()
            .rev()
            .map(|(id, _)| *id)
            .filter(|id| *id < cursor)
            .collect();
        prop_assert_eq!(scanned(&store, Order::Desc, Some(cursor)), descending);
    }
}
