//! [`ReadAhead`]: a task that reads and decodes the log ahead of a
//! [`sync`](Engine::sync) while the sync applies the batch before, so that
//! a long catch-up's reading and decoding (most of its cost beside the
//! store) runs beside its applying, on another worker thread where there
//! is one. The same `decode_batch` and `apply_decoded` as every other
//! catch-up: only where the reading runs differs.
//!
//! Bounded: the task is at most one decoded batch ahead of the one the
//! sync applies (a channel of one), so a sync holds at most three read
//! batches (the one applied, the one waiting, the one being read). The
//! task only reads: dropping the [`ReadAhead`] (the sync ended, failed or
//! was cancelled) stops it, and nothing it did needs undoing.

use std::convert::Infallible;

use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use crate::error::LogError;
use crate::record::Position;
use crate::service::engine::Engine;
use crate::service::error::ServiceError;
use crate::service::store::ServiceStore;
use crate::service::sync::Decoded;

/// A reading task's batches, in log order; where the next one starts.
pub(crate) struct ReadAhead<E> {
    batches: mpsc::Receiver<Result<Decoded<E>, ServiceError<Infallible>>>,
    reader: AbortHandle,
    next: Position,
}

impl<S: ServiceStore> Engine<S> {
    /// Starts a task reading and decoding the log after `after`, batch
    /// after batch, until the log's end or a failure; `None` outside a
    /// tokio runtime (the sync then reads as it applies).
    pub(crate) fn read_ahead(&self, after: Position) -> Option<ReadAhead<S::Event>> {
        let runtime = tokio::runtime::Handle::try_current().ok()?;
        let (send, batches) = mpsc::channel(1);
        let engine = self.handle();
        let reader = runtime.spawn(async move {
            let mut after = after;
            loop {
                let decoded = engine.decode_batch(after).await;
                let next = match &decoded {
                    Ok(decoded) if !decoded.is_last() => Some(decoded.through),
                    _ => None,
                };
                // The sync went away: stop.
                if send.send(decoded).await.is_err() {
                    return;
                }
                match next {
                    Some(through) => after = through,
                    None => return,
                }
            }
        });
        Some(ReadAhead {
            batches,
            reader: reader.abort_handle(),
            next: after,
        })
    }
}

impl<E> ReadAhead<E> {
    /// Where the next batch starts: after the last one handed out.
    pub(crate) fn next_after(&self) -> Position {
        self.next
    }

    /// The next batch (waiting for the task to read it).
    pub(crate) async fn next(&mut self) -> Result<Decoded<E>, ServiceError<Infallible>> {
        match self.batches.recv().await {
            Some(Ok(decoded)) => {
                self.next = decoded.through;
                Ok(decoded)
            }
            Some(Err(error)) => Err(error),
            // It ended without a batch: it panicked, or its runtime is
            // shutting down. Nothing was applied from it.
            None => Err(ServiceError::Log(LogError::Unavailable {
                message: "the task reading ahead of a sync ended early".into(),
                source: None,
            })),
        }
    }
}

impl<E> Drop for ReadAhead<E> {
    fn drop(&mut self) {
        self.reader.abort();
    }
}
