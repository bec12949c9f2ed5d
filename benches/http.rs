//! The HTTP layer's cost per call: `Counters::Count` of
//! `tests/fixtures/counter.yml`, a transaction, called in process and
//! through the generated client over loopback HTTP (axum server and
//! reqwest client in one process, 127.0.0.1), on MemoryLog and on SQLite
//! with durable commits, with 1 and 16 callers (each its own counter), and
//! 64 on SQLite. The generated client sends an idempotency key with every
//! write; the in-process calls send none.
//!
//! `cargo bench --bench http --features http` (harness-less: prints a
//! table). Latency is per call as its caller saw it; requests per second
//! are calls over the wall time of the round.

use std::sync::Arc;
use std::time::{Duration, Instant};

use goesgen::http::{HttpClient, HttpOptions};
use goesgen::{MemoryLog, ServiceOptions, SharedLog, SqliteLog};

#[path = "../tests/support/scratch.rs"]
mod scratch;
use scratch::sqlite_path;
#[path = "../tests/http/counter.rs"]
mod counter;

use counter::schema::counters::{CountersClient, CountersService};

async fn open_log(backend: &str) -> SharedLog {
    match backend {
        "memory" => MemoryLog::shared(),
        _ => SqliteLog::open(sqlite_path("http-bench", "http"))
            .await
            .expect("open the SQLite log")
            .shared(),
    }
}

fn percentile(latencies: &mut [Duration], p: f64) -> Duration {
    latencies.sort_unstable();
    latencies[((latencies.len() - 1) as f64 * p) as usize]
}

/// How a round calls `Count`.
#[derive(Clone)]
enum Caller {
    InProcess(Arc<CountersService<counter::Logic>>),
    Http(CountersClient),
}

impl Caller {
    async fn count(&self, name: String) {
        match self {
            Caller::InProcess(service) => {
                service.count(&(), name).await.expect("count in process");
            }
            Caller::Http(client) => {
                client.count(name).await.expect("count over HTTP");
            }
        }
    }
}

/// `callers` tasks × `calls` each; returns calls/s and the latencies.
async fn round(caller: Caller, callers: usize, calls: usize) -> (f64, Vec<Duration>) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..callers {
        let caller = caller.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(calls);
            for _ in 0..calls {
                let t = Instant::now();
                caller.count(format!("c{c}")).await;
                latencies.push(t.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.append(&mut task.await.expect("caller task"));
    }
    let rate = (callers * calls) as f64 / started.elapsed().as_secs_f64();
    (rate, latencies)
}

/// One round on a fresh log and service: (calls/s, latencies).
async fn measure(
    backend: &str,
    over_http: bool,
    callers: usize,
    calls: usize,
) -> (f64, Vec<Duration>) {
    let log = open_log(backend).await;
    let (service, _) = counter::service(log, ServiceOptions::default());
    let mut stop = None;
    let caller = if over_http {
        let router = service.router(|_: &goesgen::http::Parts| Ok(()), HttpOptions::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(goesgen::http::serve(listener, router, async move {
            let _ = rx.await;
        }));
        stop = Some(tx);
        Caller::Http(CountersClient::new(HttpClient::new(url)))
    } else {
        Caller::InProcess(service)
    };
    // Warm up (connections, the SQLite file).
    round(caller.clone(), callers, 20).await;
    let measured = round(caller, callers, calls).await;
    if let Some(stop) = stop {
        let _ = stop.send(());
    }
    measured
}

/// A row: `ROUNDS` rounds, in process and over HTTP alternately (so that
/// both see the same moments of a shared machine); the median rate and
/// the percentiles over all rounds. Returns the p50s (in process, HTTP).
async fn rows(backend: &str, callers: usize, calls: usize) -> (Duration, Duration) {
    let mut results = [(Vec::new(), Vec::new()), (Vec::new(), Vec::new())];
    for _ in 0..ROUNDS {
        for (over_http, result) in [false, true].into_iter().zip(results.iter_mut()) {
            let (rate, mut latencies) = measure(backend, over_http, callers, calls).await;
            result.0.push(rate);
            result.1.append(&mut latencies);
        }
    }
    let mut p50s = Vec::new();
    for (over_http, (mut rates, mut latencies)) in [false, true].into_iter().zip(results) {
        rates.sort_by(f64::total_cmp);
        let rate = rates[rates.len() / 2];
        p50s.push(print(
            backend,
            over_http,
            callers,
            calls,
            rate,
            &mut latencies,
        ));
    }
    (p50s[0], p50s[1])
}

/// Prints a row; returns its p50.
fn print(
    backend: &str,
    over_http: bool,
    callers: usize,
    calls: usize,
    rate: f64,
    latencies: &mut [Duration],
) -> Duration {
    let p50 = percentile(latencies, 0.50);
    let p99 = percentile(latencies, 0.99);
    let label = if backend == "memory" {
        "memory"
    } else {
        "sqlite (durable)"
    };
    let path = if over_http {
        "HTTP (loopback)"
    } else {
        "in process"
    };
    println!(
        "| {label} | {path} | {callers} | {} × {ROUNDS} | {rate:.0} | {:.1} µs | {:.1} µs |",
        callers * calls,
        p50.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6
    );
    p50
}

/// Rounds per row.
const ROUNDS: usize = 3;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        println!("## Counters::Count in process and over loopback HTTP");
        println!();
        println!("| log | path | callers | calls × rounds | calls/s (median) | latency p50 | latency p99 |");
        println!("| --- | --- | --- | --- | --- | --- | --- |");
        let mut costs = Vec::new();
        let runs: [(&str, &[(usize, usize)]); 2] = [
            ("memory", &[(1, 5_000), (16, 500)]),
            ("sqlite", &[(1, 500), (16, 200), (64, 50)]),
        ];
        for (backend, callers_and_calls) in runs {
            for &(callers, calls) in callers_and_calls {
                let (local, remote) = rows(backend, callers, calls).await;
                if callers == 1 {
                    costs.push((backend, remote.saturating_sub(local)));
                }
            }
        }
        println!();
        for (backend, cost) in costs {
            println!(
                "HTTP layer's cost per call on {backend} (p50 over HTTP minus p50 in process, 1 caller): {:.1} µs",
                cost.as_secs_f64() * 1e6
            );
        }
    });
}
