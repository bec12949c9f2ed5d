//! Throughput and latency of the event log backends: appends (batch sizes 1
//! and 100, 1, 8 and 64 concurrent appenders), conditional appends under
//! contention, and reads of a 1,000,000-event log. Prints Markdown tables.
//!
//! ```text
//! cargo bench -p goesgen-runtime --bench event_log -- [memory] [sqlite] [normal] [appends] [conditional] [reads]
//! ```
//!
//! Naming sections (`appends`, `conditional`, `reads`) runs only those.
//! `memory` and `sqlite` (synchronous=FULL, the default) pick backends
//! (both when none is named); `normal` adds SQLite with synchronous=NORMAL
//! for comparison. Unconditional appends append prebuilt batches (the
//! figure is the log's work, payload validation included, not the building
//! of events). Each figure is the median of `GOESGEN_BENCH_RUNS` runs
//! (default 5) of `GOESGEN_BENCH_MILLIS` milliseconds each (default 500),
//! each run on a fresh, empty log (SQLite files go to the system's
//! temporary directory and are removed afterwards).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use goesgen_runtime::{Condition, KindFilter, LogError, LogReader, MemoryLog, NewEvent, SharedLog};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Backend {
    Memory,
    #[cfg(feature = "sqlite")]
    Sqlite(goesgen_runtime::Synchronous),
}

impl Backend {
    fn name(self) -> String {
        match self {
            Backend::Memory => "memory".to_owned(),
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(sync) => format!("SQLite ({sync:?})"),
        }
    }

    /// A fresh, empty log (and the file to remove afterwards, if any).
    async fn fresh(self) -> (SharedLog, Option<PathBuf>) {
        match self {
            Backend::Memory => (MemoryLog::shared(), None),
            #[cfg(feature = "sqlite")]
            Backend::Sqlite(synchronous) => {
                static NEXT: AtomicUsize = AtomicUsize::new(0);
                let path = std::env::temp_dir().join(format!(
                    "goesgen-bench-{}-{}.db",
                    std::process::id(),
                    NEXT.fetch_add(1, Ordering::Relaxed)
                ));
                let options = goesgen_runtime::SqliteOptions {
                    synchronous,
                    ..Default::default()
                };
                let log = goesgen_runtime::SqliteLog::open_with(&path, options)
                    .await
                    .expect("open the SQLite log");
                (log.shared(), Some(path))
            }
        }
    }
}

fn remove(path: Option<PathBuf>) {
    if let Some(path) = path {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
}

struct Settings {
    runs: usize,
    run_time: Duration,
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn event(n: u64, kind: &str) -> NewEvent {
    NewEvent::new(
        kind,
        format!(
            r#"{{"ticket":"t-{n:08}","title":"Printer on floor 3 is out of toner","priority":2}}"#
        ),
    )
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn percentile(latencies: &mut [Duration], fraction: f64) -> Duration {
    if latencies.is_empty() {
        return Duration::ZERO;
    }
    latencies.sort_unstable();
    let index = ((latencies.len() as f64 - 1.0) * fraction).round() as usize;
    latencies[index]
}

fn micros(duration: Duration) -> String {
    format!("{:.0} µs", duration.as_secs_f64() * 1e6)
}

fn rate(per_second: f64) -> String {
    if per_second >= 1e6 {
        format!("{:.2} M/s", per_second / 1e6)
    } else if per_second >= 1e3 {
        format!("{:.1} k/s", per_second / 1e3)
    } else {
        format!("{per_second:.0} /s")
    }
}

/// How the appenders of one measurement decide their conditions.
#[derive(Clone, Copy, Debug)]
enum Mode {
    /// Unconditional appends.
    Free,
    /// Read the head, append with `HeadIs(head)`: every append by anyone is
    /// a conflict.
    HeadIs,
    /// `NoneOfKindsAfter` on one kind that every appender writes.
    SharedKind,
    /// `NoneOfKindsAfter` on the appender's own kind: never a conflict.
    OwnKind,
}

struct Outcome {
    events: u64,
    conflicts: u64,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

async fn append_run(
    log: SharedLog,
    appenders: usize,
    batch: usize,
    mode: Mode,
    time: Duration,
) -> Outcome {
    let start = Instant::now();
    let deadline = start + time;
    let tasks: Vec<_> = (0..appenders)
        .map(|appender| {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let own_kind = format!("Own{appender}");
                let mut mine = 0;
                let mut events = 0u64;
                let mut conflicts = 0u64;
                let mut latencies = Vec::new();
                let mut n = 0u64;
                while Instant::now() < deadline {
                    let began = Instant::now();
                    let (kind, condition) = match mode {
                        Mode::Free => ("Ticket", Condition::None),
                        Mode::HeadIs => {
                            ("Ticket", Condition::HeadIs(log.head().await.expect("head")))
                        }
                        Mode::SharedKind => {
                            let head = log.head().await.expect("head");
                            let condition = Condition::NoneOfKindsAfter {
                                kinds: vec!["Counter".into()].into(),
                                after: head,
                            };
                            ("Counter", condition)
                        }
                        Mode::OwnKind => {
                            let condition = Condition::NoneOfKindsAfter {
                                kinds: vec![own_kind.clone()].into(),
                                after: mine,
                            };
                            (own_kind.as_str(), condition)
                        }
                    };
                    let events_of_batch = (0..batch).map(|i| event(n + i as u64, kind)).collect();
                    n += batch as u64;
                    match log.append(events_of_batch, condition).await {
                        Ok(appended) => {
                            events += appended.len() as u64;
                            mine = appended.last;
                            latencies.push(began.elapsed());
                        }
                        Err(LogError::Conflict(_)) => conflicts += 1,
                        Err(other) => panic!("append failed: {other}"),
                    }
                }
                (events, conflicts, latencies)
            })
        })
        .collect();
    let mut outcome = Outcome {
        events: 0,
        conflicts: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for task in tasks {
        let (events, conflicts, latencies) = task.await.expect("appender");
        outcome.events += events;
        outcome.conflicts += conflicts;
        outcome.latencies.extend(latencies);
    }
    outcome.elapsed = start.elapsed();
    outcome
}

/// Unconditional appends of prebuilt batches (so the figure is the log's
/// work, not the building of events): each appender appends its stock as
/// fast as it can.
async fn stock_run(log: SharedLog, stocks: Vec<Vec<Vec<NewEvent>>>) -> Outcome {
    let start = Instant::now();
    let tasks: Vec<_> = stocks
        .into_iter()
        .map(|stock| {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut events = 0u64;
                let mut latencies = Vec::with_capacity(stock.len());
                for batch in stock {
                    let began = Instant::now();
                    let appended = log.append(batch, Condition::None).await.expect("append");
                    latencies.push(began.elapsed());
                    events += appended.len() as u64;
                }
                (events, latencies)
            })
        })
        .collect();
    let mut outcome = Outcome {
        events: 0,
        conflicts: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
    };
    for task in tasks {
        let (events, latencies) = task.await.expect("appender");
        outcome.events += events;
        outcome.latencies.extend(latencies);
    }
    outcome.elapsed = start.elapsed();
    outcome
}

/// Most events a run prebuilds (bounds the memory a run takes).
const MAX_STOCK: u64 = 3_000_000;

async fn appends(backend: Backend, settings: &Settings) {
    println!("\n### {}: appends\n", backend.name());
    println!("| appenders | batch | events/s | appends/s | append latency p50 | p99 |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for batch in [1, 100] {
        for appenders in [1, 8, 64] {
            // A short run with events built on the fly tells how many
            // events a run of the set length needs.
            let (log, path) = backend.fresh().await;
            let probe_time = settings.run_time / 4;
            let probe = append_run(log, appenders, batch, Mode::Free, probe_time).await;
            remove(path);
            let wanted = (probe.events as f64 / probe.elapsed.as_secs_f64()
                * settings.run_time.as_secs_f64()) as u64;
            let per_appender = wanted.clamp(1, MAX_STOCK) / (appenders * batch) as u64;
            let per_appender = per_appender.max(1) as usize;

            let mut events = Vec::new();
            let mut appends_per_second = Vec::new();
            let mut latencies = Vec::new();
            for _ in 0..settings.runs {
                let stocks = (0..appenders)
                    .map(|appender| {
                        (0..per_appender)
                            .map(|b| {
                                let first = ((appender * per_appender + b) * batch) as u64;
                                (first..first + batch as u64)
                                    .map(|n| event(n, "Ticket"))
                                    .collect()
                            })
                            .collect()
                    })
                    .collect();
                let (log, path) = backend.fresh().await;
                let outcome = stock_run(log, stocks).await;
                remove(path);
                let seconds = outcome.elapsed.as_secs_f64();
                events.push(outcome.events as f64 / seconds);
                appends_per_second.push(outcome.latencies.len() as f64 / seconds);
                latencies.extend(outcome.latencies);
            }
            println!(
                "| {appenders} | {batch} | {} | {} | {} | {} |",
                rate(median(&mut events)),
                rate(median(&mut appends_per_second)),
                micros(percentile(&mut latencies, 0.5)),
                micros(percentile(&mut latencies, 0.99)),
            );
        }
    }
}

async fn conditional(backend: Backend, settings: &Settings) {
    println!(
        "\n### {}: conditional appends (batch 1) under contention\n",
        backend.name()
    );
    println!(
        "| condition | appenders | successful appends/s | conflicts/s | success latency p50 | p99 |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (mode, label) in [
        (Mode::HeadIs, "head is V (read head, then append)"),
        (Mode::SharedKind, "no event of the one shared kind after V"),
        (Mode::OwnKind, "no event of the appender's own kind after V"),
    ] {
        for appenders in [8, 64] {
            let mut successes = Vec::new();
            let mut conflicts = Vec::new();
            let mut latencies = Vec::new();
            for _ in 0..settings.runs {
                let (log, path) = backend.fresh().await;
                let outcome = append_run(log, appenders, 1, mode, settings.run_time).await;
                remove(path);
                let seconds = outcome.elapsed.as_secs_f64();
                successes.push(outcome.events as f64 / seconds);
                conflicts.push(outcome.conflicts as f64 / seconds);
                latencies.extend(outcome.latencies);
            }
            println!(
                "| {label} | {appenders} | {} | {} | {} | {} |",
                rate(median(&mut successes)),
                rate(median(&mut conflicts)),
                micros(percentile(&mut latencies, 0.5)),
                micros(percentile(&mut latencies, 0.99)),
            );
        }
    }
}

async fn reads(backend: Backend, settings: &Settings) {
    const EVENTS: u64 = 1_000_000;
    const KINDS: u64 = 10;
    let (log, path) = backend.fresh().await;
    let filling = Instant::now();
    for start in (0..EVENTS).step_by(1000) {
        let batch = (start..start + 1000)
            .map(|n| event(n, &format!("Kind{}", n % KINDS)))
            .collect();
        log.append(batch, Condition::None).await.expect("fill");
    }
    let fill_time = filling.elapsed();
    println!(
        "\n### {}: reads of a {EVENTS}-event log\n\n(filled with 1,000 appends of 1,000 events in {:.1} s: {})\n",
        backend.name(),
        fill_time.as_secs_f64(),
        rate(EVENTS as f64 / fill_time.as_secs_f64())
    );
    println!("| read | batch | events returned/s | whole read |");
    println!("|---|---:|---:|---:|");
    let all = KindFilter::All;
    let one_kind = KindFilter::kinds(["Kind3"]);
    for (filter, label) in [(&all, "all events"), (&one_kind, "one kind of ten")] {
        for batch in [1_000, 10_000] {
            let mut per_second = Vec::new();
            let mut times = Vec::new();
            for _ in 0..settings.runs {
                let start = Instant::now();
                let mut reader = LogReader::new(&*log, filter.clone(), 0).with_batch_size(batch);
                let mut count = 0u64;
                while let Some(records) = reader.next_batch().await.expect("read") {
                    count += records.len() as u64;
                }
                let elapsed = start.elapsed();
                assert_eq!(reader.position(), EVENTS);
                per_second.push(count as f64 / elapsed.as_secs_f64());
                times.push(elapsed.as_secs_f64());
            }
            println!(
                "| {label} | {batch} | {} | {:.2} s |",
                rate(median(&mut per_second)),
                median(&mut times)
            );
        }
    }
    drop(log);
    remove(path);
}

fn main() {
    let names: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    let backend_names = ["memory", "sqlite", "normal"];
    let any_backend = names.iter().any(|n| backend_names.contains(&n.as_str()));
    let wants = |name: &str| !any_backend || names.iter().any(|n| n == name);
    let mut backends = Vec::new();
    if wants("memory") {
        backends.push(Backend::Memory);
    }
    #[cfg(feature = "sqlite")]
    {
        if wants("sqlite") {
            backends.push(Backend::Sqlite(goesgen_runtime::Synchronous::Full));
        }
        if names.iter().any(|n| n == "normal") {
            backends.push(Backend::Sqlite(goesgen_runtime::Synchronous::Normal));
        }
    }
    let settings = Settings {
        runs: env_number("GOESGEN_BENCH_RUNS", 5).max(1) as usize,
        run_time: Duration::from_millis(env_number("GOESGEN_BENCH_MILLIS", 500)),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "Event log benchmarks: median of {} runs of {} ms; {} CPUs",
        settings.runs,
        settings.run_time.as_millis(),
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let sections = ["appends", "conditional", "reads"];
    let all_sections = !names.iter().any(|n| sections.contains(&n.as_str()));
    let section = |name: &str| all_sections || names.iter().any(|n| n == name);
    runtime.block_on(async {
        for backend in backends {
            if section("appends") {
                appends(backend, &settings).await;
            }
            if section("conditional") {
                conditional(backend, &settings).await;
            }
            if section("reads") {
                reads(backend, &settings).await;
            }
        }
    });
}
