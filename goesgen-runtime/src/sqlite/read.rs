//! Reading the log: a small pool of read connections (WAL lets them read
//! while the writer writes), the queries, and the decoding of a stored row
//! into a [`Record`], where damage becomes [`LogError::Corrupt`]; the
//! lookup of idempotency keys.

use std::path::PathBuf;

use rusqlite::types::{ToSql, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, TransactionBehavior};

use super::idle::IdleConnections;
use super::{SqliteOptions, classify, classify_at, connection};
use crate::backend::budget::ReadBudget;
use crate::backend::{budget, checks, time};
use crate::error::LogError;
use crate::limits::LogLimits;
use crate::log::{Appended, Fingerprint, IdempotencyKey, KeyRecord, KindFilter, ReadBatch};
use crate::record::{Position, Record};

/// Idle read connections to the log's file, opened on demand.
#[derive(Debug)]
pub(super) struct ReadPool {
    path: PathBuf,
    options: SqliteOptions,
    idle: IdleConnections,
}

impl ReadPool {
    pub(super) fn new(path: PathBuf, options: SqliteOptions) -> Self {
        Self {
            path,
            idle: IdleConnections::new(options.max_idle_readers),
            options,
        }
    }

    /// Runs `work` on an idle read connection (or a new one), then keeps the
    /// connection for the next read if fewer than the maximum are idle.
    pub(super) fn with_connection<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, LogError>,
    ) -> Result<T, LogError> {
        let connection = match self.idle.take() {
            Some(connection) => connection,
            None => {
                let connection = connection::open(&self.path, &self.options)?;
                connection
                    .pragma_update(None, "query_only", true)
                    .map_err(|e| classify("cannot make a read connection", e))?;
                connection
            }
        };
        let result = work(&connection);
        self.idle.keep(connection);
        result
    }
}

/// The head of the log as `connection` sees it.
pub(super) fn head(connection: &Connection) -> Result<Position, LogError> {
    let head: i64 = connection
        .prepare_cached("SELECT coalesce(max(position), 0) FROM goesgen_events")
        .and_then(|mut statement| statement.query_row([], |row| row.get(0)))
        .map_err(|e| classify("cannot read the head", e))?;
    Position::try_from(head).map_err(|_| LogError::Corrupt {
        position: 0,
        reason: format!("the newest position is negative ({head})"),
    })
}

/// What the log keeps for `key` (the first use's positions, with
/// `replayed` set, and fingerprint), if it is there, as `connection` sees
/// it: in the writer's transaction (including the keys of earlier members
/// of its group), or on a reader for
/// [`EventLog::find_key`](crate::EventLog::find_key) (one statement, so
/// one snapshot).
pub(super) fn lookup_key(
    connection: &Connection,
    key: &IdempotencyKey,
) -> Result<Option<KeyRecord>, LogError> {
    let doing = "cannot look up an idempotency key";
    let mut statement = connection
        .prepare_cached(
            "SELECT first, last, recorded_at, fingerprint FROM goesgen_keys WHERE key = ?1",
        )
        .map_err(|e| classify(doing, e))?;
    let row = statement
        .query_row([key.as_str()], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()
        .map_err(|e| classify(doing, e))?;
    let Some((first, last, micros, fingerprint)) = row else {
        return Ok(None);
    };
    let corrupt = |reason: String| LogError::Corrupt {
        position: Position::try_from(first).unwrap_or(0),
        reason: format!(
            "the idempotency key {:?} is stored damaged: {reason}",
            key.as_str()
        ),
    };
    let (Ok(first), Ok(last)) = (Position::try_from(first), Position::try_from(last)) else {
        return Err(corrupt(format!("positions {first} to {last}")));
    };
    // An empty range (a keyed part without events) ends just before it
    // starts.
    if first == 0 || last.saturating_add(1) < first {
        return Err(corrupt(format!("positions {first} to {last}")));
    }
    let recorded_at = time::micros_to_time(micros)
        .ok_or_else(|| corrupt(format!("recorded_at {micros} is out of range")))?;
    let fingerprint = fingerprint
        .map(Fingerprint::new)
        .transpose()
        .map_err(|error| corrupt(format!("its fingerprint: {error}")))?;
    Ok(Some(KeyRecord {
        appended: Appended {
            first,
            last,
            recorded_at,
            replayed: true,
        },
        fingerprint,
    }))
}

/// At most `limit` records after `after` that pass `filter`, and no more
/// than the read budget of `limits`, with the head, all from one snapshot
/// of the log. Rows are decoded as they are stepped through and the read
/// stops once the budget is full. An unfiltered read checks that positions
/// follow one another without gaps; any read, that they are in order and
/// not beyond the head.
pub(super) fn read(
    connection: &Connection,
    after: Position,
    filter: &KindFilter,
    limit: usize,
    limits: &LogLimits,
) -> Result<ReadBatch, LogError> {
    let snapshot = Transaction::new_unchecked(connection, TransactionBehavior::Deferred)
        .map_err(|e| classify("cannot begin a read", e))?;
    let head = head(&snapshot)?;
    let mut budget = ReadBudget::new(limit, limits);
    let span = Span { after, head };
    let records = match filter {
        _ if limit == 0 || after >= head => Vec::new(),
        KindFilter::Kinds(kinds) if kinds.is_empty() => Vec::new(),
        KindFilter::All => {
            let records = select(&snapshot, ALL, span, &mut budget, limit, &[])?;
            checks::check_contiguous(after, &records)?;
            records
        }
        KindFilter::Kinds(kinds) if kinds.len() > MERGED_KINDS => {
            let set = serde_json::to_string(kinds.as_slice())
                .map_err(|e| LogError::unavailable("cannot encode a kind filter", e))?;
            select(&snapshot, MANY_KINDS, span, &mut budget, limit, &[set])?
        }
        KindFilter::Kinds(kinds) => select(
            &snapshot,
            &of_kinds_sql(kinds.len()),
            span,
            &mut budget,
            limit,
            kinds,
        )?,
    };
    snapshot
        .commit()
        .map_err(|e| classify("cannot end a read", e))?;
    let through = budget::covered_through(after, head, &budget, &records);
    Ok(ReadBatch {
        records,
        head,
        through,
    })
}

const COLUMNS: &str = "position, recorded_at, kind, payload";

const ALL: &str = "SELECT position, recorded_at, kind, payload FROM goesgen_events \
                   WHERE position > ?1 ORDER BY position LIMIT ?2";

/// Up to this many kinds, a filtered read merges one index range per kind
/// (see [`of_kinds_sql`]); beyond, it scans the log in order and checks each
/// kind against the set ([`MANY_KINDS`]), which also keeps the query within
/// SQLite's limit of 500 terms in a compound `SELECT`.
const MERGED_KINDS: usize = 32;

/// Records whose kind is in a JSON array of kinds (bound as ?3), in log
/// order; `+kind` keeps SQLite from walking the kind index instead.
const MANY_KINDS: &str = "SELECT position, recorded_at, kind, payload FROM goesgen_events \
                          WHERE position > ?1 AND +kind IN (SELECT value FROM json_each(?3)) \
                          ORDER BY position LIMIT ?2";

/// The query for records of any of `kinds` kinds (bound as ?3, ?4, ...):
/// the first `limit` of each kind through the kind index, merged. Each
/// branch stops after `limit` rows, so a read costs O(kinds × limit)
/// however long the log.
fn of_kinds_sql(kinds: usize) -> String {
    let branches: Vec<String> = (0..kinds)
        .map(|n| {
            format!(
                "SELECT position FROM (SELECT position FROM goesgen_events \
                 WHERE kind = ?{} AND position > ?1 ORDER BY position LIMIT ?2)",
                n + 3
            )
        })
        .collect();
    format!(
        "SELECT {COLUMNS} FROM goesgen_events WHERE position IN ({}) ORDER BY position LIMIT ?2",
        branches.join(" UNION ALL ")
    )
}

/// The part of the log a read covers: the positions after `after` up to
/// the `head` its snapshot saw.
#[derive(Debug, Clone, Copy)]
struct Span {
    after: Position,
    head: Position,
}

/// Steps through the rows of `sql` (bound to the span's `after`, `limit`
/// and then `kinds`), decoding each, until the rows end or `budget` is
/// full. A row out of order or beyond the head is [`LogError::Corrupt`].
fn select(
    connection: &Connection,
    sql: &str,
    span: Span,
    budget: &mut ReadBudget,
    limit: usize,
    kinds: &[String],
) -> Result<Vec<Record>, LogError> {
    let after = i64::try_from(span.after).unwrap_or(i64::MAX);
    let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut params: Vec<&dyn ToSql> = vec![&after, &limit_sql];
    params.extend(kinds.iter().map(|kind| kind as &dyn ToSql));
    let reading = span.after.saturating_add(1);
    let mut statement = connection
        .prepare_cached(sql)
        .map_err(|e| classify_at("cannot prepare a read", reading, e))?;
    let mut rows = statement
        .query(params.as_slice())
        .map_err(|e| classify_at("cannot read records", reading, e))?;
    let mut records = Vec::with_capacity(limit.min(1024));
    let mut previous = span.after;
    while !budget.is_full() {
        let next = previous.saturating_add(1);
        let Some(row) = rows
            .next()
            .map_err(|e| classify_at("cannot read records", next, e))?
        else {
            break;
        };
        let record = decode(row, next)?;
        if record.position <= previous || record.position > span.head {
            return Err(LogError::Corrupt {
                position: record.position,
                reason: format!(
                    "a record at position {} is out of order or out of range (after {previous}, \
                     head {})",
                    record.position, span.head
                ),
            });
        }
        previous = record.position;
        budget.take(record.payload.len());
        records.push(record);
    }
    Ok(records)
}

/// A stored row as a record; anything but the types the writer stores is
/// [`LogError::Corrupt`] at the row's position (`next`, the position
/// expected, if the position itself cannot be read).
fn decode(row: &Row<'_>, next: Position) -> Result<Record, LogError> {
    let column = |index: usize| {
        row.get_ref(index)
            .map_err(|e| classify_at("cannot read a column", next, e))
    };
    let position = match column(0)? {
        ValueRef::Integer(position) if position > 0 => position as Position,
        other => {
            return Err(LogError::Corrupt {
                position: next,
                reason: format!("a stored position is not a positive integer ({other:?})"),
            });
        }
    };
    let corrupt = |reason: String| LogError::Corrupt { position, reason };
    let recorded_at = match column(1)? {
        ValueRef::Integer(micros) => time::micros_to_time(micros)
            .ok_or_else(|| corrupt(format!("recorded_at {micros} is out of range")))?,
        other => {
            return Err(corrupt(format!(
                "recorded_at is {}, not an integer",
                type_name(other)
            )));
        }
    };
    let kind = match column(2)? {
        ValueRef::Text(kind) => {
            std::str::from_utf8(kind).map_err(|e| corrupt(format!("the kind is not UTF-8: {e}")))?
        }
        other => {
            return Err(corrupt(format!(
                "the kind is {}, not text",
                type_name(other)
            )));
        }
    };
    checks::check_stored_kind(position, kind)?;
    let payload = match column(3)? {
        ValueRef::Text(payload) => payload,
        other => {
            return Err(corrupt(format!(
                "the payload is {}, not text",
                type_name(other)
            )));
        }
    };
    checks::check_stored_payload(position, payload)?;
    Ok(Record {
        position,
        recorded_at,
        kind: kind.to_owned(),
        payload: payload.to_vec(),
    })
}

fn type_name(value: ValueRef<'_>) -> &'static str {
    match value {
        ValueRef::Null => "NULL",
        ValueRef::Integer(_) => "an integer",
        ValueRef::Real(_) => "a real number",
        ValueRef::Text(_) => "text",
        ValueRef::Blob(_) => "a blob",
    }
}
