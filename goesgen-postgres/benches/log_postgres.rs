//! Throughput and latency of `PostgresLog`: appends with batches of 1 and
//! 100 events from 1, 8 and 64 concurrent appenders (and 64 with group
//! commit turned off, for the ratio), conditional appends under contention,
//! and reading a 1,000,000-event log.
//!
//! Needs a database: `GOESGEN_TEST_POSTGRES` (a libpq connection string);
//! without it the benchmark says so and exits. Each scenario runs on a table
//! of its own for `GOESGEN_BENCH_SECONDS` (default 3) seconds. Run it with
//!
//! ```text
//! pg_virtualenv bash -c 'GOESGEN_TEST_POSTGRES="host=$PGHOST port=$PGPORT \
//!   user=$PGUSER password=$PGPASSWORD dbname=$PGDATABASE" \
//!   cargo bench -p goesgen-postgres --bench log_postgres'
//! ```
//!
//! With `GOESGEN_TEST_POSTGRES_TLS` and `GOESGEN_TEST_POSTGRES_TLS_CA` set
//! (as `.ci/postgres-tls setup` prints them), it also compares plain TCP
//! (`GOESGEN_TEST_POSTGRES` with `sslmode=disable`) with `verify-full` TLS
//! to `localhost`, alternating, and reports medians: appends, reads, and N
//! readers in parallel on the read pool against the same reads one after
//! the other. `-- tls` runs only that comparison.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use goesgen_postgres::{PostgresLog, PostgresOptions};
use goesgen_runtime::{Condition, EventLog, KindFilter, LogError, NewEvent};

/// Events in the log the read benchmark reads.
const READ_LOG_EVENTS: u64 = 1_000_000;

fn main() {
    let Ok(conninfo) = std::env::var("GOESGEN_TEST_POSTGRES") else {
        eprintln!("log_postgres: GOESGEN_TEST_POSTGRES is not set; nothing to measure");
        return;
    };
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // then a smoke run is enough.
    let full = std::env::args().any(|arg| arg == "--bench");
    let seconds: f64 = std::env::var("GOESGEN_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if full { 3.0 } else { 0.2 });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let only_tls = std::env::args().any(|arg| arg == "tls");
    runtime.block_on(async {
        if !only_tls {
            run(&conninfo, Duration::from_secs_f64(seconds), full).await;
        }
        let tls = std::env::var("GOESGEN_TEST_POSTGRES_TLS").ok();
        let ca = std::env::var("GOESGEN_TEST_POSTGRES_TLS_CA").ok();
        match (tls, ca) {
            (Some(tls), Some(ca)) => {
                let plain = format!("{conninfo} sslmode=disable");
                let tls = format!("host=localhost {tls} sslmode=verify-full sslrootcert={ca}");
                tls_vs_plain(&plain, &tls, Duration::from_secs_f64(seconds), full).await;
            }
            _ => println!("GOESGEN_TEST_POSTGRES_TLS(_CA) not set: no TLS comparison"),
        }
    });
}

/// Plain TCP against verify-full TLS, alternating, medians of the rounds.
async fn tls_vs_plain(plain: &str, tls: &str, duration: Duration, full: bool) {
    let rounds = if full { 5 } else { 1 };
    let read_events: u64 = if full { 100_000 } else { 2_000 };
    let parallel_events: u64 = if full { 20_000 } else { 1_000 };
    const READERS: usize = 8;
    const POOL: usize = 4;
    println!(
        "\nplain TCP vs TLS (verify-full), {rounds} rounds alternating, medians, {} s per \
         append scenario",
        duration.as_secs_f64()
    );
    let mut figures: Vec<(String, [Vec<f64>; 2])> = Vec::new();
    let mut record = |name: &str, which: usize, value: f64| {
        if let Some((_, values)) = figures.iter_mut().find(|(n, _)| n == name) {
            values[which].push(value);
        } else {
            let mut values = [Vec::new(), Vec::new()];
            values[which].push(value);
            figures.push((name.to_owned(), values));
        }
    };
    // One log per transport for the reads, filled once.
    let mut read_logs = Vec::new();
    for conninfo in [plain, tls] {
        let log = fresh_log_at(conninfo, None, None).await;
        fill(&log, read_events).await;
        let parallel = fresh_log_at(conninfo, None, Some(POOL)).await;
        fill(&parallel, parallel_events).await;
        read_logs.push((log, parallel));
    }
    for _ in 0..rounds {
        for (which, conninfo) in [plain, tls].into_iter().enumerate() {
            for (batch, appenders) in [(1, 1), (1, 64), (100, 8)] {
                let log = fresh_log_at(conninfo, None, None).await;
                let measured = appends(&log, appenders, batch, duration, Mode::Unconditional).await;
                let secs = measured.elapsed.as_secs_f64();
                let mut latencies = measured.latencies.clone();
                latencies.sort_unstable();
                let p50 = latencies
                    .get(latencies.len() / 2)
                    .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
                let name = format!("append, batch {batch}, {appenders} appenders");
                record(
                    &format!("{name}: appends/s"),
                    which,
                    measured.appends as f64 / secs,
                );
                record(&format!("{name}: p50 ms"), which, p50);
            }
            let (log, parallel) = &read_logs[which];
            let started = Instant::now();
            let read = read_all(log, 1000).await;
            record(
                &format!("read {read_events} events, batches of 1000: events/s"),
                which,
                read as f64 / started.elapsed().as_secs_f64(),
            );
            let started = Instant::now();
            for _ in 0..READERS {
                read_all(parallel, 100).await;
            }
            let sequential = started.elapsed().as_secs_f64();
            let started = Instant::now();
            let tasks: Vec<_> = (0..READERS)
                .map(|_| {
                    let log = Arc::clone(parallel);
                    tokio::spawn(async move { read_all(&log, 100).await })
                })
                .collect();
            for task in tasks {
                task.await.expect("reader");
            }
            let concurrent = started.elapsed().as_secs_f64();
            let name = format!("{READERS} readers of {parallel_events} events (batches of 100)");
            record(&format!("{name}, one after another: s"), which, sequential);
            record(
                &format!("{name}, at once on {POOL} connections: s"),
                which,
                concurrent,
            );
        }
    }
    println!("{:<72} {:>12} {:>12}", "scenario", "plain", "TLS");
    for (name, mut values) in figures {
        let median = |values: &mut Vec<f64>| {
            values.sort_by(f64::total_cmp);
            values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
        };
        let (plain, tls) = (median(&mut values[0]), median(&mut values[1]));
        let digits = if plain < 100.0 { 2 } else { 0 };
        println!("{name:<72} {plain:>12.digits$} {tls:>12.digits$}");
    }
}

/// Appends `events` events in batches of 1,000.
async fn fill(log: &PostgresLog, events: u64) {
    let payload =
        br#"{"id":"0f8e1c1e-6b1d-4a52-9d35-2f9b1e2c3d4a","amount":1250,"note":"benchmark"}"#;
    let mut appended = 0;
    while appended < events {
        let batch: Vec<NewEvent> = (0..1000.min(events - appended))
            .map(|_| NewEvent::new("Common", payload.to_vec()))
            .collect();
        appended += batch.len() as u64;
        log.append(batch, Condition::None).await.expect("fill");
    }
}

/// Reads the whole log, `limit` records a call; returns the records read.
async fn read_all(log: &PostgresLog, limit: usize) -> u64 {
    let (mut cursor, mut read) = (0, 0_u64);
    loop {
        let batch = log
            .read(cursor, &KindFilter::All, limit)
            .await
            .expect("read");
        read += batch.records.len() as u64;
        cursor = batch.through;
        if cursor == batch.head {
            return read;
        }
    }
}

async fn run(conninfo: &str, duration: Duration, full: bool) {
    println!("PostgresLog, {} s per scenario", duration.as_secs_f64());
    println!(
        "{:<44} {:>12} {:>12} {:>10} {:>10}",
        "scenario", "appends/s", "events/s", "p50 ms", "p99 ms"
    );
    for batch in [1, 100] {
        for appenders in [1, 8, 64] {
            let log = fresh_log(conninfo, None).await;
            let name = format!("append, batch {batch}, {appenders} appenders");
            let result = appends(&log, appenders, batch, duration, Mode::Unconditional).await;
            result.print(&name);
        }
    }
    let log = fresh_log(conninfo, Some(1)).await;
    appends(&log, 64, 1, duration, Mode::Unconditional)
        .await
        .print("append, batch 1, 64 appenders, no group commit");
    let log = fresh_log(conninfo, None).await;
    appends(&log, 8, 1, duration, Mode::HeadIs)
        .await
        .print("HeadIs(head) + retry, batch 1, 8 appenders");
    let log = fresh_log(conninfo, None).await;
    appends(&log, 64, 1, duration, Mode::OwnKind)
        .await
        .print("NoneOfKindsAfter own kind, batch 1, 64 app.");
    let log = fresh_log(conninfo, None).await;
    appends(&log, 64, 1, duration, Mode::SharedKind)
        .await
        .print("NoneOfKindsAfter shared kind + retry, 64 app.");

    let events = if full { READ_LOG_EVENTS } else { 10_000 };
    reads(conninfo, events).await;
}

async fn fresh_log(conninfo: &str, max_group: Option<usize>) -> Arc<PostgresLog> {
    fresh_log_at(conninfo, max_group, None).await
}

async fn fresh_log_at(
    conninfo: &str,
    max_group: Option<usize>,
    read_connections: Option<usize>,
) -> Arc<PostgresLog> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .subsec_nanos();
    let table = format!(
        "bench_{}_{nanos}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let mut options = PostgresOptions::new(conninfo).table(table);
    if let Some(max_group) = max_group {
        options = options.max_group(max_group);
    }
    if let Some(connections) = read_connections {
        options = options.read_connections(connections);
    }
    Arc::new(options.connect().await.expect("open the log"))
}

/// What condition the appenders use.
#[derive(Clone, Copy)]
enum Mode {
    /// None.
    Unconditional,
    /// `HeadIs` the head just read (one extra read per attempt), retried on
    /// conflict: the strictest contention, every append competes with every
    /// other.
    HeadIs,
    /// `NoneOfKindsAfter` on a kind only this appender writes, after its own
    /// last append: never conflicts, but is checked.
    OwnKind,
    /// `NoneOfKindsAfter` on one kind all appenders write, after the head
    /// just read (one extra read per attempt), retried on conflict.
    SharedKind,
}

/// What a scenario measured.
struct Measured {
    appends: u64,
    events: u64,
    conflicts: u64,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Measured {
    fn print(mut self, name: &str) {
        self.latencies.sort_unstable();
        let at = |q: f64| {
            let index = ((self.latencies.len() as f64 - 1.0) * q).round() as usize;
            self.latencies
                .get(index)
                .map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
        };
        let secs = self.elapsed.as_secs_f64();
        print!(
            "{name:<44} {:>12.0} {:>12.0} {:>10.2} {:>10.2}",
            self.appends as f64 / secs,
            self.events as f64 / secs,
            at(0.5),
            at(0.99)
        );
        if self.conflicts > 0 {
            print!("  ({} conflicts retried)", self.conflicts);
        }
        println!();
    }
}

async fn appends(
    log: &Arc<PostgresLog>,
    appenders: usize,
    batch: usize,
    duration: Duration,
    mode: Mode,
) -> Measured {
    let payload =
        br#"{"id":"0f8e1c1e-6b1d-4a52-9d35-2f9b1e2c3d4a","amount":1250,"note":"benchmark"}"#;
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for appender in 0..appenders {
        let log = Arc::clone(log);
        tasks.push(tokio::spawn(async move {
            let own_kind = format!("Kind{appender}");
            let mut latencies = Vec::new();
            let (mut appends, mut conflicts) = (0_u64, 0_u64);
            let mut own_last = 0;
            while Instant::now() < deadline {
                let kind = match mode {
                    Mode::OwnKind => own_kind.as_str(),
                    _ => "Shared",
                };
                let events: Vec<NewEvent> = (0..batch)
                    .map(|_| NewEvent::new(kind, payload.to_vec()))
                    .collect();
                let begun = Instant::now();
                loop {
                    let condition = match mode {
                        Mode::Unconditional => Condition::None,
                        Mode::HeadIs => Condition::HeadIs(log.head().await.expect("head")),
                        // As a service would: its projection is at its
                        // own last append, no read needed.
                        Mode::OwnKind => Condition::NoneOfKindsAfter {
                            kinds: vec![kind.to_owned()].into(),
                            after: own_last,
                        },
                        Mode::SharedKind => Condition::NoneOfKindsAfter {
                            kinds: vec![kind.to_owned()].into(),
                            after: log.head().await.expect("head"),
                        },
                    };
                    match log.append(events.clone(), condition).await {
                        Ok(appended) => {
                            own_last = appended.last;
                            break;
                        }
                        Err(LogError::Conflict(_)) => conflicts += 1,
                        Err(other) => panic!("append failed: {other}"),
                    }
                }
                latencies.push(begun.elapsed());
                appends += 1;
            }
            (appends, conflicts, latencies)
        }));
    }
    let mut measured = Measured {
        appends: 0,
        events: 0,
        conflicts: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for task in tasks {
        let (appends, conflicts, latencies) = task.await.expect("appender");
        measured.appends += appends;
        measured.conflicts += conflicts;
        measured.latencies.extend(latencies);
    }
    measured.elapsed = started.elapsed();
    measured.events = measured.appends * batch as u64;
    measured
}

async fn reads(conninfo: &str, events: u64) {
    const FILL_BATCH: u64 = 1000;
    let log = fresh_log(conninfo, None).await;
    let payload =
        br#"{"id":"0f8e1c1e-6b1d-4a52-9d35-2f9b1e2c3d4a","amount":1250,"note":"benchmark"}"#;
    let started = Instant::now();
    let mut appended = 0;
    while appended < events {
        let batch = (0..FILL_BATCH.min(events - appended))
            .map(|n| {
                NewEvent::new(
                    if n % 10 == 0 { "Rare" } else { "Common" },
                    payload.to_vec(),
                )
            })
            .collect::<Vec<_>>();
        appended += batch.len() as u64;
        log.append(batch, Condition::None).await.expect("fill");
    }
    let filled = started.elapsed();
    println!(
        "filled {events} events in batches of {FILL_BATCH} (one appender): {:.0} events/s",
        events as f64 / filled.as_secs_f64()
    );
    let all = KindFilter::All;
    let rare = KindFilter::kinds(["Rare"]);
    let both = KindFilter::kinds(["Rare", "Common"]);
    read_through(&log, "read all, batches of 1000", &all, 1000).await;
    read_through(&log, "read all, batches of 10000", &all, 10_000).await;
    read_through(&log, "read 1 kind (1 in 10), batches of 1000", &rare, 1000).await;
    read_through(&log, "read 2 kinds (all), batches of 1000", &both, 1000).await;
    // Autovacuum sets the visibility map of an insert-only table sooner or
    // later; then the kind index is read without visiting the table.
    let (client, connection) = tokio_postgres::connect(conninfo, tokio_postgres::NoTls)
        .await
        .expect("raw connection");
    tokio::spawn(connection);
    client
        .batch_execute(&format!("VACUUM (ANALYZE) public.\"{}\"", log.table()))
        .await
        .expect("vacuum");
    read_through(&log, "after VACUUM: read all, batches of 1000", &all, 1000).await;
    read_through(&log, "after VACUUM: read 1 kind (1 in 10)", &rare, 1000).await;
    read_through(&log, "after VACUUM: read 2 kinds (all)", &both, 1000).await;
}

/// Reads the whole log through `filter`, `limit` records a call, and
/// prints the rate.
async fn read_through(log: &PostgresLog, name: &str, filter: &KindFilter, limit: usize) {
    let started = Instant::now();
    let (mut cursor, mut read) = (0, 0_u64);
    loop {
        let batch = log.read(cursor, filter, limit).await.expect("read");
        read += batch.records.len() as u64;
        cursor = batch.through;
        if cursor == batch.head {
            break;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{name:<44} {:>12.0} events/s ({read} events in {secs:.2} s)",
        read as f64 / secs
    );
}
