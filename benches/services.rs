//! Transaction commands per second through a generated service
//! (`tests/fixtures/bank.yml`, `Bank::Deposit` into one account), on
//! MemoryLog and SqliteLog (durable commits), with 1 and 8 concurrent
//! callers of one service; then two services writing to one log (the bank's
//! deposits beside the audit's notes), under the default conflict rule and
//! under strict, counting the bank's conflicts and its goodput.
//!
//! `cargo bench --bench services` (harness-less: prints a table). Each
//! figure is the median of several rounds; latency is per command as its
//! caller saw it (median and 99th percentile over all rounds). `-- --store
//! kit` runs the concurrent deposits on the memory kit instead of the
//! hand-written store.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use goesgen::{
    ConflictRule, MemoryLog, MethodError, Position, Recorded, ServiceOptions, SharedLog, SqliteLog,
    StoreError,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

#[path = "../tests/support/scratch.rs"]
mod scratch;
use scratch::sqlite_path;
#[path = "support/bank.rs"]
mod bank;
#[path = "support/bank_kit.rs"]
mod bank_kit;
#[path = "support/deposits.rs"]
mod deposits;
#[path = "support/stats.rs"]
mod stats;

use deposits::{Balances, deposit, round};
use stats::{median, percentile};

use bank::schema::audit::{AuditMethods, AuditService, AuditStore, NoteEvent};
use bank::schema::bank::BankService;
use bank::schema::events::AuditNoted;
use bank::{Bank, Store, Transfer};

// ---- the audit service: appends notes ----------------------------------------

#[derive(Clone, Default)]
struct Notes(Arc<Mutex<Position>>);

impl goesgen::Store for Notes {
    type Write = OwnedMutexGuard<Position>;
    type Read = OwnedMutexGuard<Position>;
    async fn begin_write(&self) -> Result<Self::Write, StoreError> {
        Ok(self.0.clone().lock_owned().await)
    }
    async fn begin_read(&self) -> Result<Self::Read, StoreError> {
        Ok(self.0.clone().lock_owned().await)
    }
    async fn commit(&self, _: Self::Write) -> Result<(), StoreError> {
        Ok(())
    }
    async fn rollback(&self, _: Self::Write) -> Result<(), StoreError> {
        // The audit only appends: its write transactions apply its own
        // notes and set the version, steps that cannot fail here, so no
        // rollback ever follows a change. A real store would undo.
        Ok(())
    }
    async fn read_version(&self, txn: &mut Self::Read) -> Result<Position, StoreError> {
        Ok(**txn)
    }
    async fn version(&self, txn: &mut Self::Write) -> Result<Position, StoreError> {
        Ok(**txn)
    }
    async fn set_version(&self, txn: &mut Self::Write, v: Position) -> Result<(), StoreError> {
        **txn = v;
        Ok(())
    }
}

impl AuditStore for Notes {
    async fn apply_audit_noted(
        &self,
        _: &mut Self::Write,
        _: &Recorded,
        _: &AuditNoted,
    ) -> Result<(), StoreError> {
        Ok(())
    }
}

struct Auditor;

impl AuditMethods for Auditor {
    type Store = Notes;
    type Context = ();
    type Error = Infallible;
    async fn note(
        &self,
        _: &(),
        _: &mut OwnedMutexGuard<Position>,
        input: String,
    ) -> Result<((), Vec<NoteEvent>), MethodError<Infallible>> {
        Ok(((), vec![AuditNoted { note: input }.into()]))
    }
    async fn notes(
        &self,
        _: &(),
        txn: &mut OwnedMutexGuard<Position>,
    ) -> Result<u64, MethodError<Infallible>> {
        Ok(**txn)
    }
}

// ---- measuring -----------------------------------------------------------------

async fn open_log(backend: &str, name: &str) -> SharedLog {
    match backend {
        "memory" => MemoryLog::shared(),
        _ => SqliteLog::open(sqlite_path("services-bench", name))
            .await
            .expect("open the SQLite log")
            .shared(),
    }
}

async fn throughput(backend: &str, callers: usize, commands: usize, rounds: usize) {
    let mut rates = Vec::new();
    let mut latencies = Vec::new();
    for r in 0..rounds {
        let log = open_log(backend, &format!("tx-{callers}-{r}")).await;
        let (rate, mut lat) = round(
            Balances::from_args(),
            log,
            ServiceOptions::default(),
            callers,
            commands,
            false,
        )
        .await;
        rates.push(rate);
        latencies.append(&mut lat);
    }
    println!(
        "| {backend} | {callers} | {commands} × {rounds} | {:.0} | {:.1} µs | {:.1} µs |",
        median(&mut rates),
        percentile(&mut latencies, 0.5).as_secs_f64() * 1e6,
        percentile(&mut latencies, 0.99).as_secs_f64() * 1e6,
    );
}

/// The bank deposits `commands` times while the audit appends notes as
/// fast as it can; returns the bank's goodput, its conflicts and the
/// notes written meanwhile.
async fn two_services(backend: &str, rule: ConflictRule, commands: usize) -> (f64, u64, u64) {
    let log = open_log(backend, &format!("two-{rule:?}")).await;
    let options = ServiceOptions::default().conflict_rule(rule);
    let bank = Arc::new(BankService::new(
        Bank,
        Store::default(),
        log.clone(),
        options.clone(),
    ));
    let audit = Arc::new(AuditService::new(Auditor, Notes::default(), log, options));
    bank.open(&(), "bench".into()).await.expect("open");
    let done = Arc::new(AtomicBool::new(false));
    let auditor = tokio::spawn({
        let (audit, done) = (audit.clone(), done.clone());
        async move {
            let mut notes = 0u64;
            while !done.load(Ordering::Relaxed) {
                audit.note(&(), "checked".into()).await.expect("note");
                notes += 1;
                tokio::task::yield_now().await;
            }
            notes
        }
    });
    let started = Instant::now();
    for _ in 0..commands {
        bank.deposit(&(), deposit()).await.expect("deposit");
    }
    let elapsed = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let notes = auditor.await.expect("auditor");
    (
        commands as f64 / elapsed.as_secs_f64(),
        bank.stats().conflicts,
        notes,
    )
}

async fn rules(backend: &str, commands: usize, rounds: usize) {
    for rule in [ConflictRule::Subscribed, ConflictRule::Strict] {
        let mut goodput = Vec::new();
        let mut conflicts = Vec::new();
        let mut notes = Vec::new();
        for _ in 0..rounds {
            let (g, c, n) = two_services(backend, rule, commands).await;
            goodput.push(g);
            conflicts.push(c as f64);
            notes.push(n as f64);
        }
        println!(
            "| {backend} | {rule:?} | {commands} × {rounds} | {:.0} | {:.0} | {:.0} |",
            median(&mut goodput),
            median(&mut conflicts),
            median(&mut notes),
        );
    }
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let scale = if quick { 10 } else { 1 };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        println!("## Transaction commands (Bank::Deposit, one account, one service)");
        println!();
        println!("Store: {}.", Balances::from_args().name());
        println!();
        println!("| log | callers | commands × rounds | commands/s (median) | latency p50 | latency p99 |");
        println!("| --- | --- | --- | --- | --- | --- |");
        throughput("memory", 1, 200_000 / scale, 5).await;
        throughput("memory", 8, 200_000 / scale, 5).await;
        throughput("sqlite", 1, 2_000 / scale, 3).await;
        throughput("sqlite", 8, 2_000 / scale, 3).await;
        println!();
        println!("## Two services on one log: bank deposits beside audit notes");
        println!();
        println!("| log | rule | deposits × rounds | deposits/s (median) | bank conflicts | audit notes meanwhile |");
        println!("| --- | --- | --- | --- | --- | --- |");
        rules("memory", 50_000 / scale, 3).await;
        rules("sqlite", 1_000 / scale, 3).await;
    });
}
