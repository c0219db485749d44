//! A bump allocator over a static buffer in `.bss`.
//!
//! The loader allocates a few kilobytes (the device tree) and never frees,
//! and everything it allocates must stay below the kernel image, which a
//! static buffer guarantees.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicUsize, Ordering};

const HEAP_SIZE: usize = 256 * 1024;

#[repr(C, align(4096))]
struct Heap(UnsafeCell<[u8; HEAP_SIZE]>);

// SAFETY: the loader runs on one CPU, and `next` hands out disjoint ranges.
unsafe impl Sync for Heap {}

struct BumpAllocator {
    heap: Heap,
    next: AtomicUsize,
}

unsafe impl GlobalAlloc for BumpAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = self.heap.0.get() as usize;
        let mut result = core::ptr::null_mut();
        let _ = self
            .next
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                let start = (base + offset).next_multiple_of(layout.align()) - base;
                let end = start.checked_add(layout.size())?;
                if end > HEAP_SIZE {
                    return None;
                }
                result = (base + start) as *mut u8;
                Some(end)
            });
        result
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}

#[global_allocator]
static ALLOCATOR: BumpAllocator = BumpAllocator {
    heap: Heap(UnsafeCell::new([0; HEAP_SIZE])),
    next: AtomicUsize::new(0),
};
