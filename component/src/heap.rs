//! The component's memory allocator, in place of wasi-libc's dlmalloc.
//!
//! dlmalloc and its helpers were ~12 KB of the core module (before `wasm-opt`), mostly for what
//! Rust never asks of an allocator: finding a block's size from its pointer (Rust passes the
//! size to `dealloc`). This one took the component from 255,728 to 246,564 bytes, with the
//! same speed and within 1% of the same peak memory (README, *Size*). It is two free lists,
//! which the size Rust passes back makes header-free:
//!
//! - **Small blocks** (up to [`MAX_SMALL`] bytes): a free list per power-of-two class from 16
//!   bytes, refilled [`RUN`] bytes at a time from the large blocks. A block of a class is
//!   aligned to its size, so any alignment up to the size is met. Runs stay with their class:
//!   the many small allocations of a tokenizer's vocabulary come back, on the next model's
//!   load, from the lists they went to.
//! - **Large blocks** (multiples of [`PAGE`] bytes, aligned to it): one list of free blocks in
//!   address order, first fit, merged with free neighbours when freed. Above them lies the
//!   never-used (or given back) rest of memory, from which a block no free one fits is cut,
//!   growing memory by just what it lacks (hosts cap memory: Workers at 128 MB). A disposed
//!   model's blocks thus merge into one run for the next model's files: the JS package reuses
//!   an instance for the next `load`, and its memory does not grow.
//!
//! An alignment above [`PAGE`] gets null (an allocation error); nothing here asks for one.
//!
//! One instance runs one thread: the heap is a plain `struct` behind an `UnsafeCell`.

/// Large blocks' unit and alignment: the largest small class, so that runs cut at it keep every
/// small block aligned to its size, and a large block wastes less than 2 KB.
pub const PAGE: usize = MAX_SMALL;
/// The largest small block (classes 16, 32, …, 2048 bytes).
pub const MAX_SMALL: usize = 2048;
/// Bytes taken from the large blocks to refill a class's list.
pub const RUN: usize = 16 * 1024;
const MIN_CLASS_BITS: u32 = 4;
const CLASSES: usize = (MAX_SMALL.trailing_zeros() - MIN_CLASS_BITS + 1) as usize;
/// WebAssembly's page.
pub const WASM_PAGE: usize = 65536;

/// Linear memory as the heap sees it.
pub trait Memory {
    /// Where the heap may start (the linker's `__heap_base`).
    fn base(&self) -> usize;
    /// The end of memory, a multiple of [`WASM_PAGE`].
    fn end(&self) -> usize;
    /// Adds `pages` pages of [`WASM_PAGE`] bytes at the end; false if memory cannot grow.
    fn grow(&mut self, pages: usize) -> bool;
}

/// The bytes a block for `size` bytes aligned to `align` takes; `None` past what memory can
/// hold or for an alignment above [`PAGE`].
pub fn block_size(size: usize, align: usize) -> Option<usize> {
    let size = size.max(align);
    if align > PAGE {
        None
    } else if size <= MAX_SMALL {
        Some(size.next_power_of_two().max(1 << MIN_CLASS_BITS))
    } else {
        size.checked_next_multiple_of(PAGE)
    }
}

pub struct Heap<M> {
    memory: M,
    /// Head of each class's free list (0: empty); each free block holds the next's address.
    small: [usize; CLASSES],
    /// Head of the free large blocks, in address order; each holds its size and the next's
    /// address.
    large: usize,
    /// The start of the never-used rest of memory, up to `memory.end()` (0 until first use).
    fresh: usize,
}

// Raw words of free blocks, at their addresses.
unsafe fn word(address: usize) -> *mut usize {
    address as *mut usize
}

unsafe fn next_field(block: usize) -> *mut usize {
    unsafe { word(block + core::mem::size_of::<usize>()) }
}

impl<M: Memory> Heap<M> {
    pub const fn new(memory: M) -> Self {
        Heap { memory, small: [0; CLASSES], large: 0, fresh: 0 }
    }

    /// A block of `size` bytes aligned to `align`, or null.
    ///
    /// # Safety
    /// The heap owns the memory from `memory.base()` on.
    pub unsafe fn alloc(&mut self, size: usize, align: usize) -> *mut u8 {
        let Some(block) = block_size(size, align) else { return core::ptr::null_mut() };
        unsafe {
            if block > MAX_SMALL {
                return self.take_large(block) as *mut u8;
            }
            let list = (block.trailing_zeros() - MIN_CLASS_BITS) as usize;
            if self.small[list] == 0 {
                let run = self.take_large(RUN);
                if run == 0 {
                    return core::ptr::null_mut();
                }
                // Pushed from the end, so that the list hands the run out in address order.
                for address in (run..run + RUN).step_by(block).rev() {
                    *word(address) = self.small[list];
                    self.small[list] = address;
                }
            }
            let address = self.small[list];
            self.small[list] = *word(address);
            address as *mut u8
        }
    }

    /// Frees a block `alloc(size, align)` returned.
    ///
    /// # Safety
    /// `ptr` came from `alloc` or `realloc` of this heap with this size and alignment.
    pub unsafe fn dealloc(&mut self, ptr: *mut u8, size: usize, align: usize) {
        let Some(block) = block_size(size, align) else { return };
        let address = ptr as usize;
        unsafe {
            if block > MAX_SMALL {
                self.free_large(address, block);
            } else {
                let list = (block.trailing_zeros() - MIN_CLASS_BITS) as usize;
                *word(address) = self.small[list];
                self.small[list] = address;
            }
        }
    }

    /// `ptr`'s block resized to `new_size` bytes, moved if it must be (null if no memory is
    /// left, `ptr` then still valid). In place when the size's block does not change, when a
    /// large block shrinks, and when a large block grows into the fresh memory above it.
    ///
    /// # Safety
    /// As [`Heap::dealloc`], for the old size.
    pub unsafe fn realloc(&mut self, ptr: *mut u8, size: usize, align: usize, new_size: usize) -> *mut u8 {
        let (Some(old), Some(new)) = (block_size(size, align), block_size(new_size, align)) else {
            return core::ptr::null_mut();
        };
        let address = ptr as usize;
        unsafe {
            if old == new {
                return ptr;
            }
            if old > MAX_SMALL && new > MAX_SMALL {
                if new < old {
                    self.free_large(address + new, old - new);
                    return ptr;
                }
                if address + old == self.fresh && self.reserve_fresh(new - old) {
                    self.fresh += new - old;
                    return ptr;
                }
            }
            let moved = self.alloc(new_size, align);
            if !moved.is_null() {
                core::ptr::copy_nonoverlapping(ptr, moved, size.min(new_size));
                self.dealloc(ptr, size, align);
            }
            moved
        }
    }

    /// Makes `bytes` of fresh memory available above `fresh`, growing memory if needed.
    fn reserve_fresh(&mut self, bytes: usize) -> bool {
        if self.fresh == 0 {
            self.fresh = self.memory.base().next_multiple_of(PAGE);
        }
        let end = self.memory.end();
        let Some(needed) = self.fresh.checked_add(bytes) else { return false };
        needed <= end || self.memory.grow((needed - end).div_ceil(WASM_PAGE))
    }

    /// First fit among the free large blocks, else the fresh memory: the address of a block of
    /// `bytes` (a multiple of [`PAGE`]), or 0.
    unsafe fn take_large(&mut self, bytes: usize) -> usize {
        unsafe {
            let mut link: *mut usize = &mut self.large;
            while *link != 0 {
                let block = *link;
                let size = *word(block);
                if size >= bytes {
                    if size == bytes {
                        *link = *next_field(block);
                    } else {
                        let rest = block + bytes;
                        *word(rest) = size - bytes;
                        *next_field(rest) = *next_field(block);
                        *link = rest;
                    }
                    return block;
                }
                link = next_field(block);
            }
            if !self.reserve_fresh(bytes) {
                return 0;
            }
            let block = self.fresh;
            self.fresh += bytes;
            block
        }
    }

    /// Returns a large block (or a block's tail) to the list, merged with free neighbours; one
    /// that ends at the fresh memory becomes fresh memory again.
    unsafe fn free_large(&mut self, address: usize, bytes: usize) {
        unsafe {
            let mut link: *mut usize = &mut self.large;
            let mut previous_link: *mut usize = core::ptr::null_mut();
            while *link != 0 && *link < address {
                previous_link = link;
                link = next_field(*link);
            }
            let (mut start, mut end, mut after) = (address, address + bytes, *link);
            if after != 0 && after == end {
                end += *word(after);
                after = *next_field(after);
            }
            if !previous_link.is_null() {
                let previous = *previous_link;
                if previous + *word(previous) == start {
                    start = previous;
                    link = previous_link;
                }
            }
            if end == self.fresh {
                self.fresh = start;
                *link = 0;
                return;
            }
            *word(start) = end - start;
            *next_field(start) = after;
            *link = start;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// Memory of a `Vec`, its "pages" aligned as wasm's are.
    struct Arena {
        _bytes: Vec<u8>,
        start: usize,
        pages: usize,
        max_pages: usize,
    }

    impl Arena {
        fn new(pages: usize, max_pages: usize) -> Self {
            let bytes = alloc::vec![0u8; (max_pages + 1) * WASM_PAGE];
            let start = (bytes.as_ptr() as usize).next_multiple_of(WASM_PAGE);
            Arena { _bytes: bytes, start, pages, max_pages }
        }
    }

    impl Memory for Arena {
        fn base(&self) -> usize {
            // Where a linker would put it: past some static data, not aligned.
            self.start + 1234
        }
        fn end(&self) -> usize {
            self.start + self.pages * WASM_PAGE
        }
        fn grow(&mut self, pages: usize) -> bool {
            if self.pages + pages > self.max_pages {
                return false;
            }
            self.pages += pages;
            true
        }
    }

    fn heap(max_pages: usize) -> Heap<Arena> {
        Heap::new(Arena::new(1, max_pages))
    }

    #[test]
    fn blocks_are_powers_of_two_up_to_2048_then_whole_pages() {
        assert_eq!(block_size(1, 1), Some(16));
        assert_eq!(block_size(17, 8), Some(32));
        assert_eq!(block_size(2048, 1), Some(2048));
        assert_eq!(block_size(2049, 1), Some(4096));
        assert_eq!(block_size(3, 64), Some(64));
        assert_eq!(block_size(1, PAGE * 2), None);
        assert_eq!(block_size(usize::MAX - 5, 1), None);
    }

    /// A deterministic mix of allocations, frees and resizes; every live block keeps a byte
    /// pattern of its own, checked before it is freed, so overlapping blocks would show.
    #[test]
    fn live_blocks_never_overlap_and_keep_their_bytes_and_alignment() {
        let mut heap = heap(512);
        let mut live: Vec<(*mut u8, usize, usize, u8)> = Vec::new();
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let check = |&(ptr, size, _, tag): &(*mut u8, usize, usize, u8)| {
            let bytes = unsafe { core::slice::from_raw_parts(ptr, size) };
            assert!(bytes.iter().all(|&b| b == tag), "a block's bytes changed");
        };
        for step in 0..20_000 {
            let r = next();
            if live.len() > 200 || (r % 3 == 0 && !live.is_empty()) {
                let i = (r as usize / 3) % live.len();
                let block = live.swap_remove(i);
                check(&block);
                if r % 2 == 0 {
                    unsafe { heap.dealloc(block.0, block.1, block.2) };
                } else {
                    let (ptr, size, align, tag) = block;
                    let new_size = 1 + (next() as usize % 70_000);
                    let moved = unsafe { heap.realloc(ptr, size, align, new_size) };
                    assert!(!moved.is_null());
                    let kept = unsafe { core::slice::from_raw_parts(moved, size.min(new_size)) };
                    assert!(kept.iter().all(|&b| b == tag), "realloc lost bytes");
                    unsafe { moved.write_bytes(tag, new_size) };
                    live.push((moved, new_size, align, tag));
                }
            } else {
                let size = match r % 4 {
                    0 => 1 + (r as usize >> 8) % 64,
                    1 => 1 + (r as usize >> 8) % 3000,
                    _ => 1 + (r as usize >> 8) % 100_000,
                };
                let align = 1 << ((r >> 40) % 7);
                let ptr = unsafe { heap.alloc(size, align) };
                assert!(!ptr.is_null());
                assert_eq!(ptr as usize % align, 0);
                assert!(ptr as usize >= heap.memory.base() && ptr as usize + size <= heap.memory.end());
                let tag = step as u8;
                unsafe { ptr.write_bytes(tag, size) };
                live.push((ptr, size, align, tag));
            }
        }
        for block in live.drain(..) {
            check(&block);
            unsafe { heap.dealloc(block.0, block.1, block.2) };
        }
        // Only the small runs stay taken: free blocks lie in address order, none touches
        // another or the fresh memory (they would have merged), and together with the runs
        // they cover every byte below the fresh memory.
        let mut free = 0;
        let mut block = heap.large;
        let mut previous_end = 0;
        while block != 0 {
            let size = unsafe { *word(block) };
            assert!(block > previous_end, "free blocks out of order or not merged");
            previous_end = block + size;
            free += size;
            block = unsafe { *next_field(block) };
        }
        assert!(previous_end < heap.fresh);
        let start = heap.memory.base().next_multiple_of(PAGE);
        assert_eq!((heap.fresh - start - free) % RUN, 0);
    }

    #[test]
    fn a_freed_large_block_is_reused_and_memory_does_not_grow_again() {
        let mut heap = heap(64);
        let files = unsafe { heap.alloc(1 << 20, 1) };
        let small = unsafe { heap.alloc(100, 8) };
        let weights = unsafe { heap.alloc(300_000, 16) };
        let end = heap.memory.end();
        unsafe {
            heap.dealloc(weights, 300_000, 16);
            heap.dealloc(files, 1 << 20, 1);
            heap.dealloc(small, 100, 8);
            assert_eq!(heap.alloc(1 << 20, 1), files);
            assert_eq!(heap.alloc(300_000, 16), weights);
        }
        assert_eq!(heap.memory.end(), end);
    }

    #[test]
    fn neighbours_merge_whatever_order_they_are_freed_in() {
        for order in [[0, 1, 2], [2, 1, 0], [0, 2, 1], [1, 0, 2]] {
            let mut heap = heap(64);
            let blocks: Vec<*mut u8> = (0..3).map(|_| unsafe { heap.alloc(5 * PAGE, 8) }).collect();
            let guard = unsafe { heap.alloc(PAGE, 8) };
            for i in order {
                unsafe { heap.dealloc(blocks[i], 5 * PAGE, 8) };
            }
            assert_eq!(unsafe { heap.alloc(15 * PAGE, 8) }, blocks[0], "freed in order {order:?}");
            unsafe { heap.dealloc(guard, PAGE, 8) };
        }
    }

    #[test]
    fn a_large_block_grows_in_place_into_fresh_memory_and_shrinks_in_place() {
        let mut heap = heap(64);
        unsafe {
            let a = heap.alloc(3 * PAGE, 1);
            a.write_bytes(7, 3 * PAGE);
            let grown = heap.realloc(a, 3 * PAGE, 1, 40 * PAGE);
            assert_eq!(grown, a);
            let shrunk = heap.realloc(grown, 40 * PAGE, 1, 2 * PAGE);
            assert_eq!(shrunk, a);
            assert_eq!(heap.fresh, a as usize + 2 * PAGE);
            assert!(core::slice::from_raw_parts(a, 2 * PAGE).iter().all(|&b| b == 7));
        }
    }

    #[test]
    fn exhausted_memory_gives_null_and_the_heap_stays_usable() {
        let mut heap = heap(4);
        unsafe {
            assert!(heap.alloc(10 * WASM_PAGE, 1).is_null());
            let a = heap.alloc(2 * WASM_PAGE, 1);
            assert!(!a.is_null());
            assert!(heap.realloc(a, 2 * WASM_PAGE, 1, 10 * WASM_PAGE).is_null());
            heap.dealloc(a, 2 * WASM_PAGE, 1);
            assert!(!heap.alloc(3 * WASM_PAGE, 1).is_null());
        }
    }
}
