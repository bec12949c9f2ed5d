//! The engine against a hand-written store (no macro). Here, what every
//! file shares: a counter schema written out by hand, an in-memory store
//! whose write transaction is an owned lock guard with a saved copy to roll
//! back to, the methods, and an engine over them. The behaviours, one file
//! each:
//!
//! - `methods`: readonly, append and transaction methods, and what rolls
//!   back;
//! - `conflicts`: conflicts, retries and the conflict rules;
//! - `sync`: catching up, kinds passed over, bad records, `follow`;
//! - `logs`: a log that fails;
//! - `batching`: concurrent transactions sharing one append (a directory,
//!   one file per behaviour);
//! - `cancellation`: calls dropped at every await;
//! - `failsafe`: failing safe: events the store refuses, poison records;
//! - `observe`: progress, stats and spans;
//! - `stale`: the staleness check, its policies and rebuilds (over the
//!   memory kit).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use serde::{Deserialize, Serialize};
use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

use super::*;
use crate::codec::{self, EventKindSet, EventPayload, EventSet, FieldSpec};
use crate::{Condition, DecodeError, EncodeError, EventLog, MemoryLog, NewEvent, Position};

// ---- the schema, by hand -------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Kind {
    Counted,
    Noted,
}

impl EventKindSet for Kind {
    const ALL: &'static [Self] = &[Kind::Counted, Kind::Noted];
    fn name(self) -> &'static str {
        match self {
            Kind::Counted => "Counted",
            Kind::Noted => "Noted",
        }
    }
}

/// A counter moved to `total` (the decision depends on the old total, so a
/// lost update shows as a wrong total).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Counted {
    counter: String,
    total: u64,
}

impl EventPayload for Counted {
    const KIND: &'static str = "Counted";
    const FIELDS: &'static [FieldSpec] = &[
        FieldSpec {
            name: "counter",
            check: codec::check_field::<String>,
        },
        FieldSpec {
            name: "total",
            check: codec::check_field::<u64>,
        },
    ];
}

/// An event the counter service does not subscribe to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Noted {
    text: String,
}

impl EventPayload for Noted {
    const KIND: &'static str = "Noted";
    const FIELDS: &'static [FieldSpec] = &[FieldSpec {
        name: "text",
        check: codec::check_field::<String>,
    }];
}

#[derive(Debug, Clone, PartialEq)]
enum Event {
    Counted(Counted),
    Noted(Noted),
}

impl EventSet for Event {
    type Kind = Kind;
    fn kind(&self) -> Kind {
        match self {
            Event::Counted(_) => Kind::Counted,
            Event::Noted(_) => Kind::Noted,
        }
    }
    fn write_payload(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        match self {
            Event::Counted(e) => codec::write_payload(out, e),
            Event::Noted(e) => codec::write_payload(out, e),
        }
    }
    fn decode_payload(kind: &str, payload: &[u8]) -> Result<Self, DecodeError> {
        match kind {
            "Counted" => codec::decode_payload(payload).map(Event::Counted),
            "Noted" => codec::decode_payload(payload).map(Event::Noted),
            _ => Err(codec::unknown_kind::<Kind>(kind).into()),
        }
    }
}

/// What the `Count` method may emit (as generated code would declare it).
#[derive(Debug, Clone, PartialEq)]
enum CountEvent {
    Counted(Counted),
}

impl From<CountEvent> for Event {
    fn from(event: CountEvent) -> Self {
        match event {
            CountEvent::Counted(e) => Event::Counted(e),
        }
    }
}

impl TryFrom<Event> for CountEvent {
    type Error = Event;
    fn try_from(event: Event) -> Result<Self, Event> {
        match event {
            Event::Counted(e) => Ok(CountEvent::Counted(e)),
            other => Err(other),
        }
    }
}

fn noted(text: &str) -> NewEvent {
    codec::to_new_event(&Event::Noted(Noted { text: text.into() })).unwrap()
}

fn counted(counter: &str, total: u64) -> NewEvent {
    codec::to_new_event(&Event::Counted(Counted {
        counter: counter.into(),
        total,
    }))
    .unwrap()
}

// ---- the store -------------------------------------------------------------

#[derive(Debug, Clone, Default, PartialEq)]
struct State {
    version: Position,
    totals: BTreeMap<String, u64>,
    /// Positions applied, in order (to check nothing is applied twice).
    applied: Vec<Position>,
    /// The recorded times they were applied with, in the same order.
    applied_at: Vec<std::time::SystemTime>,
}

#[derive(Clone, Default)]
struct Store {
    state: Arc<RwLock<State>>,
    /// Applying an event at this position fails.
    fail_at: Arc<std::sync::Mutex<Option<Position>>>,
    /// Applying a count of this counter fails (wherever it lands).
    refuse: Arc<std::sync::Mutex<Option<String>>>,
    /// Whether write transactions take savepoints.
    savepoints: bool,
    /// Applying an event at this position panics (a bug in a store).
    panic_at: Arc<std::sync::Mutex<Option<Position>>>,
}

/// A write transaction: the lock, and the state to restore unless
/// committed (also when dropped unfinished).
struct Write {
    guard: OwnedRwLockWriteGuard<State>,
    saved: Option<State>,
    /// The state at the last savepoint.
    savepoint: Option<State>,
}

impl Drop for Write {
    fn drop(&mut self) {
        if let Some(saved) = self.saved.take() {
            *self.guard = saved;
        }
    }
}

impl Store {
    async fn snapshot(&self) -> State {
        self.state.read().await.clone()
    }
}

impl crate::Store for Store {
    type Write = Write;
    type Read = OwnedRwLockReadGuard<State>;

    async fn begin_write(&self) -> Result<Write, StoreError> {
        let guard = self.state.clone().write_owned().await;
        let saved = Some(guard.clone());
        Ok(Write {
            guard,
            saved,
            savepoint: None,
        })
    }
    async fn begin_read(&self) -> Result<Self::Read, StoreError> {
        Ok(self.state.clone().read_owned().await)
    }
    async fn commit(&self, mut txn: Write) -> Result<(), StoreError> {
        txn.saved = None;
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
        assert!(version >= txn.guard.version, "the version never goes back");
        txn.guard.version = version;
        Ok(())
    }
    async fn savepoint(&self, txn: &mut Write) -> Result<bool, StoreError> {
        if self.savepoints {
            txn.savepoint = Some(txn.guard.clone());
        }
        Ok(self.savepoints)
    }
    async fn rollback_to_savepoint(&self, txn: &mut Write) -> Result<(), StoreError> {
        let state = txn.savepoint.clone().expect("a savepoint was taken");
        *txn.guard = state;
        Ok(())
    }
}

impl ServiceStore for Store {
    type Event = Event;
    const SERVICE: &'static str = "Counters";
    const SUBSCRIBED: &'static [Kind] = &[Kind::Counted];

    async fn apply(&self, txn: &mut Write, at: &Recorded, event: &Event) -> Result<(), StoreError> {
        if *self.panic_at.lock().unwrap() == Some(at.position) {
            panic!("the store panics at position {}", at.position);
        }
        if *self.fail_at.lock().unwrap() == Some(at.position) {
            return Err(StoreError::new(format!(
                "refusing position {}",
                at.position
            )));
        }
        match event {
            Event::Counted(e) if self.refuse.lock().unwrap().as_ref() == Some(&e.counter) => {
                return Err(StoreError::refused(format!("refusing {}", e.counter)));
            }
            Event::Counted(e) => {
                txn.guard.totals.insert(e.counter.clone(), e.total);
            }
            Event::Noted(_) => return Err(StoreError::new("not subscribed")),
        }
        txn.guard.applied.push(at.position);
        txn.guard.applied_at.push(at.recorded_at);
        Ok(())
    }
}

// ---- the methods -----------------------------------------------------------

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("counter {0} is at its limit")]
struct AtLimit(String);

/// A transaction: counter += 1, refused at `limit`. Before returning on
/// its first `interfere` calls it appends `interference` to the log, as a
/// concurrent writer would.
struct Count<'a> {
    counter: String,
    limit: u64,
    log: &'a dyn EventLog,
    interference: Option<NewEvent>,
    interfere: u32,
    calls: AtomicU32,
}

impl<'a> Count<'a> {
    fn new(log: &'a dyn EventLog, counter: &str) -> Self {
        Self {
            counter: counter.into(),
            limit: u64::MAX,
            log,
            interference: None,
            interfere: 0,
            calls: AtomicU32::new(0),
        }
    }

    fn interfering(mut self, event: NewEvent, times: u32) -> Self {
        self.interference = Some(event);
        self.interfere = times;
        self
    }
}

impl MethodCall<Write> for Count<'_> {
    type Output = (u64, Vec<CountEvent>);
    type Error = AtLimit;
    async fn call(
        &self,
        txn: &mut Write,
    ) -> Result<(u64, Vec<CountEvent>), crate::service::MethodError<AtLimit>> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        let total = txn.guard.totals.get(&self.counter).copied().unwrap_or(0);
        if total >= self.limit {
            return Err(crate::service::MethodError::Refused(AtLimit(
                self.counter.clone(),
            )));
        }
        if let Some(event) = &self.interference
            && call < self.interfere
        {
            self.log
                .append(vec![event.clone()], Condition::None)
                .await
                .unwrap();
        }
        Ok((
            total + 1,
            vec![CountEvent::Counted(Counted {
                counter: self.counter.clone(),
                total: total + 1,
            })],
        ))
    }
}

/// The same, as an append method (on a read transaction, no condition).
struct CountBlindly(String);

impl MethodCall<OwnedRwLockReadGuard<State>> for CountBlindly {
    type Output = ((), Vec<CountEvent>);
    type Error = Infallible;
    async fn call(
        &self,
        txn: &mut OwnedRwLockReadGuard<State>,
    ) -> Result<((), Vec<CountEvent>), crate::service::MethodError<Infallible>> {
        let total = txn.totals.get(&self.0).copied().unwrap_or(0);
        Ok((
            (),
            vec![CountEvent::Counted(Counted {
                counter: self.0.clone(),
                total: total + 1,
            })],
        ))
    }
}

/// A transaction that decides to emit nothing.
struct Nothing;

impl MethodCall<Write> for Nothing {
    type Output = ((), Vec<CountEvent>);
    type Error = Infallible;
    async fn call(
        &self,
        _txn: &mut Write,
    ) -> Result<((), Vec<CountEvent>), crate::service::MethodError<Infallible>> {
        Ok(((), Vec::new()))
    }
}

/// A readonly method: a counter's total.
struct Total(String);

impl MethodCall<OwnedRwLockReadGuard<State>> for Total {
    type Output = u64;
    type Error = Infallible;
    async fn call(
        &self,
        txn: &mut OwnedRwLockReadGuard<State>,
    ) -> Result<u64, crate::service::MethodError<Infallible>> {
        Ok(txn.totals.get(&self.0).copied().unwrap_or(0))
    }
}

impl MethodCall<Write> for Total {
    type Output = (u64, Vec<CountEvent>);
    type Error = Infallible;
    async fn call(
        &self,
        txn: &mut Write,
    ) -> Result<(u64, Vec<CountEvent>), crate::service::MethodError<Infallible>> {
        Ok((txn.guard.totals.get(&self.0).copied().unwrap_or(0), vec![]))
    }
}

/// A method event type whose `TryFrom` refuses what its `Into` made (a
/// hand-written conversion gone wrong).
#[derive(Debug)]
struct Disowned(Counted);

impl From<Disowned> for Event {
    fn from(event: Disowned) -> Self {
        Event::Counted(event.0)
    }
}

impl TryFrom<Event> for Disowned {
    type Error = Event;
    fn try_from(event: Event) -> Result<Self, Event> {
        Err(event)
    }
}

/// A transaction emitting one [`Disowned`] event.
struct Disown;

impl MethodCall<Write> for Disown {
    type Output = ((), Vec<Disowned>);
    type Error = Infallible;
    async fn call(
        &self,
        _txn: &mut Write,
    ) -> Result<((), Vec<Disowned>), crate::service::MethodError<Infallible>> {
        Ok((
            (),
            vec![Disowned(Counted {
                counter: "d".into(),
                total: 1,
            })],
        ))
    }
}

fn engine(log: &crate::SharedLog, options: ServiceOptions) -> (Engine<Store>, Store) {
    let store = Store::default();
    (Engine::new(store.clone(), log.clone(), options), store)
}

async fn total(engine: &Engine<Store>, counter: &str) -> u64 {
    engine
        .run_readonly(&Total(counter.into()))
        .await
        .unwrap_or_else(|never| match never {
            ServiceError::Method(never) => match never {},
            other => panic!("{other}"),
        })
}

mod batching;
mod cancellation;
mod conflicts;
mod failsafe;
mod logs;
mod methods;
mod observe;
mod stale;
mod sync;
