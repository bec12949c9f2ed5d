//! What personal data costs on `PostgresLog`: appends of one event whose
//! name is sealed (a new subject each time, so each append also makes and
//! stores a data key; or one of 100 subjects, whose keys exist) against
//! the same event in the clear, from 1 and 8 appenders; and reading
//! 10,000 records then opening them (one `data_keys` round trip per
//! batch, the AEAD per value) against reading them in the clear.
//!
//! Needs a database (`GOESGEN_TEST_POSTGRES`); without it the benchmark
//! says so and exits. Each append scenario runs on a table of its own for
//! `GOESGEN_BENCH_SECONDS` (default 3) seconds:
//!
//! ```text
//! pg_virtualenv bash -c 'GOESGEN_TEST_POSTGRES="host=$PGHOST port=$PGPORT \
//!   user=$PGUSER password=$PGPASSWORD dbname=$PGDATABASE" \
//!   cargo bench -p goesgen-postgres --bench personal'
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use goesgen_postgres::testing::unique_table;
use goesgen_postgres::{PostgresLog, PostgresOptions};
use goesgen_runtime::personal::{MasterKey, PersonalSpec, open_records};
use goesgen_runtime::{Append, EventLog, KindFilter, NewEvent};

/// `UserCreated`'s name is personal data about its `id`.
static USER: PersonalSpec = PersonalSpec {
    subject: "id",
    subject_kind: "User",
    fields: &["name"],
};

/// Records the read scenario reads.
const READ_EVENTS: u64 = 10_000;

fn main() {
    let Ok(conninfo) = std::env::var("GOESGEN_TEST_POSTGRES") else {
        eprintln!("personal: GOESGEN_TEST_POSTGRES is not set; nothing to measure");
        return;
    };
    let full = std::env::args().any(|arg| arg == "--bench");
    let seconds: f64 = std::env::var("GOESGEN_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if full { 3.0 } else { 0.2 });
    let duration = Duration::from_secs_f64(seconds);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        println!("PostgresLog personal data, {seconds} s per append scenario");
        println!(
            "{:<48} {:>12} {:>10} {:>10}",
            "scenario", "appends/s", "p50 ms", "p99 ms"
        );
        for appenders in [1, 8] {
            for (name, sealing) in [
                ("clear", Sealing::Clear),
                ("sealed, known subject (of 100)", Sealing::Known),
                ("sealed, new subject each", Sealing::New),
            ] {
                let log = fresh_log(&conninfo).await;
                let measured = appends(&log, appenders, sealing, duration).await;
                measured.print(&format!("append {name}, {appenders} appenders"));
            }
        }
        reads(&conninfo, if full { READ_EVENTS } else { 1_000 }).await;
    });
}

async fn fresh_log(conninfo: &str) -> Arc<PostgresLog> {
    let table = unique_table("bench_pii");
    let log = PostgresOptions::new(conninfo)
        .table(table)
        .master_key(MasterKey::from_bytes([5; 32]))
        .connect()
        .await
        .expect("open the log");
    Arc::new(log)
}

/// How the appended name is stored.
#[derive(Clone, Copy)]
enum Sealing {
    /// In the clear.
    Clear,
    /// Sealed, for one of 100 subjects (their keys exist after the first
    /// round).
    Known,
    /// Sealed, for a subject never seen (a key made and stored each time).
    New,
}

/// One `UserCreated` of the `n`th append of `appender`.
fn append_of(appender: usize, n: u64, sealing: Sealing) -> Append {
    let id = match sealing {
        Sealing::New => format!("u-{appender}-{n}"),
        _ => format!("u-{}", n % 100),
    };
    let payload = format!(r#"{{"id":"{id}","name":"Ada Lovelace","plan":"basic"}}"#);
    let append = Append::new(vec![NewEvent::new("UserCreated", payload)]);
    match sealing {
        Sealing::Clear => append,
        _ => append.seal(0, &USER),
    }
}

/// What a scenario measured.
struct Measured {
    appends: u64,
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
        println!(
            "{name:<48} {:>12.0} {:>10.2} {:>10.2}",
            self.appends as f64 / self.elapsed.as_secs_f64(),
            at(0.5),
            at(0.99)
        );
    }
}

async fn appends(
    log: &Arc<PostgresLog>,
    appenders: usize,
    sealing: Sealing,
    duration: Duration,
) -> Measured {
    let started = Instant::now();
    let deadline = started + duration;
    let mut tasks = Vec::new();
    for appender in 0..appenders {
        let log = Arc::clone(log);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut n = 0;
            while Instant::now() < deadline {
                let at = Instant::now();
                log.append_with(append_of(appender, n, sealing))
                    .await
                    .expect("append");
                latencies.push(at.elapsed());
                n += 1;
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("appender"));
    }
    Measured {
        appends: latencies.len() as u64,
        elapsed: started.elapsed(),
        latencies,
    }
}

/// Reads `events` records (of 100 subjects) in pages of 1,000, in the
/// clear and sealed then opened; the median of 5 passes each.
async fn reads(conninfo: &str, events: u64) {
    println!(
        "\n{:<48} {:>12} {:>10}",
        format!("read {events} records, pages of 1000"),
        "records/s",
        "ms"
    );
    for (name, sealing) in [
        ("clear", Sealing::Clear),
        ("sealed, opened", Sealing::Known),
    ] {
        let log = fresh_log(conninfo).await;
        let mut n = 0;
        while n < events {
            let batch: Vec<NewEvent> = (n..(n + 500).min(events))
                .flat_map(|i| append_of(0, i, sealing).events)
                .collect();
            let mut append = Append::new(batch);
            if let Sealing::Known = sealing {
                for index in 0..append.events.len() {
                    append = append.seal(index, &USER);
                }
            }
            n += append.events.len() as u64;
            log.append_with(append).await.expect("fill");
        }
        let mut passes = Vec::new();
        for _ in 0..5 {
            let started = Instant::now();
            let mut after = 0;
            loop {
                let batch = log.read(after, &KindFilter::All, 1000).await.expect("read");
                let Some(last) = batch.records.last() else {
                    break;
                };
                after = last.position;
                let mut records = batch.records;
                open_records(&*log, &mut records).await.expect("open");
            }
            passes.push(started.elapsed());
        }
        passes.sort_unstable();
        let median = passes[passes.len() / 2];
        println!(
            "{name:<48} {:>12.0} {:>10.1}",
            events as f64 / median.as_secs_f64(),
            median.as_secs_f64() * 1e3
        );
    }
}
