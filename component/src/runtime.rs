//! What the standard library gave the component, provided without it.
//!
//! On wasm32 the component is `no_std` (`alloc` only). std for wasm32-wasip2 costs ~23 KB of
//! the component for things it never needs: the panic hook with its message formatting, the
//! stderr writer and the WASI imports behind them. In their place:
//!
//! - A panic traps, as `panic = "abort"` did after printing its message to a stderr no host
//!   shows. None is reachable from input by design (see `bindings.rs`).
//! - The allocator is `heap.rs`'s, in place of the wasi-libc `malloc` std used (`heap.rs`
//!   says why).
//! - `cabi_realloc`, the canonical ABI's allocation export, which std exported before.

use crate::heap::{Heap, Memory, WASM_PAGE};
use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

// wasi-libc still provides `memcpy`, `memset` and `memcmp` (its `malloc` goes unused and is
// left out by the linker).
#[link(name = "c")]
unsafe extern "C" {}

/// Linear memory 0, the one the component has.
struct LinearMemory;

impl Memory for LinearMemory {
    fn base(&self) -> usize {
        unsafe extern "C" {
            static __heap_base: u8;
        }
        core::ptr::addr_of!(__heap_base) as usize
    }

    fn end(&self) -> usize {
        core::arch::wasm32::memory_size(0) * WASM_PAGE
    }

    fn grow(&mut self, pages: usize) -> bool {
        // Below 4 GiB, so that `end` stays an address.
        core::arch::wasm32::memory_size(0) + pages < 1 << 16 && core::arch::wasm32::memory_grow(0, pages) != usize::MAX
    }
}

struct Allocator(UnsafeCell<Heap<LinearMemory>>);

// SAFETY: an instance runs one thread.
unsafe impl Sync for Allocator {}

unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { (*self.0.get()).alloc(layout.size(), layout.align()) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { (*self.0.get()).dealloc(ptr, layout.size(), layout.align()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe { (*self.0.get()).realloc(ptr, layout.size(), layout.align(), new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Allocator = Allocator(UnsafeCell::new(Heap::new(LinearMemory)));

/// The canonical ABI's allocator: the host calls it to place arguments (a model's files) in
/// linear memory. Same contract and body as std's and wit-bindgen's.
///
/// # Safety
/// `old_ptr`/`old_len`/`align` describe a live allocation (or `old_len` is 0), as the
/// canonical ABI guarantees.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cabi_realloc(old_ptr: *mut u8, old_len: usize, align: usize, new_len: usize) -> *mut u8 {
    let ptr = unsafe {
        if old_len == 0 {
            if new_len == 0 {
                return align as *mut u8;
            }
            alloc::alloc::alloc(Layout::from_size_align_unchecked(new_len, align))
        } else {
            alloc::alloc::realloc(old_ptr, Layout::from_size_align_unchecked(old_len, align), new_len)
        }
    };
    if ptr.is_null() {
        core::arch::wasm32::unreachable();
    }
    ptr
}
