//! Concurrent callers of one service instance: `Bank::Deposit` into one
//! account (every deposit decides on the balance), 1, 8 and 64 callers, on
//! MemoryLog, on a durable SqliteLog (`synchronous=FULL`, the default) and
//! on PostgreSQL (from `GOESGEN_TEST_POSTGRES`; skipped when unset).
//! Reports commands per second (median of rounds) and each call's latency
//! as its caller saw it (p50 and p99 over all rounds).
//!
//! `cargo bench --bench batching [--all-features] [-- --quick]`
//! (harness-less: prints a table). `-- --batch 1` runs with
//! `ServiceOptions::max_batch_calls(1)` (no batching) for comparison;
//! `-- --backend memory|sqlite|postgres` runs one backend; `-- --workers N`
//! sets the runtime's worker threads (default 2); `-- --callers N` runs
//! only that many callers. `-- --keys` compares calls with a fresh
//! idempotency key each against calls without, at 16 and 64 callers on
//! durable SQLite, in alternating rounds of one run. `-- --store kit` keeps
//! the balances in the memory kit (`MemoryStore` on a `Table`) instead of
//! the hand-written store (`-- --store hand`, the default).

use goesgen::{MemoryLog, ServiceOptions, SharedLog, SqliteLog};

#[path = "../tests/support/scratch.rs"]
mod scratch;
use scratch::sqlite_path;
#[path = "support/bank.rs"]
mod bank;
#[path = "support/bank_kit.rs"]
mod bank_kit;
#[path = "support/deposits.rs"]
mod deposits;
#[path = "support/postgres_log.rs"]
mod postgres_log;
#[path = "support/stats.rs"]
mod stats;

// The schema names the bank's types at the crate root.
use bank::Transfer;
use deposits::{Balances, round};
use postgres_log::open_postgres;
use stats::{median, percentile};

async fn open_log(backend: &str, name: &str) -> SharedLog {
    match backend {
        "memory" => MemoryLog::shared(),
        "sqlite" => SqliteLog::open(sqlite_path("batching-bench", name))
            .await
            .expect("open the SQLite log")
            .shared(),
        _ => open_postgres("batching", name).await,
    }
}

async fn throughput(
    backend: &str,
    options: &ServiceOptions,
    callers: usize,
    commands: usize,
    rounds: usize,
) -> f64 {
    let mut rates = Vec::new();
    let mut latencies = Vec::new();
    for r in 0..rounds {
        let log = open_log(backend, &format!("c{callers}-r{r}")).await;
        let (rate, mut lat) = round(
            Balances::from_args(),
            log,
            options.clone(),
            callers,
            commands,
            false,
        )
        .await;
        rates.push(rate);
        latencies.append(&mut lat);
    }
    let rate = median(&mut rates);
    println!(
        "| {backend} | {callers} | {commands} × {rounds} | {rate:.0} | {:.1} µs | {:.1} µs |",
        percentile(&mut latencies, 0.5).as_secs_f64() * 1e6,
        percentile(&mut latencies, 0.99).as_secs_f64() * 1e6,
    );
    rate
}

async fn backend(backend: &str, options: &ServiceOptions, commands: usize, rounds: usize) {
    if let Some(callers) = options_callers() {
        throughput(backend, options, callers, commands, rounds).await;
        return;
    }
    let one = throughput(backend, options, 1, commands, rounds).await;
    let mut ratios = Vec::new();
    for callers in [8, 64] {
        let rate = throughput(backend, options, callers, commands, rounds).await;
        ratios.push(format!("{callers} callers {:.2}×", rate / one));
    }
    println!(
        "|  | ratio to 1 caller (same run): {} |  |  |  |  |",
        ratios.join(", ")
    );
}

/// `-- --callers N`: only that many callers (for profiling one case).
fn options_callers() -> Option<usize> {
    std::env::args()
        .skip_while(|a| a != "--callers")
        .nth(1)
        .map(|n| n.parse().expect("--callers N"))
}

/// `-- --keys`: keyed against unkeyed deposits on durable SQLite, in
/// alternating rounds; prints each median and their ratio.
async fn keys(options: &ServiceOptions, commands: usize, rounds: usize) {
    println!("## Keyed calls against calls without a key (durable SQLite)");
    println!();
    println!(
        "| callers | calls × rounds | without key (median) | with a key each (median) | ratio |"
    );
    println!("| --- | --- | --- | --- | --- |");
    for callers in [16, 64] {
        let mut rates = [Vec::new(), Vec::new()];
        for r in 0..rounds {
            for (keyed, rates) in [false, true].into_iter().zip(rates.iter_mut()) {
                let log = open_log("sqlite", &format!("keys-c{callers}-r{r}-{keyed}")).await;
                let (rate, _) = round(
                    Balances::from_args(),
                    log,
                    options.clone(),
                    callers,
                    commands,
                    keyed,
                )
                .await;
                rates.push(rate);
            }
        }
        let [mut plain, mut keyed] = rates;
        let (plain, keyed) = (median(&mut plain), median(&mut keyed));
        println!(
            "| {callers} | {commands} × {rounds} | {plain:.0}/s | {keyed:.0}/s | {:.2}× |",
            keyed / plain
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let scale = if quick { 10 } else { 1 };
    let batch = args
        .iter()
        .position(|a| a == "--batch")
        .and_then(|i| args.get(i + 1))
        .map(|n| n.parse::<usize>().expect("--batch N"));
    let only = args
        .iter()
        .position(|a| a == "--backend")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let workers = args
        .iter()
        .position(|a| a == "--workers")
        .and_then(|i| args.get(i + 1))
        .map_or(2, |n| n.parse::<usize>().expect("--workers N"));
    let runs = |name: &str| only.as_deref().is_none_or(|only| only == name);
    let mut options = ServiceOptions::default();
    if let Some(calls) = batch {
        options = options.max_batch_calls(calls);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("runtime");
    if args.iter().any(|a| a == "--keys") {
        runtime.block_on(keys(&options, 3_200 / scale, 3));
        return;
    }
    runtime.block_on(async {
        println!(
            "## Concurrent callers of one instance (Bank::Deposit, one account, {} store)",
            Balances::from_args().name()
        );
        println!();
        println!("| log | callers | commands × rounds | commands/s (median) | latency p50 | latency p99 |");
        println!("| --- | --- | --- | --- | --- | --- |");
        if runs("memory") {
            backend("memory", &options, 128_000 / scale, 5).await;
        }
        if runs("sqlite") {
            backend("sqlite", &options, 3_200 / scale, 3).await;
        }
        if runs("postgres") && std::env::var("GOESGEN_TEST_POSTGRES").is_ok() {
            backend("postgres", &options, 3_200 / scale, 3).await;
        }
    });
}
