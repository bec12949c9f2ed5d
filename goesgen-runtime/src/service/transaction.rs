//! [`Engine::run_transaction`]: the optimistic transaction loop.
//!
//! Each attempt opens a write transaction, catches the store up, calls the
//! method, and applies the method's events to the store *before* appending
//! them, at the positions they will have if nothing else is appended first
//! and with the time the log is asked to record. An event the store
//! refuses is thus never appended ([`ServiceError::Refused`]). Then the
//! events are appended on the conflict rule's condition:
//!
//! - in place (the log put them where the store already has them): commit;
//! - elsewhere (another writer's events of kinds the service does not
//!   subscribe to came first): roll back, and catch up in a transaction of
//!   its own, which applies them from the log at their real positions;
//! - conflict: roll back (undoing the events), pause, try again on a fresh
//!   transaction. After [`ServiceOptions::escalate_after`] conflicts the
//!   next attempt takes the log's write lock first
//!   ([`EventLog::lock_writes`](crate::EventLog::lock_writes)), so it
//!   cannot lose again: a transaction is called at most that many times
//!   plus one while others write the same kinds.
//!
//! Lock order: the store's write transaction first, then the log's write
//! lock, so two instances on one store cannot deadlock.
//!
//! [`ServiceOptions::escalate_after`]: crate::service::ServiceOptions::escalate_after

use std::collections::VecDeque;

use crate::codec::{EventKindSet, EventSet};
use crate::error::{Conflict, LogError};
use crate::log::{Append, Appended, WriteLock};
use crate::record::{NewEvent, Position};
use crate::service::backoff;
use crate::service::call::CallOptions;
use crate::service::committed::{Committed, Recorded};
use crate::service::engine::{Engine, record_appended, record_attempts, unsynced};
use crate::service::error::ServiceError;
use crate::service::keys::{key_part, replayed};
use crate::service::refusal::SecondLook;
use crate::service::store::{Emitted, MethodCall, ServiceStore};
/// How one attempt ended, short of an error.
enum Decided<O, E> {
    /// The method emitted nothing: commit the catch-up.
    Nothing(Committed<O, E>),
    /// The events were appended; `in_place` when at the positions the
    /// store applied them at.
    Appended {
        committed: Committed<O, E>,
        in_place: bool,
    },
}

/// Why an attempt did not decide.
enum Undecided<M> {
    /// The append's condition failed: try again.
    Conflict(Conflict),
    /// The method was called, decided at `version`, and the attempt ended
    /// with this error: counted, and a refusal looked at again.
    Ended {
        error: ServiceError<M>,
        version: Position,
    },
    /// Before the method was called (catching up): give up with it.
    Failed(ServiceError<M>),
}

/// An append's error as the end of an attempt decided at `version`: a
/// conflict to try again after, or a failure. Boxed, as every
/// [`Undecided`] an attempt returns: the common path (decided) then moves
/// a small `Result` out of the attempt, not room for an error (about 150
/// instructions a command fewer, counted with cachegrind).
fn undecided<M>(error: LogError, version: Position) -> Box<Undecided<M>> {
    Box::new(match error {
        LogError::Conflict(conflict) => Undecided::Conflict(conflict),
        error => Undecided::Ended {
            error: ServiceError::Log(error),
            version,
        },
    })
}

impl<M> From<ServiceError<M>> for Box<Undecided<M>> {
    fn from(error: ServiceError<M>) -> Self {
        Box::new(Undecided::Failed(error))
    }
}

impl<S: ServiceStore> Engine<S> {
    /// Runs a transaction method: write transaction, catch up, call, apply
    /// its events, append them on the conflict rule's condition (with the
    /// call's idempotency key); on a conflict roll back and try again (up
    /// to `max_attempts` calls, under the log's write lock after
    /// `escalate_after` conflicts). Any error rolls the store back. On a
    /// log whose appends cost a commit, a call without a key may share its
    /// write transaction and its append with concurrent calls, deciding
    /// after them on the state that includes their events (see the
    /// `batch` module's documentation).
    ///
    /// In a `debug` span `call` with `service`, `method`, `kind`, and as
    /// they are known `attempts`, `conflicts` and the appended positions
    /// `first` and `last`.
    #[tracing::instrument(
        level = "debug",
        name = "call",
        skip_all,
        fields(
            service = S::SERVICE,
            method = C::NAME,
            kind = "transaction",
            attempts = tracing::field::Empty,
            conflicts = tracing::field::Empty,
            first = tracing::field::Empty,
            last = tracing::field::Empty,
        )
    )]
    pub async fn run_transaction<C, O, E>(
        &self,
        call: &C,
        options: &CallOptions,
    ) -> Result<Committed<O, E>, ServiceError<C::Error>>
    where
        C: MethodCall<S::Write, Output = (O, Vec<E>)>,
        E: Emitted<S::Event>,
        O: Send,
    {
        if !self.is_checked() {
            self.check().await.map_err(ServiceError::widen)?;
        }
        if self.core.batching {
            // Boxed: the batch's state is large, and every call of a lone
            // transaction would otherwise carry (and move) room for it. A
            // batched call waits for a commit, beside which a box is free.
            return Box::pin(self.run_batched(call, options)).await;
        }
        // The newest head known to exist, beyond what the subscription
        // shows (a conflict reports one; another process's append may not
        // have been published to this process yet).
        let mut known_head: Position = 0;
        let mut attempts: u32 = 0;
        let mut conflicts: u32 = 0;
        loop {
            let escalate = attempts >= self.core.options.escalate_after;
            if escalate {
                // Keep the time under the lock short: commit the catch-up
                // first (boxed: a rare path, kept out of every call's
                // future).
                Box::pin(self.sync::<C::Error>()).await?;
            }
            let mut txn = self.core.store.begin_write().await?;
            let lock = if escalate {
                match self.write_lock().await {
                    Ok(lock) => Some(lock),
                    Err(error) => {
                        self.rollback(txn).await;
                        return Err(ServiceError::Log(error));
                    }
                }
            } else {
                None
            };
            attempts += 1;
            let attempt = self
                .attempt(&mut txn, call, options, known_head, lock, attempts)
                .await;
            match attempt.map_err(|undecided| *undecided) {
                Ok(Decided::Nothing(committed)) => {
                    self.core.counters.commit();
                    self.core.store.commit(txn).await?;
                    self.committed_version(committed.appended.last);
                    record_appended(&committed.appended);
                    record_attempts(attempts, conflicts);
                    return Ok(committed);
                }
                Ok(Decided::Appended {
                    committed,
                    in_place,
                }) => {
                    record_appended(&committed.appended);
                    record_attempts(attempts, conflicts);
                    self.core.counters.commit();
                    return self.keep_own(txn, committed, in_place).await;
                }
                Err(Undecided::Conflict(conflict)) => {
                    self.rollback(txn).await;
                    self.core.counters.conflict();
                    conflicts += 1;
                    tracing::debug!(
                        service = S::SERVICE,
                        attempts,
                        %conflict,
                        "transaction conflict; catching up and calling the method again"
                    );
                    if attempts >= self.core.options.max_attempts {
                        record_attempts(attempts, conflicts);
                        return Err(ServiceError::Conflict {
                            attempts,
                            last: conflict,
                        });
                    }
                    known_head = known_head.max(conflict.head);
                    if attempts < self.core.options.escalate_after {
                        backoff::wait_after(attempts, self.core.options.max_backoff).await;
                    }
                }
                Err(Undecided::Ended { error, version }) => {
                    self.rollback(txn).await;
                    match self.second_look(error, options, version, escalate).await {
                        SecondLook::Stale { head, .. }
                            if attempts < self.core.options.max_attempts =>
                        {
                            self.core.counters.redecisions(1);
                            known_head = known_head.max(head);
                        }
                        SecondLook::Stale { refusal: error, .. }
                        | SecondLook::Stands(error)
                        | SecondLook::Replayed(error) => {
                            self.core.counters.ended_with(&error);
                            record_attempts(attempts, conflicts);
                            return Err(error);
                        }
                    }
                }
                Err(Undecided::Failed(error)) => {
                    self.rollback(txn).await;
                    if self.skips_refused(&error) {
                        // The poison record is noted; read again past it.
                        attempts -= 1;
                        continue;
                    }
                    record_attempts(attempts, conflicts);
                    return Err(error);
                }
            }
        }
    }

    /// One attempt in `txn`: catch up, call, apply, append (through `lock`
    /// when escalated).
    async fn attempt<C, O, E>(
        &self,
        txn: &mut S::Write,
        call: &C,
        options: &CallOptions,
        known_head: Position,
        lock: Option<Box<dyn WriteLock + '_>>,
        attempts: u32,
    ) -> Result<Decided<O, E>, Box<Undecided<C::Error>>>
    where
        C: MethodCall<S::Write, Output = (O, Vec<E>)>,
        E: Emitted<S::Event>,
        O: Send,
    {
        let version = self.current(txn, known_head, lock.is_some()).await?;
        self.core.counters.attempt();
        let ended = |error: ServiceError<C::Error>| Box::new(Undecided::Ended { error, version });
        let (output, events) = call
            .call(txn)
            .await
            .map_err(|error| ended(ServiceError::from_method(error)))?;
        if events.is_empty() && options.key.is_none() {
            let committed = self.committed(output, events, self.empty_after(version), attempts);
            return Ok(Decided::Nothing(committed));
        }
        let (recorded_at, _) = self.core.options.clock.now();
        let (batch, events) = self
            .apply_ahead(txn, version, recorded_at, events)
            .await
            .map_err(ended)?;
        if !batch.is_empty() {
            let last = version + batch.len() as Position;
            self.core
                .store
                .set_version(txn, last)
                .await
                .map_err(|error| ended(error.into()))?;
        }
        let Some(part) = key_part(batch.len(), options) else {
            return match self.append_decided(lock, batch, version, recorded_at).await {
                Ok((appended, in_place)) => Ok(Decided::Appended {
                    in_place,
                    committed: self.committed(output, events, appended, attempts),
                }),
                Err(error) => Err(undecided(error, version)),
            };
        };
        let (outcome, in_place) = self
            .append_parts_decided(lock, batch, vec![part], version, recorded_at)
            .await
            .map_err(|error| undecided(error, version))?;
        let record = &outcome.parts[0];
        if record.appended.replayed {
            return Err(ended(replayed(record, options)));
        }
        if record.appended.is_empty() {
            // It emitted nothing; its key is recorded.
            let committed = self.committed(output, events, self.empty_after(version), attempts);
            return Ok(Decided::Nothing(committed));
        }
        Ok(Decided::Appended {
            in_place,
            committed: self.committed(output, events, record.appended, attempts),
        })
    }

    /// The log's write lock, for an escalated attempt (counted).
    pub(crate) async fn write_lock(&self) -> Result<Box<dyn WriteLock + '_>, LogError> {
        self.core.counters.escalation();
        self.core.log.lock_writes().await
    }

    /// Appends the events decided at `version` and applied ahead with
    /// `recorded_at`, through `lock` when held, on the conflict rule's
    /// condition; returns where they went and whether that is where the
    /// store applied them (then the store can commit as it is).
    async fn append_decided(
        &self,
        lock: Option<Box<dyn WriteLock + '_>>,
        events: Vec<NewEvent>,
        version: Position,
        recorded_at: std::time::SystemTime,
    ) -> Result<(Appended, bool), LogError> {
        let append = self.decided_append(events, version, recorded_at)?;
        let appended = match lock {
            Some(lock) => lock.append(append).await,
            None => match self.core.log.try_append_now(append) {
                Ok(appended) => appended,
                Err(append) => self.core.log.append_with(append).await,
            },
        }?;
        let in_place = appended.first == version + 1 && appended.recorded_at == recorded_at;
        Ok((appended, in_place))
    }

    /// The append of `events` decided at `version` and applied ahead with
    /// `recorded_at`: on the conflict rule's condition, at that time,
    /// encoded by the engine, its personal values to be sealed.
    pub(crate) fn decided_append(
        &self,
        events: Vec<NewEvent>,
        version: Position,
        recorded_at: std::time::SystemTime,
    ) -> Result<Append, LogError> {
        self.with_seals(
            Append::new(events)
                .condition(self.condition(version))
                .recorded_at(recorded_at)
                .encoded(),
        )
    }

    /// Applies a method's events in `txn` (at `version`) at the positions
    /// they get if appended right after it, recorded at `recorded_at`
    /// (the caller moves the version past them: once for a whole batch);
    /// returns them encoded for the log and
    /// back in the method's type for the caller. Each event goes into the
    /// schema's enum, is encoded, applied if subscribed, and comes back,
    /// without a copy. A refusal is [`ServiceError::Refused`].
    pub(crate) async fn apply_ahead<E, M>(
        &self,
        txn: &mut S::Write,
        version: Position,
        recorded_at: std::time::SystemTime,
        emitted: Vec<E>,
    ) -> Result<(Vec<NewEvent>, Vec<E>), ServiceError<M>>
    where
        E: Emitted<S::Event>,
    {
        let mut batch = Vec::with_capacity(emitted.len());
        // Each event leaves the front and comes back at the end of the
        // method's own buffer: the caller's `Vec` needs no second one.
        let mut queue = VecDeque::from(emitted);
        for index in 0..queue.len() {
            let Some(emitted) = queue.pop_front() else {
                break;
            };
            let (event, encoded) = self.encode(emitted)?;
            batch.push(encoded);
            if S::SUBSCRIBED.contains(&event.kind()) {
                let at = Recorded {
                    position: version + 1 + index as Position,
                    recorded_at,
                };
                if let Err(source) = self.core.store.apply(txn, &at, &event).await {
                    return Err(ServiceError::Refused {
                        index,
                        kind: event.kind().name().to_owned(),
                        source,
                    });
                }
            }
            queue.push_back(self.take_back(event)?);
        }
        Ok((batch, Vec::from(queue)))
    }

    /// After a successful append: keeps the events in the store (commit
    /// when they are in place, else roll back and catch up from the log),
    /// or, without `sync_after_push`, rolls them back.
    async fn keep_own<O, E, M>(
        &self,
        txn: S::Write,
        committed: Committed<O, E>,
        in_place: bool,
    ) -> Result<Committed<O, E>, ServiceError<M>> {
        let appended = committed.appended;
        match self.keep(txn, &appended, in_place).await {
            Ok(()) => Ok(committed),
            Err(error) => Err(unsynced(appended, error)),
        }
    }

    /// Ends a write transaction whose events were appended at `appended`:
    /// commits it when they are where the store applied them (`in_place`),
    /// else rolls it back and catches up from the log in a transaction of
    /// its own; without `sync_after_push`, rolls back. A lone transaction
    /// and a batch end alike.
    pub(crate) async fn keep<M>(
        &self,
        txn: S::Write,
        appended: &Appended,
        in_place: bool,
    ) -> Result<(), ServiceError<M>> {
        if !self.core.options.sync_after_push {
            self.rollback(txn).await;
            return Ok(());
        }
        if in_place {
            self.core.store.commit(txn).await?;
            self.committed_version(appended.last);
            return Ok(());
        }
        // Boxed: a rare path, kept out of every call's future.
        Box::pin(self.resync(txn)).await
    }

    /// Rolls `txn` back and catches the store up from the log in a
    /// transaction of its own.
    async fn resync<M>(&self, txn: S::Write) -> Result<(), ServiceError<M>> {
        self.rollback(txn).await;
        let mut txn = self.core.store.begin_write().await?;
        let caught_up = match self.core.store.version(&mut txn).await {
            Ok(version) => self.catch_up(&mut txn, version).await,
            Err(error) => Err(error.into()),
        };
        let version = self.finish(txn, caught_up).await?;
        self.committed_version(version);
        Ok(())
    }
}
