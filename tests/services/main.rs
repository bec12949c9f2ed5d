//! Services generated from `tests/fixtures/bank.yml`: the semantics of
//! readonly, append and transaction methods (`semantics`), the trait shapes
//! on an SQLite store (`sqlite_store`), and no lost updates under
//! concurrency on every log backend (`concurrency`).
//!
//! The support here: the schema's input type, the bank's business logic
//! (written once against any store whose transactions can read balances),
//! an in-memory store (an owned lock guard with a saved copy to roll back
//! to) and the audit service's store.

mod concurrency;
mod kits;
#[cfg(feature = "postgres")]
#[path = "../postgres_env/mod.rs"]
mod postgres_env;
#[path = "../support/scratch.rs"]
mod scratch;
mod semantics;
mod sqlite_store;
mod starvation;

use std::collections::HashMap;
use std::convert::Infallible;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use goesgen::{MethodError, Position, Recorded, SharedLog, StoreError};
use serde::{Deserialize, Serialize};
use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

/// The generated code.
pub mod schema {
    goesgen::include_schema!("../fixtures/bank.yml");
}

use schema::audit::{AuditMethods, AuditStore, NoteEvent};
use schema::bank::{
    BankMethods, BankStore, DepositBlindlyEvent, DepositEvent, OpenEvent, WithdrawEvent,
};
use schema::events::{AccountOpened, AuditNoted, MoneyDeposited, MoneyWithdrawn};

/// The input of deposits and withdrawals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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

// ---- the in-memory store ---------------------------------------------------

/// The bank's projections in memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Balances {
    /// The projection version.
    pub version: Position,
    /// Balance per account.
    pub accounts: HashMap<String, u64>,
    /// The positions applied, in order.
    pub applied: Vec<Position>,
}

/// A store in memory: a lock over the projections `T`. Its write
/// transaction is an owned guard with a copy to roll back to.
#[derive(Debug, Default)]
pub struct Locked<T> {
    /// The projections.
    pub state: Arc<RwLock<T>>,
}

impl<T> Clone for Locked<T> {
    fn clone(&self) -> Self {
        Self {
            state: self.state.clone(),
        }
    }
}

impl<T: Clone + Send + Sync + 'static> Locked<T> {
    /// A copy of the projections.
    pub async fn snapshot(&self) -> T {
        self.state.read().await.clone()
    }

    async fn write(&self) -> Result<SavedWrite<T>, StoreError> {
        let guard = self.state.clone().write_owned().await;
        // A copy to roll back to: small projections in tests (a large store
        // would keep an undo log instead).
        let saved = Some(guard.clone());
        Ok(SavedWrite { guard, saved })
    }

    async fn read(&self) -> Result<OwnedRwLockReadGuard<T>, StoreError> {
        Ok(self.state.clone().read_owned().await)
    }
}

/// A write transaction: the lock, and the projections to restore unless
/// committed (also when dropped unfinished).
pub struct SavedWrite<T> {
    guard: OwnedRwLockWriteGuard<T>,
    saved: Option<T>,
}

impl<T> SavedWrite<T> {
    fn commit(mut self) -> Result<(), StoreError> {
        self.saved = None;
        Ok(())
    }
}

impl<T> Drop for SavedWrite<T> {
    fn drop(&mut self) {
        if let Some(saved) = self.saved.take() {
            *self.guard = saved;
        }
    }
}

/// The bank's store in memory.
pub type MemoryStore = Locked<Balances>;
/// Its write transaction.
pub type MemoryWrite = SavedWrite<Balances>;

impl Accounts for MemoryWrite {
    fn balance(&mut self, account: &str) -> Result<Option<u64>, StoreError> {
        Ok(self.guard.accounts.get(account).copied())
    }
    fn count(&mut self) -> Result<u64, StoreError> {
        Ok(self.guard.accounts.len() as u64)
    }
}

impl Accounts for OwnedRwLockReadGuard<Balances> {
    fn balance(&mut self, account: &str) -> Result<Option<u64>, StoreError> {
        Ok(self.accounts.get(account).copied())
    }
    fn count(&mut self) -> Result<u64, StoreError> {
        Ok(self.accounts.len() as u64)
    }
}

impl MemoryWrite {
    fn set_balance(&mut self, at: &Recorded, account: &str, balance: u64) {
        self.guard.accounts.insert(account.to_string(), balance);
        self.guard.applied.push(at.position);
    }
}

impl BankStore for MemoryStore {
    type Write = MemoryWrite;
    type Read = OwnedRwLockReadGuard<Balances>;

    async fn begin_write(&self) -> Result<MemoryWrite, StoreError> {
        self.write().await
    }
    async fn begin_read(&self) -> Result<Self::Read, StoreError> {
        self.read().await
    }
    async fn commit(&self, txn: MemoryWrite) -> Result<(), StoreError> {
        txn.commit()
    }
    async fn rollback(&self, txn: MemoryWrite) -> Result<(), StoreError> {
        drop(txn);
        Ok(())
    }
    async fn read_version(&self, txn: &mut Self::Read) -> Result<Position, StoreError> {
        Ok(txn.version)
    }
    async fn version(&self, txn: &mut MemoryWrite) -> Result<Position, StoreError> {
        Ok(txn.guard.version)
    }
    async fn set_version(
        &self,
        txn: &mut MemoryWrite,
        version: Position,
    ) -> Result<(), StoreError> {
        txn.guard.version = version;
        Ok(())
    }
    async fn apply_account_opened(
        &self,
        txn: &mut MemoryWrite,
        at: &Recorded,
        event: &AccountOpened,
    ) -> Result<(), StoreError> {
        txn.set_balance(at, &event.account, 0);
        Ok(())
    }
    async fn apply_money_deposited(
        &self,
        txn: &mut MemoryWrite,
        at: &Recorded,
        event: &MoneyDeposited,
    ) -> Result<(), StoreError> {
        txn.set_balance(at, &event.account, event.balance);
        Ok(())
    }
    async fn apply_money_withdrawn(
        &self,
        txn: &mut MemoryWrite,
        at: &Recorded,
        event: &MoneyWithdrawn,
    ) -> Result<(), StoreError> {
        txn.set_balance(at, &event.account, event.balance);
        Ok(())
    }
}

/// The bank service over the in-memory store.
pub type MemoryBank = schema::bank::BankService<Bank<MemoryStore>>;

/// A bank service with a new in-memory store on `log`.
pub fn memory_bank(log: &SharedLog, options: goesgen::ServiceOptions) -> MemoryBank {
    MemoryBank::new(
        Bank::default(),
        MemoryStore::default(),
        log.clone(),
        options,
    )
}

// ---- the audit service -----------------------------------------------------

/// The audit service's projection: its version and the number of notes.
pub type Notes = (Position, u64);
/// The audit service's store.
pub type NotesStore = Locked<Notes>;

impl AuditStore for NotesStore {
    type Write = SavedWrite<Notes>;
    type Read = OwnedRwLockReadGuard<Notes>;

    async fn begin_write(&self) -> Result<Self::Write, StoreError> {
        self.write().await
    }
    async fn begin_read(&self) -> Result<Self::Read, StoreError> {
        self.read().await
    }
    async fn commit(&self, txn: Self::Write) -> Result<(), StoreError> {
        txn.commit()
    }
    async fn rollback(&self, txn: Self::Write) -> Result<(), StoreError> {
        drop(txn);
        Ok(())
    }
    async fn read_version(&self, txn: &mut Self::Read) -> Result<Position, StoreError> {
        Ok(txn.0)
    }
    async fn version(&self, txn: &mut Self::Write) -> Result<Position, StoreError> {
        Ok(txn.guard.0)
    }
    async fn set_version(
        &self,
        txn: &mut Self::Write,
        version: Position,
    ) -> Result<(), StoreError> {
        txn.guard.0 = version;
        Ok(())
    }
    async fn apply_audit_noted(
        &self,
        txn: &mut Self::Write,
        _at: &Recorded,
        _event: &AuditNoted,
    ) -> Result<(), StoreError> {
        txn.guard.1 += 1;
        Ok(())
    }
}

/// The audit service's logic.
#[derive(Debug, Default)]
pub struct Auditor;

impl AuditMethods for Auditor {
    type Store = NotesStore;
    type Context = ();
    type Error = Infallible;

    async fn note(
        &self,
        _ctx: &(),
        _txn: &mut OwnedRwLockReadGuard<Notes>,
        input: String,
    ) -> Result<((), Vec<NoteEvent>), MethodError<Infallible>> {
        Ok(((), vec![AuditNoted { note: input }.into()]))
    }

    async fn notes(
        &self,
        _ctx: &(),
        txn: &mut OwnedRwLockReadGuard<Notes>,
    ) -> Result<u64, MethodError<Infallible>> {
        Ok(txn.1)
    }
}

/// The audit service.
pub type AuditService = schema::audit::AuditService<Auditor>;
