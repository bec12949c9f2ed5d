//! The check a log runs when it is opened, in time linear in the log and
//! without reading payloads: the positions are exactly 1 to the head, and
//! each kind's stored newest position (what kind conditions are judged
//! on) is the newest event of that kind. Damage found is
//! [`LogError::Corrupt`] at the first position affected, which latches the
//! handle (see `crate::backend::damage`).

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior};

use super::{classify, classify_at, writer};
use crate::backend::damage::{self, Census};
use crate::error::LogError;
use crate::record::Position;

/// Checks the log on `connection` in one read transaction (one snapshot).
pub(super) fn check_log(connection: &Connection) -> Result<(), LogError> {
    let snapshot = Transaction::new_unchecked(connection, TransactionBehavior::Deferred)
        .map_err(|e| classify("cannot begin the open check", e))?;
    check_positions(&snapshot)?;
    check_kinds(&snapshot)?;
    snapshot
        .commit()
        .map_err(|e| classify("cannot end the open check", e))
}

/// The positions are 1 to the head, each once: one pass over the smallest
/// index (`count`, `min`, `max`, see [`Census::judge`]). On a damaged log,
/// a second pass finds the first missing position.
fn check_positions(connection: &Connection) -> Result<(), LogError> {
    let doing = "cannot check the positions";
    let census = connection
        .query_row(
            "SELECT count(*), coalesce(min(position), 1), coalesce(max(position), 0) \
             FROM goesgen_events",
            [],
            |row| {
                Ok(Census {
                    count: row.get(0)?,
                    lowest: row.get(1)?,
                    highest: row.get(2)?,
                })
            },
        )
        .map_err(|e| classify_at(doing, 1, e))?;
    let missing = match census.judge() {
        Ok(()) => return Ok(()),
        Err(Some(missing)) => missing,
        Err(None) => {
            let head = Position::try_from(census.highest).unwrap_or(0);
            writer::lowest_missing(connection, 0, head)?
        }
    };
    Err(census.missing(missing))
}

/// Each kind's stored newest position is the newest event of that kind
/// (one index probe per kind).
fn check_kinds(connection: &Connection) -> Result<(), LogError> {
    let stale: Option<(String, i64, Option<i64>)> = connection
        .query_row(
            "SELECT k.kind, k.last_position, \
                    (SELECT max(e.position) FROM goesgen_events AS e WHERE e.kind = k.kind) \
                        AS newest \
             FROM goesgen_kinds AS k WHERE k.last_position IS NOT newest LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()
        .map_err(|e| classify("cannot check the newest position of each kind", e))?;
    match stale {
        None => Ok(()),
        Some((kind, stored, newest)) => Err(damage::stale_kind(&kind, stored, newest)),
    }
}
