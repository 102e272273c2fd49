//! The timing loop of the kernel benchmarks (`#[path]`-included by each example).

use std::time::Instant;

/// Best of `runs` timings of `f`, in seconds.
pub fn best_seconds(runs: usize, mut f: impl FnMut()) -> f64 {
    // Called through an opaque pointer, so that the kernel is its own wasm function: V8 moves a
    // function to its optimising tier at its next call (there is no on-stack replacement), so a
    // kernel inlined into `main`, which is called once, was timed in the baseline tier (the
    // attention P·V shape ran 3× slower in V8 than in the model).
    let f: &mut dyn FnMut() = std::hint::black_box(&mut f);
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}
