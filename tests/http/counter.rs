//! The counter service of `tests/fixtures/counter.yml` with faults to
//! inject, for the HTTP tests and the HTTP bench: a log that can be made
//! unavailable or lose the outcome of its appends, a store whose
//! transactions or commits can fail, and a `Count` that a rival writer
//! interrupts (every attempt conflicts) for the counter `contended`, and
//! that refuses the counter `refused`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use goesgen::log::BoxFuture;
use goesgen::{
    Append, Appended, EventLog, IdempotencyKey, KindFilter, LogError, Position, ReadBatch,
    Recorded, SharedLog, StoreError, Subscription, WriteLock,
};
use tokio::sync::OwnedRwLockReadGuard;

#[path = "../support/locked.rs"]
mod locked;
pub use locked::Faults;
use locked::{Locked, SavedWrite, Versioned};

pub mod schema {
    goesgen::include_schema!("../fixtures/counter.yml");
}

use schema::counters::{CountEvent, CountersMethods, CountersService, CountersStore};
use schema::events::{Counted, Event};

/// What the faulty log does with appends.
pub const NORMAL: u8 = 0;
/// Every append fails as unavailable (nothing written).
pub const UNAVAILABLE: u8 = 1;
/// Every append is written, then reported as indeterminate.
pub const INDETERMINATE: u8 = 2;

/// A log with faults to inject, over a real one.
pub struct FaultyLog {
    inner: SharedLog,
    pub mode: AtomicU8,
}

impl FaultyLog {
    pub fn over(inner: SharedLog) -> Arc<Self> {
        Arc::new(Self {
            inner,
            mode: AtomicU8::new(NORMAL),
        })
    }

    pub fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }
}

impl EventLog for FaultyLog {
    fn head(&self) -> BoxFuture<'_, Result<Position, LogError>> {
        self.inner.head()
    }

    fn read<'a>(
        &'a self,
        after: Position,
        filter: &'a KindFilter,
        limit: usize,
    ) -> BoxFuture<'a, Result<ReadBatch, LogError>> {
        self.inner.read(after, filter, limit)
    }

    fn append_with(&self, append: Append) -> BoxFuture<'_, Result<Appended, LogError>> {
        let mode = self.mode.load(Ordering::SeqCst);
        Box::pin(async move {
            match mode {
                UNAVAILABLE => Err(LogError::Unavailable {
                    message: "injected".into(),
                    source: None,
                }),
                INDETERMINATE => {
                    self.inner.append_with(append).await?;
                    Err(LogError::Indeterminate {
                        message: "injected".into(),
                        source: None,
                    })
                }
                _ => self.inner.append_with(append).await,
            }
        })
    }

    fn find_key<'a>(
        &'a self,
        key: &'a IdempotencyKey,
    ) -> BoxFuture<'a, Result<Option<goesgen_runtime::KeyRecord>, LogError>> {
        self.inner.find_key(key)
    }

    fn lock_writes(&self) -> BoxFuture<'_, Result<Box<dyn WriteLock + '_>, LogError>> {
        self.inner.lock_writes()
    }

    fn subscribe(&self) -> Subscription {
        self.inner.subscribe()
    }
}

/// The projection: the version and each counter's total.
#[derive(Clone, Default)]
pub struct Totals {
    version: Position,
    totals: HashMap<String, u64>,
}

impl Versioned for Totals {
    fn version(&self) -> Position {
        self.version
    }
    fn set_version(&mut self, version: Position) {
        self.version = version;
    }
}

/// The counters' store: the shared test store over [`Totals`].
pub type Store = Locked<Totals>;

impl CountersStore for Store {
    async fn apply_counted(
        &self,
        txn: &mut SavedWrite<Totals>,
        _at: &Recorded,
        event: &Counted,
    ) -> Result<(), StoreError> {
        txn.totals.insert(event.counter.clone(), event.total);
        Ok(())
    }
}

/// Why `Count` refused.
#[derive(Debug, thiserror::Error)]
pub enum CountError {
    /// The counter `refused`.
    #[error("the counter {0:?} refuses to count")]
    Refused(String),
    /// The rival's append failed.
    #[error("the rival's append failed: {0}")]
    Rival(#[source] LogError),
}

impl goesgen::DomainError for CountError {}

/// The default mapping: 422 `method-error`.
impl goesgen::http::MethodProblem for CountError {}

pub struct Logic {
    /// Where the rival appends.
    pub rival: SharedLog,
}

impl CountersMethods for Logic {
    type Store = Store;
    type Context = ();
    type Error = CountError;

    async fn total(
        &self,
        _ctx: &(),
        txn: &mut OwnedRwLockReadGuard<Totals>,
        counter: String,
    ) -> Result<u64, goesgen::MethodError<CountError>> {
        Ok(txn.totals.get(&counter).copied().unwrap_or(0))
    }

    async fn count(
        &self,
        _ctx: &(),
        txn: &mut SavedWrite<Totals>,
        counter: String,
    ) -> Result<(u64, Vec<CountEvent>), goesgen::MethodError<CountError>> {
        if counter == "refused" {
            return Err(CountError::Refused(counter).into());
        }
        let total = txn.totals.get(&counter).copied().unwrap_or(0) + 1;
        if counter == "contended" {
            let rival = Event::from(Counted {
                counter: "rival".into(),
                total: 0,
            });
            let rival = rival.to_new_event().map_err(|_| {
                CountError::Rival(LogError::Config("rival event does not encode".into()))
            })?;
            self.rival
                .append(vec![rival], goesgen::Condition::None)
                .await
                .map_err(CountError::Rival)?;
        }
        Ok((total, vec![Counted { counter, total }.into()]))
    }
}

/// A counter service on `log` (faulty or not), with its store's faults.
pub fn service(
    log: SharedLog,
    options: goesgen::ServiceOptions,
) -> (Arc<CountersService<Logic>>, Arc<Faults>) {
    let store = Store::default();
    let faults = store.faults.clone();
    let service = CountersService::new(Logic { rival: log.clone() }, store, log, options);
    (Arc::new(service), faults)
}
