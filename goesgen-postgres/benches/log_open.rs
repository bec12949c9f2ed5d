//! What opening a log costs, now that opening checks the log (issue 19, "a
//! damaged log is latched"): the positions are counted once (`count`,
//! `min`, `max`) and each kind's stored newest position is probed in the
//! kind index. Opens a log of 1,000 events and one of 1,000,000 (filled
//! in appends of 1,000 events), on SQLite and, with
//! `GOESGEN_TEST_POSTGRES` set, on PostgreSQL (hence its place in this
//! crate, which can open both); the check's cost is the difference between
//! the two (the rest of an open does not depend on the log's length).
//!
//! Each figure is the median of `GOESGEN_BENCH_RUNS` opens (default 11),
//! after one open that warms the caches. Run it with
//!
//! ```text
//! pg_virtualenv bash -c 'GOESGEN_TEST_POSTGRES="host=$PGHOST port=$PGPORT \
//!   user=$PGUSER password=$PGPASSWORD dbname=$PGDATABASE" \
//!   cargo bench -p goesgen-postgres --bench log_open'
//! ```
//!
//! `cargo test --benches` (no `--bench` argument) runs it with 2,000
//! events and three opens, as a smoke test.

use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use goesgen_runtime::{Condition, EventLog, NewEvent, SharedLog, SqliteLog};

/// Events per append while filling a log.
const FILL_BATCH: u64 = 1_000;

fn main() {
    let full = std::env::args().any(|arg| arg == "--bench");
    let (sizes, runs): ([u64; 2], usize) = if full {
        let runs = std::env::var("GOESGEN_BENCH_RUNS")
            .ok()
            .and_then(|runs| runs.parse().ok())
            .unwrap_or(11);
        ([1_000, 1_000_000], runs)
    } else {
        ([1_000, 2_000], 3)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        println!("| backend | events | open, median ms | min ms | max ms |");
        println!("| --- | ---: | ---: | ---: | ---: |");
        for events in sizes {
            let path = sqlite_file(events).await;
            let opens = measure(runs, || async {
                SqliteLog::open(&path).await.expect("open the SQLite log")
            })
            .await;
            report("SQLite", events, &opens);
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
        postgres(sizes, runs).await;
    });
}

/// A new SQLite file holding `events` events.
async fn sqlite_file(events: u64) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("goesgen-log-open");
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let path = dir.join(format!("open-{events}-{}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let log = SqliteLog::open(&path).await.expect("create the SQLite log");
    fill(&log.shared(), events).await;
    path
}

/// Appends `events` events to `log`, `FILL_BATCH` at a time, of ten
/// kinds (so the open check probes ten kinds).
async fn fill(log: &SharedLog, events: u64) {
    let started = Instant::now();
    let mut n = 0;
    while n < events {
        let batch = (n..(n + FILL_BATCH).min(events))
            .map(|i| {
                NewEvent::new(
                    format!("Kind{}", i % 10),
                    format!(
                        r#"{{"n":{i},"account":"acct-{:04}","amount":125}}"#,
                        i % 1000
                    ),
                )
            })
            .collect::<Vec<_>>();
        n += batch.len() as u64;
        log.append(batch, Condition::None).await.expect("fill");
    }
    eprintln!("filled {events} events in {:.1?}", started.elapsed());
}

/// The time of each of `runs` opens with `open` (after one more that is
/// not counted), the log closed after each.
async fn measure<L, F, Fut>(runs: usize, open: F) -> Vec<Duration>
where
    L: EventLog,
    F: Fn() -> Fut,
    Fut: Future<Output = L>,
{
    drop(open().await);
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let log = open().await;
        times.push(started.elapsed());
        drop(log);
    }
    times.sort_unstable();
    times
}

/// One row of the table.
fn report(backend: &str, events: u64, sorted: &[Duration]) {
    let ms = |time: &Duration| time.as_secs_f64() * 1000.0;
    println!(
        "| {backend} | {events} | {:.2} | {:.2} | {:.2} |",
        ms(&sorted[sorted.len() / 2]),
        ms(&sorted[0]),
        ms(&sorted[sorted.len() - 1])
    );
}

/// The PostgreSQL rows, on tables of their own in the database of
/// `GOESGEN_TEST_POSTGRES`, dropped afterwards.
async fn postgres(sizes: [u64; 2], runs: usize) {
    use goesgen_postgres::{PostgresLog, PostgresOptions};

    let Ok(conninfo) = std::env::var("GOESGEN_TEST_POSTGRES") else {
        eprintln!("log_open: GOESGEN_TEST_POSTGRES is not set; no PostgreSQL figures");
        return;
    };
    let (client, connection) = tokio_postgres::connect(&conninfo, tokio_postgres::NoTls)
        .await
        .expect("connect to PostgreSQL");
    tokio::spawn(connection);
    for events in sizes {
        let table = format!("bench_open_{events}_{}", std::process::id());
        let options = PostgresOptions::new(&conninfo).table(&table);
        let log: SharedLog = std::sync::Arc::new(
            options
                .clone()
                .connect()
                .await
                .expect("create the PostgreSQL log"),
        );
        fill(&log, events).await;
        drop(log);
        let open = || async {
            let log: PostgresLog = options
                .clone()
                .connect()
                .await
                .expect("open the PostgreSQL log");
            log
        };
        report(
            "PostgreSQL, fresh table",
            events,
            &measure(runs, open).await,
        );
        client
            .batch_execute(&format!("VACUUM (ANALYZE) public.\"{table}\""))
            .await
            .expect("vacuum");
        report(
            "PostgreSQL, after VACUUM (ANALYZE)",
            events,
            &measure(runs, open).await,
        );
        client
            .batch_execute(&format!(
                "DROP TABLE public.\"{table}\", public.\"{table}_kinds\", public.\"{table}_keys\""
            ))
            .await
            .expect("drop the tables");
    }
}
