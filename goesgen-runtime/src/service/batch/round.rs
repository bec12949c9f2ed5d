//! One round of deciding a batch: catch up, then give each call its turn
//! on the write transaction, passing over the calls gone.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use tokio::sync::{mpsc, oneshot};

use super::queue::{Reply, Seat, ToCall, Turn};
use super::{Decision, Part, Round};
use crate::record::{NewEvent, Position};
use crate::service::engine::Engine;
use crate::service::store::ServiceStore;

impl<S: ServiceStore> Engine<S> {
    /// One round of deciding a batch in `txn`: catch up, then give each
    /// seat its turn (passing over those gone), after a savepoint. A call
    /// that fails is undone alone by rolling back to the savepoint; where
    /// the store has none, or the call went away with the transaction,
    /// the round ends ([`Round::Again`]): the transaction is rolled back
    /// and the calls decided before it count a re-decision.
    pub(super) async fn round(
        &self,
        mut txn: S::Write,
        seats: &mut Vec<Seat<S::Write>>,
        known_head: Position,
        locked: bool,
        appending: &Arc<AtomicBool>,
    ) -> Round<S::Write> {
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
                return Round::Failed { error, decided: 0 };
            }
        };
        let (recorded_at, _) = self.core.options.clock.now();
        let mut parts = Vec::with_capacity(seats.len());
        let mut events: Vec<NewEvent> = Vec::new();
        let mut bytes = 0;
        let mut index = 0;
        while index < seats.len() {
            if index > 0 && bytes >= self.core.options.max_batch_bytes {
                // Full: the calls not decided yet go to the next batch.
                self.core.batcher.put_back(seats.split_off(index));
                break;
            }
            let saved = match self.core.store.savepoint(&mut txn).await {
                Ok(saved) => saved,
                Err(error) => {
                    self.rollback(txn).await;
                    return Round::Failed {
                        error: error.into(),
                        decided: index,
                    };
                }
            };
            let (reply, answer) = oneshot::channel();
            let turn = Turn {
                txn,
                version,
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
                    ToCall::Done(_) => return Round::Again,
                }
            }
            seats[index].attempts += 1;
            match answer.await {
                Ok(Reply {
                    txn: back,
                    events: Some(theirs),
                }) => {
                    txn = back;
                    parts.push(Part { len: theirs.len() });
                    bytes += batch_bytes(&theirs);
                    events.extend(theirs);
                    index += 1;
                }
                Ok(Reply {
                    txn: mut back,
                    events: None,
                }) => {
                    // It failed and has its error (and counted it): undo
                    // it alone where the store can, else decide again.
                    seats.remove(index);
                    if saved {
                        match self.core.store.rollback_to_savepoint(&mut back).await {
                            Ok(()) => {
                                txn = back;
                                continue;
                            }
                            Err(error) => tracing::warn!(
                                service = S::SERVICE,
                                %error,
                                "rolling back to a savepoint failed; deciding the batch again"
                            ),
                        }
                    }
                    self.core.counters.redecisions(index);
                    self.rollback(back).await;
                    return Round::Again;
                }
                Err(_) => {
                    // Cancelled during its turn (its attempt, if begun,
                    // counts as a failure): the transaction went with it
                    // (dropped, so rolled back).
                    seats.remove(index);
                    self.core.counters.redecisions(index);
                    return Round::Again;
                }
            }
        }
        if !events.is_empty() {
            // Once for the batch: each call applied its events ahead.
            let last = version + events.len() as Position;
            if let Err(error) = self.core.store.set_version(&mut txn, last).await {
                self.rollback(txn).await;
                return Round::Failed {
                    error: error.into(),
                    decided: seats.len(),
                };
            }
        }
        Round::Decided(Decision {
            txn,
            parts,
            events,
            version,
            recorded_at,
        })
    }
}

/// The bytes a batch's events take (kinds and payloads).
fn batch_bytes(events: &[NewEvent]) -> usize {
    events
        .iter()
        .map(|event| event.kind.len() + event.payload.len())
        .sum()
}
