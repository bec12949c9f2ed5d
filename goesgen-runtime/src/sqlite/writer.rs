//! The writer thread: it owns the write connection and commits appends in
//! groups (group commit), so that many appends share one `fsync` while each
//! is judged against its own condition. [`begin_writing`] and
//! [`write_member`] are the writing itself, shared with the write lock.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::SystemTime;

use rusqlite::{Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use super::personal::WriterKeys;
use super::{SqliteOptions, classify, classify_at};
use crate::backend::parts;
use crate::backend::{checks, time};
use crate::error::{Conflict, LogError};
use crate::limits::LogLimits;
use crate::log::{Append, AppendPart, AppendedParts, Condition, Fingerprint, HeadPublisher};
use crate::personal::{self, MasterKey, PersonalError, Sealing, Subject};
use crate::record::{NewEvent, Position};

/// How many of the newest rows the writer checks when it does not know
/// the log yet (when it starts, and for a write lock).
const TAIL_ROWS: Position = 64;

/// The highest position SQLite can store.
const MAX_POSITION: Position = i64::MAX as Position;

/// An event ready for storage: its kind and its payload as text.
#[derive(Clone)]
pub(super) struct TextEvent {
    kind: String,
    payload: String,
}

/// One append, checked (see [`checks::check_append`]) and ready for storage,
/// with its parts ([`Append::key`] as one part).
pub(super) struct Member {
    events: Vec<TextEvent>,
    condition: Condition,
    parts: Vec<AppendPart>,
    recorded_at: Option<SystemTime>,
    /// The personal values to seal in the writer's transaction, with the
    /// master key and limits to seal them with.
    sealing: Option<(Sealing, MasterKey, LogLimits)>,
    /// The subject whose key the append deletes (a forget).
    pub(super) forgets: Option<Subject>,
}

impl Member {
    /// The append's events as text, after [`checks::check_append`]: the
    /// conversion is the UTF-8 check of payloads that function does not
    /// parse (the engine's own), and fails with `InvalidEvent` otherwise.
    pub(super) fn new(mut append: Append, options: &SqliteOptions) -> Result<Self, LogError> {
        parts::normalize(&mut append);
        // Checked here, so that an event without a subject fails alone,
        // never its group.
        let forgets = append.take_forgets();
        let sealing = if append.seals().is_empty() {
            None
        } else {
            let sealing = Sealing::prepare(&append.events, append.seals())?;
            let master = options
                .master_key
                .clone()
                .ok_or(PersonalError::NoMasterKey)?;
            Some((sealing, master, options.limits))
        };
        let events = append
            .events
            .into_iter()
            .enumerate()
            .map(
                |(index, event): (usize, NewEvent)| match String::from_utf8(event.payload) {
                    Ok(payload) => Ok(TextEvent {
                        kind: event.kind,
                        payload,
                    }),
                    Err(error) => Err(LogError::InvalidEvent {
                        index,
                        reason: format!("the payload is not UTF-8: {error}"),
                    }),
                },
            )
            .collect::<Result<_, _>>()?;
        Ok(Self {
            events,
            condition: append.condition,
            parts: append.parts,
            recorded_at: append.recorded_at,
            sealing,
            forgets,
        })
    }
}

/// One append waiting for the writer.
pub(super) struct AppendRequest {
    pub(super) member: Member,
    pub(super) reply: oneshot::Sender<Result<AppendedParts, LogError>>,
}

/// Starts the writer thread on `connection`; it runs until every sender of
/// the returned channel (bounded by [`SqliteOptions::queue_capacity`]) is
/// dropped.
pub(super) fn start(
    connection: Connection,
    heads: HeadPublisher,
    options: &SqliteOptions,
) -> Result<mpsc::Sender<AppendRequest>, LogError> {
    let (requests, queue) = mpsc::channel(options.queue_capacity.max(1));
    let max_group = options.max_group.max(1);
    std::thread::Builder::new()
        .name("goesgen-sqlite-writer".to_owned())
        .spawn(move || run(connection, queue, heads, max_group))
        .map_err(|e| LogError::unavailable("cannot start the SQLite writer thread", e))?;
    Ok(requests)
}

fn run(
    mut connection: Connection,
    mut queue: mpsc::Receiver<AppendRequest>,
    heads: HeadPublisher,
    max_group: usize,
) {
    // The position through which the writer has checked the log's rows.
    let mut checked: Option<Position> = None;
    while let Some(first) = queue.blocking_recv() {
        let mut group = vec![first];
        while group.len() < max_group {
            match queue.try_recv() {
                Ok(request) => group.push(request),
                Err(_) => break,
            }
        }
        match commit_group(&mut connection, &group, checked) {
            Ok((outcomes, head)) => {
                checked = Some(head);
                heads.publish(head);
                if group.iter().any(|request| request.member.forgets.is_some()) {
                    super::personal::truncate_wal(
                        &connection,
                        "the SQLite log",
                        "the watcher truncates it once they are done",
                    );
                }
                for (request, outcome) in group.into_iter().zip(outcomes) {
                    // The caller may have given up waiting; nothing to do then.
                    let _ = request.reply.send(outcome.map_err(LogError::from));
                }
            }
            Err(error) => {
                tracing::warn!(%error, appends = group.len(), "SQLite group commit failed");
                for request in group {
                    // Every member keeps the original error as its source.
                    let _ = request.reply.send(Err(error.clone()));
                }
            }
        }
    }
    tracing::debug!("SQLite writer stopped");
}

/// Writes the members of `group` in one transaction and commits it: each
/// member's outcome and the head after the commit. On an error nothing of
/// the group is written.
fn commit_group(
    connection: &mut Connection,
    group: &[AppendRequest],
    checked: Option<Position>,
) -> Result<(Vec<Result<AppendedParts, Conflict>>, Position), LogError> {
    let transaction = Transaction::new_unchecked(connection, TransactionBehavior::Immediate)
        .map_err(|e| classify("cannot begin an append", e))?;
    let mut head = begin_writing(&transaction, checked)?;
    let mut outcomes = Vec::with_capacity(group.len());
    for request in group {
        outcomes.push(write_member(&transaction, &mut head, &request.member)?);
    }
    transaction.commit().map_err(commit_failed)?;
    Ok((outcomes, head))
}

/// A failed `COMMIT`: classified as any SQLite error, except that an I/O
/// error may have come after the commit reached the disk, so its outcome
/// is unknown ([`LogError::Indeterminate`]).
pub(super) fn commit_failed(error: rusqlite::Error) -> LogError {
    let doing = "cannot commit an append";
    match &error {
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.code == ErrorCode::SystemIoFailure =>
        {
            LogError::indeterminate(format!("SQLite event log: {doing}"), error)
        }
        _ => classify(doing, error),
    }
}

/// The head of the log, read inside an open write transaction, once the
/// rows after `checked` (the position through which this writer checked
/// the log before; `None`: the newest [`TAIL_ROWS`] rows) are found to
/// be exactly the positions up to the head: a missing row, or a head that
/// went back or leaves no room to append, is [`LogError::Corrupt`] at the
/// first position affected, and nothing can be appended.
pub(super) fn begin_writing(
    connection: &Connection,
    checked: Option<Position>,
) -> Result<Position, LogError> {
    let head = super::read::head(connection)?;
    let floor = match checked {
        Some(checked) if head < checked => {
            return Err(LogError::Corrupt {
                position: head + 1,
                reason: format!(
                    "the head went back from {checked} to {head}: records were deleted outside \
                     the log"
                ),
            });
        }
        Some(checked) => checked,
        None => head.saturating_sub(TAIL_ROWS),
    };
    if head == floor {
        return Ok(head);
    }
    let doing = "cannot check the newest records";
    let mut statement = connection
        .prepare_cached(
            "SELECT position FROM goesgen_events WHERE position > ?1 ORDER BY position DESC",
        )
        .map_err(|e| classify_at(doing, floor + 1, e))?;
    let mut rows = statement
        .query([sql_position(floor)?])
        .map_err(|e| classify_at(doing, floor + 1, e))?;
    // Walking down from the head, each row must be one below the last.
    let mut expected = head;
    while expected > floor {
        let row = rows.next().map_err(|e| classify_at(doing, expected, e))?;
        let Some(row) = row else { break };
        let position: i64 = row.get(0).map_err(|e| classify_at(doing, expected, e))?;
        if position != sql_position(expected)? {
            break;
        }
        expected -= 1;
    }
    if expected > floor {
        // A position in (floor, expected] is missing. Below a known
        // `checked` the rows were checked before; else look from the start
        // (this only runs on a damaged file).
        let from = if checked.is_some() { floor } else { 0 };
        return Err(LogError::Corrupt {
            position: lowest_missing(connection, from, expected)?,
            reason: format!(
                "the record is missing: positions are not contiguous below the head {head} \
                 (rows were deleted or inserted outside the log)"
            ),
        });
    }
    if head >= MAX_POSITION {
        return Err(LogError::Corrupt {
            position: head,
            reason: "the head is at the highest position SQLite can store: no room to append"
                .to_owned(),
        });
    }
    Ok(head)
}

/// The lowest missing position in `(floor, below]`, knowing one is missing.
pub(super) fn lowest_missing(
    connection: &Connection,
    floor: Position,
    below: Position,
) -> Result<Position, LogError> {
    let doing = "cannot check the newest records";
    let mut statement = connection
        .prepare_cached(
            "SELECT position FROM goesgen_events WHERE position > ?1 AND position <= ?2 \
             ORDER BY position",
        )
        .map_err(|e| classify_at(doing, floor + 1, e))?;
    let mut rows = statement
        .query([sql_position(floor)?, sql_position(below)?])
        .map_err(|e| classify_at(doing, floor + 1, e))?;
    let mut expected = floor + 1;
    while let Some(row) = rows.next().map_err(|e| classify_at(doing, expected, e))? {
        let position: i64 = row.get(0).map_err(|e| classify_at(doing, expected, e))?;
        if position != sql_position(expected)? {
            break;
        }
        expected += 1;
    }
    Ok(expected)
}

/// Judges one append and writes it, inside an open write transaction on a
/// log whose head is `head` (moved past what it writes), as
/// [`parts::plan`] plans it: a part whose key is already there (an earlier
/// member of the same group included) or used by an earlier part is a
/// replay; the conflict if the condition does not hold and anything would
/// be written; else where each part was written, with the keys of the
/// keyed parts stored beside their events. `Err` only for an SQLite error
/// or damage, which must fail the whole transaction.
pub(super) fn write_member(
    connection: &Connection,
    head: &mut Position,
    member: &Member,
) -> Result<Result<AppendedParts, Conflict>, LogError> {
    let (recorded_at, micros) = time::stamp(member.recorded_at);
    let doing = "cannot append";
    let fail = |e| classify(doing, e);
    let before = *head;
    let planned = parts::plan(
        &member.parts,
        before,
        recorded_at,
        |key| super::read::lookup_key(connection, key),
        || {
            let mut last_of_kind = connection
                .prepare_cached("SELECT last_position FROM goesgen_kinds WHERE kind = ?1")
                .map_err(fail)?;
            checks::judge(&member.condition, before, |kind| {
                let last = last_of_kind
                    .query_row([kind], |row| row.get::<_, i64>(0))
                    .optional()
                    .map_err(fail)?;
                match last {
                    None => Ok(None),
                    Some(last) => match Position::try_from(last) {
                        Ok(last) if last <= before => Ok(Some(last)),
                        _ => Err(LogError::Corrupt {
                            position: 0,
                            reason: format!(
                                "the newest position of kind {kind:?} is {last}, outside the \
                                 log (head {before})"
                            ),
                        }),
                    },
                }
            })
        },
    )?;
    let planned = match planned {
        Ok(planned) if planned.writes => planned,
        other => return Ok(other.map(|planned| planned.parts)),
    };
    let last = planned.parts.appended.last;
    if last > MAX_POSITION {
        return Err(LogError::Corrupt {
            position: before,
            reason: "no room to append beyond the highest position SQLite can store".to_owned(),
        });
    }
    let mut insert = connection
        .prepare_cached(
            "INSERT INTO goesgen_events (position, recorded_at, kind, payload) \
             VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(fail)?;
    let mut set_last = connection
        .prepare_cached(
            "INSERT INTO goesgen_kinds (kind, last_position) VALUES (?1, ?2) \
             ON CONFLICT (kind) DO UPDATE SET last_position = excluded.last_position",
        )
        .map_err(fail)?;
    let mut store_key = connection
        .prepare_cached(
            "INSERT INTO goesgen_keys (key, first, last, recorded_at, fingerprint) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(|e| classify("cannot store an idempotency key", e))?;
    let events = seal_member(connection, member)?;
    let mut newest: HashMap<&str, Position> = HashMap::new();
    for part in parts::written(&events, &member.parts, &planned.parts.parts) {
        let appended = &part.record.appended;
        for (position, event) in appended.positions().zip(part.events) {
            insert
                .execute((sql_position(position)?, micros, &event.kind, &event.payload))
                .map_err(fail)?;
            newest.insert(&event.kind, position);
        }
        if let Some(key) = part.key {
            let fingerprint = part.record.fingerprint.as_ref().map(Fingerprint::as_str);
            store_key
                .execute((
                    key.as_str(),
                    sql_position(appended.first)?,
                    sql_position(appended.last)?,
                    micros,
                    fingerprint,
                ))
                .map_err(|e| classify("cannot store an idempotency key", e))?;
        }
    }
    for (kind, position) in &newest {
        set_last
            .execute((kind, sql_position(*position)?))
            .map_err(fail)?;
    }
    if let Some(subject) = &member.forgets {
        WriterKeys::new(connection).delete(subject)?;
    }
    *head = last;
    Ok(Ok(planned.parts))
}

/// The member's events with their personal values sealed, with the keys
/// of their subjects found or made in the open transaction.
fn seal_member<'m>(
    connection: &Connection,
    member: &'m Member,
) -> Result<Cow<'m, [TextEvent]>, LogError> {
    let Some((sealing, master, limits)) = &member.sealing else {
        return Ok(Cow::Borrowed(&member.events));
    };
    let keys = personal::subject_keys(sealing, master, &mut WriterKeys::new(connection))?;
    let mut events = member.events.clone();
    for (index, payload) in sealing.sealed(&keys, limits)? {
        // serde_json writes UTF-8.
        events[index].payload =
            String::from_utf8(payload).map_err(|error| LogError::InvalidEvent {
                index,
                reason: format!("the sealed payload is not UTF-8: {error}"),
            })?;
    }
    Ok(Cow::Owned(events))
}

/// A position as SQLite's integer.
fn sql_position(position: Position) -> Result<i64, LogError> {
    i64::try_from(position).map_err(|_| LogError::Corrupt {
        position,
        reason: "the position is beyond SQLite's integers".to_owned(),
    })
}
