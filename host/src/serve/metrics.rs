//! Counters and histograms in Prometheus' text exposition format, written by hand.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

const LATENCY_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];
const BATCH_BUCKETS: [f64; 9] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0];

#[derive(Default, Clone)]
struct Histogram {
    /// Cumulative counts per upper bound, as Prometheus wants them.
    buckets: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, bounds: &[f64], value: f64) {
        if self.buckets.len() != bounds.len() {
            self.buckets = vec![0; bounds.len()];
        }
        for (bucket, bound) in self.buckets.iter_mut().zip(bounds) {
            if value <= *bound {
                *bucket += 1;
            }
        }
        self.sum += value;
        self.count += 1;
    }

    fn write(&self, out: &mut String, name: &str, labels: &str, bounds: &[f64]) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, bound) in bounds.iter().enumerate() {
            let n = self.buckets.get(i).copied().unwrap_or(0);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {n}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}", self.count);
        let braces = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, u16), u64>,
    errors: BTreeMap<&'static str, u64>,
    latency: BTreeMap<String, Histogram>,
    batch_sizes: Histogram,
    queue_depth: usize,
    abandoned: u64,
    recycled: u64,
    streams_cancelled: u64,
}

/// The server's metrics; every method takes `&self` (one lock, held for a few additions).
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        f(&mut self.inner.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn observe_request(&self, route: &str, status: u16, error_type: Option<&'static str>, elapsed: Duration) {
        self.with(|m| {
            *m.requests.entry((route.to_owned(), status)).or_default() += 1;
            if let Some(kind) = error_type {
                *m.errors.entry(kind).or_default() += 1;
            }
            m.latency.entry(route.to_owned()).or_default().observe(&LATENCY_BUCKETS, elapsed.as_secs_f64());
        });
    }

    pub fn observe_batch(&self, texts: usize) {
        self.with(|m| m.batch_sizes.observe(&BATCH_BUCKETS, texts as f64));
    }

    pub fn set_queue_depth(&self, depth: usize) {
        self.with(|m| m.queue_depth = depth);
    }

    pub fn count_abandoned(&self) {
        self.with(|m| m.abandoned += 1);
    }

    pub fn count_recycled(&self) {
        self.with(|m| m.recycled += 1);
    }

    pub fn count_stream_cancelled(&self) {
        self.with(|m| m.streams_cancelled += 1);
    }

    pub fn render(&self, healthy_instances: usize, instances: usize, in_flight: usize) -> String {
        self.with(|m| {
            let mut out = String::new();
            out.push_str("# HELP wasmicro_requests_total HTTP requests by route and status.\n");
            out.push_str("# TYPE wasmicro_requests_total counter\n");
            for ((route, status), n) in &m.requests {
                let _ = writeln!(out, "wasmicro_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}");
            }
            out.push_str("# HELP wasmicro_errors_total Error answers by error_type.\n");
            out.push_str("# TYPE wasmicro_errors_total counter\n");
            for (kind, n) in &m.errors {
                let _ = writeln!(out, "wasmicro_errors_total{{error_type=\"{kind}\"}} {n}");
            }
            out.push_str("# HELP wasmicro_request_duration_seconds Time from request to answer, by route.\n");
            out.push_str("# TYPE wasmicro_request_duration_seconds histogram\n");
            for (route, histogram) in &m.latency {
                histogram.write(
                    &mut out,
                    "wasmicro_request_duration_seconds",
                    &format!("route=\"{route}\""),
                    &LATENCY_BUCKETS,
                );
            }
            out.push_str("# HELP wasmicro_batch_size Texts per embedding call (dynamic batching).\n");
            out.push_str("# TYPE wasmicro_batch_size histogram\n");
            m.batch_sizes.write(&mut out, "wasmicro_batch_size", "", &BATCH_BUCKETS);
            out.push_str("# HELP wasmicro_queue_depth Requests waiting for an instance.\n");
            out.push_str("# TYPE wasmicro_queue_depth gauge\n");
            let _ = writeln!(out, "wasmicro_queue_depth {}", m.queue_depth);
            out.push_str("# HELP wasmicro_requests_in_flight Requests being answered (this one included).\n");
            out.push_str("# TYPE wasmicro_requests_in_flight gauge\n");
            let _ = writeln!(out, "wasmicro_requests_in_flight {in_flight}");
            out.push_str("# HELP wasmicro_abandoned_total Queued requests dropped because the client left.\n");
            out.push_str("# TYPE wasmicro_abandoned_total counter\n");
            let _ = writeln!(out, "wasmicro_abandoned_total {}", m.abandoned);
            out.push_str("# HELP wasmicro_instances_recycled_total Instances rebuilt after a trap or a deadline.\n");
            out.push_str("# TYPE wasmicro_instances_recycled_total counter\n");
            let _ = writeln!(out, "wasmicro_instances_recycled_total {}", m.recycled);
            out.push_str("# HELP wasmicro_streams_cancelled_total Generations stopped because the client left.\n");
            out.push_str("# TYPE wasmicro_streams_cancelled_total counter\n");
            let _ = writeln!(out, "wasmicro_streams_cancelled_total {}", m.streams_cancelled);
            out.push_str("# HELP wasmicro_instances Instances ready to serve, and configured.\n");
            out.push_str("# TYPE wasmicro_instances gauge\n");
            let _ = writeln!(out, "wasmicro_instances{{state=\"healthy\"}} {healthy_instances}");
            let _ = writeln!(out, "wasmicro_instances{{state=\"configured\"}} {instances}");
            out
        })
    }
}
