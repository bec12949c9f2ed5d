//! The task that drives batches: it takes the queued calls, runs each
//! batch to its end (rounds of deciding, the append, the commit, retries
//! after conflicts) and tells every call its outcome. It owns a handle on
//! the engine, so a batch's append and commit finish even if every caller
//! in it goes away.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::errors::duplicate;
use super::queue::{Batcher, Done, Seat, ToCall};
use super::{Decision, Round};
use crate::error::LogError;
use crate::log::AppendedParts;
use crate::record::Position;
use crate::service::backoff;
use crate::service::engine::Engine;
use crate::service::error::ServiceError;
use crate::service::keys::replayed;
use crate::service::store::ServiceStore;
use crate::service::store_error::{StoreError, StoreErrorKind};

/// The calls a driver holds, and how to let them go if it ends without
/// finishing (a panic in the store, or its runtime shutting down).
struct Driving<'a, W> {
    batcher: &'a Batcher<W>,
    /// The calls of the batch being run.
    seats: Vec<Seat<W>>,
    /// Set once the current batch's append may have begun.
    appending: Arc<AtomicBool>,
    /// Whether the driver stopped as it should (nobody waiting).
    stopped: bool,
}

impl<W> Drop for Driving<'_, W> {
    fn drop(&mut self) {
        if self.stopped {
            return;
        }
        let mut error = if self.appending.load(Ordering::Acquire) {
            ServiceError::Log(LogError::Indeterminate {
                message: "the task driving the batch ended during its append".into(),
                source: None,
            })
        } else {
            ServiceError::Store(StoreError::of(
                StoreErrorKind::Other,
                "the task driving the batch ended before its append (a panic, or the \
                 runtime shutting down): nothing of it was appended",
            ))
        };
        for seat in self.seats.drain(..) {
            let _ = seat.to.send(ToCall::Done(Done::Failed {
                error: duplicate(&mut error),
                conflicts: seat.conflicts,
            }));
        }
        self.batcher.abandon();
    }
}

impl<S: ServiceStore> Engine<S> {
    /// Starts a driver task on a handle of this engine.
    pub(super) fn start_driver(&self) {
        let engine = self.handle();
        tokio::spawn(async move { engine.drive().await });
    }

    /// Runs batches until nobody waits.
    async fn drive(self) {
        let mut driving = Driving {
            batcher: &self.core.batcher,
            seats: Vec::new(),
            appending: Arc::new(AtomicBool::new(false)),
            stopped: false,
        };
        loop {
            self.core.batcher.take_waiting(
                &mut driving.seats,
                self.core.options.max_batch_calls,
                self.core.keyed_together,
            );
            if driving.seats.is_empty() {
                if self.core.batcher.stop_if_idle() {
                    driving.stopped = true;
                    return;
                }
                continue;
            }
            self.run_batch(&mut driving).await;
        }
    }

    /// Runs one batch to its end: every seat gets its outcome, and
    /// `driving.seats` is empty after.
    async fn run_batch(&self, driving: &mut Driving<'_, S::Write>) {
        let mut known_head: Position = 0;
        let mut conflicts: u32 = 0;
        loop {
            let escalate = conflicts >= self.core.options.escalate_after;
            if escalate && let Err(error) = self.sync::<Infallible>().await {
                return self.fail_all(driving, error, 0);
            }
            let txn = match self.core.store.begin_write().await {
                Ok(txn) => txn,
                Err(error) => return self.fail_all(driving, error.into(), 0),
            };
            // Whoever queued while the store was busy joins this batch.
            self.core.batcher.take_waiting(
                &mut driving.seats,
                self.core.options.max_batch_calls,
                self.core.keyed_together,
            );
            let lock = if escalate {
                match self.write_lock().await {
                    Ok(lock) => Some(lock),
                    Err(error) => {
                        self.rollback(txn).await;
                        return self.fail_all(driving, ServiceError::Log(error), 0);
                    }
                }
            } else {
                None
            };
            let seen = driving.seats.iter().map(|seat| seat.seen_head).max();
            known_head = known_head.max(seen.unwrap_or(0));
            driving.appending = Arc::new(AtomicBool::new(false));
            let round = self
                .round(
                    txn,
                    &mut driving.seats,
                    known_head,
                    lock.is_some(),
                    &driving.appending,
                )
                .await;
            let decision = match round {
                Round::Decided(decision) => decision,
                Round::Again => {
                    if driving.seats.is_empty() {
                        return;
                    }
                    continue;
                }
                Round::Failed { error, decided } => {
                    return self.fail_all(driving, error, decided);
                }
            };
            let keyed = driving.seats.iter().any(|seat| seat.options.key.is_some());
            if decision.events.is_empty() && !keyed {
                return self.commit_nothing(driving, decision).await;
            }
            let Decision {
                txn,
                parts,
                events,
                version,
                recorded_at,
            } = decision;
            // Each call decided after the ones before it: a replay of an
            // earlier one holds the append back (see below).
            let parts = driving
                .seats
                .iter()
                .zip(&parts)
                .enumerate()
                .map(|(index, (seat, part))| {
                    let part = seat.part(part.len);
                    if index > 0 { part.depends() } else { part }
                })
                .collect();
            driving.appending.store(true, Ordering::Release);
            let appended = self
                .append_parts_decided(lock, events, parts, version, recorded_at)
                .await;
            match appended {
                Err(LogError::Conflict(conflict)) => {
                    driving.appending.store(false, Ordering::Release);
                    self.rollback(txn).await;
                    conflicts += 1;
                    tracing::debug!(
                        service = S::SERVICE,
                        calls = driving.seats.len(),
                        %conflict,
                        "transaction conflict; catching up and deciding the batch again"
                    );
                    for seat in &mut driving.seats {
                        seat.conflicts += 1;
                        self.core.counters.conflict();
                    }
                    self.give_up_after_max_attempts(driving, &conflict);
                    if driving.seats.is_empty() {
                        return;
                    }
                    known_head = known_head.max(conflict.head);
                    if conflicts < self.core.options.escalate_after {
                        backoff::wait_after(conflicts, self.core.options.max_backoff).await;
                    }
                }
                Err(error) => {
                    self.rollback(txn).await;
                    let decided = driving.seats.len();
                    return self.fail_all(driving, ServiceError::Log(error), decided);
                }
                Ok((outcome, _)) if outcome.held_back => {
                    // A call's key was written since it was looked up (by
                    // an earlier batch, or another process), and the calls
                    // after it decided on its effect applied again: nothing
                    // was written. The replays get their answers; the rest
                    // are decided again.
                    driving.appending.store(false, Ordering::Release);
                    self.rollback(txn).await;
                    self.answer_replays(driving, &outcome);
                    if driving.seats.is_empty() {
                        return;
                    }
                }
                Ok((outcome, in_place)) => {
                    return self
                        .keep_batch(driving, txn, outcome, version, in_place)
                        .await;
                }
            }
        }
    }

    /// After a conflict: the calls that used up their attempts get
    /// [`ServiceError::Conflict`] and leave the batch.
    fn give_up_after_max_attempts(
        &self,
        driving: &mut Driving<'_, S::Write>,
        conflict: &crate::error::Conflict,
    ) {
        let max = self.core.options.max_attempts;
        driving.seats.retain(|seat| {
            if seat.attempts < max {
                return true;
            }
            let _ = seat.to.send(ToCall::Done(Done::Failed {
                error: ServiceError::Conflict {
                    attempts: seat.attempts,
                    last: conflict.clone(),
                },
                conflicts: seat.conflicts,
            }));
            false
        });
    }

    /// After an append held back: each call whose key was replayed gets
    /// its answer and leaves the batch; the others stay, to be decided
    /// again (a re-decision each).
    fn answer_replays(&self, driving: &mut Driving<'_, S::Write>, outcome: &AppendedParts) {
        let seats = std::mem::take(&mut driving.seats);
        for (seat, record) in seats.into_iter().zip(&outcome.parts) {
            if !record.appended.replayed {
                self.core.counters.redecisions(1);
                driving.seats.push(seat);
                continue;
            }
            self.core.counters.failures(1);
            let _ = seat.to.send(ToCall::Done(Done::Failed {
                error: replayed(record, &seat.options),
                conflicts: seat.conflicts,
            }));
        }
    }

    /// A batch none of whose calls emitted anything: commits the catch-up.
    async fn commit_nothing(
        &self,
        driving: &mut Driving<'_, S::Write>,
        decision: Decision<S::Write>,
    ) {
        let version = decision.version;
        if let Err(error) = self.core.store.commit(decision.txn).await {
            let decided = driving.seats.len();
            return self.fail_all(driving, error.into(), decided);
        }
        let appended = self.empty_after(version);
        self.committed_version(version);
        for seat in driving.seats.drain(..) {
            self.core.counters.commit();
            let _ = seat.to.send(ToCall::Done(Done::Committed {
                appended,
                conflicts: seat.conflicts,
            }));
        }
    }

    /// After the batch's append: keeps the events in the store (or not,
    /// as [`keep`](Self::keep) says) and gives each call its own positions,
    /// or its [`ServiceError::Unsynced`], or, for a call whose key the log
    /// held already, its [`ServiceError::Duplicate`] or
    /// [`ServiceError::KeyReused`] (its events were not written; the calls
    /// after it moved up, so the store catches up from the log).
    async fn keep_batch(
        &self,
        driving: &mut Driving<'_, S::Write>,
        txn: S::Write,
        outcome: AppendedParts,
        version: Position,
        in_place: bool,
    ) {
        let written = outcome.appended;
        let kept = if in_place && written.is_empty() {
            // The calls emitted nothing, only their keys were written: the
            // store keeps its catch-up.
            match self.core.store.commit(txn).await {
                Ok(()) => {
                    self.committed_version(version);
                    Ok(())
                }
                Err(error) => Err(error.into()),
            }
        } else {
            self.keep::<Infallible>(txn, &written, in_place).await
        };
        let mut error = kept.err();
        if let Some(error) = &error {
            tracing::warn!(
                service = S::SERVICE,
                first = written.first,
                last = written.last,
                %error,
                "events appended but not applied to the store; the next sync applies them"
            );
        }
        for (seat, record) in driving.seats.drain(..).zip(&outcome.parts) {
            let appended = record.appended;
            let done = if appended.replayed {
                self.core.counters.failures(1);
                Done::Failed {
                    error: replayed(record, &seat.options),
                    conflicts: seat.conflicts,
                }
            } else {
                self.core.counters.commit();
                match &mut error {
                    Some(error) if !appended.is_empty() => Done::Failed {
                        error: ServiceError::Unsynced {
                            appended,
                            source: Box::new(duplicate(error)),
                        },
                        conflicts: seat.conflicts,
                    },
                    // Nothing of a call that emitted nothing is in the log.
                    _ => Done::Committed {
                        appended,
                        conflicts: seat.conflicts,
                    },
                }
            };
            let _ = seat.to.send(ToCall::Done(done));
        }
    }

    /// Ends the batch with `error` for every call in it; the first
    /// `decided` of them had decided in its last round (their attempts end
    /// as failures).
    fn fail_all(
        &self,
        driving: &mut Driving<'_, S::Write>,
        mut error: ServiceError<Infallible>,
        decided: usize,
    ) {
        self.core.counters.failures(decided);
        for seat in driving.seats.drain(..) {
            let _ = seat.to.send(ToCall::Done(Done::Failed {
                error: duplicate(&mut error),
                conflicts: seat.conflicts,
            }));
        }
    }
}
