//! One round of deciding a batch (catch up, the leader's call, each
//! waiting call's turn) and how a batch ends for each of its calls.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use tokio::sync::{mpsc, oneshot};

use super::errors::{duplicate, widen};
use super::queue::{Done, Reply, Seat, ToCall, Turn};
use super::{Decision, Part, Round};
use crate::log::Appended;
use crate::record::{NewEvent, Position};
use crate::service::committed::Committed;
use crate::service::engine::{Engine, record_appended, record_attempts, unsynced};
use crate::service::error::ServiceError;
use crate::service::store::{Emitted, MethodCall, ServiceStore};
use crate::stored;

impl<S: ServiceStore> Engine<S> {
    /// One round of deciding a batch in `txn`: catch up, decide the own
    /// call, then give each seat its turn (passing over those gone).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn round<C, O, E>(
        &self,
        mut txn: S::Write,
        call: &C,
        seats: &mut Vec<Seat<S::Write>>,
        known_head: Position,
        locked: bool,
        appending: &Arc<AtomicBool>,
        attempts: &mut u32,
    ) -> Round<O, E, S::Write, C::Error>
    where
        C: MethodCall<S::Write, Output = (O, Vec<E>)>,
        E: Emitted<S::Event>,
        O: Send,
    {
        let version = match self
            .current::<Infallible>(&mut txn, known_head, locked)
            .await
        {
            Ok(version) => version,
            Err(error) => {
                self.rollback(txn).await;
                if self.skips_refused(&error) {
                    // The poison record is noted; read again past it.
                    return Round::Again;
                }
                return Round::Failed(error);
            }
        };
        let (recorded_at, _) = stored::now();
        *attempts += 1;
        let (own, mut events) = match self.decide(call, &mut txn, version + 1, recorded_at).await {
            Ok(decided) => decided,
            Err(error) => {
                self.rollback(txn).await;
                return Round::OwnFailed(error);
            }
        };
        let mut parts = Vec::with_capacity(seats.len() + 1);
        parts.push(Part {
            start: 0,
            len: events.len(),
        });
        let mut bytes = batch_bytes(&events);
        let mut index = 0;
        while index < seats.len() {
            if bytes >= self.options.max_batch_bytes {
                // Full: the calls not decided yet go to the next batch.
                self.batcher.put_back(seats.split_off(index));
                break;
            }
            let (reply, answer) = oneshot::channel();
            let turn = Turn {
                txn,
                next: version + 1 + events.len() as Position,
                recorded_at,
                appending: Arc::clone(appending),
                reply,
            };
            if let Err(mpsc::error::SendError(message)) = seats[index].to.send(ToCall::Turn(turn)) {
                // Cancelled before its turn: pass over it.
                seats.remove(index);
                match message {
                    ToCall::Turn(turn) => {
                        txn = turn.txn;
                        continue;
                    }
                    // Not reached (what comes back is the turn just sent);
                    // a transaction dropped here rolls back by contract.
                    _ => return Round::Again,
                }
            }
            match answer.await {
                Ok(Reply {
                    txn: back,
                    events: Some(theirs),
                }) => {
                    txn = back;
                    parts.push(Part {
                        start: events.len(),
                        len: theirs.len(),
                    });
                    bytes += batch_bytes(&theirs);
                    events.extend(theirs);
                    index += 1;
                }
                Ok(Reply {
                    txn: back,
                    events: None,
                }) => {
                    // It failed and has its error; the transaction may
                    // hold part of it: decide again without it.
                    seats.remove(index);
                    self.rollback(back).await;
                    return Round::Again;
                }
                Err(_) => {
                    // Cancelled during its turn: the transaction went with
                    // it (dropped, so rolled back).
                    seats.remove(index);
                    return Round::Again;
                }
            }
        }
        if !events.is_empty() {
            // Once for the batch: each call applied its events ahead.
            let last = version + events.len() as Position;
            if let Err(error) = self.store.set_version(&mut txn, last).await {
                self.rollback(txn).await;
                return Round::Failed(error.into());
            }
        }
        Round::Decided(Decision {
            txn,
            own,
            parts,
            events,
            version,
            recorded_at,
        })
    }

    /// After the batch's append: keeps the events in the store (or not,
    /// as [`keep`](Self::keep) says) and gives each call its
    /// own positions, or its [`ServiceError::Unsynced`].
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn keep_batch<O, E, M>(
        &self,
        txn: S::Write,
        own: (O, Vec<E>),
        parts: Vec<Part>,
        seats: Vec<Seat<S::Write>>,
        appended: Appended,
        in_place: bool,
        attempts: u32,
        conflicts: u32,
    ) -> Result<Committed<O, E>, ServiceError<M>> {
        for part in &parts {
            if part.len > 0 {
                self.counters.commit();
            }
        }
        let range = |part: &Part| {
            let first = appended.first + part.start as Position;
            Appended {
                first,
                last: first + part.len as Position - 1,
                ..appended
            }
        };
        let kept = self.keep::<Infallible>(txn, &appended, in_place).await;
        let mine = range(&parts[0]);
        record_appended(&mine);
        record_attempts(attempts, conflicts);
        match kept {
            Ok(()) => {
                for (seat, part) in seats.into_iter().zip(&parts[1..]) {
                    let _ = seat.to.send(ToCall::Done(Done::Committed {
                        appended: range(part),
                        conflicts: seat.conflicts,
                    }));
                }
                let (output, events) = own;
                Ok(self.committed(output, events, mine, attempts))
            }
            Err(mut error) => {
                for (seat, part) in seats.into_iter().zip(&parts[1..]) {
                    let done = if part.len == 0 {
                        // Nothing of it is in the log.
                        Done::Committed {
                            appended: range(part),
                            conflicts: seat.conflicts,
                        }
                    } else {
                        Done::Failed {
                            error: ServiceError::Unsynced {
                                appended: range(part),
                                source: Box::new(duplicate(&mut error)),
                            },
                            conflicts: seat.conflicts,
                        }
                    };
                    let _ = seat.to.send(ToCall::Done(done));
                }
                let (output, events) = own;
                if mine.is_empty() {
                    return Ok(self.committed(output, events, mine, attempts));
                }
                Err(unsynced(mine, widen(error, attempts)))
            }
        }
    }

    /// Ends a batch with `error` for every call in it.
    pub(super) fn fail_all<O, E, M>(
        &self,
        seats: Vec<Seat<S::Write>>,
        mut error: ServiceError<Infallible>,
        attempts: u32,
        conflicts: u32,
    ) -> Result<Committed<O, E>, ServiceError<M>> {
        for seat in seats {
            let _ = seat.to.send(ToCall::Done(Done::Failed {
                error: duplicate(&mut error),
                conflicts: seat.conflicts,
            }));
        }
        record_attempts(attempts, conflicts);
        Err(widen(error, attempts))
    }
}

/// The bytes a batch's events take (kinds and payloads).
fn batch_bytes(events: &[NewEvent]) -> usize {
    events
        .iter()
        .map(|event| event.kind.len() + event.payload.len())
        .sum()
}
