//! What the standard library gave the component, provided without it.
//!
//! On wasm32 the component is `no_std` (`alloc` only). std for wasm32-wasip2 costs ~23 KB of
//! the component for things it never needs: the panic hook with its message formatting, the
//! stderr writer and the WASI imports behind them. Nothing else changes:
//!
//! - A panic traps, as `panic = "abort"` did after printing its message to a stderr no host
//!   shows. None is reachable from input by design (see `bindings.rs`).
//! - The allocator is the one std's `System` used, wasi-libc's `malloc`, called exactly as std
//!   calls it, so memory use is unchanged (the weights `Vec` is not rounded up).
//! - `cabi_realloc`, the canonical ABI's allocation export, which std exported before.

use core::alloc::{GlobalAlloc, Layout};

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

#[link(name = "c")]
unsafe extern "C" {
    fn malloc(size: usize) -> *mut u8;
    fn calloc(count: usize, size: usize) -> *mut u8;
    fn aligned_alloc(align: usize, size: usize) -> *mut u8;
    fn realloc(ptr: *mut u8, size: usize) -> *mut u8;
    fn free(ptr: *mut u8);
}

/// The alignment wasi-libc's `malloc` guarantees, as std assumes it for wasm32.
const MIN_ALIGN: usize = 8;

/// std's `System` for WASI, restated.
struct System;

unsafe impl GlobalAlloc for System {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe {
            if layout.align() <= MIN_ALIGN && layout.align() <= layout.size() {
                malloc(layout.size())
            } else {
                aligned_alloc(layout.align(), layout.size())
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        unsafe {
            if layout.align() <= MIN_ALIGN && layout.align() <= layout.size() {
                calloc(layout.size(), 1)
            } else {
                let ptr = self.alloc(layout);
                if !ptr.is_null() {
                    core::ptr::write_bytes(ptr, 0, layout.size());
                }
                ptr
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        unsafe { free(ptr) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        unsafe {
            if layout.align() <= MIN_ALIGN && layout.align() <= new_size {
                realloc(ptr, new_size)
            } else {
                let new = self.alloc(Layout::from_size_align_unchecked(new_size, layout.align()));
                if !new.is_null() {
                    core::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                    free(ptr);
                }
                new
            }
        }
    }
}

#[global_allocator]
static ALLOCATOR: System = System;

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
