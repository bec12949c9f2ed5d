//! Batched transactions: concurrent calls of transaction methods on one
//! engine share one store write transaction and one log append (one
//! durable commit).
//!
//! Only where an append costs a commit ([`AppendCost::Commit`]: SQLite,
//! PostgreSQL): on the memory log every call runs alone, since handing the
//! transaction between tasks costs more there than an append.
//!
//! The calls queue in a [`Batcher`]. A call that finds nobody leading leads:
//! it opens the store's write transaction, takes the calls waiting by then
//! (up to [`ServiceOptions::max_batch_calls`]), catches up, decides its own
//! call and hands the transaction to each waiting call in turn (a
//! [`Turn`]): each call runs its own method in its own task (the call
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

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

use tokio::sync::{mpsc, oneshot};

use crate::error::LogError;
use crate::log::{Append, Appended};
use crate::record::{NewEvent, Position};
use crate::service::backoff;
use crate::service::committed::Committed;
use crate::service::engine::{Engine, empty_after, record_appended, record_attempts, unsynced};
use crate::service::error::ServiceError;
use crate::service::store::{Emitted, MethodCall, ServiceStore};
use crate::stored;

/// The queue of calls waiting to join a batch, and whether a call leads.
pub(crate) struct Batcher<W> {
    queue: Mutex<Queue<W>>,
}

struct Queue<W> {
    /// Whether a [`Leadership`] exists (held, or on its way to a call).
    leading: bool,
    waiting: VecDeque<Seat<W>>,
}

/// A waiting call, as the leader reaches it.
pub(crate) struct Seat<W> {
    to: mpsc::UnboundedSender<ToCall<W>>,
    /// Conflicts met by batches this call was decided in.
    conflicts: u32,
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
    txn: W,
    /// The position the call's first event gets.
    next: Position,
    recorded_at: SystemTime,
    /// Set while the batch's append is in flight.
    appending: Arc<AtomicBool>,
    reply: oneshot::Sender<Reply<W>>,
}

/// A call's answer to its turn.
struct Reply<W> {
    txn: W,
    /// The call's events for the log; `None` when the call failed (it has
    /// its error and is gone; the transaction may hold its half-applied
    /// events).
    events: Option<Vec<NewEvent>>,
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
    batcher: Option<Arc<Batcher<W>>>,
}

impl<W> Drop for Leadership<W> {
    fn drop(&mut self) {
        if let Some(batcher) = self.batcher.take() {
            batcher.pass_on();
        }
    }
}

/// What a call that joins is to do.
enum Role<W> {
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

    fn join(self: &Arc<Self>) -> Role<W> {
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
    fn take_waiting(&self, seats: &mut Vec<Seat<W>>, max: usize) {
        let mut queue = self.lock();
        while seats.len() < max {
            match queue.waiting.pop_front() {
                Some(seat) => seats.push(seat),
                None => break,
            }
        }
    }

    /// Puts `seats` back at the head of the queue, in their order.
    fn put_back(&self, seats: Vec<Seat<W>>) {
        let mut queue = self.lock();
        for seat in seats.into_iter().rev() {
            queue.waiting.push_front(seat);
        }
    }

    /// Hands the lead to the first waiting call that is still there, or
    /// notes that nobody leads.
    fn pass_on(self: &Arc<Self>) {
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

/// One call's part of a decided batch: where its events are in the batch.
struct Part {
    start: usize,
    len: usize,
}

/// How a round of deciding ended.
enum Round<O, E, W, M> {
    /// Every call decided: the transaction, the leader's decision, each
    /// call's part (the leader's first) and the events.
    Decided {
        txn: W,
        own: (O, Vec<E>),
        parts: Vec<Part>,
        events: Vec<NewEvent>,
        /// The version the batch was decided at.
        version: Position,
        /// The time its events are applied with and appended at.
        recorded_at: SystemTime,
    },
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
                self.counters.escalation();
                match self.log.lock_writes().await {
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
            let (txn, own, parts, events, version, recorded_at) = match round {
                Round::Decided {
                    txn,
                    own,
                    parts,
                    events,
                    version,
                    recorded_at,
                } => (txn, own, parts, events, version, recorded_at),
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
            let append = Append::new(events)
                .condition(self.condition(version))
                .recorded_at(recorded_at)
                .encoded();
            appending.store(true, Ordering::Release);
            let appended = match lock {
                Some(lock) => lock.append(append).await,
                None => self.log.append_with(append).await,
            };
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
                Ok(appended) if appended.replayed => {
                    // Batched calls carry no key: only a log that replays
                    // without one gets here.
                    self.rollback(txn).await;
                    let error = ServiceError::Duplicate { appended };
                    return self.fail_all(seats, error, attempts, conflicts);
                }
                Ok(appended) => {
                    let in_place =
                        appended.first == version + 1 && appended.recorded_at == recorded_at;
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

impl<S: ServiceStore> Engine<S> {
    /// One round of deciding a batch in `txn`: catch up, decide the own
    /// call, then give each seat its turn (passing over those gone).
    #[allow(clippy::too_many_arguments)]
    async fn round<C, O, E>(
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
        let mut version = match self.store.version(&mut txn).await {
            Ok(version) => version,
            Err(error) => {
                self.rollback(txn).await;
                return Round::Failed(error.into());
            }
        };
        let head = if locked {
            // Under the lock the head cannot move: read it, so the
            // decision is on the whole log.
            match self.log.head().await {
                Ok(head) => head,
                Err(error) => {
                    self.rollback(txn).await;
                    return Round::Failed(ServiceError::Log(error));
                }
            }
        } else {
            self.heads.head().max(known_head)
        };
        if head > version {
            match self.catch_up::<Infallible>(&mut txn, version).await {
                Ok(caught_up) => version = caught_up,
                Err(error) => {
                    self.rollback(txn).await;
                    if self.skips_refused(&error) {
                        // The poison record is noted; read again past it.
                        return Round::Again;
                    }
                    return Round::Failed(error);
                }
            }
        }
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
        Round::Decided {
            txn,
            own,
            parts,
            events,
            version,
            recorded_at,
        }
    }

    /// After the batch's append: keeps the events in the store (or not,
    /// as [`keep`](Self::keep) says) and gives each call its
    /// own positions, or its [`ServiceError::Unsynced`].
    #[allow(clippy::too_many_arguments)]
    async fn keep_batch<O, E, M>(
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
    fn fail_all<O, E, M>(
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

/// A batch's error as one call's: a conflict counts that call's attempts.
fn widen<M>(error: ServiceError<Infallible>, attempts: u32) -> ServiceError<M> {
    match error {
        ServiceError::Method(never) => match never {},
        ServiceError::Store(error) => ServiceError::Store(error),
        ServiceError::Log(error) => ServiceError::Log(error),
        ServiceError::Encode(error) => ServiceError::Encode(error),
        ServiceError::Refused {
            index,
            kind,
            source,
        } => ServiceError::Refused {
            index,
            kind,
            source,
        },
        ServiceError::Apply {
            position,
            kind,
            source,
        } => ServiceError::Apply {
            position,
            kind,
            source,
        },
        ServiceError::Decode {
            position,
            kind,
            source,
        } => ServiceError::Decode {
            position,
            kind,
            source,
        },
        ServiceError::UnknownKind { position, kind } => {
            ServiceError::UnknownKind { position, kind }
        }
        ServiceError::Conflict { last, .. } => ServiceError::Conflict { attempts, last },
        ServiceError::Duplicate { appended } => ServiceError::Duplicate { appended },
        ServiceError::Unsynced { appended, source } => ServiceError::Unsynced {
            appended,
            source: Box::new(widen(*source, attempts)),
        },
    }
}

/// A copy of a batch's error for another call of the batch (causes are
/// shared).
fn duplicate(error: &mut ServiceError<Infallible>) -> ServiceError<Infallible> {
    match error {
        ServiceError::Method(never) => match *never {},
        ServiceError::Store(error) => ServiceError::Store(error.share()),
        ServiceError::Log(error) => ServiceError::Log(error.clone()),
        // Encoding fails per call, never for a whole batch; kept total.
        ServiceError::Encode(error) => {
            ServiceError::Store(crate::service::StoreError::new(error.to_string()))
        }
        ServiceError::Refused {
            index,
            kind,
            source,
        } => ServiceError::Refused {
            index: *index,
            kind: kind.clone(),
            source: source.share(),
        },
        ServiceError::Apply {
            position,
            kind,
            source,
        } => ServiceError::Apply {
            position: *position,
            kind: kind.clone(),
            source: source.share(),
        },
        ServiceError::Decode {
            position,
            kind,
            source,
        } => ServiceError::Decode {
            position: *position,
            kind: kind.clone(),
            source: source.clone(),
        },
        ServiceError::UnknownKind { position, kind } => ServiceError::UnknownKind {
            position: *position,
            kind: kind.clone(),
        },
        ServiceError::Conflict { attempts, last } => ServiceError::Conflict {
            attempts: *attempts,
            last: last.clone(),
        },
        ServiceError::Duplicate { appended } => ServiceError::Duplicate {
            appended: *appended,
        },
        ServiceError::Unsynced { appended, source } => ServiceError::Unsynced {
            appended: *appended,
            source: Box::new(duplicate(source)),
        },
    }
}
