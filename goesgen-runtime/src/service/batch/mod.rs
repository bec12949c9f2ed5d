//! Batched transactions: concurrent calls of transaction methods on one
//! engine share one store write transaction and one log append (one
//! durable commit).
//!
//! Only where an append costs a commit ([`AppendCost::Commit`]: SQLite,
//! PostgreSQL): on the memory log every call runs alone, since handing the
//! transaction between tasks costs more there than an append.
//!
//! The calls queue in a [`Batcher`] (`queue.rs`); the first to find nobody
//! driving starts a driver task (`driver.rs`), which runs batches until
//! the queue is empty. For each batch it opens the store's write
//! transaction, takes the calls waiting by then (up to
//! [`ServiceOptions::max_batch_calls`]), catches up and hands the
//! transaction to each call in turn (`round.rs`): each call runs its own
//! method in its own task (the call borrows from its caller), on the state
//! that includes the events of the calls before it, applies its events at
//! the positions that follow theirs and hands the transaction back. The
//! driver appends all the events at once on one condition (the version
//! before the batch), commits, and tells each call its own positions.
//!
//! The append and the commit run in the driver's task, not in any caller's
//! future: a caller that goes away cannot cut them short, so no call's
//! cancellation changes another call's outcome. Only the cancelled call's
//! own outcome is unknown to it (its events may be in the log: a repeat
//! with its idempotency key answers `Duplicate`).
//!
//! - A call whose method fails, or whose events the store refuses, gets its
//!   error and is undone alone: the driver takes a savepoint
//!   ([`ServiceStore::savepoint`]) before each turn and rolls back to it.
//!   A store without savepoints rolls the whole transaction back, and the
//!   batch is decided again without the call (the calls decided before it
//!   count a re-decision).
//! - A call cancelled before its turn is passed over; one cancelled during
//!   its turn takes the transaction with it (dropped, so rolled back): the
//!   batch is decided again without it.
//! - On a conflict the whole batch is rolled back and decided again on the
//!   caught-up state (escalating like a lone transaction).
//! - A driver that ends abnormally (a panic in the store, or its runtime
//!   shutting down) tells the calls it holds: nothing appended, or
//!   [`LogError::Indeterminate`] if its append may have begun.
//!
//! [`ServiceOptions::max_batch_calls`]: crate::service::ServiceOptions::max_batch_calls
//! [`ServiceStore::savepoint`]: crate::service::ServiceStore::savepoint
//! [`AppendCost::Commit`]: crate::AppendCost::Commit

mod driver;
mod errors;
mod queue;
mod round;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::SystemTime;

use crate::error::LogError;
use crate::record::{NewEvent, Position};
use crate::service::call::CallOptions;
use crate::service::committed::{Committed, Counters};
use crate::service::engine::{Engine, record_appended, record_attempts};
use crate::service::error::ServiceError;
use crate::service::refusal::SecondLook;
use crate::service::store::{Emitted, MethodCall, ServiceStore};

use errors::widen;
pub(crate) use queue::Batcher;
use queue::{Done, Reply, ToCall};

/// One call's part of a decided batch: how many of its events it has.
pub(super) struct Part {
    pub(super) len: usize,
}

/// A batch every call of which decided.
pub(super) struct Decision<W> {
    /// The write transaction the calls decided in.
    pub(super) txn: W,
    /// Each call's part of the events, in seat order.
    pub(super) parts: Vec<Part>,
    /// The events of every call, encoded, in call order.
    pub(super) events: Vec<NewEvent>,
    /// The version the batch was decided at.
    pub(super) version: Position,
    /// The time its events are applied with and appended at.
    pub(super) recorded_at: SystemTime,
}

/// How a round of deciding ended.
pub(super) enum Round<W> {
    /// Every call still in the batch decided.
    Decided(Decision<W>),
    /// A call failed or went away: decide again without it.
    Again,
    /// The batch failed (catch-up, store): every call gets the error;
    /// `decided` calls had decided in this round.
    Failed {
        error: ServiceError<std::convert::Infallible>,
        decided: usize,
    },
}

/// A batched call's attempt while it decides: counted as it starts, and
/// as a failure if its caller goes away before it hands the transaction
/// back.
struct Attempt<'a> {
    counters: Option<&'a Counters>,
}

impl<'a> Attempt<'a> {
    fn start(counters: &'a Counters) -> Self {
        counters.attempt();
        Self {
            counters: Some(counters),
        }
    }

    /// It decided: the batch's outcome counts it.
    fn decided(mut self) {
        self.counters = None;
    }

    /// It refused on a stale state and is decided again.
    fn redecided(mut self) {
        if let Some(counters) = self.counters.take() {
            counters.redecisions(1);
        }
    }

    /// It ended with its own error.
    fn ended_with<M>(mut self, error: &ServiceError<M>) {
        if let Some(counters) = self.counters.take() {
            counters.ended_with(error);
        }
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if let Some(counters) = self.counters {
            counters.failures(1);
        }
    }
}

impl<S: ServiceStore> Engine<S> {
    /// Runs a transaction call in a batch: queues it (starting a driver if
    /// none runs), decides when its turn comes, and returns the outcome the
    /// driver reports.
    pub(crate) async fn run_batched<C, O, E>(
        &self,
        call: &C,
        options: &CallOptions,
    ) -> Result<Committed<O, E>, ServiceError<C::Error>>
    where
        C: MethodCall<S::Write, Output = (O, Vec<E>)>,
        E: Emitted<S::Event>,
        O: Send,
    {
        let mut attempts: u32 = 0;
        let mut seen_head: Position = 0;
        'join: loop {
            let (mut from, start) = self.core.batcher.join(options, seen_head);
            if start {
                self.start_driver();
            }
            let mut decided: Option<(O, Vec<E>)> = None;
            let mut appending: Option<Arc<AtomicBool>> = None;
            loop {
                match from.recv().await {
                    Some(ToCall::Turn(turn)) => {
                        attempts += 1;
                        appending = Some(Arc::clone(&turn.appending));
                        let attempt = Attempt::start(&self.core.counters);
                        let mut txn = turn.txn;
                        match self
                            .decide(call, &mut txn, turn.next, turn.recorded_at)
                            .await
                        {
                            Ok((decision, events)) => {
                                attempt.decided();
                                decided = Some(decision);
                                // A driver gone meanwhile shows at recv.
                                let _ = turn.reply.send(Reply {
                                    txn,
                                    events: Some(events),
                                });
                            }
                            Err(error) => {
                                let _ = turn.reply.send(Reply { txn, events: None });
                                let error = match self
                                    .second_look(error, options, turn.version, false)
                                    .await
                                {
                                    SecondLook::Stale { head, refusal: _ }
                                        if attempts < self.core.options.max_attempts =>
                                    {
                                        // Refused on a state the log moved
                                        // past: decide again in a batch
                                        // caught up to it.
                                        attempt.redecided();
                                        seen_head = head;
                                        continue 'join;
                                    }
                                    SecondLook::Stale { refusal: error, .. }
                                    | SecondLook::Stands(error)
                                    | SecondLook::Replayed(error) => error,
                                };
                                attempt.ended_with(&error);
                                record_attempts(attempts, 0);
                                return Err(error);
                            }
                        }
                    }
                    Some(ToCall::Done(Done::Committed {
                        appended,
                        conflicts,
                    })) => {
                        record_appended(&appended);
                        record_attempts(attempts, conflicts);
                        let Some((output, events)) = decided else {
                            // A driver reports a call only after its turn.
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
                                message: "the task driving the batch ended during its append"
                                    .into(),
                                source: None,
                            }));
                        }
                        // Let go before it was decided: join again.
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
        let (output, events) = call.call(txn).await.map_err(ServiceError::from_method)?;
        if events.is_empty() {
            return Ok(((output, events), Vec::new()));
        }
        let (batch, events) = self.apply_ahead(txn, next - 1, recorded_at, events).await?;
        Ok(((output, events), batch))
    }
}
