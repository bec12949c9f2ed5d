//! The fixture of the rebuild tests: a ledger of deposits (the one at log
//! position `p` puts `p` on account `p % ACCOUNTS`), a projection of
//! balances on the SQLite kit whose apply functions come in two revisions
//! (the old one counts each deposit twice: the bug a rebuild fixes), two
//! logs (in memory, and in an SQLite file that outlives a killed process),
//! and a driver doing what a service's engine does around a rebuild beside
//! (built without the store's lock, caught up, then swapped in holding it).
#![allow(dead_code)]

use std::path::Path;
use std::sync::Mutex;

use goesgen_runtime::kits::SqliteWrite;
use goesgen_runtime::rusqlite::{Connection, params};
use goesgen_runtime::{Position, SqliteStore, Store, StoreError, StoreFingerprint};

/// How many accounts the deposits go to (many: a swap has rows to copy).
pub const ACCOUNTS: u64 = 10_007;

/// The projection's DDL: a table, an index, a view, and a trigger that
/// counts the accounts opened in a table the DDL fills with its first row.
pub const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS balances (
        account INTEGER PRIMARY KEY,
        balance INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS balances_by_balance ON balances (balance);
    CREATE VIEW IF NOT EXISTS total AS SELECT coalesce(sum(balance), 0) AS total FROM balances;
    CREATE TABLE IF NOT EXISTS opened (n INTEGER NOT NULL);
    INSERT INTO opened (n) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM opened);
    CREATE TRIGGER IF NOT EXISTS account_opened AFTER INSERT ON balances
        BEGIN UPDATE opened SET n = n + 1; END;
";

/// What the old apply functions were built for.
pub const OLD: StoreFingerprint = StoreFingerprint {
    schema: 0x0123_4567_89ab_cdef,
    revision: 0,
};
/// What the fixed ones are built for.
pub const NEW: StoreFingerprint = StoreFingerprint {
    schema: 0x0123_4567_89ab_cdef,
    revision: 1,
};

/// The apply functions of one revision.
#[derive(Debug, Clone, Copy)]
pub struct Ledger {
    /// How many times a deposit is counted (2 in the old revision).
    pub factor: i64,
}

/// The old, buggy apply functions.
pub const OLD_LEDGER: Ledger = Ledger { factor: 2 };
/// The fixed ones.
pub const NEW_LEDGER: Ledger = Ledger { factor: 1 };

/// A store of the ledger.
pub type Balances = SqliteStore<Ledger>;

impl Ledger {
    /// Applies the deposit at `position`.
    pub fn apply(&self, db: &Connection, position: Position) -> Result<(), StoreError> {
        db.prepare_cached(
            "INSERT INTO balances (account, balance) VALUES (?1, ?2)
             ON CONFLICT (account) DO UPDATE SET balance = balance + excluded.balance",
        )?
        .execute(params![
            (position % ACCOUNTS) as i64,
            position as i64 * self.factor
        ])?;
        Ok(())
    }
}

/// The sum of the deposits at positions `1..=version`.
pub fn deposited(version: Position) -> i64 {
    (version * (version + 1) / 2) as i64
}

/// The store `name` in the file at `path`, with the ledger's DDL.
pub fn open(path: &Path, name: &str, ledger: Ledger) -> Balances {
    SqliteStore::open(path, name, ledger)
        .and_then(|store| store.with_schema(SCHEMA))
        .expect("open the store")
}

/// Where the kit builds the ledger of the file at `path` beside it.
pub fn built_file(path: &Path) -> std::path::PathBuf {
    format!("{}.rebuild-ledger", path.display()).into()
}

/// The store in a new in-memory database.
pub fn in_memory(ledger: Ledger) -> Balances {
    SqliteStore::in_memory("ledger", ledger)
        .and_then(|store| store.with_schema(SCHEMA))
        .expect("open the store")
}

/// What a read sees of a store: its version, fingerprint and total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub version: Position,
    pub fingerprint: Option<StoreFingerprint>,
    pub total: i64,
}

impl Seen {
    /// A whole store of the deposits up to `version`, all applied by the
    /// old code (each counted twice).
    pub fn old(version: Position) -> Self {
        Self {
            version,
            fingerprint: Some(OLD),
            total: 2 * deposited(version),
        }
    }

    /// The same rebuilt by the new code.
    pub fn rebuilt(version: Position) -> Self {
        Self {
            version,
            fingerprint: Some(NEW),
            total: deposited(version),
        }
    }
}

/// What `db` holds for the store `name`.
pub fn seen_in(db: &Connection, name: &str) -> Seen {
    let (version, fingerprint): (i64, Option<String>) = db
        .query_row(
            "SELECT version, fingerprint FROM goesgen_projection WHERE name = ?1",
            [name],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap_or((0, None));
    let total = db
        .query_row("SELECT total FROM total", [], |row| row.get(0))
        .expect("the total");
    Seen {
        version: version as Position,
        fingerprint: fingerprint.map(|text| text.parse().expect("a fingerprint")),
        total,
    }
}

/// What a read of `store` sees.
pub async fn seen(store: &Balances) -> Seen {
    let read = store.begin_read().await.expect("a read");
    seen_in(&read, store.name())
}

/// Every balance of `db`, by account.
pub fn balances_in(db: &Connection) -> Vec<(i64, i64)> {
    let mut statement = db
        .prepare("SELECT account, balance FROM balances ORDER BY account")
        .expect("the balances");
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .expect("the balances")
        .collect::<Result<_, _>>()
        .expect("the balances")
}

/// How many accounts the trigger counted as opened in `db`.
pub fn opened_in(db: &Connection) -> i64 {
    db.query_row("SELECT n FROM opened", [], |row| row.get(0))
        .expect("the count of accounts opened")
}

/// An event log of deposits (a deposit is its position).
pub trait Log: Sync {
    /// The positions after `after`, at most `max` of them.
    fn after(&self, after: Position, max: usize) -> Vec<Position>;
}

/// A log in memory, appended to by writers holding the store's lock.
#[derive(Debug, Default)]
pub struct MemoryLog {
    last: Mutex<Position>,
}

impl MemoryLog {
    /// A log of `events` deposits.
    pub fn with(events: Position) -> Self {
        Self {
            last: Mutex::new(events),
        }
    }

    /// Appends a deposit; its position.
    pub fn append(&self) -> Position {
        let mut last = self.last.lock().unwrap();
        *last += 1;
        *last
    }

    /// The last position.
    pub fn last(&self) -> Position {
        *self.last.lock().unwrap()
    }
}

impl Log for MemoryLog {
    fn after(&self, after: Position, max: usize) -> Vec<Position> {
        let last = self.last();
        (after + 1..=last).take(max).collect()
    }
}

/// A log in an SQLite file (only its length is kept: the deposit at `p`
/// is `p`), which outlives a killed process.
pub struct FileLog {
    db: Mutex<Connection>,
}

impl FileLog {
    /// The log in the file at `path`.
    pub fn open(path: &Path) -> Self {
        let db = Connection::open(path).expect("open the log");
        db.execute_batch("CREATE TABLE IF NOT EXISTS log (last INTEGER NOT NULL)")
            .expect("the log's table");
        Self { db: Mutex::new(db) }
    }

    /// Makes the log `events` deposits long.
    pub fn fill(&self, events: Position) {
        let db = self.db.lock().unwrap();
        db.execute_batch("DELETE FROM log").unwrap();
        db.execute("INSERT INTO log (last) VALUES (?1)", [events as i64])
            .unwrap();
    }

    fn last(&self) -> Position {
        let db = self.db.lock().unwrap();
        db.query_row("SELECT coalesce(max(last), 0) FROM log", [], |row| {
            row.get::<_, i64>(0)
        })
        .unwrap() as Position
    }
}

impl Log for FileLog {
    fn after(&self, after: Position, max: usize) -> Vec<Position> {
        (after + 1..=self.last()).take(max).collect()
    }
}

/// Applies the next deposits of `log` (at most `batch`) to `store` in one
/// write transaction; how many.
pub async fn catch_up(store: &Balances, log: &impl Log, batch: usize) -> Result<usize, StoreError> {
    let mut txn = store.begin_write().await?;
    let positions = log.after(txn.version()?, batch);
    for &position in &positions {
        store.tables().apply(&txn, position)?;
    }
    if let Some(&last) = positions.last() {
        store.set_version(&mut txn, last).await?;
    }
    store.commit(txn).await?;
    Ok(positions.len())
}

/// Applies `log` to `store` up to its end.
pub async fn replay(store: &Balances, log: &impl Log, batch: usize) -> Result<(), StoreError> {
    while catch_up(store, log, batch).await? > 0 {}
    Ok(())
}

/// A write as a service's call makes it: holding the store's lock, a
/// deposit appended to `log` and applied, the version moved to it.
pub async fn deposit(store: &Balances, log: &MemoryLog) -> Result<Position, StoreError> {
    let mut txn: SqliteWrite = store.begin_write().await?;
    let position = log.append();
    store.tables().apply(&txn, position)?;
    store.set_version(&mut txn, position).await?;
    store.commit(txn).await?;
    Ok(position)
}

/// A rebuild beside, as the engine drives it: a store built beside
/// `store` for `fingerprint` (resumed if one was left half-built) catches
/// up with `log` without `store`'s lock; then, holding it (no write comes
/// between), catches up with what was written meanwhile, takes the
/// fingerprint and is swapped in. `swapping` is called just before the
/// swap.
pub async fn rebuild_beside(
    store: &Balances,
    log: &impl Log,
    fingerprint: StoreFingerprint,
    batch: usize,
    swapping: impl FnOnce(),
) -> Result<(), StoreError> {
    let built = store
        .beside(fingerprint)
        .await?
        .expect("the SQLite kit rebuilds beside");
    replay(&built, log, batch).await?;
    let txn = store.begin_write().await?;
    replay(&built, log, batch).await?;
    let mut built_txn = built.begin_write().await?;
    built.set_fingerprint(&mut built_txn, fingerprint).await?;
    built.commit(built_txn).await?;
    swapping();
    store.swap_in(txn, built).await
}

/// Applies the deposits `1..=last` in `txn` and moves the version there
/// (a rebuild in place, after `clear`).
pub async fn replay_in(store: &Balances, txn: &mut SqliteWrite, last: Position) {
    for position in 1..=last {
        store.tables().apply(txn, position).expect("apply");
    }
    store.set_version(txn, last).await.expect("set the version");
}
