//! `wasmicro bench-serve`: throughput and latency of `/embed` against a server it starts itself.

#[derive(clap::Args, Clone, Debug)]
pub struct BenchServeArgs {}

pub fn bench_serve(_args: BenchServeArgs) -> Result<(), String> {
    Err("not yet".into())
}
