//! A global allocator that counts the bytes each thread holds, for tests that check that
//! rejecting a hostile input allocates little. A test binary opts in with
//! `#[global_allocator] static ALLOCATOR: CountingAllocator = CountingAllocator;`.
//! Counts are per thread, so tests running in parallel do not disturb each other.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    static LIVE_BYTES: Cell<usize> = const { Cell::new(0) };
    static PEAK_BYTES: Cell<usize> = const { Cell::new(0) };
}

/// Wraps `System` and counts, per thread, the bytes in use and their peak.
pub struct CountingAllocator;

// SAFETY: every call forwards to `System` with the same arguments. The counters are
// thread-local `Cell`s with const initializers, which never allocate.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = System.alloc(layout);
        if !pointer.is_null() {
            count_allocation(layout.size());
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        System.dealloc(pointer, layout);
        count_release(layout.size());
    }

    unsafe fn realloc(&self, pointer: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let moved = System.realloc(pointer, layout, new_size);
        if !moved.is_null() {
            count_release(layout.size());
            count_allocation(new_size);
        }
        moved
    }
}

fn count_allocation(size: usize) {
    let _ = LIVE_BYTES.try_with(|live| {
        let now = live.get() + size;
        live.set(now);
        let _ = PEAK_BYTES.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn count_release(size: usize) {
    let _ = LIVE_BYTES.try_with(|live| live.set(live.get().saturating_sub(size)));
}

/// Runs `work` and returns its result with the peak of bytes it held at once on this thread.
pub fn peak_allocation<T>(work: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE_BYTES.with(Cell::get);
    PEAK_BYTES.with(|peak| peak.set(base));
    let result = work();
    let peak = PEAK_BYTES.with(Cell::get);
    (result, peak.saturating_sub(base))
}
