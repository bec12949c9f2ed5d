//! Rebuilding the bank's projections on the SQLite store kit through the
//! service engine (issue 23), on files: a rebuild beside on demand while
//! calls deposit and readers read (`calls`), a stale store rebuilt by each
//! policy at the first call (`calls`), and a process killed in the middle
//! of a rebuild, then started again (`killed`). The kit's side alone
//! (`clear`, `beside`, `swap_in`, a killed swap) is tested in
//! `goesgen-runtime/tests/sqlite_rebuild.rs`.

#[path = "support/bank.rs"]
mod bank;
#[path = "sqlite_rebuild/calls.rs"]
mod calls;
#[path = "sqlite_rebuild/killed.rs"]
mod killed;
#[path = "support/rerun.rs"]
mod rerun;
#[path = "support/scratch.rs"]
mod scratch;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use goesgen::{MemoryLog, Position, ServiceOptions, SharedLog, Store, StoreFingerprint};

pub use bank::Transfer;
use bank::{ACCOUNTS, Bank, BankTables, Caller, SqliteStore, schema};

/// The bank service on the SQLite kit.
pub type Service = schema::bank::BankService<Bank<SqliteStore>>;

/// A new database file for the test `name`.
pub fn fresh(name: &str) -> PathBuf {
    scratch::sqlite_path("sqlite-rebuild", name)
}

/// The bank's store in the file at `path`, given its DDL (so the kit
/// can rebuild it).
pub fn open_store(path: &Path) -> SqliteStore {
    goesgen::SqliteStore::open(path, "bank", BankTables)
        .and_then(|store| store.with_schema(ACCOUNTS))
        .expect("open the store")
}

/// The service over `store` and `log`.
pub fn service(store: SqliteStore, log: &SharedLog, options: ServiceOptions) -> Service {
    Service::new(Bank::default(), store, log.clone(), options)
}

/// A caller.
pub fn caller() -> Caller {
    Caller::default()
}

/// What a store holds, in one snapshot: version, fingerprint, balances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    pub version: Position,
    pub fingerprint: Option<StoreFingerprint>,
    pub balances: BTreeMap<String, u64>,
}

/// What `db` holds for the bank.
pub fn contents_in(db: &goesgen::rusqlite::Connection) -> Contents {
    let (version, fingerprint): (i64, Option<String>) = db
        .query_row(
            "SELECT version, fingerprint FROM goesgen_projection WHERE name = 'bank'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap_or((0, None));
    let balances = db
        .prepare("SELECT name, balance FROM accounts")
        .unwrap()
        .query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)? as u64))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    Contents {
        version: version as Position,
        fingerprint: fingerprint.map(|text| text.parse().expect("a fingerprint")),
        balances,
    }
}

/// What a read of `store` sees.
pub async fn contents(store: &SqliteStore) -> Contents {
    let read = store.begin_read().await.unwrap();
    contents_in(&read)
}

/// What a new store holds once the engine has synced it with `log` from
/// scratch.
pub async fn replayed(log: &SharedLog) -> Contents {
    let store = goesgen::SqliteStore::in_memory("bank", BankTables)
        .and_then(|store| store.with_schema(ACCOUNTS))
        .unwrap();
    let bank = service(store, log, ServiceOptions::default());
    bank.sync().await.unwrap();
    contents(bank.store()).await
}

/// A log in memory.
pub fn memory_log() -> SharedLog {
    MemoryLog::shared()
}
