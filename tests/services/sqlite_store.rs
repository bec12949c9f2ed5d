//! The generated store trait on a rusqlite store: the transaction is an
//! owned guard of the connection after `BEGIN` (a `Connection` is `Send`
//! but not `Sync`, so the guard is moved, never shared across an await),
//! rolled back when dropped unfinished. No `unsafe`, and each call holds
//! the runtime for one short SQLite statement.

use std::path::{Path, PathBuf};

use goesgen::{MemoryLog, ServiceOptions};
use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::*;

/// The bank's projections in an SQLite database.
#[derive(Clone)]
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
}

/// A write transaction: the connection inside `BEGIN IMMEDIATE`.
pub struct SqliteWrite {
    connection: OwnedMutexGuard<Connection>,
    open: bool,
}

impl Drop for SqliteWrite {
    fn drop(&mut self) {
        if self.open {
            // Cut off (its future dropped): discard what it did.
            let _ = self.connection.execute_batch("ROLLBACK");
        }
    }
}

/// A read transaction: the connection inside `BEGIN`, ended when dropped.
pub struct SqliteRead {
    connection: OwnedMutexGuard<Connection>,
}

impl Drop for SqliteRead {
    fn drop(&mut self) {
        let _ = self.connection.execute_batch("COMMIT");
    }
}

impl SqliteStore {
    /// Opens (creating) the store in the file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let connection = Connection::open(path)?;
        connection.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS accounts (name TEXT PRIMARY KEY, balance INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS version (id INTEGER PRIMARY KEY CHECK (id = 0), position INTEGER NOT NULL);
             INSERT OR IGNORE INTO version VALUES (0, 0);",
        )?;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
        })
    }
}

fn balance_in(connection: &Connection, account: &str) -> Result<Option<u64>, StoreError> {
    Ok(connection
        .query_row(
            "SELECT balance FROM accounts WHERE name = ?1",
            [account],
            |row| row.get::<_, i64>(0),
        )
        .optional()?
        .map(|balance| balance as u64))
}

fn count_in(connection: &Connection) -> Result<u64, StoreError> {
    Ok(
        connection.query_row("SELECT count(*) FROM accounts", [], |row| {
            row.get::<_, i64>(0)
        })? as u64,
    )
}

impl Accounts for SqliteWrite {
    fn balance(&mut self, account: &str) -> Result<Option<u64>, StoreError> {
        balance_in(&self.connection, account)
    }
    fn count(&mut self) -> Result<u64, StoreError> {
        count_in(&self.connection)
    }
}

impl Accounts for SqliteRead {
    fn balance(&mut self, account: &str) -> Result<Option<u64>, StoreError> {
        balance_in(&self.connection, account)
    }
    fn count(&mut self) -> Result<u64, StoreError> {
        count_in(&self.connection)
    }
}

impl SqliteWrite {
    fn set_balance(&mut self, account: &str, balance: u64) -> Result<(), StoreError> {
        self.connection.execute(
            "INSERT INTO accounts VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET balance = ?2",
            params![account, balance as i64],
        )?;
        Ok(())
    }

    fn end(mut self, sql: &str) -> Result<(), StoreError> {
        self.open = false;
        if let Err(error) = self.connection.execute_batch(sql) {
            let _ = self.connection.execute_batch("ROLLBACK");
            return Err(error.into());
        }
        Ok(())
    }
}

impl BankStore for SqliteStore {
    type Write = SqliteWrite;
    type Read = SqliteRead;

    async fn begin_write(&self) -> Result<SqliteWrite, StoreError> {
        let connection = self.connection.clone().lock_owned().await;
        connection.execute_batch("BEGIN IMMEDIATE")?;
        Ok(SqliteWrite {
            connection,
            open: true,
        })
    }
    async fn begin_read(&self) -> Result<SqliteRead, StoreError> {
        let connection = self.connection.clone().lock_owned().await;
        connection.execute_batch("BEGIN")?;
        Ok(SqliteRead { connection })
    }
    async fn commit(&self, txn: SqliteWrite) -> Result<(), StoreError> {
        txn.end("COMMIT")
    }
    async fn rollback(&self, txn: SqliteWrite) -> Result<(), StoreError> {
        txn.end("ROLLBACK")
    }
    async fn version(&self, txn: &mut SqliteWrite) -> Result<Position, StoreError> {
        let position: i64 =
            txn.connection
                .query_row("SELECT position FROM version", [], |row| row.get(0))?;
        Ok(position as Position)
    }
    async fn set_version(
        &self,
        txn: &mut SqliteWrite,
        version: Position,
    ) -> Result<(), StoreError> {
        txn.connection
            .execute("UPDATE version SET position = ?1", [version as i64])?;
        Ok(())
    }
    async fn apply_account_opened(
        &self,
        txn: &mut SqliteWrite,
        _at: &Recorded,
        event: &AccountOpened,
    ) -> Result<(), StoreError> {
        txn.set_balance(&event.account, 0)
    }
    async fn apply_money_deposited(
        &self,
        txn: &mut SqliteWrite,
        _at: &Recorded,
        event: &MoneyDeposited,
    ) -> Result<(), StoreError> {
        txn.set_balance(&event.account, event.balance)
    }
    async fn apply_money_withdrawn(
        &self,
        txn: &mut SqliteWrite,
        _at: &Recorded,
        event: &MoneyWithdrawn,
    ) -> Result<(), StoreError> {
        txn.set_balance(&event.account, event.balance)
    }
}

/// A path for a new database file under cargo's scratch directory.
pub fn fresh_path(name: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("goesgen-services");
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let path = dir.join(format!("{name}-{}-{n}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

fn caller() -> Caller {
    Caller::default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sqlite_store_runs_the_bank_from_spawned_tasks() {
    let path = fresh_path("bank-store");
    let log = MemoryLog::shared();
    let store = SqliteStore::open(&path).unwrap();
    let bank = Arc::new(schema::bank::BankService::new(
        Bank::<SqliteStore>::default(),
        store,
        log.clone(),
        ServiceOptions::default(),
    ));
    bank.open(&caller(), "alice".into()).await.unwrap();
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let bank = bank.clone();
            tokio::spawn(async move {
                for _ in 0..25 {
                    bank.deposit(&caller(), transfer("alice", 2)).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(bank.balance(&caller(), "alice".into()).await.unwrap(), 200);
    // A refused withdrawal leaves the database as it was.
    let error = bank
        .withdraw(&caller(), transfer("alice", 201))
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        goesgen::ServiceError::Method(BankError::Insufficient { .. })
    ));
    assert_eq!(bank.projection_version().await.unwrap(), 101);

    // The projections are durable: a new store on the same file, given the
    // same log, resumes at its version and reads nothing twice.
    drop(bank);
    let reopened = schema::bank::BankService::new(
        Bank::<SqliteStore>::default(),
        SqliteStore::open(&path).unwrap(),
        log.clone(),
        ServiceOptions::default(),
    );
    assert_eq!(reopened.projection_version().await.unwrap(), 101);
    assert_eq!(
        reopened.balance(&caller(), "alice".into()).await.unwrap(),
        200
    );
    let committed = reopened
        .withdraw(&caller(), transfer("alice", 200))
        .await
        .unwrap();
    assert_eq!(committed.output, 0);
}

#[tokio::test]
async fn a_cut_off_write_transaction_is_rolled_back() {
    let path = fresh_path("cut-off");
    let store = SqliteStore::open(&path).unwrap();
    {
        let mut txn = store.begin_write().await.unwrap();
        txn.set_balance("ghost", 5).unwrap();
        store.set_version(&mut txn, 9).await.unwrap();
        // Dropped without commit, as a cancelled future would drop it.
    }
    let mut txn = store.begin_write().await.unwrap();
    assert_eq!(store.version(&mut txn).await.unwrap(), 0);
    assert_eq!(txn.balance("ghost").unwrap(), None);
    store.rollback(txn).await.unwrap();
}
