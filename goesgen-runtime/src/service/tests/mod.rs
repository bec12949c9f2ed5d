//! The engine against a hand-written store (no macro): a counter schema
//! written out by hand, an in-memory store whose write transaction is an
//! owned lock guard with a saved copy to roll back to, and the semantics of
//! readonly, append and transaction methods, conflicts, sync and bad
//! records.

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

// ---- the tests -------------------------------------------------------------

/// Payloads are encoded through a buffer kept per thread: each comes out
/// whole, at its exact size, whatever was encoded before it.
#[test]
fn encoded_payloads_come_out_exact_after_longer_ones() {
    // Under the scratch buffer's keep limit (64 KiB), so the short one is
    // written into the same, grown buffer.
    let long = noted(&"x".repeat(1_000));
    assert_eq!(long.payload.len(), 1_000 + r#"{"text":""}"#.len());
    let short = noted("y");
    assert_eq!(short.payload, br#"{"text":"y"}"#);
    assert_eq!(short.payload.capacity(), short.payload.len());
    assert_eq!(short.kind, "Noted");
}

/// Events move into the schema's enum and back without a copy; a
/// conversion back that fails is an encoding error before anything is
/// written, and the store is rolled back.
#[tokio::test]
async fn an_event_that_does_not_convert_back_fails_the_call_before_the_append() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let error = engine
        .run_transaction(&Disown, &CallOptions::new())
        .await
        .unwrap_err();
    match &error {
        ServiceError::Encode(encode) => {
            assert_eq!(encode.kind, "Counted");
            assert!(encode.to_string().contains("TryFrom"), "{encode}");
        }
        other => panic!("expected Encode, got {other:?}"),
    }
    assert_eq!(log.head().await.unwrap(), 0, "nothing appended");
    assert_eq!(store.snapshot().await, State::default(), "rolled back");
}

#[tokio::test]
async fn readonly_methods_never_write() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    assert_eq!(total(&engine, "a").await, 0);
    assert_eq!(log.head().await.unwrap(), 0);
    assert_eq!(store.snapshot().await, State::default());
}

#[tokio::test]
async fn a_transaction_appends_and_a_read_right_after_sees_it() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let committed = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(committed.output, 1);
    assert_eq!(committed.attempts, 1);
    assert_eq!(committed.appended.positions(), 1..=1);
    let recorded: Vec<_> = committed.recorded().map(|(at, _)| at.position).collect();
    assert_eq!(recorded, vec![1]);
    assert_eq!(total(&engine, "a").await, 1);
    let state = store.snapshot().await;
    assert_eq!((state.version, state.applied), (1, vec![1]));
    let batch = log.read(0, &crate::KindFilter::All, 10).await.unwrap();
    assert_eq!(batch.records[0].kind, "Counted");
    assert_eq!(batch.records[0].payload, br#"{"counter":"a","total":1}"#);
    let stats = engine.stats();
    assert_eq!((stats.commits, stats.attempts, stats.conflicts), (1, 1, 0));
}

#[tokio::test]
async fn without_sync_after_push_a_read_sees_the_write_only_after_sync() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default().sync_after_push(false));
    engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(total(&engine, "a").await, 0);
    assert_eq!(engine.projection_version::<Infallible>().await.unwrap(), 0);
    // A second transaction catches up first, so it decides on the first;
    // its store changes (catch-up and own event) are rolled back.
    let second = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(second.output, 2);
    assert_eq!(total(&engine, "a").await, 0);
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 2);
    assert_eq!(total(&engine, "a").await, 2);
    assert_eq!(store.snapshot().await.applied, vec![1, 2]);
}

#[tokio::test]
async fn a_method_error_rolls_back_and_appends_nothing() {
    let log = MemoryLog::shared();
    log.append(vec![counted("a", 5)], Condition::None)
        .await
        .unwrap();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let mut count = Count::new(&*log, "a");
    count.limit = 5;
    let error = engine
        .run_transaction(&count, &CallOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Method(AtLimit(ref c)) if c == "a"));
    assert_eq!(log.head().await.unwrap(), 1);
    // The catch-up that preceded the call was rolled back with it.
    assert_eq!(store.snapshot().await, State::default());
    assert_eq!(engine.stats().commits, 0);
}

#[tokio::test]
async fn a_store_error_rolls_back_and_the_version_stays_behind_it() {
    let log = MemoryLog::shared();
    for total in 1..=3 {
        log.append(vec![counted("a", total)], Condition::None)
            .await
            .unwrap();
    }
    let (engine, store) = engine(&log, ServiceOptions::default().read_batch(2));
    *store.fail_at.lock().unwrap() = Some(3);
    let error = engine.sync::<Infallible>().await.unwrap_err();
    assert!(
        matches!(error, ServiceError::Apply { position: 3, ref kind, .. } if kind == "Counted"),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "the store refused the record at position 3 (Counted); the projection stays before it"
    );
    // The first batch (positions 1 and 2) committed; the second rolled back.
    let state = store.snapshot().await;
    assert_eq!((state.version, state.applied), (2, vec![1, 2]));
    // A transaction catching up meets the same error and appends nothing.
    let error = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Apply { position: 3, .. }));
    assert_eq!(log.head().await.unwrap(), 3);
    *store.fail_at.lock().unwrap() = None;
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 3);
    assert_eq!(total(&engine, "a").await, 3);
}

#[tokio::test]
async fn an_own_event_the_store_refuses_is_never_appended() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    *store.fail_at.lock().unwrap() = Some(1);
    let error = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap_err();
    match &error {
        ServiceError::Refused { index, kind, .. } => {
            assert_eq!((*index, kind.as_str()), (0, "Counted"))
        }
        other => panic!("expected Refused, got {other}"),
    }
    assert!(!error.is_retryable());
    assert_eq!(log.head().await.unwrap(), 0, "nothing appended");
    assert_eq!(store.snapshot().await, State::default(), "store unchanged");
    *store.fail_at.lock().unwrap() = None;
    engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(total(&engine, "a").await, 1);
}

#[tokio::test]
async fn a_conflict_catches_up_and_calls_the_method_again() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    // Another writer moves the counter to 10 while the method decides.
    let count = Count::new(&*log, "a").interfering(counted("a", 10), 1);
    let committed = engine
        .run_transaction(&count, &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(committed.attempts, 2);
    assert_eq!(committed.output, 11, "the second call decided on 10");
    assert_eq!(committed.appended.positions(), 2..=2);
    assert_eq!(total(&engine, "a").await, 11);
    assert_eq!(store.snapshot().await.applied, vec![1, 2]);
    let stats = engine.stats();
    assert_eq!((stats.attempts, stats.conflicts, stats.commits), (2, 1, 1));
}

#[tokio::test]
async fn conflicts_beyond_the_limit_are_an_error_carrying_the_attempts() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default().max_attempts(3));
    let count = Count::new(&*log, "a").interfering(counted("a", 10), u32::MAX);
    let error = engine
        .run_transaction(&count, &CallOptions::new())
        .await
        .unwrap_err();
    match &error {
        ServiceError::Conflict { attempts, last } => {
            assert_eq!(*attempts, 3);
            assert_eq!(last.head, 3);
            assert!(error.is_retryable());
        }
        other => panic!("expected Conflict, got {other}"),
    }
    // Only the interfering writer's events are in the log.
    assert_eq!(log.head().await.unwrap(), 3);
    assert_eq!(store.snapshot().await.version, 0, "rolled back");
}

#[tokio::test]
async fn unrelated_appends_conflict_under_strict_only() {
    for (rule, attempts) in [(ConflictRule::Subscribed, 1), (ConflictRule::Strict, 2)] {
        let log = MemoryLog::shared();
        let (engine, store) = engine(&log, ServiceOptions::default().conflict_rule(rule));
        let count = Count::new(&*log, "a").interfering(noted("unrelated"), 1);
        let committed = engine
            .run_transaction(&count, &CallOptions::new())
            .await
            .unwrap();
        assert_eq!(committed.attempts, attempts, "{rule:?}");
        assert_eq!(committed.output, 1);
        assert_eq!(committed.appended.positions(), 2..=2, "{rule:?}");
        let state = store.snapshot().await;
        assert_eq!((state.version, state.applied), (2, vec![2]), "{rule:?}");
    }
}

#[tokio::test]
async fn own_events_are_applied_without_skipping_unknown_kinds_in_between() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    // A record of a kind the schema does not know lands between the
    // decision and the append; under the default rule it is no conflict,
    // but the version must not jump over it unchecked.
    let count =
        Count::new(&*log, "a").interfering(NewEvent::new("Mystery", br#"{"x":1}"#.to_vec()), 1);
    let error = engine
        .run_transaction(&count, &CallOptions::new())
        .await
        .unwrap_err();
    match error {
        ServiceError::Unsynced { appended, source } => {
            assert_eq!(appended.positions(), 2..=2);
            assert!(
                matches!(*source, ServiceError::UnknownKind { position: 1, ref kind } if kind == "Mystery")
            );
        }
        other => panic!("expected Unsynced, got {other}"),
    }
    assert_eq!(store.snapshot().await.version, 0);
    // With unknown kinds skipped, the own event is applied directly.
    let (engine, store) = self::engine(
        &log,
        ServiceOptions::default().unknown_events(UnknownEvents::Skip),
    );
    let count = Count::new(&*log, "b").interfering(NewEvent::new("Mystery", b"{}".to_vec()), 1);
    engine
        .run_transaction(&count, &CallOptions::new())
        .await
        .unwrap();
    let state = store.snapshot().await;
    assert_eq!(state.version, 4);
    assert_eq!(state.totals.get("a"), Some(&1));
    assert_eq!(state.totals.get("b"), Some(&1));
}

#[tokio::test]
async fn unknown_kinds_fail_by_default_and_are_skipped_when_asked() {
    let log = MemoryLog::shared();
    log.append(
        vec![
            counted("a", 1),
            NewEvent::new("Mystery", b"{}".to_vec()),
            counted("a", 2),
        ],
        Condition::None,
    )
    .await
    .unwrap();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let error = engine.sync::<Infallible>().await.unwrap_err();
    assert!(
        matches!(error, ServiceError::UnknownKind { position: 2, ref kind } if kind == "Mystery"),
        "{error}"
    );
    assert!(error.to_string().contains("position 2"));
    assert_eq!(store.snapshot().await.version, 0, "the batch rolled back");
    let (engine, store) = self::engine(
        &log,
        ServiceOptions::default().unknown_events(UnknownEvents::Skip),
    );
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 3);
    assert_eq!(store.snapshot().await.applied, vec![1, 3]);
}

#[tokio::test]
async fn a_corrupt_payload_is_a_decode_error_naming_its_position() {
    let log = MemoryLog::shared();
    log.append(
        vec![
            noted("fine"),
            NewEvent::new("Counted", br#"{"counter":"a","total":"many"}"#.to_vec()),
        ],
        Condition::None,
    )
    .await
    .unwrap();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let error = engine.sync::<Infallible>().await.unwrap_err();
    match &error {
        ServiceError::Decode {
            position, source, ..
        } => {
            assert_eq!(*position, 2);
            assert_eq!(source.field(), Some("total"));
        }
        other => panic!("expected Decode, got {other}"),
    }
    assert!(error.to_string().contains("position 2"), "{error}");
    assert_eq!(store.snapshot().await.version, 0);
}

#[tokio::test]
async fn an_append_method_appends_without_condition_and_then_syncs() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    log.append(vec![noted("x")], Condition::None).await.unwrap();
    let committed = engine
        .run_append(&CountBlindly("a".into()), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(committed.appended.positions(), 2..=2);
    assert_eq!(total(&engine, "a").await, 1);
    assert_eq!(store.snapshot().await.version, 2);
    // Blind: an append method decides on what the store has, not the log.
    log.append(vec![counted("a", 7)], Condition::None)
        .await
        .unwrap();
    let committed = engine
        .run_append(&CountBlindly("a".into()), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(
        committed.events,
        vec![CountEvent::Counted(Counted {
            counter: "a".into(),
            total: 2
        })]
    );
    // The sync after the push read the other writer's event too.
    assert_eq!(store.snapshot().await.applied, vec![2, 3, 4]);
    assert_eq!(total(&engine, "a").await, 2);
}

#[tokio::test]
async fn a_transaction_that_emits_nothing_commits_only_the_catch_up() {
    let log = MemoryLog::shared();
    log.append(vec![counted("a", 3)], Condition::None)
        .await
        .unwrap();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let committed = engine
        .run_transaction(&Nothing, &CallOptions::new())
        .await
        .unwrap();
    assert!(committed.appended.is_empty());
    assert_eq!(committed.appended.first, 2);
    assert_eq!(log.head().await.unwrap(), 1);
    assert_eq!(store.snapshot().await.version, 1);
    let read = engine
        .run_transaction(&Total("a".into()), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(read.output, 3);
}

#[tokio::test]
async fn follow_keeps_the_store_current_until_dropped() {
    let log = MemoryLog::shared();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let engine = Arc::new(engine);
    let follower = tokio::spawn({
        let engine = engine.clone();
        async move { engine.follow::<Infallible>().await }
    });
    for total in 1..=5 {
        log.append(vec![counted("a", total)], Condition::None)
            .await
            .unwrap();
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while store.snapshot().await.version < 5 {
        assert!(
            std::time::Instant::now() < deadline,
            "the follower did not catch up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    assert_eq!(total(&engine, "a").await, 5);
    follower.abort();
    assert!(follower.await.unwrap_err().is_cancelled());
    // The store is usable after the follower was cut off.
    engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(total(&engine, "a").await, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_engines_on_one_log_lose_no_update() {
    const TASKS: usize = 8;
    const EACH: u64 = 200;
    let log = MemoryLog::shared();
    let engines: Vec<Arc<Engine<Store>>> = (0..2)
        .map(|_| Arc::new(engine(&log, ServiceOptions::default()).0))
        .collect();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let engine = engines[task % 2].clone();
            let log = log.clone();
            tokio::spawn(async move {
                for _ in 0..EACH {
                    engine
                        .run_transaction(&Count::new(&*log, "shared"), &CallOptions::new())
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let expected = TASKS as u64 * EACH;
    assert_eq!(log.head().await.unwrap(), expected);
    for engine in &engines {
        engine.sync::<Infallible>().await.unwrap();
        assert_eq!(total(engine, "shared").await, expected);
    }
}

#[tokio::test]
async fn open_log_names_its_backends() {
    let log = open_log(" memory ").await.unwrap();
    assert_eq!(log.head().await.unwrap(), 0);
    for bad in ["", "disk", "sqlite:"] {
        let Err(error) = open_log(bad).await else {
            panic!("{bad:?} opened a log");
        };
        assert!(
            matches!(error, crate::LogError::Config(_)),
            "{bad}: {error}"
        );
    }
}

/// A MemoryLog whose next `read_failures` reads and `append_failures`
/// appends fail as unavailable.
struct FlakyLog {
    inner: MemoryLog,
    read_failures: AtomicU32,
    append_failures: AtomicU32,
}

impl FlakyLog {
    fn shared(read_failures: u32, append_failures: u32) -> Arc<Self> {
        Arc::new(Self {
            inner: MemoryLog::new(),
            read_failures: AtomicU32::new(read_failures),
            append_failures: AtomicU32::new(append_failures),
        })
    }
}

fn take_failure(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

fn unavailable() -> crate::LogError {
    crate::LogError::Unavailable {
        message: "flaky".into(),
        source: None,
    }
}

impl EventLog for FlakyLog {
    fn head(&self) -> crate::log::BoxFuture<'_, Result<Position, crate::LogError>> {
        self.inner.head()
    }
    fn read<'a>(
        &'a self,
        after: Position,
        filter: &'a crate::KindFilter,
        limit: usize,
    ) -> crate::log::BoxFuture<'a, Result<crate::ReadBatch, crate::LogError>> {
        if take_failure(&self.read_failures) {
            return Box::pin(std::future::ready(Err(unavailable())));
        }
        self.inner.read(after, filter, limit)
    }
    fn append_with(
        &self,
        append: crate::Append,
    ) -> crate::log::BoxFuture<'_, Result<crate::Appended, crate::LogError>> {
        if take_failure(&self.append_failures) {
            return Box::pin(std::future::ready(Err(unavailable())));
        }
        self.inner.append_with(append)
    }
    fn find_key<'a>(
        &'a self,
        key: &'a crate::IdempotencyKey,
    ) -> crate::log::BoxFuture<'a, Result<Option<crate::KeyRecord>, crate::LogError>> {
        self.inner.find_key(key)
    }
    fn lock_writes(
        &self,
    ) -> crate::log::BoxFuture<'_, Result<Box<dyn crate::WriteLock + '_>, crate::LogError>> {
        self.inner.lock_writes()
    }
    fn subscribe(&self) -> crate::Subscription {
        self.inner.subscribe()
    }
}

#[tokio::test]
async fn a_failed_append_rolls_back_and_is_retryable() {
    let flaky = FlakyLog::shared(0, 1);
    flaky
        .append(vec![counted("a", 4)], Condition::None)
        .await
        .unwrap_err();
    flaky
        .append(vec![counted("a", 4)], Condition::None)
        .await
        .unwrap();
    flaky.append_failures.store(1, Ordering::SeqCst);
    let log: crate::SharedLog = flaky.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let error = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Log(_)), "{error}");
    assert!(error.is_retryable());
    assert_eq!(log.head().await.unwrap(), 1);
    assert_eq!(
        store.snapshot().await,
        State::default(),
        "catch-up rolled back"
    );
    let committed = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(committed.output, 5);
}

#[tokio::test]
async fn follow_retries_an_unavailable_log() {
    let flaky = FlakyLog::shared(3, 0);
    flaky
        .append(vec![counted("a", 1)], Condition::None)
        .await
        .unwrap();
    let log: crate::SharedLog = flaky.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let engine = Arc::new(engine);
    let follower = tokio::spawn({
        let engine = engine.clone();
        async move { engine.follow::<Infallible>().await }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while store.snapshot().await.version < 1 {
        assert!(
            !follower.is_finished(),
            "follow gave up on an unavailable log"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "follow never caught up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(flaky.read_failures.load(Ordering::SeqCst), 0);
    follower.abort();
}

mod batching;
mod cancellation;
mod failsafe;
mod observe;
