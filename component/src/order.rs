//! The component's one sort. Every sort in the engine goes through `sorted_indices`, so the
//! standard library's sort is instantiated once (each instantiation costs ~4 KB of wasm).

use std::cmp::Ordering;

/// Indices `0..n` ordered by `cmp` (not stable; break ties in `cmp` where order matters).
pub fn sorted_indices(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<u32> {
    let mut indices: Vec<u32> = (0..n as u32).collect();
    indices.sort_unstable_by(|&a, &b| cmp(a as usize, b as usize));
    indices
}

/// Reorders `items` by `cmp`.
pub fn sort_by<T>(items: &mut Vec<T>, cmp: &dyn Fn(&T, &T) -> Ordering) {
    let order = sorted_indices(items.len(), &|a, b| cmp(&items[a], &items[b]));
    let mut slots: Vec<Option<T>> = std::mem::take(items).into_iter().map(Some).collect();
    items.extend(order.iter().filter_map(|&i| slots[i as usize].take()));
}

#[cfg(test)]
mod tests {
    #[test]
    fn sorts_by_the_comparator() {
        let mut v = vec![3, 1, 2, 5, 4];
        super::sort_by(&mut v, &|a, b| b.cmp(a));
        assert_eq!(v, [5, 4, 3, 2, 1]);
    }
}
