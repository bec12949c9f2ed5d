//! Batched transactions: concurrent calls of transaction methods on one
//! engine share one store write transaction and one log append (one
//! durable commit).
//!
//! Only where an append costs a commit ([`AppendCost::Commit`]: SQLite,
//! PostgreSQL): on the memory log every call runs alone, since handing the
//! transaction between tasks costs more there than an append.
//!
//! The calls queue in a [`Batcher`] (`queue.rs`). A call that finds nobody
//! leading leads: it opens the store's write transaction, takes the calls
//! waiting by then (up to [`ServiceOptions::max_batch_calls`]), catches up,
//! decides its own call and hands the transaction to each waiting call in
//! turn (`round.rs`): each call runs its own method in its own task (the call
//! borrows from its caller), on the state that includes the events of the
//! calls before it, applies its events at the positions that follow theirs
//! and hands the transaction back. The leader appends all the events at
//! once on one condition (the version before the batch), commits, and tells
//! each call its own positions; then it passes the lead to the first call
//! that waits.
//!
//! - A call whose method fails, or whose events the store refuses, gets its
//!   error; the store has no savepoints, so the transaction is rolled back
//!   and the batch decided again without it.
//! - A call cancelled before its turn is passed over; one cancelled during
//!   its turn takes the transaction with it (dropped, so rolled back): the
//!   batch is decided again without it.
//! - On a conflict the whole batch is rolled back and decided again on the
//!   caught-up state (escalating like a lone transaction).
//! - A leader cancelled before the append leaves its batch to retry; one
//!   cancelled during the append leaves its calls an unknown outcome
//!   ([`LogError::Indeterminate`]).
//!
//! [`ServiceOptions::max_batch_calls`]: crate::service::ServiceOptions::max_batch_calls
//! [`AppendCost::Commit`]: crate::AppendCost::Commit

mod errors;
mod queue;
mod round;

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use crate::error::LogError;
use crate::record::{NewEvent, Position};
use crate::service::backoff;
use crate::service::committed::Committed;
use crate::service::engine::{Engine, empty_after, record_appended, record_attempts};
use crate::service::error::ServiceError;
use crate::service::store::{Emitted, MethodCall, ServiceStore};

use errors::widen;
pub(crate) use queue::Batcher;
use queue::{Done, Leadership, Reply, Role, Seat, ToCall};

/// One call's part of a decided batch: where its events are in the batch.
pub(super) struct Part {
    pub(super) start: usize,
    pub(super) len: usize,
}

/// A batch every call of which decided.
pub(super) struct Decision<O, E, W> {
    /// The write transaction the calls decided in.
    pub(super) txn: W,
    /// The leader's own output and events.
    pub(super) own: (O, Vec<E>),
    /// Each call's part of the events (the leader's first).
    pub(super) parts: Vec<Part>,
    /// The events of every call, encoded, in call order.
    pub(super) events: Vec<NewEvent>,
    /// The version the batch was decided at.
    pub(super) version: Position,
    /// The time its events are applied with and appended at.
    pub(super) recorded_at: SystemTime,
}

/// How a round of deciding ended.
pub(super) enum Round<O, E, W, M> {
    /// Every call decided.
    Decided(Decision<O, E, W>),
    /// A call failed or went away: decide again without it.
    Again,
    /// The leader's own method failed.
    OwnFailed(ServiceError<M>),
    /// The batch failed (catch-up, store): every call gets the error.
    Failed(ServiceError<Infallible>),
}

impl<S: ServiceStore> Engine<S> {
    /// Runs a transaction call in a batch: leads one, or waits for a
    /// leader to give it its turn.
    pub(crate) async fn run_batched<C, O, E>(
        &self,
        call: &C,
    ) -> Result<Committed<O, E>, ServiceError<C::Error>>
    where
        C: MethodCall<S::Write, Output = (O, Vec<E>)>,
        E: Emitted<S::Event>,
        O: Send,
    {
        let mut attempts: u32 = 0;
        loop {
            let mut from = match self.batcher.join() {
                Role::Lead(lead) => return self.lead(call, lead, attempts).await,
                Role::Wait(from) => from,
            };
            let mut decided: Option<(O, Vec<E>)> = None;
            let mut appending: Option<Arc<AtomicBool>> = None;
            loop {
                match from.recv().await {
                    Some(ToCall::Turn(turn)) => {
                        attempts += 1;
                        appending = Some(Arc::clone(&turn.appending));
                        let mut txn = turn.txn;
                        match self
                            .decide(call, &mut txn, turn.next, turn.recorded_at)
                            .await
                        {
                            Ok((decision, events)) => {
                                decided = Some(decision);
                                // A leader gone meanwhile shows at recv.
                                let _ = turn.reply.send(Reply {
                                    txn,
                                    events: Some(events),
                                });
                            }
                            Err(error) => {
                                let _ = turn.reply.send(Reply { txn, events: None });
                                record_attempts(attempts, 0);
                                return Err(error);
                            }
                        }
                    }
                    Some(ToCall::Lead(lead)) => return self.lead(call, lead, attempts).await,
                    Some(ToCall::Done(Done::Committed {
                        appended,
                        conflicts,
                    })) => {
                        record_appended(&appended);
                        record_attempts(attempts, conflicts);
                        let Some((output, events)) = decided else {
                            // A leader reports a call only after its turn.
                            return Err(ServiceError::Log(LogError::Indeterminate {
                                message: "a batch reported a call it did not decide".into(),
                                source: None,
                            }));
                        };
                        return Ok(self.committed(output, events, appended, attempts));
                    }
                    Some(ToCall::Done(Done::Failed { error, conflicts })) => {
                        record_attempts(attempts, conflicts);
                        return Err(widen(error, attempts));
                    }
                    None => {
                        if appending
                            .as_ref()
                            .is_some_and(|a| a.load(Ordering::Acquire))
                        {
                            record_attempts(attempts, 0);
                            return Err(ServiceError::Log(LogError::Indeterminate {
                                message: "the call leading the batch was cancelled during \
                                          its append"
                                    .into(),
                                source: None,
                            }));
                        }
                        // The leader went away before appending: join again.
                        break;
                    }
                }
            }
        }
    }

    /// Calls the method on `txn` and applies its events ahead at `next`,
    /// `next + 1`, ...; returns its decision and its events for the log.
    async fn decide<C, O, E>(
        &self,
        call: &C,
        txn: &mut S::Write,
        next: Position,
        recorded_at: SystemTime,
    ) -> Result<((O, Vec<E>), Vec<NewEvent>), ServiceError<C::Error>>
    where
        C: MethodCall<S::Write, Output = (O, Vec<E>)>,
        E: Emitted<S::Event>,
        O: Send,
    {
        self.counters.attempt();
        let (output, events) = call.call(txn).await.map_err(ServiceError::from_method)?;
        if events.is_empty() {
            return Ok(((output, events), Vec::new()));
        }
        let (batch, events) = self.apply_ahead(txn, next - 1, recorded_at, events).await?;
        Ok(((output, events), batch))
    }

    /// Leads batches until the own call has its outcome; the lead passes on
    /// when it returns (or is cancelled).
    async fn lead<C, O, E>(
        &self,
        call: &C,
        lead: Leadership<S::Write>,
        mut attempts: u32,
    ) -> Result<Committed<O, E>, ServiceError<C::Error>>
    where
        C: MethodCall<S::Write, Output = (O, Vec<E>)>,
        E: Emitted<S::Event>,
        O: Send,
    {
        let _lead = lead;
        let mut seats: Vec<Seat<S::Write>> = Vec::new();
        let mut known_head: Position = 0;
        let mut conflicts: u32 = 0;
        loop {
            let escalate = conflicts >= self.options.escalate_after;
            if escalate && let Err(error) = self.sync::<Infallible>().await {
                return self.fail_all(seats, error, attempts, conflicts);
            }
            let txn = match self.store.begin_write().await {
                Ok(txn) => txn,
                Err(error) => {
                    return self.fail_all(seats, error.into(), attempts, conflicts);
                }
            };
            let max = self.options.max_batch_calls.saturating_sub(1);
            self.batcher.take_waiting(&mut seats, max);
            let lock = if escalate {
                match self.write_lock().await {
                    Ok(lock) => Some(lock),
                    Err(error) => {
                        self.rollback(txn).await;
                        return self.fail_all(seats, ServiceError::Log(error), attempts, conflicts);
                    }
                }
            } else {
                None
            };
            let appending = Arc::new(AtomicBool::new(false));
            let round = self
                .round(
                    txn,
                    call,
                    &mut seats,
                    known_head,
                    lock.is_some(),
                    &appending,
                    &mut attempts,
                )
                .await;
            let Decision {
                txn,
                own,
                parts,
                events,
                version,
                recorded_at,
            } = match round {
                Round::Decided(decision) => decision,
                Round::Again => continue,
                Round::OwnFailed(error) => {
                    // The others decide again under the next leader.
                    self.batcher.put_back(seats);
                    record_attempts(attempts, conflicts);
                    return Err(error);
                }
                Round::Failed(error) => {
                    return self.fail_all(seats, error, attempts, conflicts);
                }
            };
            if events.is_empty() {
                if let Err(error) = self.store.commit(txn).await {
                    return self.fail_all(seats, error.into(), attempts, conflicts);
                }
                let appended = empty_after(version);
                self.committed_version(version);
                for seat in seats {
                    let _ = seat.to.send(ToCall::Done(Done::Committed {
                        appended,
                        conflicts: seat.conflicts,
                    }));
                }
                record_appended(&appended);
                record_attempts(attempts, conflicts);
                let (output, emitted) = own;
                return Ok(self.committed(output, emitted, appended, attempts));
            }
            appending.store(true, Ordering::Release);
            let appended = self
                .append_decided(lock, events, version, recorded_at, None)
                .await;
            match appended {
                Err(LogError::Conflict(conflict)) => {
                    appending.store(false, Ordering::Release);
                    self.rollback(txn).await;
                    conflicts += 1;
                    self.counters.conflict();
                    for seat in &mut seats {
                        seat.conflicts += 1;
                        self.counters.conflict();
                    }
                    tracing::debug!(
                        service = S::SERVICE,
                        attempts,
                        calls = seats.len() + 1,
                        %conflict,
                        "transaction conflict; catching up and deciding the batch again"
                    );
                    if attempts >= self.options.max_attempts {
                        let error = ServiceError::Conflict {
                            attempts,
                            last: conflict,
                        };
                        return self.fail_all(seats, error, attempts, conflicts);
                    }
                    known_head = known_head.max(conflict.head);
                    if conflicts < self.options.escalate_after {
                        backoff::wait_after(conflicts, self.options.max_backoff).await;
                    }
                }
                Err(error) => {
                    self.rollback(txn).await;
                    return self.fail_all(seats, ServiceError::Log(error), attempts, conflicts);
                }
                Ok((appended, _)) if appended.replayed => {
                    // Batched calls carry no key: only a log that replays
                    // without one gets here.
                    self.rollback(txn).await;
                    let error = ServiceError::Duplicate { appended };
                    return self.fail_all(seats, error, attempts, conflicts);
                }
                Ok((appended, in_place)) => {
                    return self
                        .keep_batch(
                            txn, own, parts, seats, appended, in_place, attempts, conflicts,
                        )
                        .await;
                }
            }
        }
    }
}
