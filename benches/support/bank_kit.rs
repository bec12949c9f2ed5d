//! The bank of `tests/fixtures/bank.yml` on the memory kit, as the README
//! tells a user to write it: balances in a `Table` (`MemoryStore` in
//! `Overlaid` mode), one apply function per event, the bank's logic as in
//! `bank.rs` (whose generated code it shares). `benches/batching.rs` and
//! `benches/services.rs` run it with `-- --store kit`.

use goesgen::kits::{MemoryRead, MemoryWrite, Overlaid, Table};
use goesgen::{MemoryStore, MethodError, Recorded, StoreError};

use crate::bank::schema::bank::{
    BankInMemory, BankMethods, DepositBlindlyEvent, DepositEvent, OpenEvent, WithdrawEvent,
};
use crate::bank::schema::events::{AccountOpened, MoneyDeposited, MoneyWithdrawn};
use crate::bank::{NoAccount, Transfer};

/// The projection: each account's balance.
#[derive(Default)]
pub struct Ledger {
    balances: Table<String, u64>,
}
goesgen::transactional!(Ledger { balances });

/// The store: the memory kit on the ledger's tables.
pub type KitStore = MemoryStore<Ledger, Overlaid>;

impl BankInMemory for Ledger {
    fn apply_account_opened(&mut self, _: &Recorded, e: &AccountOpened) -> Result<(), StoreError> {
        self.balances.insert(e.account.clone(), 0);
        Ok(())
    }
    fn apply_money_deposited(
        &mut self,
        _: &Recorded,
        e: &MoneyDeposited,
    ) -> Result<(), StoreError> {
        self.balances.insert(e.account.clone(), e.balance);
        Ok(())
    }
    fn apply_money_withdrawn(
        &mut self,
        _: &Recorded,
        e: &MoneyWithdrawn,
    ) -> Result<(), StoreError> {
        self.balances.insert(e.account.clone(), e.balance);
        Ok(())
    }
}

fn balance_of(ledger: &Ledger, account: &str) -> Result<u64, NoAccount> {
    ledger
        .balances
        .get(account)
        .copied()
        .ok_or_else(|| NoAccount(account.to_string()))
}

/// The bank's logic on the kit.
pub struct KitBank;

impl BankMethods for KitBank {
    type Store = KitStore;
    type Context = ();
    type Error = NoAccount;

    async fn balance(
        &self,
        _: &(),
        txn: &mut MemoryRead<Ledger>,
        input: String,
    ) -> Result<u64, MethodError<NoAccount>> {
        Ok(balance_of(txn, &input)?)
    }
    async fn accounts(
        &self,
        _: &(),
        txn: &mut MemoryRead<Ledger>,
    ) -> Result<u64, MethodError<NoAccount>> {
        Ok(txn.balances.len() as u64)
    }
    async fn open(
        &self,
        _: &(),
        _txn: &mut MemoryWrite<Ledger, Overlaid>,
        input: String,
    ) -> Result<((), Vec<OpenEvent>), MethodError<NoAccount>> {
        Ok(((), vec![AccountOpened { account: input }.into()]))
    }
    async fn deposit(
        &self,
        _: &(),
        txn: &mut MemoryWrite<Ledger, Overlaid>,
        input: Transfer,
    ) -> Result<(u64, Vec<DepositEvent>), MethodError<NoAccount>> {
        let balance = balance_of(txn, &input.account)? + input.amount;
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
        txn: &mut MemoryWrite<Ledger, Overlaid>,
        input: Transfer,
    ) -> Result<(u64, Vec<WithdrawEvent>), MethodError<NoAccount>> {
        let balance = balance_of(txn, &input.account)?.saturating_sub(input.amount);
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
        txn: &mut MemoryRead<Ledger>,
        input: Transfer,
    ) -> Result<((), Vec<DepositBlindlyEvent>), MethodError<NoAccount>> {
        let balance = balance_of(txn, &input.account)? + input.amount;
        let event = MoneyDeposited {
            account: input.account,
            amount: input.amount,
            balance,
        };
        Ok(((), vec![event.into()]))
    }
}
