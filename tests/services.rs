//! The service engine, through services generated from
//! `tests/fixtures/bank.yml` (the macro's output running on the runtime's
//! engine, logs and store kits, in process):
//!
//! - `semantics`: what readonly, append and transaction methods write,
//!   rollbacks, the conflict rules, unknown kinds and corrupt records.
//! - `sqlite_store`: the trait shapes on the SQLite store kit.
//! - `kits`: one contract on both store kits (`MemoryStore`,
//!   `SqliteStore`).
//! - `concurrency`: no lost updates under concurrency on every log backend.
//! - `starvation`: no transaction starves, two OS processes on one log
//!   (the test binary re-executed for an ignored child test).
//!
//! The support here: the bank (`tests/support/bank.rs`: the generated
//! code, the schema's input type, the business logic and the SQLite
//! tables), an in-memory store (an owned lock guard with a saved copy to
//! roll back to) and the audit service's store.

#[path = "support/bank.rs"]
mod bank;
#[path = "services/concurrency.rs"]
mod concurrency;
#[path = "services/kits.rs"]
mod kits;
#[path = "support/locked.rs"]
mod locked;
#[path = "support/rerun.rs"]
mod rerun;
#[path = "support/scratch.rs"]
mod scratch;
#[path = "services/semantics.rs"]
mod semantics;
#[path = "services/sqlite_store.rs"]
mod sqlite_store;
#[path = "services/starvation.rs"]
mod starvation;

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use goesgen::{MethodError, Position, Recorded, SharedLog, StoreError};
use tokio::sync::OwnedRwLockReadGuard;

pub use bank::*;
pub use locked::{Locked, SavedWrite, Versioned};
use schema::audit::{AuditMethods, AuditStore, NoteEvent};
use schema::bank::{BankStore, DepositBlindlyEvent};
use schema::events::{AccountOpened, AuditNoted, MoneyDeposited, MoneyWithdrawn};

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

/// The bank's store in memory.
pub type MemoryStore = Locked<Balances>;
/// Its write transaction.
pub type MemoryWrite = SavedWrite<Balances>;

impl Accounts for MemoryWrite {
    fn balance(&mut self, account: &str) -> Result<Option<u64>, StoreError> {
        Ok(self.accounts.get(account).copied())
    }
    fn count(&mut self) -> Result<u64, StoreError> {
        Ok(self.accounts.len() as u64)
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
        self.accounts.insert(account.to_string(), balance);
        self.applied.push(at.position);
    }
}

impl Versioned for Balances {
    fn version(&self) -> Position {
        self.version
    }
    fn set_version(&mut self, version: Position) {
        self.version = version;
    }
}

impl BankStore for MemoryStore {
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

impl Versioned for Notes {
    fn version(&self) -> Position {
        self.0
    }
    fn set_version(&mut self, version: Position) {
        self.0 = version;
    }
}

impl AuditStore for NotesStore {
    async fn apply_audit_noted(
        &self,
        txn: &mut Self::Write,
        _at: &Recorded,
        _event: &AuditNoted,
    ) -> Result<(), StoreError> {
        txn.1 += 1;
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
