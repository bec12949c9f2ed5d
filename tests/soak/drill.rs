//! The drill's plan: how long it runs and how many call at once, its
//! random numbers, what it runs on (`Setup`), and `run`, which starts the
//! servers, the faults and the clients, gathers the figures and runs the
//! checks; then the two runs, on SQLite and on PostgreSQL.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::callers::{Outcome, call_away, open_accounts};
use crate::child::ChildServer;
use crate::faults::{append_refused, kill_and_restart};
use crate::figures::Figures;

/// How many clients call at once.
const CLIENTS: u64 = 32;
/// How many server processes share the log.
pub const SERVERS: usize = 2;
/// Seconds of traffic unless `GOESGEN_SOAK_SECS` says otherwise.
const DEFAULT_SECS: u64 = 40;
/// How long a call may still take to resolve once the traffic stopped.
const SETTLE: Duration = Duration::from_secs(60);

/// A small random number generator (SplitMix64), seeded at random.
pub struct Rng(u64);

impl Rng {
    pub fn new() -> Self {
        Self(uuid::Uuid::new_v4().as_u64_pair().0)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A duration in `from..to` milliseconds.
    pub fn millis(&mut self, from: u64, to: u64) -> Duration {
        Duration::from_millis(from + self.below(to - from))
    }
}

/// The servers' current addresses, as the clients learn them.
pub type Addresses = Arc<RwLock<Vec<String>>>;

/// What a drill runs on.
pub struct Setup {
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// The log, as `goesgen::open_log` and `goesgen log` name it.
    pub log: String,
    /// The log as failures name it (no password).
    pub shown: String,
    /// Each server's store file.
    pub stores: Vec<PathBuf>,
}

impl Setup {
    fn new(backend: &'static str, log: String, shown: String) -> Self {
        let stores = (0..SERVERS)
            .map(|i| crate::scratch::sqlite_path("soak", &format!("{backend}-store-{i}")))
            .collect();
        Self {
            backend,
            log,
            shown,
            stores,
        }
    }
}

/// How long the traffic runs.
fn traffic_time() -> Duration {
    let secs = match std::env::var("GOESGEN_SOAK_SECS") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("GOESGEN_SOAK_SECS={text:?} is not a number of seconds")),
        Err(_) => DEFAULT_SECS,
    };
    Duration::from_secs(secs)
}

/// Runs the drill on `setup`, then its checks; prints the figures.
pub async fn run(setup: Setup) {
    let log = goesgen::open_log(&setup.log).await.unwrap();
    let setup = Arc::new(setup);
    let servers: Vec<ChildServer> = {
        let setup = setup.clone();
        tokio::task::spawn_blocking(move || (0..SERVERS).map(|i| setup.start(i)).collect())
            .await
            .unwrap()
    };
    let addresses: Addresses = Arc::new(RwLock::new(
        servers.iter().map(|server| server.url.clone()).collect(),
    ));
    let http = reqwest::Client::new();
    open_accounts(&http, &addresses).await;

    let started = Instant::now();
    let stop_at = started + traffic_time();
    let give_up_at = stop_at + SETTLE;
    let killer = tokio::spawn(kill_and_restart(
        setup.clone(),
        servers,
        addresses.clone(),
        stop_at,
    ));
    let writer = tokio::spawn(append_refused(log.clone(), stop_at));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|client| {
            tokio::spawn(call_away(
                client,
                http.clone(),
                addresses.clone(),
                stop_at,
                give_up_at,
            ))
        })
        .collect();

    let mut figures = Figures::default();
    let mut calls = Vec::new();
    for client in clients {
        let (done, counts) = client.await.unwrap();
        calls.extend(done);
        figures.add(counts);
    }
    figures.traffic = started.elapsed();
    let (servers, kills) = killer.await.unwrap();
    figures.kills = kills;
    (figures.refused_appended, figures.third_writer_errors) = writer.await.unwrap();
    // Stop the servers (gracefully: their stores are as they left them).
    tokio::task::spawn_blocking(move || drop(servers))
        .await
        .unwrap();

    figures.calls = calls.len() as u64;
    for (_, outcome) in &calls {
        match outcome {
            Outcome::Acknowledged { .. } => figures.acknowledged += 1,
            Outcome::Duplicate { .. } => figures.duplicates += 1,
            Outcome::Unresolved => figures.unresolved += 1,
        }
    }
    let problems = crate::checks::check(&setup, &log, &calls, &mut figures).await;
    figures.print(setup.backend);
    let mut failures = problems;
    if figures.unresolved > 0 {
        failures.push(format!(
            "{} calls had no answer {SETTLE:?} after the traffic stopped",
            figures.unresolved
        ));
    }
    for (answer, seen) in &figures.unexpected {
        failures.push(format!(
            "{} unexpected answers, from {:.1} s to {:.1} s into the traffic: {answer}",
            seen.count,
            seen.first.saturating_duration_since(started).as_secs_f64(),
            seen.last.saturating_duration_since(started).as_secs_f64(),
        ));
    }
    if !figures.third_writer_errors.is_empty() {
        failures.push(format!(
            "the third writer's appends failed {} times, e.g. {:?}",
            figures.third_writer_errors.len(),
            &figures.third_writer_errors[..figures.third_writer_errors.len().min(5)]
        ));
    }
    assert!(
        failures.is_empty(),
        "soak [{}] on {}: {} problems:\n{}",
        setup.backend,
        setup.shown,
        failures.len(),
        failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite() {
    let path = crate::scratch::sqlite_path("soak", "log");
    // Create the log file before the servers open it.
    drop(goesgen::SqliteLog::open(&path).await.unwrap());
    let log = format!("sqlite:{}", path.display());
    run(Setup::new("sqlite", log.clone(), log)).await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgres() {
    let Some(conninfo) = goesgen_postgres::testing::conninfo() else {
        return;
    };
    let database = crate::checks::Database::create(&conninfo).await;
    let log = format!("postgres:{}", database.conninfo);
    let shown = format!("the database {}", database.name);
    run(Setup::new("postgres", log, shown)).await;
    database.drop().await;
}
