//! Stale projections: the check before an engine's first sync or call,
//! each policy triggered by a changed revision, rebuilds on demand, what
//! readers see while a rebuild runs, and rebuilds dropped at each await
//! point. The store is a [`MemoryStore`] with a dispatch written by hand
//! whose `REVISION` is a const parameter, and whose apply yields once per
//! event (so every event applied is a point where the rebuild can be cut
//! off, and where a reader or a writer can come between).

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;

use super::batching::futures_poll_once;
use super::*;
use crate::kits::{MemoryRead, MemoryWrite};
use crate::{MemoryStore, Store as _};

/// The projection: totals, and which revisions of the apply functions
/// built it (a projection half of one and half of another would show two).
#[derive(Debug, Clone, Default, PartialEq)]
struct Tally {
    totals: BTreeMap<String, u64>,
    built_by: BTreeSet<u32>,
    applied: u64,
}

/// The counter service's dispatch at revision `R`.
struct Tallies<const R: u32>;

impl<const R: u32> Dispatch for Tallies<R> {
    type Store = MemoryStore<Tally>;
    type Event = Event;
    const SERVICE: &'static str = "Counters";
    const SUBSCRIBED: &'static [Kind] = &[Kind::Counted];
    const SCHEMA_FINGERPRINT: u64 = 0x5eed;
    const REVISION: u32 = R;

    async fn apply(
        _store: &MemoryStore<Tally>,
        txn: &mut MemoryWrite<Tally>,
        _at: &Recorded,
        event: &Event,
    ) -> Result<(), StoreError> {
        tokio::task::yield_now().await;
        if let Event::Counted(counted) = event {
            txn.totals.insert(counted.counter.clone(), counted.total);
            txn.built_by.insert(R);
            txn.applied += 1;
        }
        Ok(())
    }
}

type Tallied<const R: u32> = Engine<Dispatched<Tallies<R>>>;

fn tallied<const R: u32>(
    store: &MemoryStore<Tally>,
    log: &crate::SharedLog,
    options: ServiceOptions,
) -> Tallied<R> {
    Engine::new(Dispatched::new(store.clone()), log.clone(), options)
}

/// A readonly method: how many events the projection applied.
struct Applied;

impl MethodCall<MemoryRead<Tally>> for Applied {
    type Output = u64;
    type Error = Infallible;
    async fn call(
        &self,
        txn: &mut MemoryRead<Tally>,
    ) -> Result<u64, crate::service::MethodError<Infallible>> {
        Ok(txn.applied)
    }
}

/// The log: `counted` counts of "a" (totals 1, 2, ...), each after a
/// `Noted` the service passes over. Returns the positions of the counts.
async fn log_of(counted: u64) -> (crate::SharedLog, Vec<Position>) {
    let log = MemoryLog::shared();
    let mut positions = Vec::new();
    for total in 1..=counted {
        append_count(&log, total, &mut positions).await;
    }
    (log, positions)
}

async fn append_count(log: &crate::SharedLog, total: u64, positions: &mut Vec<Position>) {
    let appended = log
        .append(vec![noted("n"), counted("a", total)], Condition::None)
        .await
        .unwrap();
    positions.push(appended.last);
}

/// A store built by revision 0 of the service from a log of `counted`
/// counts (its fingerprint set by the check).
async fn built_by_zero(counted: u64) -> (MemoryStore<Tally>, crate::SharedLog, Vec<Position>) {
    let (log, positions) = log_of(counted).await;
    let store = MemoryStore::<Tally>::default();
    tallied::<0>(&store, &log, ServiceOptions::default())
        .sync::<Infallible>()
        .await
        .unwrap();
    (store, log, positions)
}

async fn fingerprint_of(store: &MemoryStore<Tally>) -> Option<StoreFingerprint> {
    let mut txn = store.begin_write().await.unwrap();
    store.fingerprint(&mut txn).await.unwrap()
}

fn revision(revision: u32) -> StoreFingerprint {
    StoreFingerprint {
        schema: 0x5eed,
        revision,
    }
}

/// What a reader sees must be whole: the projection of every count up to
/// its version, by one revision alone.
fn assert_whole(read: &MemoryRead<Tally>, counts: &[Position], context: &str) {
    let expected = counts.iter().filter(|at| **at <= read.version()).count() as u64;
    assert_eq!(
        read.applied,
        expected,
        "{context}: version {}",
        read.version()
    );
    assert_eq!(
        read.built_by.len().min(1),
        expected.min(1) as usize,
        "{context}"
    );
    assert!(read.built_by.len() <= 1, "{context}: {:?}", read.built_by);
    if expected > 0 {
        assert_eq!(read.totals["a"], expected, "{context}");
    }
}

#[tokio::test]
async fn a_new_store_is_stamped_with_the_codes_fingerprint_and_then_passes() {
    let (store, log, counts) = built_by_zero(4).await;
    assert_eq!(fingerprint_of(&store).await, Some(revision(0)));
    // Another engine of the same revision finds it current: it only
    // catches up.
    append_count(&log, 5, &mut Vec::new()).await;
    let again = tallied::<0>(&store, &log, ServiceOptions::default());
    assert_eq!(again.sync::<Infallible>().await.unwrap(), 10);
    let read = store.begin_read().await.unwrap();
    assert_eq!(
        (read.applied, read.built_by.clone()),
        (5, BTreeSet::from([0]))
    );
    assert_eq!(counts.len(), 4);
}

#[tokio::test]
async fn a_changed_revision_is_refused_by_default_naming_both_fingerprints_until_rebuilt() {
    let (store, log, counts) = built_by_zero(3).await;
    let engine = tallied::<1>(&store, &log, ServiceOptions::default());
    for attempt in 0..2 {
        let error = engine.sync::<Infallible>().await.unwrap_err();
        let ServiceError::Stale(stale) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(
            (
                stale.stored(),
                stale.expected(),
                stale.part(),
                stale.version()
            ),
            (Some(revision(0)), revision(1), StalePart::Revision, 6),
            "attempt {attempt}"
        );
        assert!(!error.is_retryable());
        let called = engine.run_readonly(&Applied).await;
        assert!(matches!(called, Err(ServiceError::Stale(_))), "{called:?}");
    }
    let read = store.begin_read().await.unwrap();
    assert_whole(&read, &counts, "refused");
    assert_eq!(read.built_by, BTreeSet::from([0]), "nothing was touched");
    drop(read);

    assert_eq!(engine.rebuild::<Infallible>().await.unwrap(), 6);
    assert_eq!(fingerprint_of(&store).await, Some(revision(1)));
    assert_eq!(engine.run_readonly(&Applied).await.unwrap(), 3);
    let read = store.begin_read().await.unwrap();
    assert_whole(&read, &counts, "rebuilt");
    assert_eq!(read.built_by, BTreeSet::from([1]));
}

#[tokio::test]
async fn a_store_with_projections_but_no_fingerprint_is_stale() {
    let (log, _) = log_of(2).await;
    let store = MemoryStore::<Tally>::default();
    // Written before fingerprints: a version, no fingerprint.
    let mut txn = store.begin_write().await.unwrap();
    store.set_version(&mut txn, 4).await.unwrap();
    store.commit(txn).await.unwrap();
    let engine = tallied::<0>(&store, &log, ServiceOptions::default());
    let error = engine.sync::<Infallible>().await.unwrap_err();
    let ServiceError::Stale(stale) = &error else {
        panic!("{error:?}");
    };
    assert_eq!((stale.stored(), stale.part()), (None, StalePart::NoneKept));
    assert!(error.to_string().contains("no fingerprint"), "{error}");
    // Under a policy that rebuilds, it is rebuilt.
    let engine = tallied::<0>(
        &store,
        &log,
        ServiceOptions::default().on_stale(StalePolicy::RebuildInPlace),
    );
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 4);
    assert_eq!(store.begin_read().await.unwrap().applied, 2);
    assert_eq!(fingerprint_of(&store).await, Some(revision(0)));
}

#[tokio::test]
async fn a_store_that_keeps_no_fingerprint_is_not_checked() {
    let log = MemoryLog::shared();
    log.append(vec![counted("x", 1)], Condition::None)
        .await
        .unwrap();
    let (engine, store) = super::engine(&log, ServiceOptions::default());
    store.state.write().await.version = 7;
    // Version 7 and no fingerprint, but the store says it keeps none.
    assert_eq!(engine.sync::<Infallible>().await.unwrap(), 7);
}

/// Drives `future` a poll at a time; between polls, `between` runs (a
/// reader, a writer), then the runtime's other tasks (a sync's
/// read-ahead) get their turn. Returns the output and how many polls it
/// took.
async fn step_by_step<F: Future, B: AsyncFnMut()>(future: F, mut between: B) -> (F::Output, usize) {
    let mut future: Pin<Box<F>> = Box::pin(future);
    let mut polls = 0;
    loop {
        polls += 1;
        if let Some(output) = futures_poll_once(future.as_mut()).await {
            return (output, polls);
        }
        between().await;
        tokio::task::yield_now().await;
        assert!(polls < 100_000, "the future never ends");
    }
}

/// Each policy that rebuilds, triggered by a changed revision: readers see
/// the old projection whole until the new one is whole, never half of
/// either; progress shows the rebuild; the totals are exact, including the
/// counts appended (by another writer) while it ran.
async fn rebuilds_on_a_changed_revision(policy: StalePolicy) {
    let (store, log, mut counts) = built_by_zero(12).await;
    let options = ServiceOptions::default()
        .on_stale(policy)
        .read_batch(2)
        .sync_batch(4);
    let engine = tallied::<1>(&store, &log, options);
    let mut progress = engine.progress();
    let mut rebuilding = Vec::new();
    let mut versions = Vec::new();
    let mut total = 12;
    let mut writes = 0;
    let context = format!("{policy:?}");
    let (synced, polls) = step_by_step(engine.sync::<Infallible>(), async || {
        let read = store.begin_read().await.unwrap();
        assert_whole(&read, &counts, &context);
        if let Some(last) = versions.last() {
            assert!(read.version() >= *last, "{context}: a reader went back");
        }
        versions.push(read.version());
        drop(read);
        if progress.has_changed().unwrap() {
            rebuilding.push(progress.borrow_and_update().rebuilding);
        }
        // Another writer, now and then.
        if writes < 3 && versions.len() % 2 == 0 {
            total += 1;
            writes += 1;
            append_count(&log, total, &mut counts).await;
        }
    })
    .await;
    let head = log.head().await.unwrap();
    assert_eq!(synced.unwrap(), head, "{context}");
    // Each event applied yields (beside, two may share a poll: the
    // builder's progress wakes the rebuild between them).
    assert!(polls > 6, "{context}: the rebuild yielded ({polls} polls)");
    assert_eq!(writes, 3, "{context}: writes came during the rebuild");
    let read = store.begin_read().await.unwrap();
    assert_whole(&read, &counts, &context);
    assert_eq!(
        (read.applied, read.built_by.clone(), read.version()),
        (15, BTreeSet::from([1]), head),
        "{context}: exact totals"
    );
    assert_eq!(fingerprint_of(&store).await, Some(revision(1)));
    let seen: Vec<Position> = rebuilding.iter().flatten().copied().collect();
    assert!(
        seen.len() >= 3,
        "{context}: progress showed it: {rebuilding:?}"
    );
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{context}: {seen:?}");
    assert_eq!(engine.progress().borrow().rebuilding, None, "{context}");
    assert_eq!(engine.stats().version, head);
}

#[tokio::test]
async fn a_changed_revision_rebuilds_in_place_under_that_policy() {
    rebuilds_on_a_changed_revision(StalePolicy::RebuildInPlace).await;
}

#[tokio::test]
async fn a_changed_revision_rebuilds_beside_under_that_policy() {
    rebuilds_on_a_changed_revision(StalePolicy::RebuildBeside).await;
}

#[tokio::test]
async fn a_rebuild_on_demand_rebuilds_a_current_store_and_a_store_that_cannot_stays() {
    let (store, log, counts) = built_by_zero(5).await;
    let engine = tallied::<0>(&store, &log, ServiceOptions::default());
    assert_eq!(engine.rebuild::<Infallible>().await.unwrap(), 10);
    let read = store.begin_read().await.unwrap();
    assert_whole(&read, &counts, "on demand");
    drop(read);

    // Made from a value alone: nothing says what empty is.
    let kept = MemoryStore::new(Tally::default());
    let engine = tallied::<0>(&kept, &log, ServiceOptions::default());
    engine.sync::<Infallible>().await.unwrap();
    let error = engine.rebuild::<Infallible>().await.unwrap_err();
    assert!(error.to_string().contains("MemoryStore::new"), "{error}");
    let read = kept.begin_read().await.unwrap();
    assert_eq!((read.applied, read.version()), (5, 10), "it still serves");
}

/// A rebuild dropped after each number of polls in turn: the old store
/// serves as it was, nothing shows a rebuild, and the next sync checks
/// again and rebuilds whole.
async fn a_rebuild_dropped_at_each_await_point(policy: StalePolicy) {
    let mut cut = 0;
    loop {
        let context = format!("{policy:?}, dropped after {cut} polls");
        let (store, log, counts) = built_by_zero(6).await;
        let options = ServiceOptions::default()
            .on_stale(policy)
            .read_batch(2)
            .sync_batch(3);
        let engine = tallied::<1>(&store, &log, options);
        let progress = engine.progress();
        let mut sync = Box::pin(engine.sync::<Infallible>());
        let mut done = None;
        for _ in 0..=cut {
            done = futures_poll_once(sync.as_mut()).await;
            if done.is_some() {
                break;
            }
            // The runtime's other tasks (a sync's read-ahead) run between
            // polls, as they would under a caller that awaits.
            tokio::task::yield_now().await;
        }
        drop(sync);
        if let Some(done) = done {
            assert_eq!(done.unwrap(), 12, "{context}");
            assert!(cut >= 3, "{context}: the rebuild had await points");
            return;
        }
        let read = store.begin_read().await.unwrap();
        assert_whole(&read, &counts, &context);
        assert_eq!(
            (read.built_by.clone(), read.version()),
            (BTreeSet::from([0]), 12),
            "{context}: the old store serves"
        );
        drop(read);
        assert_eq!(fingerprint_of(&store).await, Some(revision(0)), "{context}");
        assert_eq!(progress.borrow().rebuilding, None, "{context}");
        assert!(!engine.is_checked(), "{context}");
        // The next sync checks again, and rebuilds.
        assert_eq!(engine.sync::<Infallible>().await.unwrap(), 12, "{context}");
        let read = store.begin_read().await.unwrap();
        assert_whole(&read, &counts, &context);
        assert_eq!(read.built_by, BTreeSet::from([1]), "{context}");
        cut += 1;
    }
}

#[tokio::test]
async fn a_rebuild_in_place_dropped_at_each_await_point_leaves_the_old_store_serving() {
    a_rebuild_dropped_at_each_await_point(StalePolicy::RebuildInPlace).await;
}

#[tokio::test]
async fn a_rebuild_beside_dropped_at_each_await_point_leaves_the_old_store_serving() {
    a_rebuild_dropped_at_each_await_point(StalePolicy::RebuildBeside).await;
}

/// A transaction: counts "a" up by one from the total it reads (a lost
/// update shows as a total counted twice).
struct Bump;

impl MethodCall<MemoryWrite<Tally>> for Bump {
    type Output = ((), Vec<CountEvent>);
    type Error = Infallible;
    async fn call(
        &self,
        txn: &mut MemoryWrite<Tally>,
    ) -> Result<((), Vec<CountEvent>), crate::service::MethodError<Infallible>> {
        let total = txn.totals.get("a").copied().unwrap_or(0);
        Ok((
            (),
            vec![CountEvent::Counted(Counted {
                counter: "a".into(),
                total: total + 1,
            })],
        ))
    }
}

#[tokio::test]
async fn a_rebuild_beside_on_demand_loses_none_of_the_calls_made_meanwhile() {
    let (store, log, _) = built_by_zero(8).await;
    let options = ServiceOptions::default().read_batch(2).sync_batch(3);
    let engine = tallied::<0>(&store, &log, options);
    // A running service (checked): its calls go on during the rebuild.
    engine.sync::<Infallible>().await.unwrap();
    let progress = engine.progress();
    let calls = async {
        let mut during = 0;
        for _ in 0..20 {
            engine
                .run_transaction(&Bump, &crate::service::CallOptions::new())
                .await
                .unwrap();
            if progress.borrow().rebuilding.is_some() {
                during += 1;
            }
            tokio::task::yield_now().await;
        }
        during
    };
    let (rebuilt, during) = tokio::join!(engine.rebuild::<Infallible>(), calls);
    assert!(rebuilt.unwrap() >= 16);
    assert!(during > 0, "calls committed while the rebuild ran");
    engine.sync::<Infallible>().await.unwrap();
    let head = log.head().await.unwrap();
    let read = store.begin_read().await.unwrap();
    // Every count is there once, each from the total before it.
    assert_eq!(
        (read.applied, read.totals["a"], read.version()),
        (28, 28, head)
    );
    let records = log
        .read(0, &crate::log::KindFilter::All, 100)
        .await
        .unwrap();
    let totals: Vec<u64> = records
        .records
        .iter()
        .filter_map(
            |record| match Event::decode_payload(&record.kind, &record.payload) {
                Ok(Event::Counted(counted)) => Some(counted.total),
                _ => None,
            },
        )
        .collect();
    assert_eq!(totals, (1..=28).collect::<Vec<u64>>());
}
