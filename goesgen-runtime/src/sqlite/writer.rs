//! The writer thread: it owns the write connection and commits appends in
//! groups (group commit), so that many appends share one `fsync` while each
//! is judged against its own condition.

use std::collections::HashMap;
use std::sync::mpsc;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};
use tokio::sync::{oneshot, watch};

use super::unavailable;
use crate::error::{Conflict, LogError};
use crate::log::{Appended, Condition};
use crate::record::{NewEvent, Position};
use crate::stored;

/// An event ready for storage: its kind and its payload as text.
pub(super) struct TextEvent {
    kind: String,
    payload: String,
}

/// One append waiting for the writer.
pub(super) struct AppendRequest {
    pub(super) events: Vec<TextEvent>,
    pub(super) condition: Condition,
    pub(super) reply: oneshot::Sender<Result<Appended, LogError>>,
}

/// Converts checked events (see [`stored::check_batch`]) to text.
pub(super) fn to_text(events: Vec<NewEvent>) -> Result<Vec<TextEvent>, LogError> {
    events
        .into_iter()
        .enumerate()
        .map(|(index, event)| match String::from_utf8(event.payload) {
            Ok(payload) => Ok(TextEvent {
                kind: event.kind,
                payload,
            }),
            Err(error) => Err(LogError::InvalidEvent {
                index,
                reason: format!("the payload is not UTF-8: {error}"),
            }),
        })
        .collect()
}

/// Starts the writer thread on `connection`; it runs until every sender of
/// the returned channel is dropped.
pub(super) fn start(
    connection: Connection,
    heads: watch::Sender<Position>,
    max_group: usize,
) -> Result<mpsc::Sender<AppendRequest>, LogError> {
    let (requests, queue) = mpsc::channel();
    std::thread::Builder::new()
        .name("goesgen-sqlite-writer".to_owned())
        .spawn(move || run(connection, queue, heads, max_group.max(1)))
        .map_err(|e| LogError::unavailable("cannot start the SQLite writer thread", e))?;
    Ok(requests)
}

fn run(
    mut connection: Connection,
    queue: mpsc::Receiver<AppendRequest>,
    heads: watch::Sender<Position>,
    max_group: usize,
) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < max_group {
            match queue.try_recv() {
                Ok(request) => group.push(request),
                Err(_) => break,
            }
        }
        match commit_group(&mut connection, &group) {
            Ok((outcomes, head)) => {
                heads.send_if_modified(|published| {
                    let newer = head > *published;
                    if newer {
                        *published = head;
                    }
                    newer
                });
                for (request, outcome) in group.into_iter().zip(outcomes) {
                    // The caller may have given up waiting; nothing to do then.
                    let _ = request.reply.send(outcome.map_err(LogError::from));
                }
            }
            Err(error) => {
                tracing::warn!(%error, appends = group.len(), "SQLite group commit failed");
                let message = error.to_string();
                for request in group {
                    let _ = request.reply.send(Err(LogError::Unavailable {
                        message: message.clone(),
                        source: None,
                    }));
                }
            }
        }
    }
    tracing::debug!("SQLite writer stopped");
}

/// Writes the members of `group` whose condition holds in one transaction
/// and commits it: each member's outcome and the head after the commit.
/// On an error nothing of the group is written.
fn commit_group(
    connection: &mut Connection,
    group: &[AppendRequest],
) -> Result<(Vec<Result<Appended, Conflict>>, Position), LogError> {
    let transaction = Transaction::new_unchecked(connection, TransactionBehavior::Immediate)
        .map_err(|e| unavailable("cannot begin an append", e))?;
    let mut head = super::read::head(&transaction)?;
    let (recorded_at, micros) = stored::now();
    let mut outcomes = Vec::with_capacity(group.len());
    {
        let fail = |e| unavailable("cannot append", e);
        let mut last_of_kind = transaction
            .prepare_cached("SELECT last_position FROM goesgen_kinds WHERE kind = ?1")
            .map_err(fail)?;
        let mut insert = transaction
            .prepare_cached(
                "INSERT INTO goesgen_events (position, recorded_at, kind, payload) \
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .map_err(fail)?;
        let mut set_last = transaction
            .prepare_cached(
                "INSERT INTO goesgen_kinds (kind, last_position) VALUES (?1, ?2) \
                 ON CONFLICT (kind) DO UPDATE SET last_position = excluded.last_position",
            )
            .map_err(fail)?;
        let mut newest: HashMap<&str, Position> = HashMap::new();
        for request in group {
            let judged = stored::judge(&request.condition, head, |kind| {
                last_of_kind
                    .query_row([kind], |row| row.get::<_, i64>(0))
                    .optional()
                    .map(|last| last.map(|p| p.max(0) as Position))
            })
            .map_err(fail)?;
            if let Err(conflict) = judged {
                outcomes.push(Err(conflict));
                continue;
            }
            let first = head + 1;
            newest.clear();
            for event in &request.events {
                head += 1;
                let position = position_sql(head)?;
                insert
                    .execute((position, micros, &event.kind, &event.payload))
                    .map_err(fail)?;
                newest.insert(&event.kind, head);
            }
            for (kind, last) in &newest {
                set_last
                    .execute((kind, position_sql(*last)?))
                    .map_err(fail)?;
            }
            outcomes.push(Ok(Appended {
                first,
                last: head,
                recorded_at,
                replayed: false,
            }));
        }
    }
    transaction
        .commit()
        .map_err(|e| unavailable("cannot commit an append", e))?;
    Ok((outcomes, head))
}

fn position_sql(position: Position) -> Result<i64, LogError> {
    i64::try_from(position)
        .map_err(|_| LogError::Config(format!("position {position} is beyond SQLite's integers")))
}
