//! `wasmicro bench-serve`: throughput and latency of `/embed` at 1, 8 and 32 concurrent clients,
//! single texts and batches, against a server it starts itself on loopback.

use super::ServeArgs;
use clap::Parser;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The sentences `bench` times (committed, so every run measures the same work).
const SENTENCES: &str = include_str!("../../../fixtures/bench_sentences.txt");

#[derive(clap::Args, Clone, Debug)]
pub struct BenchServeArgs {
    /// Model directory. Default: $WASMICRO_MODEL, else all-MiniLM-L6-v2 in the cache.
    #[arg(long, short)]
    pub model: Option<String>,
    /// Instances of the server's pool (default: available cores, at most 4).
    #[arg(long)]
    pub instances: Option<usize>,
    /// Requests per measurement (each client sends its share, one at a time).
    #[arg(long, default_value_t = 256)]
    pub requests: usize,
    /// Texts per request in the batched measurements.
    #[arg(long, default_value_t = 8)]
    pub batch: usize,
    /// Client counts to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    pub clients: Vec<usize>,
}

#[derive(Parser)]
struct ServeCommandLine {
    #[command(flatten)]
    args: ServeArgs,
}

pub fn bench_serve(bench: BenchServeArgs, model_dir: PathBuf) -> Result<(), String> {
    let mut command_line = vec!["serve".to_owned(), "--port".into(), "0".into()];
    if let Some(n) = bench.instances {
        command_line.extend(["--instances".into(), n.to_string()]);
    }
    let args = ServeCommandLine::try_parse_from(command_line).map_err(|e| e.to_string())?.args;
    let (ready, addr) = std::sync::mpsc::channel();
    let started = Instant::now();
    let dir = model_dir.clone();
    std::thread::spawn(move || {
        let result = super::serve(args, dir, |addr| {
            let _ = ready.send(Ok(addr));
        });
        if let Err(e) = result {
            eprintln!("wasmicro bench-serve: the server failed: {e}");
        }
    });
    let addr: SocketAddr = addr
        .recv_timeout(Duration::from_secs(600))
        .map_err(|_| "the server did not start".to_owned())?
        .map_err(|e: String| e)?;
    let start_ms = started.elapsed().as_secs_f64() * 1000.0;
    let sentences: Vec<&str> = SENTENCES.lines().filter(|l| !l.trim().is_empty()).collect();
    if sentences.is_empty() {
        return Err("no sentences".into());
    }
    let info = Client::connect(addr)?.call("GET", "/info", "")?;
    let instances: serde_json::Value = serde_json::from_str(&info).map_err(|e| e.to_string())?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "model: {} | server: {} instances, started in {start_ms:.0} ms | {cores} cores | {} requests per row",
        model_dir.display(),
        instances["wasmicro"]["instances"],
        bench.requests
    );
    println!("| /embed request | clients | requests/s | texts/s | p50 ms | p99 ms | errors |");
    println!("|---|---|---|---|---|---|---|");
    // Warm up every instance once.
    run_load(addr, &sentences, 1, 8, 8)?;
    for (label, texts_per_request) in [("1 text", 1), ("batch", bench.batch.max(1))] {
        for &clients in &bench.clients {
            let clients = clients.max(1);
            let stats = run_load(addr, &sentences, texts_per_request, clients, bench.requests.max(clients))?;
            let label = if texts_per_request == 1 { label.to_owned() } else { format!("{texts_per_request} texts") };
            println!(
                "| {label} | {clients} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
                stats.requests as f64 / stats.seconds,
                (stats.requests * texts_per_request) as f64 / stats.seconds,
                stats.p50_ms,
                stats.p99_ms,
                stats.errors
            );
        }
    }
    Ok(())
}

struct LoadStats {
    requests: usize,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: usize,
}

fn run_load(
    addr: SocketAddr,
    sentences: &[&str],
    texts_per_request: usize,
    clients: usize,
    requests: usize,
) -> Result<LoadStats, String> {
    let started = Instant::now();
    let results: Vec<Result<(Vec<f64>, usize), String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients)
            .map(|client| {
                let share = requests / clients + usize::from(client < requests % clients);
                scope.spawn(move || {
                    let mut connection = Client::connect(addr)?;
                    let (mut latencies, mut errors) = (Vec::with_capacity(share), 0);
                    for n in 0..share {
                        let first = (client * 31 + n * texts_per_request) % sentences.len();
                        let texts: Vec<&str> =
                            (0..texts_per_request).map(|k| sentences[(first + k) % sentences.len()]).collect();
                        let body = serde_json::json!({ "inputs": texts }).to_string();
                        let sent = Instant::now();
                        match connection.call("POST", "/embed", &body) {
                            Ok(_) => latencies.push(sent.elapsed().as_secs_f64() * 1000.0),
                            Err(_) => {
                                errors += 1;
                                connection = Client::connect(addr)?;
                            }
                        }
                    }
                    Ok((latencies, errors))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a client thread panicked".into()))).collect()
    });
    let seconds = started.elapsed().as_secs_f64();
    let mut latencies = Vec::with_capacity(requests);
    let mut errors = 0;
    for result in results {
        let (l, e) = result?;
        latencies.extend(l);
        errors += e;
    }
    latencies.sort_by(f64::total_cmp);
    let percentile = |p: f64| {
        latencies.get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1)).copied().unwrap_or(f64::NAN)
    };
    Ok(LoadStats { requests: latencies.len(), seconds, p50_ms: percentile(0.5), p99_ms: percentile(0.99), errors })
}

/// One keep-alive HTTP/1.1 connection (the server always sends Content-Length here).
struct Client {
    reader: BufReader<TcpStream>,
}

impl Client {
    fn connect(addr: SocketAddr) -> Result<Client, String> {
        let stream = TcpStream::connect(addr).map_err(|e| format!("connecting to {addr}: {e}"))?;
        let _ = stream.set_nodelay(true);
        stream.set_read_timeout(Some(Duration::from_secs(300))).map_err(|e| e.to_string())?;
        Ok(Client { reader: BufReader::new(stream) })
    }

    /// The body of a 200 answer; any other status is an error.
    fn call(&mut self, method: &str, path: &str, body: &str) -> Result<String, String> {
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.reader.get_mut().write_all(request.as_bytes()).map_err(|e| e.to_string())?;
        let mut line = String::new();
        self.reader.read_line(&mut line).map_err(|e| e.to_string())?;
        let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("no status line")?;
        let mut length = 0;
        loop {
            line.clear();
            self.reader.read_line(&mut line).map_err(|e| e.to_string())?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().map_err(|_| "bad content-length")?;
            }
        }
        let mut answer = vec![0; length];
        self.reader.read_exact(&mut answer).map_err(|e| e.to_string())?;
        let answer = String::from_utf8(answer).map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(format!("{status}: {answer}"));
        }
        Ok(answer)
    }
}
