//! What a group is judged against, read under the log's advisory lock:
//! the head, each kind's last position and the keys the group names
//! ([`read_locked_state`]), and a row of the keys table ([`key_of`]).

use std::time::SystemTime;

use goesgen_runtime::backend::time;
use goesgen_runtime::error::LogError;
use goesgen_runtime::log::{Append, Appended, Condition, Fingerprint, KeyRecord};
use tokio_postgres::types::ToSql;

use super::{LockedState, WriteConn, from_sql_position};
use crate::connect::db_error;
use crate::schema::Sql;

/// Reads what a group is judged against on `conn`: takes the lock first
/// (unless `locked`), pipelined with the state query and the key lookup,
/// which so run in order, each with a snapshot taken under the lock.
/// Returns the state and the transaction's id.
pub(super) async fn read_locked_state(
    conn: &WriteConn,
    sql: &Sql,
    group: &[&Append],
    locked: bool,
) -> Result<(LockedState, i64), LogError> {
    let client = &conn.client;
    let mut condition_kinds: Vec<&str> = group
        .iter()
        .filter_map(|append| match &append.condition {
            Condition::NoneOfKindsAfter { kinds, .. } => Some(kinds.iter().map(String::as_str)),
            _ => None,
        })
        .flatten()
        .collect();
    condition_kinds.sort_unstable();
    condition_kinds.dedup();
    let mut keys: Vec<&str> = group
        .iter()
        .flat_map(|append| &append.parts)
        .filter_map(|part| part.key.as_ref().map(|key| key.as_str()))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let state_params: [&(dyn ToSql + Sync); 1] = [&condition_kinds];
    let key_params: [&(dyn ToSql + Sync); 1] = [&keys];
    // join! polls, and so sends, them in order.
    let (lock, rows, key_rows) = tokio::join!(
        async {
            if locked {
                Ok(())
            } else {
                client.batch_execute(&sql.begin_locked).await
            }
        },
        client.query(&conn.group_state, &state_params),
        async {
            if keys.is_empty() {
                Ok(Vec::new())
            } else {
                client.query(&conn.find_keys, &key_params).await
            }
        },
    );
    lock.map_err(|e| db_error("cannot lock the event log", e))?;
    let rows = rows.map_err(|e| db_error("cannot read the event log's head", e))?;
    let key_rows = key_rows.map_err(|e| db_error("cannot look up idempotency keys", e))?;
    let mut state = LockedState::default();
    let mut xid = 0_i64;
    for row in &rows {
        let read = || -> Result<_, tokio_postgres::Error> {
            Ok((
                row.try_get::<_, i64>(0)?,
                row.try_get::<_, SystemTime>(1)?,
                row.try_get::<_, i64>(2)?,
                row.try_get::<_, Option<String>>(3)?,
                row.try_get::<_, Option<i64>>(4)?,
            ))
        };
        let (head, now, txid, kind, last) =
            read().map_err(|e| db_error("unexpected head row", e))?;
        state.head = from_sql_position(head)?;
        // Cut to the microseconds the log stores.
        state.now = time::stamp(Some(now)).0;
        xid = txid;
        if let (Some(kind), Some(last)) = (kind, last) {
            state.last_of_kind.insert(kind, from_sql_position(last)?);
        }
    }
    for row in &key_rows {
        let (key, record) = key_of(row)?;
        state.keys.insert(key, record);
    }
    Ok((state, xid))
}

/// A row of `Sql::find_keys`: the key and what the log keeps for it.
pub(crate) fn key_of(row: &tokio_postgres::Row) -> Result<(String, KeyRecord), LogError> {
    let read = || -> Result<_, tokio_postgres::Error> {
        Ok((
            row.try_get::<_, String>(0)?,
            row.try_get::<_, i64>(1)?,
            row.try_get::<_, i64>(2)?,
            row.try_get::<_, SystemTime>(3)?,
            row.try_get::<_, Option<String>>(4)?,
        ))
    };
    let (key, first, last, recorded_at, fingerprint) = read().map_err(|e| LogError::Corrupt {
        position: 0,
        reason: format!("unreadable idempotency key row: {e}"),
    })?;
    let fingerprint =
        fingerprint
            .map(Fingerprint::new)
            .transpose()
            .map_err(|e| LogError::Corrupt {
                position: 0,
                reason: format!(
                    "the idempotency key {key:?} is stored with a bad fingerprint: {e}"
                ),
            })?;
    let record = KeyRecord {
        appended: Appended {
            first: from_sql_position(first)?,
            last: from_sql_position(last)?,
            recorded_at,
            replayed: true,
        },
        fingerprint,
    };
    Ok((key, record))
}
