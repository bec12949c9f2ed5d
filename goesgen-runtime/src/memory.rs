//! [`MemoryLog`]: the event log in memory, for tests and for programs that
//! need no durability. A lock around a vector of records, an index of
//! positions per kind (so filtered reads and kind conditions do not scan the
//! log), and a watch channel that publishes the head.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

use crate::error::LogError;
use crate::log::{Appended, BoxFuture, Condition, EventLog, KindFilter, ReadBatch, Subscription};
use crate::record::{NewEvent, Position, Record};
use crate::stored;

/// An event log held in memory.
///
/// Appends and reads take a lock for as long as it takes to copy the
/// records in or out, never across an `await`; their futures are ready at
/// once. Everything is lost when the last handle is dropped, and then every
/// [`Subscription`] ends with [`LogError::Closed`].
#[derive(Debug)]
pub struct MemoryLog {
    state: Mutex<State>,
    heads: watch::Sender<Position>,
}

#[derive(Debug, Default)]
struct State {
    /// The record at position `p` is `records[p - 1]`.
    records: Vec<Record>,
    /// For each kind, the positions of its events in ascending order.
    by_kind: HashMap<String, Vec<Position>>,
}

impl Default for MemoryLog {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryLog {
    /// An empty log.
    pub fn new() -> Self {
        Self {
            state: Mutex::new(State::default()),
            heads: watch::Sender::new(0),
        }
    }

    /// An empty log, ready to hand to services.
    pub fn shared() -> crate::log::SharedLog {
        Arc::new(Self::new())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while the lock is held after a change has begun, so
        // the state behind a poisoned lock is still whole.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn head_now(&self) -> Position {
        self.lock().records.len() as Position
    }

    fn read_now(&self, after: Position, filter: &KindFilter, limit: usize) -> ReadBatch {
        let state = self.lock();
        let head = state.records.len() as Position;
        let start = usize::try_from(after)
            .unwrap_or(usize::MAX)
            .min(state.records.len());
        let records: Vec<Record> = match filter {
            KindFilter::All => state.records[start..].iter().take(limit).cloned().collect(),
            KindFilter::Kinds(kinds) => {
                let mut positions: Vec<Position> = Vec::new();
                for kind in kinds {
                    if let Some(of_kind) = state.by_kind.get(kind) {
                        let first = of_kind.partition_point(|p| *p <= after);
                        positions.extend(of_kind[first..].iter().take(limit));
                    }
                }
                positions.sort_unstable();
                positions.truncate(limit);
                positions
                    .into_iter()
                    .map(|p| state.records[(p - 1) as usize].clone())
                    .collect()
            }
        };
        let through = stored::covered_through(after, head, limit, &records);
        ReadBatch {
            records,
            head,
            through,
        }
    }

    fn append_now(
        &self,
        events: Vec<NewEvent>,
        condition: &Condition,
    ) -> Result<Appended, LogError> {
        stored::check_batch(&events)?;
        let (recorded_at, _) = stored::now();
        let mut state = self.lock();
        let head = state.records.len() as Position;
        if events.is_empty() {
            return Ok(Appended {
                first: head + 1,
                last: head,
                recorded_at,
            });
        }
        let judged = stored::judge(condition, head, |kind| {
            Ok::<_, std::convert::Infallible>(
                state
                    .by_kind
                    .get(kind)
                    .and_then(|positions| positions.last().copied()),
            )
        });
        match judged {
            Ok(Ok(())) => {}
            Ok(Err(conflict)) => return Err(conflict.into()),
            Err(never) => match never {},
        }
        let state = &mut *state;
        state.records.reserve(events.len());
        let mut position = head;
        for event in events {
            position += 1;
            match state.by_kind.get_mut(&event.kind) {
                Some(positions) => positions.push(position),
                None => {
                    state.by_kind.insert(event.kind.clone(), vec![position]);
                }
            }
            state.records.push(Record {
                position,
                recorded_at,
                kind: event.kind,
                payload: event.payload,
            });
        }
        // Published under the lock, so heads are published in order.
        self.heads.send_replace(position);
        Ok(Appended {
            first: head + 1,
            last: position,
            recorded_at,
        })
    }
}

impl EventLog for MemoryLog {
    fn head(&self) -> BoxFuture<'_, Result<Position, LogError>> {
        let head = self.head_now();
        Box::pin(std::future::ready(Ok(head)))
    }

    fn read<'a>(
        &'a self,
        after: Position,
        filter: &'a KindFilter,
        limit: usize,
    ) -> BoxFuture<'a, Result<ReadBatch, LogError>> {
        let batch = self.read_now(after, filter, limit);
        Box::pin(std::future::ready(Ok(batch)))
    }

    fn append(
        &self,
        events: Vec<NewEvent>,
        condition: Condition,
    ) -> BoxFuture<'_, Result<Appended, LogError>> {
        let appended = self.append_now(events, &condition);
        Box::pin(std::future::ready(appended))
    }

    fn subscribe(&self) -> Subscription {
        Subscription::new(self.heads.subscribe())
    }
}
