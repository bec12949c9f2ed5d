//! The drill's traffic: the servers (child processes) and their killer,
//! the clients, and the third writer; the two runs (SQLite, PostgreSQL)
//! and the child's entry point.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use goesgen::http::{ClientError, HttpClient, HttpOptions, Positions, RequestOptions, RetryPolicy};
use goesgen::{Condition, IdempotencyKey, RefusedRecords, ServiceOptions, SharedLog};

use crate::bank::schema::bank::{BankClient, BankService};
use crate::bank::schema::events::{AccountOpened, Event, MoneyDeposited};
use crate::bank::{Bank, Caller, SqliteStore, open_store, transfer};
use crate::child::{ChildServer, serve_until_stdin_closes};

/// The accounts the clients deposit into.
pub const ACCOUNTS: [&str; 4] = ["a0", "a1", "a2", "a3"];
/// The account every store refuses (its table's constraint).
pub const FORBIDDEN: &str = "forbidden";
/// How many clients call at once.
const CLIENTS: u64 = 32;
/// How many server processes share the log.
pub const SERVERS: usize = 2;
/// The most calls one client makes.
const MAX_CALLS: u64 = 100_000;
/// Seconds of traffic unless `GOESGEN_SOAK_SECS` says otherwise.
const DEFAULT_SECS: u64 = 40;
/// How long a call may still take to resolve once the traffic stopped.
const SETTLE: Duration = Duration::from_secs(60);
/// The share of tries (percent) that hang up mid-call.
const HANG_UP_PERCENT: u64 = 25;
/// How long a server serves at most if the drill never stops it.
const MAX_SERVE: Duration = Duration::from_secs(3_600);

/// The child's environment: the log (`sqlite:PATH` or `postgres:CONNINFO`)
/// and its store file.
const LOG: &str = "GOESGEN_SOAK_LOG";
const STORE: &str = "GOESGEN_SOAK_STORE";

/// How the servers run: records their store refuses are skipped.
pub fn options() -> ServiceOptions {
    ServiceOptions::default().refused_records(RefusedRecords::Skip)
}

/// The bank on its SQLite store.
pub type Service = BankService<Bank<SqliteStore>>;

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
    fn millis(&mut self, from: u64, to: u64) -> Duration {
        Duration::from_millis(from + self.below(to - from))
    }
}

/// One call a client makes: a deposit whose amount no other call has, so
/// the log names the call.
#[derive(Debug, Clone)]
pub struct Call {
    pub key: IdempotencyKey,
    pub account: &'static str,
    pub amount: u64,
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `200`: the new balance and where the deposit is.
    Acknowledged { balance: u64, positions: Positions },
    /// `409 duplicate`: an earlier try landed, there.
    Duplicate { positions: Positions },
    /// No answer before the drill's end.
    Unresolved,
}

/// What the drill did and saw.
#[derive(Debug, Default)]
pub struct Figures {
    pub calls: u64,
    pub acknowledged: u64,
    pub duplicates: u64,
    pub unresolved: u64,
    pub tries: u64,
    pub disconnects: u64,
    pub connection_errors: u64,
    /// Answers worth another try with the same key, by problem code.
    pub retried_answers: BTreeMap<String, u64>,
    /// Answers no call should get (status, code and detail), tried again:
    /// how many, and when.
    pub unexpected: BTreeMap<String, Seen>,
    pub kills: u64,
    pub refused_appended: u64,
    pub third_writer_errors: Vec<String>,
    pub skipped_by_replay: u64,
    pub head: u64,
    pub traffic: Duration,
}

impl Figures {
    fn add(&mut self, client: ClientFigures) {
        self.tries += client.tries;
        self.disconnects += client.disconnects;
        self.connection_errors += client.connection_errors;
        for (code, n) in client.retried_answers {
            *self.retried_answers.entry(code).or_default() += n;
        }
        for (answer, seen) in client.unexpected {
            match self.unexpected.get_mut(&answer) {
                Some(known) => known.merge(&seen),
                None => drop(self.unexpected.insert(answer, seen)),
            }
        }
    }

    /// The closing note's line.
    pub fn print(&self, backend: &str) {
        println!(
            "soak [{backend}]: {:.1} s of traffic; calls {} (acknowledged {}, duplicates \
             refused {}, unresolved {}); tries {} (retries {}); disconnects {}; connection \
             errors {}; retried answers {:?}; unexpected answers {}; kills {}; refused records \
             appended {} (skipped by a replay {}); log head {}",
            self.traffic.as_secs_f64(),
            self.calls,
            self.acknowledged,
            self.duplicates,
            self.unresolved,
            self.tries,
            self.tries.saturating_sub(self.calls),
            self.disconnects,
            self.connection_errors,
            self.retried_answers,
            self.unexpected.values().map(|seen| seen.count).sum::<u64>(),
            self.kills,
            self.refused_appended,
            self.skipped_by_replay,
            self.head,
        );
    }
}

/// One client's counts.
#[derive(Default)]
struct ClientFigures {
    tries: u64,
    disconnects: u64,
    connection_errors: u64,
    retried_answers: BTreeMap<String, u64>,
    unexpected: BTreeMap<String, Seen>,
}

impl ClientFigures {
    fn unexpected(&mut self, answer: String) {
        let now = Instant::now();
        self.unexpected
            .entry(answer)
            .and_modify(|seen| seen.merge(&Seen::once(now)))
            .or_insert_with(|| Seen::once(now));
    }
}

/// How many times something was seen, first and last.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub count: u64,
    pub first: Instant,
    pub last: Instant,
}

impl Seen {
    fn once(at: Instant) -> Self {
        Self {
            count: 1,
            first: at,
            last: at,
        }
    }

    fn merge(&mut self, other: &Seen) {
        self.count += other.count;
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
    }
}

/// The servers' current addresses, as the clients learn them.
type Addresses = Arc<RwLock<Vec<String>>>;

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

    /// Starts server `i` on its store (blocking).
    fn start(&self, i: usize) -> ChildServer {
        let store = self.stores[i].display().to_string();
        ChildServer::start("drill::server", &[(LOG, &self.log), (STORE, &store)])
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

/// A client of server `i` that does not retry by itself.
fn client_of(http: &reqwest::Client, addresses: &Addresses, i: usize) -> BankClient {
    let url = addresses.read().unwrap()[i].clone();
    BankClient::new(HttpClient::with_client(url, http.clone()).retry(RetryPolicy::none()))
}

/// Opens the accounts (before anything is killed).
async fn open_accounts(http: &reqwest::Client, addresses: &Addresses) {
    let client = client_of(http, addresses, 0);
    for account in ACCOUNTS {
        let key = IdempotencyKey::new(format!("open-{account}")).unwrap();
        let options = RequestOptions::new().key(key);
        let opened = client.open_with(account.into(), options).await;
        assert!(opened.is_ok(), "opening {account}: {opened:?}");
    }
}

/// Kills one server (in turn) every 2 to 4 seconds and starts it again on
/// its store, until `stop_at`. Returns the servers and the kill count.
async fn kill_and_restart(
    setup: Arc<Setup>,
    mut servers: Vec<ChildServer>,
    addresses: Addresses,
    stop_at: Instant,
) -> (Vec<ChildServer>, u64) {
    let mut rng = Rng::new();
    let mut kills = 0;
    loop {
        let next = Instant::now() + rng.millis(2_000, 4_000);
        if next >= stop_at {
            break;
        }
        tokio::time::sleep_until(next.into()).await;
        let i = kills as usize % SERVERS;
        let victim = servers.remove(i);
        let setup = setup.clone();
        let restarted = tokio::task::spawn_blocking(move || {
            victim.kill();
            setup.start(i)
        })
        .await
        .unwrap();
        addresses.write().unwrap()[i] = restarted.url.clone();
        servers.insert(i, restarted);
        kills += 1;
    }
    (servers, kills)
}

/// The third writer: appends a record every store refuses every 100 to
/// 300 milliseconds until `stop_at`. Returns how many it appended and
/// its errors.
async fn append_refused(log: SharedLog, stop_at: Instant) -> (u64, Vec<String>) {
    let mut rng = Rng::new();
    let (mut appended, mut errors) = (0, Vec::new());
    while Instant::now() < stop_at {
        tokio::time::sleep(rng.millis(100, 300)).await;
        let account = FORBIDDEN.to_string();
        let event = if appended % 2 == 0 {
            Event::from(AccountOpened { account })
        } else {
            Event::from(MoneyDeposited {
                account,
                amount: 1,
                balance: 1,
            })
        };
        match log
            .append(vec![event.to_new_event().unwrap()], Condition::None)
            .await
        {
            Ok(_) => appended += 1,
            Err(error) => errors.push(error.to_string()),
        }
    }
    (appended, errors)
}

/// One client: deposits until `stop_at` (or [`MAX_CALLS`]), each call
/// repeated with its key until it is answered.
async fn call_away(
    client: u64,
    http: reqwest::Client,
    addresses: Addresses,
    stop_at: Instant,
    give_up_at: Instant,
) -> (Vec<(Call, Outcome)>, ClientFigures) {
    let mut rng = Rng::new();
    let mut figures = ClientFigures::default();
    let mut calls = Vec::new();
    for n in 0..MAX_CALLS {
        if Instant::now() >= stop_at {
            break;
        }
        let call = Call {
            key: IdempotencyKey::new(format!("soak-{client}-{n}")).unwrap(),
            account: ACCOUNTS[rng.below(ACCOUNTS.len() as u64) as usize],
            amount: client * 1_000_000 + n + 1,
        };
        let outcome =
            call_until_answered(&call, &http, &addresses, give_up_at, &mut rng, &mut figures).await;
        calls.push((call, outcome));
    }
    (calls, figures)
}

/// Tries `call` against either server until it is acknowledged or
/// refused as a duplicate, hanging up on some tries.
async fn call_until_answered(
    call: &Call,
    http: &reqwest::Client,
    addresses: &Addresses,
    give_up_at: Instant,
    rng: &mut Rng,
    figures: &mut ClientFigures,
) -> Outcome {
    use goesgen::http::codes;
    while Instant::now() < give_up_at {
        let client = client_of(http, addresses, rng.below(SERVERS as u64) as usize);
        let options = RequestOptions::new().key(call.key.clone());
        let deposit = client.deposit_with(transfer(call.account, call.amount), options);
        figures.tries += 1;
        let answer = if rng.below(100) < HANG_UP_PERCENT {
            match tokio::time::timeout(rng.millis(0, 30), deposit).await {
                Ok(answer) => answer,
                Err(_) => {
                    figures.disconnects += 1;
                    continue;
                }
            }
        } else {
            deposit.await
        };
        let error = match answer {
            Ok(written) => {
                return Outcome::Acknowledged {
                    balance: written.output,
                    positions: written.positions,
                };
            }
            Err(error) => error,
        };
        match (&error, error.status(), error.code()) {
            (_, Some(409), Some(codes::DUPLICATE)) => match error.positions() {
                Some(positions) => return Outcome::Duplicate { positions },
                None => figures.unexpected(format!("a duplicate without positions: {error}")),
            },
            (ClientError::Transport { .. }, _, _) => figures.connection_errors += 1,
            (_, Some(503), Some(code))
            | (_, Some(409), Some(code @ codes::CONFLICT))
            | (_, Some(500), Some(code @ (codes::INDETERMINATE | codes::UNSYNCED))) => {
                *figures.retried_answers.entry(code.to_string()).or_default() += 1;
            }
            _ => figures.unexpected(error.to_string()),
        }
        // Whatever the answer, the same key again is safe.
        tokio::time::sleep(rng.millis(1, 20)).await;
    }
    Outcome::Unresolved
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

/// Child: serves the bank on the log `GOESGEN_SOAK_LOG` and the store file
/// `GOESGEN_SOAK_STORE` until its stdin closes (or it is killed). With
/// `RUST_LOG` set, it logs to stderr. Ignored: the drill runs it, in a
/// child process, with `--ignored --exact` and its environment; run any
/// other way it fails rather than pass without serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a server process of the soak drill, which runs it"]
async fn server() {
    let (Ok(log), Ok(store)) = (std::env::var(LOG), std::env::var(STORE)) else {
        panic!(
            "{LOG} or {STORE} is unset: this is a child process's entry point, run by the drill"
        );
    };
    if std::env::var_os("RUST_LOG").is_some() {
        // The servers' own account of what went wrong, on stderr.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
    let log = goesgen::open_log(&log).await.unwrap();
    let store = open_store(std::path::Path::new(&store)).await;
    let bank = Arc::new(Service::new(Bank::default(), store, log, options()));
    bank.sync().await.unwrap();
    let router = bank.router(
        |_: &goesgen::http::Parts| Ok(Caller::default()),
        HttpOptions::default(),
    );
    serve_until_stdin_closes(router, MAX_SERVE).await;
}
