//! The queue of a batch: the calls waiting to join one, whether a task
//! drives batches, and the messages between that task and the calls of its
//! batch (their turns, their answers, their outcomes).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use tokio::sync::{mpsc, oneshot};

use crate::log::{AppendPart, Appended};
use crate::record::{NewEvent, Position};
use crate::service::call::CallOptions;
use crate::service::error::ServiceError;
use crate::service::keys::key_part;

/// The queue of calls waiting to join a batch, and whether a driver task
/// runs.
pub(crate) struct Batcher<W> {
    queue: Mutex<Queue<W>>,
}

struct Queue<W> {
    /// Whether a driver task runs (it takes the queue until it is empty).
    driving: bool,
    waiting: VecDeque<Seat<W>>,
}

/// A waiting call, as the driver reaches it.
pub(crate) struct Seat<W> {
    pub(super) to: mpsc::UnboundedSender<ToCall<W>>,
    /// The call's idempotency key and its request's fingerprint.
    pub(super) options: CallOptions,
    /// Conflicts met by batches this call was decided in.
    pub(super) conflicts: u32,
    /// Turns the call was given (its method calls).
    pub(super) attempts: u32,
    /// A head of the log the call saw beyond the state it decided on: the
    /// batch catches up to it at least.
    pub(super) seen_head: Position,
}

/// What the driver tells a waiting call.
pub(crate) enum ToCall<W> {
    /// Decide on this transaction and hand it back.
    Turn(Turn<W>),
    /// The batch ended: the call's own outcome.
    Done(Done),
}

/// A call's turn in a batch.
pub(crate) struct Turn<W> {
    pub(super) txn: W,
    /// The version the batch caught up to.
    pub(super) version: Position,
    /// The position the call's first event gets.
    pub(super) next: Position,
    pub(super) recorded_at: SystemTime,
    /// Set once the batch's append may have begun: a call that loses its
    /// driver after that cannot know whether its events are in the log.
    pub(super) appending: Arc<AtomicBool>,
    pub(super) reply: oneshot::Sender<Reply<W>>,
}

/// A call's answer to its turn.
pub(super) struct Reply<W> {
    pub(super) txn: W,
    /// The call's events for the log; `None` when the call failed (it has
    /// its error and is gone; the transaction may hold its half-applied
    /// events).
    pub(super) events: Option<Vec<NewEvent>>,
}

/// How a batch ended for one call.
pub(crate) enum Done {
    /// Appended at these positions (an empty range when the call emitted
    /// nothing), after `conflicts` conflicts.
    Committed { appended: Appended, conflicts: u32 },
    /// The batch failed, or this call's key was in the log, with this
    /// error.
    Failed {
        error: ServiceError<Infallible>,
        conflicts: u32,
    },
}

impl<W> Seat<W> {
    /// The call's part of the batch's append: `len` events, under its key.
    pub(super) fn part(&self, len: usize) -> AppendPart {
        key_part(len, &self.options).unwrap_or_else(|| AppendPart::new(len))
    }
}

impl<W> Default for Batcher<W> {
    fn default() -> Self {
        Self {
            queue: Mutex::new(Queue {
                driving: false,
                waiting: VecDeque::new(),
            }),
        }
    }
}

impl<W> Batcher<W> {
    /// Nothing panics while the lock is held, so a poisoned queue is whole.
    fn lock(&self) -> MutexGuard<'_, Queue<W>> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a call with `options` (its key); returns its receiver, and whether no task
    /// drives batches (the caller then starts one).
    pub(super) fn join(
        &self,
        options: &CallOptions,
        seen_head: Position,
    ) -> (mpsc::UnboundedReceiver<ToCall<W>>, bool) {
        let (to, from) = mpsc::unbounded_channel();
        let mut queue = self.lock();
        queue.waiting.push_back(Seat {
            to,
            options: options.clone(),
            conflicts: 0,
            attempts: 0,
            seen_head,
        });
        let start = !queue.driving;
        queue.driving = true;
        (from, start)
    }

    /// Moves waiting calls into `seats`, up to `max` seats in all. A call
    /// whose key a seat already holds stays queued for a later batch: a
    /// key names one call's events. Unless `keyed_together` (the log takes
    /// several keyed parts in one append), a keyed call is batched alone.
    pub(super) fn take_waiting(&self, seats: &mut Vec<Seat<W>>, max: usize, keyed_together: bool) {
        let keyed = |seat: &Seat<W>| seat.options.key.is_some();
        let mut queue = self.lock();
        let mut index = 0;
        while seats.len() < max && index < queue.waiting.len() {
            if !keyed_together && seats.iter().any(keyed) {
                break;
            }
            let waiting = &queue.waiting[index];
            let wait = match &waiting.options.key {
                Some(key) => {
                    (!keyed_together && !seats.is_empty())
                        || seats
                            .iter()
                            .any(|seat| seat.options.key.as_ref() == Some(key))
                }
                None => false,
            };
            if wait {
                index += 1;
                continue;
            }
            if let Some(seat) = queue.waiting.remove(index) {
                seats.push(seat);
            }
        }
    }

    /// Puts `seats` back at the head of the queue, in their order.
    pub(super) fn put_back(&self, seats: Vec<Seat<W>>) {
        let mut queue = self.lock();
        for seat in seats.into_iter().rev() {
            queue.waiting.push_front(seat);
        }
    }

    /// Whether the driver may stop: nobody waits (then nobody drives until
    /// the next call joins).
    pub(super) fn stop_if_idle(&self) -> bool {
        let mut queue = self.lock();
        if queue.waiting.is_empty() {
            queue.driving = false;
            return true;
        }
        false
    }

    /// After a driver ended without stopping (it panicked, or its runtime
    /// shut down): nobody drives, and the waiting calls are let go (their
    /// channels close; each joins again and starts a driver).
    pub(super) fn abandon(&self) {
        let waiting = {
            let mut queue = self.lock();
            queue.driving = false;
            std::mem::take(&mut queue.waiting)
        };
        drop(waiting);
    }
}
