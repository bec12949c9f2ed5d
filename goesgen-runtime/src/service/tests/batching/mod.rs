//! Batched transactions: calls waiting for the store share its write
//! transaction and one append; each decides on the state that includes
//! the calls before it; a failing, refused or cancelled call contributes
//! nothing and fails no other; a conflict decides the whole batch again.
//!
//! A batch forms deterministically here: the test holds the store's lock,
//! polls every call once (the first leads and waits for the store, the
//! others queue), then lets the store go. Here, what the files share (and
//! `cancellation` uses): a log that counts its appends and can hold them,
//! and the way to run calls in one batch. The behaviours, one file each:
//!
//! - `together`: calls that commit together, and how many a batch takes;
//! - `refusals`: failing, refused and conflicting calls in a batch, and
//!   the batch decided again;
//! - `keys`: keyed calls in a batch, duplicates and replayed keys;
//! - `cancelled`: a call whose caller gives up during its turn.

use std::future::Future;

use super::*;
use crate::log::{
    Append, AppendCost, Appended, BoxFuture, KindFilter, ReadBatch, Subscription, WriteLock,
};
use crate::service::CallOptions;
use crate::{IdempotencyKey, LogError};

mod cancelled;
mod keys;
mod refusals;
mod together;

/// A MemoryLog that counts the appends asked of it and says its appends
/// cost a commit (as a durable log's do), unless told otherwise. An
/// append waits while the gate is held (written), as one in flight.
pub(super) struct Counting {
    inner: MemoryLog,
    appends: AtomicU32,
    cost: AppendCost,
    pub(super) gate: Arc<tokio::sync::RwLock<()>>,
    /// Whether it says it takes several keyed parts in one append.
    keyed_parts: bool,
    /// Heads its subscriptions see instead of the log's (as a slow
    /// notification from another process would leave them).
    lagging: Option<crate::log::HeadPublisher>,
}

impl Counting {
    pub(super) fn shared() -> Arc<Self> {
        Self::costing(AppendCost::Commit)
    }

    fn costing(cost: AppendCost) -> Arc<Self> {
        Arc::new(Self {
            inner: MemoryLog::new(),
            appends: AtomicU32::new(0),
            cost,
            gate: Arc::default(),
            keyed_parts: true,
            lagging: None,
        })
    }

    pub(super) fn appends(&self) -> u32 {
        self.appends.load(Ordering::SeqCst)
    }
}

impl EventLog for Counting {
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
        self.appends.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            let _open = self.gate.read().await;
            self.inner.append_with(append).await
        })
    }
    fn keyed_parts(&self) -> bool {
        self.keyed_parts && self.inner.keyed_parts()
    }
    fn append_parts(
        &self,
        append: Append,
    ) -> BoxFuture<'_, Result<crate::log::AppendedParts, LogError>> {
        self.appends.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            let _open = self.gate.read().await;
            self.inner.append_parts(append).await
        })
    }
    fn find_key<'a>(
        &'a self,
        key: &'a IdempotencyKey,
    ) -> BoxFuture<'a, Result<Option<crate::KeyRecord>, LogError>> {
        self.inner.find_key(key)
    }
    fn lock_writes(&self) -> BoxFuture<'_, Result<Box<dyn WriteLock + '_>, LogError>> {
        self.inner.lock_writes()
    }
    fn subscribe(&self) -> Subscription {
        match &self.lagging {
            Some(heads) => heads.subscribe(),
            None => self.inner.subscribe(),
        }
    }
    fn append_cost(&self) -> AppendCost {
        self.cost
    }
}

/// `calls` run as transactions without options, in one batch (see
/// [`in_one_batch`]).
async fn counts_in_one_batch(
    engine: &Engine<Store>,
    store: &Store,
    calls: &[Count<'_>],
) -> Vec<Result<Committed<u64, CountEvent>, ServiceError<AtLimit>>> {
    let options = CallOptions::new();
    let runs = calls
        .iter()
        .map(|call| engine.run_transaction(call, &options))
        .collect();
    in_one_batch(store, runs).await
}

/// Holds the store while `calls` are polled once each (the first leads
/// and waits for the store, the rest queue behind it), then lets it go and
/// runs them all to the end.
async fn in_one_batch<F: Future>(store: &Store, calls: Vec<F>) -> Vec<F::Output> {
    let held = store.state.clone().write_owned().await;
    let mut calls: Vec<_> = calls.into_iter().map(Box::pin).collect();
    for call in &mut calls {
        assert!(
            futures_poll_once(call.as_mut()).await.is_none(),
            "a call finished while the store was held"
        );
    }
    drop(held);
    // Run them together: the leader waits for each call to take its turn.
    let mut outputs: Vec<Option<F::Output>> = calls.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (call, output) in calls.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match call.as_mut().poll(cx) {
                    std::task::Poll::Ready(done) => *output = Some(done),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// Polls `future` once.
pub(super) async fn futures_poll_once<F: Future>(
    mut future: std::pin::Pin<&mut F>,
) -> Option<F::Output> {
    std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
        std::task::Poll::Ready(output) => std::task::Poll::Ready(Some(output)),
        std::task::Poll::Pending => std::task::Poll::Ready(None),
    })
    .await
}

pub(super) fn counter_events(batch: &ReadBatch) -> Vec<(Position, String, u64)> {
    batch
        .records
        .iter()
        .map(
            |record| match Event::decode_payload(&record.kind, &record.payload).unwrap() {
                Event::Counted(c) => (record.position, c.counter, c.total),
                Event::Noted(n) => (record.position, n.text, 0),
            },
        )
        .collect()
}
