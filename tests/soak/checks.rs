//! The drill's checks once the traffic stopped: the calls against the log,
//! the log against itself and `goesgen log verify`, and each store against
//! a replay. Each returns what it found wrong, so that one run reports
//! every broken invariant.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use goesgen::{KindFilter, Position, Record, SharedLog};

use crate::bank::schema::events::Event;
use crate::bank::{Bank, SqliteStore, open_store};
use crate::callers::{ACCOUNTS, Call, Outcome};
use crate::drill::Setup;
use crate::faults::FORBIDDEN;
use crate::figures::Figures;
use crate::servers::{Service, options};

/// Balances by account.
type Balances = BTreeMap<String, u64>;

/// Every record of `log`, in order.
async fn whole_log(log: &SharedLog) -> Vec<Record> {
    let mut records = Vec::new();
    let mut after = 0;
    loop {
        let batch = log.read(after, &KindFilter::All, 10_000).await.unwrap();
        if batch.records.is_empty() {
            return records;
        }
        after = batch.records.last().unwrap().position;
        records.extend(batch.records);
    }
}

/// What a store holds after applying `records` up to `version` (the
/// table's rule: the account `forbidden` is refused, and skipped).
fn replayed(records: &[(Position, Event)], version: Position) -> Balances {
    let mut balances = Balances::new();
    for (_, event) in records.iter().take_while(|(at, _)| *at <= version) {
        match event {
            Event::AccountOpened(e) if e.account != FORBIDDEN => {
                balances.insert(e.account.clone(), 0);
            }
            Event::MoneyDeposited(e) if e.account != FORBIDDEN => {
                balances.insert(e.account.clone(), e.balance);
            }
            Event::MoneyWithdrawn(e) if e.account != FORBIDDEN => {
                balances.insert(e.account.clone(), e.balance);
            }
            _ => {}
        }
    }
    balances
}

/// A store's committed version and balances.
async fn contents(store: &SqliteStore) -> (Position, Balances) {
    let mut read = goesgen::Store::begin_read(store).await.unwrap();
    let version = goesgen::Store::read_version(store, &mut read)
        .await
        .unwrap();
    let mut statement = read.prepare("SELECT name, balance FROM accounts").unwrap();
    let balances = statement
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)? as u64))
        })
        .unwrap()
        .collect::<Result<Balances, _>>()
        .unwrap();
    (version, balances)
}

/// Runs every check; returns the problems found.
pub async fn check(
    setup: &Setup,
    log: &SharedLog,
    calls: &[(Call, Outcome)],
    figures: &mut Figures,
) -> Vec<String> {
    let mut problems = Vec::new();
    let records = whole_log(log).await;
    figures.head = log.head().await.unwrap();
    let events: Vec<(Position, Event)> = records
        .iter()
        .map(|r| (r.position, Event::from_record(&r.kind, &r.payload).unwrap()))
        .collect();
    check_log(&events, calls, figures, &mut problems);
    check_keys(log, calls, &mut problems).await;
    verify(&setup.log, &mut problems);
    check_stores(setup, log, &events, figures, &mut problems).await;
    problems
}

/// The calls against the log, and the log's own arithmetic.
fn check_log(
    events: &[(Position, Event)],
    calls: &[(Call, Outcome)],
    figures: &Figures,
    problems: &mut Vec<String>,
) {
    // Where each amount was deposited (position, account, balance).
    let mut deposits: HashMap<u64, Vec<(Position, String, u64)>> = HashMap::new();
    let mut opened: BTreeMap<String, u64> = BTreeMap::new();
    let mut balances = Balances::new();
    let mut refused = 0;
    for (at, event) in events {
        match event {
            Event::AccountOpened(e) if e.account == FORBIDDEN => refused += 1,
            Event::MoneyDeposited(e) if e.account == FORBIDDEN => refused += 1,
            Event::AccountOpened(e) => {
                *opened.entry(e.account.clone()).or_default() += 1;
                balances.insert(e.account.clone(), 0);
            }
            Event::MoneyDeposited(e) => {
                deposits
                    .entry(e.amount)
                    .or_default()
                    .push((*at, e.account.clone(), e.balance));
                let before = balances.get(&e.account).copied();
                if before.and_then(|b| b.checked_add(e.amount)) != Some(e.balance) {
                    problems.push(format!(
                        "position {at}: a deposit of {} into {} with the balance {:?} before \
                         says the balance is {} (a lost update)",
                        e.amount, e.account, before, e.balance
                    ));
                }
                balances.insert(e.account.clone(), e.balance);
            }
            other => problems.push(format!("position {at}: unexpected event {other:?}")),
        }
    }
    if refused != figures.refused_appended {
        problems.push(format!(
            "the log holds {refused} records of `{FORBIDDEN}`; the third writer appended {}",
            figures.refused_appended
        ));
    }
    for account in ACCOUNTS {
        if opened.get(account) != Some(&1) {
            problems.push(format!(
                "{account} was opened {:?} times",
                opened.get(account)
            ));
        }
    }
    // Each call at most once; each answered call exactly once, where its
    // answer says.
    let mut issued = HashMap::new();
    for (call, outcome) in calls {
        issued.insert(call.amount, ());
        let found = deposits.get(&call.amount).map_or(&[][..], Vec::as_slice);
        let answered = match outcome {
            Outcome::Acknowledged { positions, .. } | Outcome::Duplicate { positions } => {
                Some(*positions)
            }
            Outcome::Unresolved => None,
        };
        match (found, answered) {
            ([], None) => {}
            ([(at, account, balance)], answered) => {
                if *account != call.account {
                    problems.push(format!(
                        "{}: deposited into {account}, not {}",
                        call.key, call.account
                    ));
                }
                if let Some(positions) = answered
                    && !(positions.first..=positions.last).contains(at)
                {
                    problems.push(format!(
                        "{}: in the log at {at}, answered as at {positions:?} ({outcome:?})",
                        call.key
                    ));
                }
                if let Outcome::Acknowledged { balance: said, .. } = outcome
                    && said != balance
                {
                    problems.push(format!(
                        "{}: answered the balance {said}, the log says {balance}",
                        call.key
                    ));
                }
            }
            (found, answered) => problems.push(format!(
                "{}: in the log {} times ({found:?}) for the answer {outcome:?}{}",
                call.key,
                found.len(),
                if answered.is_some() && found.is_empty() {
                    " (an answered call is missing)"
                } else {
                    ""
                }
            )),
        }
    }
    for (amount, found) in &deposits {
        if !issued.contains_key(amount) {
            problems.push(format!("a deposit of {amount} no client made: {found:?}"));
        }
    }
}

/// Each answered call's key names where its deposit is.
async fn check_keys(log: &SharedLog, calls: &[(Call, Outcome)], problems: &mut Vec<String>) {
    for (call, outcome) in calls {
        let (Outcome::Acknowledged { positions, .. } | Outcome::Duplicate { positions }) = outcome
        else {
            continue;
        };
        // The server keeps the key scoped to the method (its callers are
        // not told apart).
        let key = goesgen::http::log_key("Bank", "Deposit", None, call.key.as_str())
            .expect("a key that fits");
        match log.find_key(&key).await {
            Ok(Some(record))
                if (record.appended.first, record.appended.last)
                    == (positions.first, positions.last) => {}
            found => problems.push(format!(
                "{}: answered at {positions:?}; its key finds {found:?}",
                call.key
            )),
        }
    }
}

/// `goesgen log verify LOG --schema bank.yml` finds no problem.
fn verify(log: &str, problems: &mut Vec<String>) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bank.yml");
    let output = Command::new(goesgen_binary())
        .args(["log", "verify", log, "--schema"])
        .arg(&schema)
        .output()
        .expect("run goesgen log verify");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let summary: Option<serde_json::Value> = stdout
        .lines()
        .last()
        .and_then(|line| serde_json::from_str(line).ok());
    let ok = summary.as_ref().and_then(|s| s.get("ok")) == Some(&serde_json::Value::Bool(true));
    if !output.status.success() || !ok {
        problems.push(format!(
            "goesgen log verify: {}\n{}\n{}",
            output.status,
            stdout.lines().take(20).collect::<Vec<_>>().join("\n"),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
}

/// The `goesgen` binary next to this test's (`target/<profile>/`), built
/// (or brought up to date: a binary left from an older build may not read
/// this build's log) with cargo, with every feature as the README's test
/// command builds it.
fn goesgen_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    let binary = profile_dir.join(format!("goesgen{}", std::env::consts::EXE_SUFFIX));
    let profile = match profile_dir.file_name().and_then(|name| name.to_str()) {
        Some("debug") | None => "dev",
        Some(other) => other,
    };
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--all-features", "-p", "goesgen-cli"])
        .args(["--bin", "goesgen", "--profile", profile, "--manifest-path"])
        .arg(&manifest)
        .status()
        .expect("run cargo build for goesgen");
    assert!(status.success(), "building goesgen: {status}");
    assert!(
        binary.is_file(),
        "no goesgen binary at {}",
        binary.display()
    );
    binary
}

/// Each server's store equals a replay of the log up to its version; each,
/// caught up, equals a replay of the whole log into a new store.
async fn check_stores(
    setup: &Setup,
    log: &SharedLog,
    events: &[(Position, Event)],
    figures: &mut Figures,
    problems: &mut Vec<String>,
) {
    let fresh = Service::new(
        Bank::default(),
        open_store(&crate::scratch::sqlite_path("soak", "replay")).await,
        log.clone(),
        options(),
    );
    let version = fresh.sync().await.unwrap();
    figures.skipped_by_replay = fresh.stats().skipped;
    let replay = contents(fresh.store()).await;
    if replay != (figures.head, replayed(events, figures.head)) {
        problems.push(format!(
            "a new store replaying the log reached {version} with {:?}; the log up to {} says {:?}",
            replay,
            figures.head,
            replayed(events, figures.head)
        ));
    }
    if figures.skipped_by_replay != figures.refused_appended {
        problems.push(format!(
            "a replay skipped {} records; {} refused ones were appended",
            figures.skipped_by_replay, figures.refused_appended
        ));
    }
    for (i, path) in setup.stores.iter().enumerate() {
        let store = open_store(path).await;
        let (at, balances) = contents(&store).await;
        let expected = replayed(events, at);
        if balances != expected {
            problems.push(format!(
                "server {i}'s store at version {at} holds {balances:?}; the log up to {at} \
                 says {expected:?}"
            ));
        }
        let service = Service::new(Bank::default(), store, log.clone(), options());
        match service.sync().await {
            Ok(_) => {
                let caught_up = contents(service.store()).await;
                if caught_up != replay {
                    problems.push(format!(
                        "server {i}'s store, caught up from {at}, holds {caught_up:?}; a new \
                         store replaying the log holds {replay:?}"
                    ));
                }
            }
            Err(error) => problems.push(format!(
                "server {i}'s store does not catch up from {at}: {error}"
            )),
        }
    }
}

/// A PostgreSQL database of the drill's own, dropped by [`Database::drop`]
/// (left for a look if the drill fails).
#[cfg(feature = "postgres")]
pub struct Database {
    admin: tokio_postgres::Client,
    /// Its name.
    pub name: String,
    /// The connection string of the new database.
    pub conninfo: String,
}

#[cfg(feature = "postgres")]
impl Database {
    /// Creates it through `conninfo` (a key=value connection string).
    pub async fn create(conninfo: &str) -> Self {
        assert!(
            !conninfo.contains("://"),
            "the soak drill needs GOESGEN_TEST_POSTGRES as key=value pairs, not a URL"
        );
        let (admin, connection) = tokio_postgres::connect(conninfo, tokio_postgres::NoTls)
            .await
            .expect("connect to GOESGEN_TEST_POSTGRES");
        tokio::spawn(connection);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!("goesgen_soak_{}_{nanos}", std::process::id());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create the drill's database (the role needs CREATEDB)");
        // The last `dbname` of a connection string wins.
        let conninfo = format!("{conninfo} dbname={name}");
        Self {
            admin,
            name,
            conninfo,
        }
    }

    /// Drops it.
    pub async fn drop(self) {
        self.admin
            .batch_execute(&format!("DROP DATABASE {} WITH (FORCE)", self.name))
            .await
            .expect("drop the drill's database");
    }
}
