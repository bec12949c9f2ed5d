//! The bank on goesgen's SQLite store kit: the store is its tables and
//! three apply functions (`BankInSqlite`); `goesgen::SqliteStore` runs the
//! transactions (`BEGIN IMMEDIATE` off the async threads, rollback when
//! dropped unfinished) and keeps the version. Only `goesgen::rusqlite` is
//! used, as a user crate depending on goesgen alone would.

use std::path::{Path, PathBuf};

use goesgen::kits::{SqliteRead, SqliteWrite};
use goesgen::rusqlite::{Connection, OptionalExtension, params};
use goesgen::{MemoryLog, ServiceOptions};

use super::*;
use schema::bank::BankInSqlite;

/// The bank's tables: what `SqliteStore` needs to know of them.
#[derive(Debug, Clone, Copy, Default)]
pub struct BankTables;

impl BankInSqlite for BankTables {
    fn apply_account_opened(
        &self,
        db: &Connection,
        _at: &Recorded,
        event: &AccountOpened,
    ) -> Result<(), StoreError> {
        set_balance(db, &event.account, 0)
    }
    fn apply_money_deposited(
        &self,
        db: &Connection,
        _at: &Recorded,
        event: &MoneyDeposited,
    ) -> Result<(), StoreError> {
        set_balance(db, &event.account, event.balance)
    }
    fn apply_money_withdrawn(
        &self,
        db: &Connection,
        _at: &Recorded,
        event: &MoneyWithdrawn,
    ) -> Result<(), StoreError> {
        set_balance(db, &event.account, event.balance)
    }
}

/// The bank on the SQLite kit.
pub type SqliteStore = goesgen::SqliteStore<BankTables>;

/// The bank's table. The account `forbidden` breaks a constraint (to drill
/// refusals by the store: a constraint is `StoreErrorKind::Refused`).
pub const ACCOUNTS: &str = "CREATE TABLE IF NOT EXISTS accounts (
    name    TEXT PRIMARY KEY CHECK (name <> 'forbidden'),
    balance INTEGER NOT NULL
)";

/// Opens (creating) the store in the file at `path`, with its table.
pub async fn open_store(path: &Path) -> SqliteStore {
    let store = SqliteStore::open(path, "bank", BankTables).unwrap();
    store.setup(|db| db.execute_batch(ACCOUNTS)).await.unwrap();
    store
}

fn set_balance(db: &Connection, account: &str, balance: u64) -> Result<(), StoreError> {
    db.execute(
        "INSERT INTO accounts VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET balance = ?2",
        params![account, balance as i64],
    )?;
    Ok(())
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
        balance_in(self, account)
    }
    fn count(&mut self) -> Result<u64, StoreError> {
        count_in(self)
    }
}

impl Accounts for SqliteRead {
    fn balance(&mut self, account: &str) -> Result<Option<u64>, StoreError> {
        balance_in(self, account)
    }
    fn count(&mut self) -> Result<u64, StoreError> {
        count_in(self)
    }
}

/// A path for a new database file under cargo's scratch directory.
pub fn fresh_path(name: &str) -> PathBuf {
    crate::scratch::sqlite_path("services", name)
}

fn caller() -> Caller {
    Caller::default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_sqlite_store_runs_the_bank_from_spawned_tasks() {
    let path = fresh_path("bank-store");
    let log = MemoryLog::shared();
    let store = open_store(&path).await;
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
        open_store(&path).await,
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
    use schema::bank::BankStore;
    let path = fresh_path("cut-off");
    let store = open_store(&path).await;
    {
        let mut txn = store.begin_write().await.unwrap();
        set_balance(&txn, "ghost", 5).unwrap();
        BankStore::set_version(&store, &mut txn, 9).await.unwrap();
        // Dropped without commit, as a cancelled future would drop it.
    }
    let mut txn = store.begin_write().await.unwrap();
    assert_eq!(BankStore::version(&store, &mut txn).await.unwrap(), 0);
    assert_eq!(txn.balance("ghost").unwrap(), None);
    BankStore::rollback(&store, txn).await.unwrap();
    // Reads see only what was committed, at the version committed.
    let mut txn = store.begin_write().await.unwrap();
    set_balance(&txn, "kept", 7).unwrap();
    BankStore::set_version(&store, &mut txn, 3).await.unwrap();
    BankStore::commit(&store, txn).await.unwrap();
    let mut read = BankStore::begin_read(&store).await.unwrap();
    assert_eq!(BankStore::read_version(&store, &mut read).await.unwrap(), 3);
    assert_eq!(read.balance("kept").unwrap(), Some(7));
}
