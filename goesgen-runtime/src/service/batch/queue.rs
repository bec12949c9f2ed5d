//! The queue of a batch: the calls waiting to join one, the lead that
//! passes from call to call, and the messages between a leader and the
//! calls of its batch (their turns, their answers, their outcomes).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use tokio::sync::{mpsc, oneshot};

use crate::log::Appended;
use crate::record::{NewEvent, Position};
use crate::service::error::ServiceError;

/// The queue of calls waiting to join a batch, and whether a call leads.
pub(crate) struct Batcher<W> {
    pub(super) queue: Mutex<Queue<W>>,
}

pub(super) struct Queue<W> {
    /// Whether a [`Leadership`] exists (held, or on its way to a call).
    pub(super) leading: bool,
    pub(super) waiting: VecDeque<Seat<W>>,
}

/// A waiting call, as the leader reaches it.
pub(crate) struct Seat<W> {
    pub(super) to: mpsc::UnboundedSender<ToCall<W>>,
    /// Conflicts met by batches this call was decided in.
    pub(super) conflicts: u32,
}

/// What a leader tells a waiting call.
pub(crate) enum ToCall<W> {
    /// Decide on this transaction and hand it back.
    Turn(Turn<W>),
    /// Lead the next batch.
    Lead(Leadership<W>),
    /// The batch ended: the call's own outcome.
    Done(Done),
}

/// A call's turn in a batch.
pub(crate) struct Turn<W> {
    pub(super) txn: W,
    /// The position the call's first event gets.
    pub(super) next: Position,
    pub(super) recorded_at: SystemTime,
    /// Set while the batch's append is in flight.
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
    /// The batch failed with this error.
    Failed {
        error: ServiceError<Infallible>,
        conflicts: u32,
    },
}

/// The right to run the next batch. Dropped (its holder done or gone), it
/// passes to the first waiting call.
pub(crate) struct Leadership<W> {
    pub(super) batcher: Option<Arc<Batcher<W>>>,
}

impl<W> Drop for Leadership<W> {
    fn drop(&mut self) {
        if let Some(batcher) = self.batcher.take() {
            batcher.pass_on();
        }
    }
}

/// What a call that joins is to do.
pub(super) enum Role<W> {
    Lead(Leadership<W>),
    Wait(mpsc::UnboundedReceiver<ToCall<W>>),
}

impl<W> Default for Batcher<W> {
    fn default() -> Self {
        Self {
            queue: Mutex::new(Queue {
                leading: false,
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

    pub(super) fn join(self: &Arc<Self>) -> Role<W> {
        let mut queue = self.lock();
        if !queue.leading {
            queue.leading = true;
            return Role::Lead(Leadership {
                batcher: Some(Arc::clone(self)),
            });
        }
        let (to, from) = mpsc::unbounded_channel();
        queue.waiting.push_back(Seat { to, conflicts: 0 });
        Role::Wait(from)
    }

    /// Moves waiting calls into `seats`, up to `max` seats in all.
    pub(super) fn take_waiting(&self, seats: &mut Vec<Seat<W>>, max: usize) {
        let mut queue = self.lock();
        while seats.len() < max {
            match queue.waiting.pop_front() {
                Some(seat) => seats.push(seat),
                None => break,
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

    /// Hands the lead to the first waiting call that is still there, or
    /// notes that nobody leads.
    pub(super) fn pass_on(self: &Arc<Self>) {
        loop {
            let seat = {
                let mut queue = self.lock();
                match queue.waiting.pop_front() {
                    Some(seat) => seat,
                    None => {
                        queue.leading = false;
                        return;
                    }
                }
            };
            let lead = Leadership {
                batcher: Some(Arc::clone(self)),
            };
            match seat.to.send(ToCall::Lead(lead)) {
                Ok(()) => return,
                Err(mpsc::error::SendError(message)) => {
                    // The call is gone: disarm the lead, try the next one.
                    if let ToCall::Lead(mut lead) = message {
                        lead.batcher = None;
                    }
                }
            }
        }
    }
}
