//! The bank of `tests/fixtures/bank.yml` as the benchmarks run it: the
//! generated code, a lean in-memory store (an owned guard and an undo log)
//! and the bank's logic. Shared by `benches/services.rs`,
//! `benches/batching.rs` and `benches/contention.rs`; `bank_kit.rs` puts the
//! same logic on the memory kit.

use std::collections::HashMap;
use std::sync::Arc;

use goesgen::{DomainError, MethodError, Position, Recorded, StoreError};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The generated code.
pub mod schema {
    goesgen::include_schema!("../../tests/fixtures/bank.yml");
}

use schema::bank::{
    BankMethods, BankStore, DepositBlindlyEvent, DepositEvent, OpenEvent, WithdrawEvent,
};
use schema::events::{AccountOpened, MoneyDeposited, MoneyWithdrawn};

/// The schema's transfer input.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct Transfer {
    /// The account.
    pub account: String,
    /// How much.
    pub amount: u64,
}

// ---- a lean in-memory store: an owned guard and an undo log ----------------

/// The projection: the version and each account's balance.
#[derive(Default)]
pub struct Balances {
    version: Position,
    accounts: HashMap<String, u64>,
}

/// The store: the projection behind an async lock.
#[derive(Clone, Default)]
pub struct Store(Arc<Mutex<Balances>>);

/// The guard, and how to undo what the transaction did (most recent last).
pub struct Write {
    guard: OwnedMutexGuard<Balances>,
    undo: Vec<(String, Option<u64>)>,
    version: Option<Position>,
}

impl Write {
    fn set(&mut self, account: &str, balance: u64) {
        let old = self.guard.accounts.insert(account.to_string(), balance);
        self.undo.push((account.to_string(), old));
    }

    fn undo(&mut self) {
        while let Some((account, old)) = self.undo.pop() {
            match old {
                Some(balance) => self.guard.accounts.insert(account, balance),
                None => self.guard.accounts.remove(&account),
            };
        }
        if let Some(version) = self.version.take() {
            self.guard.version = version;
        }
    }
}

impl Drop for Write {
    fn drop(&mut self) {
        self.undo();
    }
}

impl goesgen::Store for Store {
    type Write = Write;
    type Read = OwnedMutexGuard<Balances>;

    async fn begin_write(&self) -> Result<Write, StoreError> {
        Ok(Write {
            guard: self.0.clone().lock_owned().await,
            undo: Vec::new(),
            version: None,
        })
    }
    async fn begin_read(&self) -> Result<Self::Read, StoreError> {
        Ok(self.0.clone().lock_owned().await)
    }
    async fn commit(&self, mut txn: Write) -> Result<(), StoreError> {
        txn.undo.clear();
        txn.version = None;
        Ok(())
    }
    async fn rollback(&self, txn: Write) -> Result<(), StoreError> {
        drop(txn);
        Ok(())
    }
    async fn read_version(&self, txn: &mut Self::Read) -> Result<Position, StoreError> {
        Ok(txn.version)
    }
    async fn version(&self, txn: &mut Write) -> Result<Position, StoreError> {
        Ok(txn.guard.version)
    }
    async fn set_version(&self, txn: &mut Write, version: Position) -> Result<(), StoreError> {
        let old = std::mem::replace(&mut txn.guard.version, version);
        txn.version.get_or_insert(old);
        Ok(())
    }
}

impl BankStore for Store {
    async fn apply_account_opened(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        e: &AccountOpened,
    ) -> Result<(), StoreError> {
        txn.set(&e.account, 0);
        Ok(())
    }
    async fn apply_money_deposited(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        e: &MoneyDeposited,
    ) -> Result<(), StoreError> {
        txn.set(&e.account, e.balance);
        Ok(())
    }
    async fn apply_money_withdrawn(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        e: &MoneyWithdrawn,
    ) -> Result<(), StoreError> {
        txn.set(&e.account, e.balance);
        Ok(())
    }
}

// ---- the bank's logic (what the benchmark calls is Deposit) ----------------

#[derive(Debug, thiserror::Error)]
#[error("no account {0}")]
pub struct NoAccount(pub String);

impl DomainError for NoAccount {}

/// The bank's logic.
pub struct Bank;

fn balance_of(accounts: &HashMap<String, u64>, account: &str) -> Result<u64, NoAccount> {
    accounts
        .get(account)
        .copied()
        .ok_or_else(|| NoAccount(account.to_string()))
}

impl BankMethods for Bank {
    type Store = Store;
    type Context = ();
    type Error = NoAccount;

    async fn balance(
        &self,
        _: &(),
        txn: &mut OwnedMutexGuard<Balances>,
        input: String,
    ) -> Result<u64, MethodError<NoAccount>> {
        Ok(balance_of(&txn.accounts, &input)?)
    }
    async fn accounts(
        &self,
        _: &(),
        txn: &mut OwnedMutexGuard<Balances>,
    ) -> Result<u64, MethodError<NoAccount>> {
        Ok(txn.accounts.len() as u64)
    }
    async fn open(
        &self,
        _: &(),
        _txn: &mut Write,
        input: String,
    ) -> Result<((), Vec<OpenEvent>), MethodError<NoAccount>> {
        Ok(((), vec![AccountOpened { account: input }.into()]))
    }
    async fn deposit(
        &self,
        _: &(),
        txn: &mut Write,
        input: Transfer,
    ) -> Result<(u64, Vec<DepositEvent>), MethodError<NoAccount>> {
        let balance = balance_of(&txn.guard.accounts, &input.account)? + input.amount;
        let event = MoneyDeposited {
            account: input.account,
            amount: input.amount,
            balance,
        };
        Ok((balance, vec![event.into()]))
    }
    async fn withdraw(
        &self,
        _: &(),
        txn: &mut Write,
        input: Transfer,
    ) -> Result<(u64, Vec<WithdrawEvent>), MethodError<NoAccount>> {
        let balance = balance_of(&txn.guard.accounts, &input.account)?.saturating_sub(input.amount);
        let event = MoneyWithdrawn {
            account: input.account,
            amount: input.amount,
            balance,
        };
        Ok((balance, vec![event.into()]))
    }
    async fn deposit_blindly(
        &self,
        _: &(),
        txn: &mut OwnedMutexGuard<Balances>,
        input: Transfer,
    ) -> Result<((), Vec<DepositBlindlyEvent>), MethodError<NoAccount>> {
        let balance = balance_of(&txn.accounts, &input.account)? + input.amount;
        let event = MoneyDeposited {
            account: input.account,
            amount: input.amount,
            balance,
        };
        Ok(((), vec![event.into()]))
    }
}
