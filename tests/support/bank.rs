//! The bank of `tests/fixtures/bank.yml` as the root package's tests run
//! it, shared by `tests/services` and `tests/soak`: the generated code, the
//! schema's input type, the bank's business logic (written once against
//! any store whose transactions can read balances), and the bank on
//! goesgen's SQLite store kit: the store is its tables and three apply
//! functions (`BankInSqlite`); `goesgen::SqliteStore` runs the
//! transactions and keeps the version. Only `goesgen::rusqlite` is used,
//! as a user crate depending on goesgen alone would.
#![allow(dead_code)]

use std::marker::PhantomData;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use goesgen::kits::{SqliteRead, SqliteWrite};
use goesgen::rusqlite::{Connection, OptionalExtension, params};
use goesgen::{MethodError, Recorded, StoreError};
use serde::{Deserialize, Serialize};

/// The generated code.
pub mod schema {
    goesgen::include_schema!("../fixtures/bank.yml");
}

use schema::bank::{
    BankInSqlite, BankMethods, BankStore, DepositBlindlyEvent, DepositEvent, OpenEvent,
    WithdrawEvent,
};
use schema::events::{AccountOpened, MoneyDeposited, MoneyWithdrawn};

/// The input of deposits and withdrawals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct Transfer {
    /// The account.
    pub account: String,
    /// How much.
    pub amount: u64,
}

/// A deposit of `amount` into `account`.
pub fn transfer(account: &str, amount: u64) -> Transfer {
    Transfer {
        account: account.into(),
        amount,
    }
}

/// What a bank transaction can read: balances (`None`: no such account).
pub trait Accounts {
    /// The balance of `account`.
    fn balance(&mut self, account: &str) -> Result<Option<u64>, StoreError>;
    /// How many accounts are open.
    fn count(&mut self) -> Result<u64, StoreError>;
}

/// Why a bank method refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BankError {
    /// The account is not open.
    #[error("no account {0}")]
    NoAccount(String),
    /// The account is open already.
    #[error("account {0} is open already")]
    Exists(String),
    /// Not enough money.
    #[error("account {account} holds {balance}, cannot withdraw {amount}")]
    Insufficient {
        /// The account.
        account: String,
        /// Its balance.
        balance: u64,
        /// The amount asked for.
        amount: u64,
    },
}

impl goesgen::DomainError for BankError {}

/// Over HTTP: `422 method-error`, the default mapping.
#[cfg(feature = "http")]
impl goesgen::http::MethodProblem for BankError {}

/// What a bank method returns.
type BankResult<T> = Result<T, MethodError<BankError>>;

/// Who calls.
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// The caller's name.
    pub name: String,
}

/// The bank's business logic over any store `S` whose transactions read
/// balances. Counts its calls. Its transaction methods yield to the
/// runtime once after deciding, as a method awaiting I/O would, so that
/// tests can land another writer's append between decision and append.
pub struct Bank<S> {
    /// Calls of transaction methods.
    pub calls: AtomicU64,
    store: PhantomData<fn() -> S>,
}

impl<S> Default for Bank<S> {
    fn default() -> Self {
        Self {
            calls: AtomicU64::new(0),
            store: PhantomData,
        }
    }
}

fn existing(txn: &mut impl Accounts, account: &str) -> BankResult<u64> {
    Ok(txn
        .balance(account)?
        .ok_or_else(|| BankError::NoAccount(account.into()))?)
}

impl<S> BankMethods for Bank<S>
where
    S: BankStore,
    S::Write: Accounts,
    S::Read: Accounts,
{
    type Store = S;
    type Context = Caller;
    type Error = BankError;

    async fn balance(&self, _ctx: &Caller, txn: &mut S::Read, input: String) -> BankResult<u64> {
        existing(txn, &input)
    }

    async fn accounts(&self, _ctx: &Caller, txn: &mut S::Read) -> BankResult<u64> {
        Ok(txn.count()?)
    }

    async fn open(
        &self,
        _ctx: &Caller,
        txn: &mut S::Write,
        input: String,
    ) -> BankResult<((), Vec<OpenEvent>)> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if txn.balance(&input)?.is_some() {
            return Err(BankError::Exists(input).into());
        }
        Ok(((), vec![AccountOpened { account: input }.into()]))
    }

    async fn deposit(
        &self,
        _ctx: &Caller,
        txn: &mut S::Write,
        input: Transfer,
    ) -> BankResult<(u64, Vec<DepositEvent>)> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let balance = existing(txn, &input.account)? + input.amount;
        tokio::task::yield_now().await;
        let event = MoneyDeposited {
            account: input.account,
            amount: input.amount,
            balance,
        };
        Ok((balance, vec![event.into()]))
    }

    async fn withdraw(
        &self,
        _ctx: &Caller,
        txn: &mut S::Write,
        input: Transfer,
    ) -> BankResult<(u64, Vec<WithdrawEvent>)> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let balance = existing(txn, &input.account)?;
        if balance < input.amount {
            return Err(BankError::Insufficient {
                account: input.account,
                balance,
                amount: input.amount,
            }
            .into());
        }
        tokio::task::yield_now().await;
        let event = MoneyWithdrawn {
            account: input.account,
            amount: input.amount,
            balance: balance - input.amount,
        };
        Ok((balance - input.amount, vec![event.into()]))
    }

    async fn deposit_blindly(
        &self,
        _ctx: &Caller,
        txn: &mut S::Read,
        input: Transfer,
    ) -> BankResult<((), Vec<DepositBlindlyEvent>)> {
        let balance = existing(txn, &input.account)? + input.amount;
        let event = MoneyDeposited {
            account: input.account,
            amount: input.amount,
            balance,
        };
        Ok(((), vec![event.into()]))
    }
}

// ---- the bank on the SQLite store kit ------------------------------------

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

pub fn set_balance(db: &Connection, account: &str, balance: u64) -> Result<(), StoreError> {
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
