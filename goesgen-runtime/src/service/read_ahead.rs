//! Reading ahead during a long catch-up. A catch-up's batches are read
//! from the log and their sealed values opened ([`Engine::fetch`], a
//! [`Fetched`] batch) before the store decodes and applies them. Once a
//! catch-up finds more than one read batch to cover, a [`ReadAhead`] task
//! reads the batches after the one being applied, so that the log's reads
//! (on the blocking pool for a file log, over the network for a server's)
//! overlap the store's apply and commit. The events are decoded where
//! they are applied: decoded on another thread, they are allocated there
//! and freed on the applying one, which costs more than the decoding it
//! hides on few cores (docs/decisions.md).
//!
//! Memory stays bounded: besides the batch being applied, one read batch
//! waits in a channel of one and one is being read, so a catch-up holds at
//! most three read batches
//! ([`ServiceOptions::read_batch`](crate::service::ServiceOptions::read_batch)
//! records each). The task reads in log order and hands over batches in
//! that order; a read that fails is handed over as that error, and the
//! task ends. Dropping the [`ReadAhead`] (the catch-up finished, failed or
//! was cancelled) aborts the task: nothing keeps reading, nothing keeps
//! the engine alive.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::LogError;
use crate::log::KindFilter;
use crate::record::{Position, Record};
use crate::service::engine::{Engine, KindClass};
use crate::service::options::UnknownEvents;
use crate::service::store::ServiceStore;

/// One read batch, ready to decode and apply: its records, with the
/// sealed values of those the store applies opened.
pub(crate) struct Fetched {
    /// The records read, in log order.
    pub(crate) records: Vec<Record>,
    /// How far the read covered the log (never before where it started).
    pub(crate) through: Position,
    /// The head of the log as the read saw it.
    pub(crate) head: Position,
    /// The bytes of the records read (kinds and payloads).
    pub(crate) bytes: usize,
}

impl Fetched {
    /// Whether the log holds more after this batch.
    pub(crate) fn more(&self) -> bool {
        self.through < self.head
    }
}

/// A task reading the batches after the one being applied; aborted when
/// dropped.
pub(crate) struct ReadAhead {
    /// The fetched batches, in log order; an error ends them.
    batches: mpsc::Receiver<Result<Fetched, LogError>>,
    /// Where the next batch handed over starts: the log is covered up to
    /// here by the batches handed over before.
    next: Position,
    task: JoinHandle<()>,
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Where a catch-up takes its batches from: the log directly, then, once
/// it has found more than one batch to cover, a [`ReadAhead`].
pub(crate) struct Batches {
    ahead: Option<ReadAhead>,
}

impl Batches {
    /// Batches read on demand until a read finds more to come.
    pub(crate) fn new() -> Self {
        Self { ahead: None }
    }
}

impl<S: ServiceStore> Engine<S> {
    /// Whether the store is to apply `record` (so its sealed values are
    /// opened): a record of a subscribed kind that is neither listed to be
    /// passed over nor refused before.
    pub(crate) fn applies(&self, record: &Record) -> bool {
        matches!(self.classify(&record.kind), KindClass::Subscribed)
            && !self.core.options.skip_positions.contains(&record.position)
            && !self.core.counters.was_skipped(record.position)
    }

    /// Reads one batch after `after` and opens the sealed values of the
    /// records the store is to apply.
    pub(crate) async fn fetch(&self, after: Position) -> Result<Fetched, LogError> {
        // Unknown kinds can only be detected by reading every kind.
        let filter = match self.core.options.unknown_events {
            UnknownEvents::Fail => &KindFilter::All,
            UnknownEvents::Skip => &self.core.subscribed,
        };
        let mut batch = self
            .core
            .log
            .read(after, filter, self.core.options.read_batch)
            .await?;
        self.open_sealed(&mut batch.records).await?;
        let bytes = batch
            .records
            .iter()
            .map(|record| record.kind.len() + record.payload.len())
            .sum();
        Ok(Fetched {
            records: batch.records,
            through: after.max(batch.through),
            head: batch.head,
            bytes,
        })
    }

    /// The batch after `after`: from the read-ahead if it is there and
    /// stands at `after`, else read now (dropping a read-ahead that stands
    /// elsewhere: another transaction moved the version, or a refused
    /// record is read again). A batch read now that finds more to come
    /// starts a read-ahead after it.
    pub(crate) async fn next_batch(
        &self,
        batches: &mut Batches,
        after: Position,
    ) -> Result<Fetched, LogError> {
        if let Some(ahead) = &mut batches.ahead
            && ahead.next == after
        {
            match ahead.batches.recv().await {
                Some(Ok(fetched)) => {
                    ahead.next = fetched.through;
                    return Ok(fetched);
                }
                Some(Err(error)) => {
                    batches.ahead = None;
                    return Err(error);
                }
                // The task is gone without a word (it panicked, or ended at
                // the head it saw): read here.
                None => {}
            }
        }
        batches.ahead = None;
        let fetched = self.fetch(after).await?;
        if fetched.more() {
            batches.ahead = self.read_ahead(fetched.through);
        }
        Ok(fetched)
    }

    /// Starts a task that fetches the batches after `after`, in order,
    /// until one reaches the head it saw or a read fails; `None` outside a
    /// Tokio runtime (the catch-up then reads each batch itself).
    fn read_ahead(&self, after: Position) -> Option<ReadAhead> {
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        let (sender, batches) = mpsc::channel(1);
        let engine = self.handle();
        let task = runtime.spawn(async move {
            let mut after = after;
            loop {
                let fetched = engine.fetch(after).await;
                let last = match &fetched {
                    Ok(fetched) => {
                        after = fetched.through;
                        !fetched.more()
                    }
                    Err(_) => true,
                };
                if sender.send(fetched).await.is_err() || last {
                    return;
                }
            }
        });
        Some(ReadAhead {
            batches,
            next: after,
            task,
        })
    }
}
