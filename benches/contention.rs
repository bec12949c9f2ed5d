//! Contention between processes: two OS processes, each one bank service
//! with four tasks depositing into one account, on one SQLite file and on
//! PostgreSQL (`GOESGEN_TEST_POSTGRES`). Every deposit decides on the
//! balance, so the processes keep invalidating each other's decisions.
//! Reported per log, with escalation to the log's write lock off (the
//! engine as it was: retry with random backoff only) and on (the default,
//! after three conflicts): the most attempts any deposit took, the latency
//! of a deposit (p50, p99) and deposits per second.
//!
//! `cargo bench --bench contention [--all-features]`. The bench re-executes
//! itself for the two processes; each figure is the median over rounds,
//! the most attempts the maximum.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use goesgen::{ServiceOptions, SharedLog, SqliteLog};

#[path = "../tests/support/scratch.rs"]
mod scratch;
use scratch::sqlite_path;
#[path = "support/bank.rs"]
mod bank;
#[path = "support/stats.rs"]
mod stats;

use stats::{median, percentile};

use bank::schema::bank::BankService;
use bank::{Bank, Store, Transfer};

/// Set in a child: the log to open (`sqlite:PATH` or `postgres:TABLE`).
const CHILD_LOG: &str = "GOESGEN_CONTENTION_LOG";
/// Set in a child: after how many conflicts to escalate.
const CHILD_ESCALATE: &str = "GOESGEN_CONTENTION_ESCALATE";
const TASKS: usize = 4;
const EACH: usize = 250;
const ROUNDS: usize = 3;

async fn open(spec: &str) -> SharedLog {
    if let Some(path) = spec.strip_prefix("sqlite:") {
        return SqliteLog::open(path).await.expect("open SQLite").shared();
    }
    #[cfg(feature = "postgres")]
    if let Some(table) = spec.strip_prefix("postgres:") {
        let conninfo = std::env::var("GOESGEN_TEST_POSTGRES").expect("GOESGEN_TEST_POSTGRES");
        let log = goesgen::PostgresOptions::new(conninfo)
            .table(table)
            .connect()
            .await
            .expect("connect");
        return Arc::new(log);
    }
    panic!("unknown log {spec}");
}

fn deposit() -> Transfer {
    Transfer {
        account: "contended".into(),
        amount: 1,
    }
}

/// A child's share: prints `@@ attempts micros` per deposit.
async fn child(spec: &str, escalate: u32) {
    let log = open(spec).await;
    let options = ServiceOptions::default().escalate_after(escalate);
    let bank = Arc::new(BankService::new(Bank, Store::default(), log, options));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let bank = Arc::clone(&bank);
            tokio::spawn(async move {
                let mut seen = Vec::with_capacity(EACH);
                for _ in 0..EACH {
                    let at = Instant::now();
                    let committed = bank.deposit(&(), deposit()).await.expect("deposit");
                    seen.push((committed.attempts, at.elapsed()));
                }
                seen
            })
        })
        .collect();
    for task in tasks {
        for (attempts, latency) in task.await.expect("task") {
            println!("@@ {attempts} {}", latency.as_micros());
        }
    }
}

struct Round {
    most_attempts: u32,
    latencies: Vec<Duration>,
    per_second: f64,
}

/// One round: opens the account on a fresh log, runs two children, reads
/// their reports.
async fn round(spec: &str, escalate: u32) -> Round {
    let log = open(spec).await;
    let bank = BankService::new(
        Bank,
        Store::default(),
        log.clone(),
        ServiceOptions::default(),
    );
    bank.open(&(), "contended".into()).await.expect("open");
    let started = Instant::now();
    let children: Vec<_> = (0..2)
        .map(|_| {
            Command::new(std::env::current_exe().expect("bench binary"))
                .env(CHILD_LOG, spec)
                .env(CHILD_ESCALATE, escalate.to_string())
                .stdout(Stdio::piped())
                .spawn()
                .expect("child")
        })
        .collect();
    let mut most_attempts = 0;
    let mut latencies = Vec::new();
    for child in children {
        let output = child.wait_with_output().expect("child output");
        assert!(output.status.success(), "a child failed");
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let Some(report) = line.strip_prefix("@@ ") else {
                continue;
            };
            let mut words = report.split(' ');
            let attempts: u32 = words.next().and_then(|w| w.parse().ok()).expect("attempts");
            let micros: u64 = words.next().and_then(|w| w.parse().ok()).expect("micros");
            most_attempts = most_attempts.max(attempts);
            latencies.push(Duration::from_micros(micros));
        }
    }
    let elapsed = started.elapsed();
    bank.sync().await.expect("sync");
    let balance = bank
        .balance(&(), "contended".into())
        .await
        .expect("balance");
    assert_eq!(balance as usize, 2 * TASKS * EACH, "lost deposits");
    Round {
        most_attempts,
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        latencies,
    }
}

async fn scenario(backend: &str, fresh: impl Fn(usize) -> String, escalate: u32, label: &str) {
    let (mut most, mut p50, mut p99, mut rate) = (0, Vec::new(), Vec::new(), Vec::new());
    for r in 0..ROUNDS {
        let mut round = round(&fresh(r), escalate).await;
        most = most.max(round.most_attempts);
        p50.push(percentile(&mut round.latencies, 0.5).as_secs_f64() * 1e3);
        p99.push(percentile(&mut round.latencies, 0.99).as_secs_f64() * 1e3);
        rate.push(round.per_second);
    }
    println!(
        "| {backend} | {label} | {most} | {:.2} ms | {:.2} ms | {:.0} |",
        median(&mut p50),
        median(&mut p99),
        median(&mut rate),
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    if let Ok(spec) = std::env::var(CHILD_LOG) {
        let escalate = std::env::var(CHILD_ESCALATE)
            .ok()
            .and_then(|e| e.parse().ok())
            .unwrap_or(goesgen::service::DEFAULT_ESCALATE_AFTER);
        runtime.block_on(child(&spec, escalate));
        return;
    }
    runtime.block_on(async {
        println!(
            "## Two processes × {TASKS} tasks × {EACH} deposits into one account, {ROUNDS} rounds"
        );
        println!();
        println!("| log | escalation | most attempts | latency p50 | latency p99 | deposits/s |");
        println!("| --- | --- | --- | --- | --- | --- |");
        for (escalate, label) in [(u32::MAX, "off (before)"), (3, "after 3 conflicts")] {
            scenario(
                "sqlite",
                |r| {
                    format!(
                        "sqlite:{}",
                        sqlite_path("contention-bench", &format!("e{escalate}-{r}")).display()
                    )
                },
                escalate,
                label,
            )
            .await;
        }
        #[cfg(feature = "postgres")]
        if std::env::var("GOESGEN_TEST_POSTGRES").is_ok() {
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_secs();
            for (escalate, label) in [(u32::MAX, "off (before)"), (3, "after 3 conflicts")] {
                scenario(
                    "postgres",
                    |r| format!("postgres:contention_{stamp}_{escalate}_{r}"),
                    escalate,
                    label,
                )
                .await;
            }
        }
    });
}
