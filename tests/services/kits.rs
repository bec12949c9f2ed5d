//! The bank on goesgen's store kits, `MemoryStore` in both modes (the
//! kit's tables, and an `imbl` map cloned by each write; the apply
//! functions on them) and `SqliteStore` (`sqlite_store.rs`), through one
//! contract: a method's refusal, a store's refusal, a cancelled
//! transaction and conflicts all leave the store as it was; the version
//! is the log position applied, as write and read transactions see it.

use goesgen::kits::{MemoryRead, MemoryWrite, Overlaid, Table, WriteMode};
use goesgen::{Condition, MemoryLog, ServiceError, ServiceOptions, StoreErrorKind};

use super::sqlite_store::fresh_path;
use super::*;
use super::{ACCOUNTS, SqliteStore, open_store};
use schema::bank::{BankInMemory, BankService};

/// Balances by account, as the memory kit's projections keep them.
pub trait Balances: Send + Sync + 'static {
    /// Sets the balance of `account`.
    fn put(&mut self, account: &str, balance: u64);
    /// The balance of `account`.
    fn get(&self, account: &str) -> Option<u64>;
    /// How many accounts there are.
    fn accounts(&self) -> usize;
}

/// The bank's projection for the memory kit in `Cloned` mode: balances in
/// a persistent map.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    balances: imbl::HashMap<String, u64>,
}

/// The bank's projection for the memory kit in `Overlaid` mode: balances
/// in the kit's table.
#[derive(Debug, Default)]
pub struct TableLedger {
    balances: Table<String, u64>,
}
goesgen::transactional!(TableLedger { balances });

/// [`Balances`] for a ledger whose `balances` map has `insert`, `get` and
/// `len` (an `imbl` map, the kit's table).
macro_rules! balances {
    ($($ledger:ty),+) => {$(
        impl Balances for $ledger {
            fn put(&mut self, account: &str, balance: u64) {
                self.balances.insert(account.to_owned(), balance);
            }
            fn get(&self, account: &str) -> Option<u64> {
                self.balances.get(account).copied()
            }
            fn accounts(&self) -> usize {
                self.balances.len()
            }
        }
    )+};
}

balances!(Ledger, TableLedger);

/// An account the projection refuses (to drill refusals by the store).
const FORBIDDEN: &str = "forbidden";

fn set<B: Balances>(ledger: &mut B, account: &str, balance: u64) -> Result<(), StoreError> {
    if account == FORBIDDEN {
        return Err(StoreError::refused(format!(
            "account {account} is forbidden"
        )));
    }
    ledger.put(account, balance);
    Ok(())
}

impl<B: Balances> BankInMemory for B {
    fn apply_account_opened(&mut self, _: &Recorded, e: &AccountOpened) -> Result<(), StoreError> {
        set(self, &e.account, 0)
    }
    fn apply_money_deposited(
        &mut self,
        _: &Recorded,
        e: &MoneyDeposited,
    ) -> Result<(), StoreError> {
        set(self, &e.account, e.balance)
    }
    fn apply_money_withdrawn(
        &mut self,
        _: &Recorded,
        e: &MoneyWithdrawn,
    ) -> Result<(), StoreError> {
        set(self, &e.account, e.balance)
    }
}

impl<B: Balances, M: WriteMode<B>> Accounts for MemoryWrite<B, M> {
    fn balance(&mut self, account: &str) -> Result<Option<u64>, StoreError> {
        Ok(self.get(account))
    }
    fn count(&mut self) -> Result<u64, StoreError> {
        Ok(self.accounts() as u64)
    }
}

impl<B: Balances> Accounts for MemoryRead<B> {
    fn balance(&mut self, account: &str) -> Result<Option<u64>, StoreError> {
        Ok(self.get(account))
    }
    fn count(&mut self) -> Result<u64, StoreError> {
        Ok(self.accounts() as u64)
    }
}

type Service<S> = BankService<Bank<S>>;

fn caller() -> Caller {
    Caller::default()
}

async fn balance<S>(bank: &Service<S>, account: &str) -> u64
where
    S: BankStore,
    S::Write: Accounts,
    S::Read: Accounts,
{
    bank.balance(&caller(), account.into()).await.unwrap()
}

/// The contract, on two fresh stores of one kind (`make`).
async fn contract<S, F, Fut>(make: F)
where
    S: BankStore,
    S::Write: Accounts,
    S::Read: Accounts,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = S>,
{
    let log = MemoryLog::shared();
    let bank = Service::new(
        Bank::default(),
        make().await,
        log.clone(),
        ServiceOptions::default(),
    );
    bank.open(&caller(), "a".into()).await.unwrap();
    bank.deposit(&caller(), transfer("a", 5)).await.unwrap();
    assert_eq!(bank.projection_version().await.unwrap(), 2);

    // A method's refusal: nothing changes, nothing is appended.
    let error = bank
        .withdraw(&caller(), transfer("a", 6))
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        ServiceError::Method(BankError::Insufficient { .. })
    ));
    assert_eq!(
        (balance(&bank, "a").await, log.head().await.unwrap()),
        (5, 2)
    );

    // The store's refusal of the method's own event: nothing is appended.
    let error = bank.open(&caller(), FORBIDDEN.into()).await.unwrap_err();
    match &error {
        ServiceError::Refused { kind, source, .. } => {
            assert_eq!(kind, "AccountOpened");
            assert_eq!(source.kind(), StoreErrorKind::Refused);
        }
        other => panic!("expected Refused, got {other}"),
    }
    assert_eq!(log.head().await.unwrap(), 2);
    assert_eq!(bank.projection_version().await.unwrap(), 2);

    // A transaction cut off (its future dropped mid-way) leaves nothing.
    {
        let store = bank.store();
        let mut txn = store.begin_write().await.unwrap();
        let at = Recorded {
            position: 3,
            recorded_at: std::time::SystemTime::now(),
        };
        let event = MoneyDeposited {
            account: "a".into(),
            amount: 100,
            balance: 105,
        };
        store
            .apply_money_deposited(&mut txn, &at, &event)
            .await
            .unwrap();
        store.set_version(&mut txn, 3).await.unwrap();
    }
    assert_eq!(balance(&bank, "a").await, 5);
    assert_eq!(bank.projection_version().await.unwrap(), 2);

    // Conflicts: another instance, on its own store, deposits between
    // this one's decisions; each decides again on the caught-up state.
    let other = Service::new(
        Bank::default(),
        make().await,
        log.clone(),
        ServiceOptions::default(),
    );
    for _ in 0..20 {
        other.deposit(&caller(), transfer("a", 1)).await.unwrap();
        bank.deposit(&caller(), transfer("a", 1)).await.unwrap();
    }
    assert_eq!(balance(&bank, "a").await, 45);
    let head = log.head().await.unwrap();
    assert_eq!(bank.projection_version().await.unwrap(), head);
    other.sync().await.unwrap();
    assert_eq!(balance(&other, "a").await, 45);

    // A record someone else appended that the store refuses stops a sync
    // at its position, and the version stays before it.
    let poison = schema::events::Event::from(AccountOpened {
        account: FORBIDDEN.into(),
    });
    log.append(vec![poison.to_new_event().unwrap()], Condition::None)
        .await
        .unwrap();
    let error = bank.sync().await.unwrap_err();
    assert!(matches!(error, ServiceError::Apply { position, .. } if position == head + 1));
    assert_eq!(bank.projection_version().await.unwrap(), head);
}

#[tokio::test]
async fn the_memory_kit_keeps_the_contract() {
    contract(|| async { goesgen::MemoryStore::<Ledger>::default() }).await;
}

#[tokio::test]
async fn the_memory_kit_on_tables_keeps_the_contract() {
    contract(|| async { goesgen::MemoryStore::<TableLedger, Overlaid>::default() }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_kit_keeps_the_contract() {
    contract(|| async { open_store(&fresh_path("kit-contract")).await }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_kit_in_memory_keeps_the_contract() {
    contract(|| async {
        let store: SqliteStore =
            goesgen::SqliteStore::in_memory("bank", super::BankTables).unwrap();
        store.setup(|db| db.execute_batch(ACCOUNTS)).await.unwrap();
        store
    })
    .await;
}

/// Two instances on the memory kit (made by `make`), eight tasks: no
/// lost update.
async fn no_lost_updates<B, M>(make: impl Fn() -> goesgen::MemoryStore<B, M>)
where
    B: Balances,
    M: WriteMode<B>,
{
    let log = MemoryLog::shared();
    let banks: Vec<Arc<Service<goesgen::MemoryStore<B, M>>>> = (0..2)
        .map(|_| {
            Arc::new(Service::new(
                Bank::default(),
                make(),
                log.clone(),
                ServiceOptions::default(),
            ))
        })
        .collect();
    banks[0].open(&caller(), "shared".into()).await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|task| {
            let bank = Arc::clone(&banks[task % 2]);
            tokio::spawn(async move {
                for _ in 0..250 {
                    bank.deposit(&caller(), transfer("shared", 1))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    for bank in &banks {
        bank.sync().await.unwrap();
        assert_eq!(balance(bank, "shared").await, 2_000);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_lost_updates_on_the_memory_kit() {
    no_lost_updates(goesgen::MemoryStore::<Ledger>::default).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_lost_updates_on_the_memory_kit_with_tables() {
    no_lost_updates(goesgen::MemoryStore::<TableLedger, Overlaid>::default).await;
}
