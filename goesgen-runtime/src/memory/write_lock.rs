//! The memory log's write lock: the holder that appends through it
//! (`MemoryWriteLock`), and how every other append waits for it to end
//! (appended now if no lock is held, else once it is dropped).

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use tokio::sync::{Notify, OwnedMutexGuard};

use super::append::{Outcome, append_locked, prepare};
use super::{MemoryLog, State, lock};
use crate::error::LogError;
use crate::limits::LogLimits;
use crate::log::{Append, Appended, AppendedParts, BoxFuture, HeadPublisher, WriteLock};

/// [`MemoryLog`]'s write lock: the state's flag raised, and the writers'
/// mutex held so that no other lock raises it meanwhile. Dropped, it lowers
/// the flag and wakes the appends that waited.
pub(super) struct MemoryWriteLock {
    state: Arc<Mutex<State>>,
    heads: HeadPublisher,
    limits: LogLimits,
    unlocked: Arc<Notify>,
    _writer: OwnedMutexGuard<()>,
}

impl MemoryWriteLock {
    fn append_now(&self, append: Append) -> Result<Outcome, LogError> {
        prepare(&append, &self.limits).and_then(|recorded_at| {
            append_locked(
                &mut lock(&self.state),
                &self.heads,
                append,
                recorded_at,
                &self.limits,
            )
        })
    }
}

impl WriteLock for MemoryWriteLock {
    fn append(self: Box<Self>, append: Append) -> BoxFuture<'static, Result<Appended, LogError>> {
        let appended = self.append_now(append).map(Outcome::single);
        Box::pin(std::future::ready(appended))
    }

    fn append_parts(
        self: Box<Self>,
        append: Append,
    ) -> BoxFuture<'static, Result<AppendedParts, LogError>> {
        let appended = self.append_now(append).map(Outcome::into_parts);
        Box::pin(std::future::ready(appended))
    }
}

impl Drop for MemoryWriteLock {
    fn drop(&mut self) {
        lock(&self.state).write_locked = false;
        self.unlocked.notify_waiters();
    }
}

impl MemoryLog {
    /// Waits for the writers' mutex, raises the state's flag and hands the
    /// lock over.
    pub(super) async fn take_write_lock(&self) -> MemoryWriteLock {
        let writer = Arc::clone(&self.writers).lock_owned().await;
        // Raised and handed over with no await between: a cancelled
        // call leaves no flag behind.
        lock(&self.state).write_locked = true;
        MemoryWriteLock {
            state: Arc::clone(&self.state),
            heads: self.heads.clone(),
            limits: self.limits,
            unlocked: Arc::clone(&self.unlocked),
            _writer: writer,
        }
    }

    /// Appends a prepared append now unless a write lock is held (one held
    /// is another writer's: its holder appends through it); then gives it
    /// back.
    #[expect(
        clippy::result_large_err,
        reason = "the append is handed back untouched by design; 128 bytes, moved once"
    )]
    fn append_if_unlocked(
        &self,
        append: Append,
        recorded_at: SystemTime,
    ) -> Result<Result<Outcome, LogError>, Append> {
        let mut state = lock(&self.state);
        if state.write_locked {
            return Err(append);
        }
        Ok(append_locked(
            &mut state,
            &self.heads,
            append,
            recorded_at,
            &self.limits,
        ))
    }

    /// Prepares an append and appends it now, or once no write lock is
    /// held; its outcome through `outcome`.
    pub(super) fn append_then<T: Send + 'static>(
        &self,
        append: Append,
        outcome: impl FnOnce(Outcome) -> T + Send + 'static,
    ) -> BoxFuture<'_, Result<T, LogError>> {
        let recorded_at = match prepare(&append, &self.limits) {
            Ok(recorded_at) => recorded_at,
            Err(error) => return Box::pin(std::future::ready(Err(error))),
        };
        match self.append_if_unlocked(append, recorded_at) {
            Ok(appended) => Box::pin(std::future::ready(appended.map(outcome))),
            Err(append) => Box::pin(async move {
                let appended = self.append_unlocked(append, recorded_at).await?;
                Ok(outcome(appended))
            }),
        }
    }

    /// Prepares an append and appends it now unless a write lock is held
    /// (its outcome through `outcome`), else gives it back.
    #[expect(
        clippy::result_large_err,
        reason = "the append is handed back untouched by design; 128 bytes, moved once"
    )]
    pub(super) fn try_now<T>(
        &self,
        append: Append,
        outcome: impl FnOnce(Outcome) -> T,
    ) -> Result<Result<T, LogError>, Append> {
        match prepare(&append, &self.limits) {
            Ok(recorded_at) => self
                .append_if_unlocked(append, recorded_at)
                .map(|appended| appended.map(outcome)),
            Err(error) => Ok(Err(error)),
        }
    }

    /// Appends a prepared append once no write lock is held.
    async fn append_unlocked(
        &self,
        mut append: Append,
        recorded_at: SystemTime,
    ) -> Result<Outcome, LogError> {
        loop {
            // Registered before the flag is read, so the wake-up of a lock
            // that ends right after cannot be missed.
            let unlocked = self.unlocked.notified();
            tokio::pin!(unlocked);
            unlocked.as_mut().enable();
            append = match self.append_if_unlocked(append, recorded_at) {
                Ok(appended) => return appended,
                Err(append) => append,
            };
            unlocked.await;
        }
    }
}
