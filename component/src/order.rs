//! The component's one sort. Every sort in the engine goes through `sorted_indices`: a
//! bottom-up merge sort of indices, written out because the standard library's sort costs
//! ~4 KB of wasm per instantiation and this one a few hundred bytes, once.

use alloc::vec;
use alloc::vec::Vec;
use core::cmp::Ordering;

/// Indices `0..n` ordered by `cmp`, stably (equal items keep their order). O(n log n)
/// comparisons, like the standard library's sorts.
pub fn sorted_indices(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<u32> {
    let mut from = vec![0u32; n];
    for (i, slot) in from.iter_mut().enumerate() {
        *slot = i as u32;
    }
    let mut into = vec![0u32; n];
    let mut width = 1;
    while width < n {
        // Merge neighbouring sorted runs of `width` from `from` into `into`.
        let mut start = 0;
        while start < n {
            let middle = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut left, mut right) = (start, middle);
            for slot in &mut into[start..end] {
                // The left run wins ties, which keeps the sort stable.
                let take_right =
                    right < end && (left == middle || cmp(from[right] as usize, from[left] as usize) == Ordering::Less);
                if take_right {
                    *slot = from[right];
                    right += 1;
                } else {
                    *slot = from[left];
                    left += 1;
                }
            }
            start = end;
        }
        core::mem::swap(&mut from, &mut into);
        width *= 2;
    }
    from
}

/// Reorders `items` by `cmp`.
pub fn sort_by<T>(items: &mut [T], cmp: &dyn Fn(&T, &T) -> Ordering) {
    let mut order = sorted_indices(items.len(), &|a, b| cmp(&items[a], &items[b]));
    // Position k takes the item at order[k]: follow each cycle of the permutation with swaps,
    // marking placed positions as fixed points (no second Vec, and little code per `T`).
    for start in 0..order.len() {
        let mut k = start;
        loop {
            let from = order[k] as usize;
            order[k] = k as u32;
            if from == start {
                break;
            }
            items.swap(k, from);
            k = from;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sorts_by_the_comparator() {
        let mut v = vec![3, 1, 2, 5, 4];
        super::sort_by(&mut v, &|a, b| b.cmp(a));
        assert_eq!(v, [5, 4, 3, 2, 1]);
    }

    #[test]
    fn sorted_indices_is_a_stable_sort() {
        let mut state = 777u32;
        for n in 0..300usize {
            let keys: Vec<u32> = (0..n)
                .map(|_| {
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (state >> 16) % 13
                })
                .collect();
            let order = super::sorted_indices(n, &|a, b| keys[a].cmp(&keys[b]));
            let mut expected: Vec<u32> = (0..n as u32).collect();
            expected.sort_by_key(|&i| keys[i as usize]);
            assert_eq!(order, expected);
        }
    }

    #[test]
    fn sort_by_applies_every_permutation_cycle() {
        let mut state = 12345u32;
        for n in 0..200usize {
            let values: Vec<u32> = (0..n)
                .map(|_| {
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    state >> 20
                })
                .collect();
            let mut sorted: Vec<(u32, String)> = values.iter().map(|&v| (v, v.to_string())).collect();
            super::sort_by(&mut sorted, &|a, b| a.0.cmp(&b.0));
            let mut expected = values.clone();
            expected.sort();
            assert_eq!(sorted.iter().map(|p| p.0).collect::<Vec<_>>(), expected);
            assert!(sorted.iter().all(|(v, s)| v.to_string() == *s));
        }
    }
}
