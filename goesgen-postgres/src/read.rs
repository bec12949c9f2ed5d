//! Reads of a [`PostgresLog`]: the read connections' prepared statements,
//! the head, pages of records (cut at the byte budget by the server, and
//! checked as they come back), and idempotency keys.

use std::sync::atomic::Ordering;
use std::time::SystemTime;

use goesgen_runtime::backend::{budget, checks};
use goesgen_runtime::error::LogError;
use goesgen_runtime::log::{IdempotencyKey, KeyRecord, KindFilter, ReadBatch};
use goesgen_runtime::record::{Position, Record};
use tokio_postgres::{Client, Row, Statement};

use super::append::key_of;
use super::connect::db_error;
use super::schema::Sql;
use super::{PostgresLog, pool};

/// A read connection with its prepared statements.
#[derive(Debug)]
pub(crate) struct ReadConn {
    pub(crate) client: Client,
    head: Statement,
    read_all: Statement,
    read_kinds: Statement,
    find_keys: Statement,
    /// The data keys of some ids (`PersonalSql::keys_by_id`).
    pub(crate) keys_by_id: Statement,
}

impl ReadConn {
    pub(crate) async fn prepare(client: Client, sql: &Sql) -> Result<Self, LogError> {
        let prepared = async {
            Ok::<_, tokio_postgres::Error>((
                client.prepare(&sql.head).await?,
                client.prepare(&sql.read_all).await?,
                client.prepare(&sql.read_kinds).await?,
                client.prepare(&sql.find_keys).await?,
                client.prepare(&sql.personal.keys_by_id).await?,
            ))
        };
        let (head, read_all, read_kinds, find_keys, keys_by_id) = prepared
            .await
            .map_err(|e| db_error("cannot prepare the read statements", e))?;
        Ok(Self {
            client,
            head,
            read_all,
            read_kinds,
            find_keys,
            keys_by_id,
        })
    }
}

impl PostgresLog {
    /// A read connection from the pool, opened (again) if none is idle.
    pub(crate) async fn read_conn(&self) -> Result<pool::PooledRead<'_>, LogError> {
        self.check_open()?;
        self.readers.get(&self.connector, &self.sql).await
    }

    /// The head, read on a pooled connection.
    pub(crate) async fn read_head(&self) -> Result<Position, LogError> {
        self.stats.head_reads.fetch_add(1, Ordering::Relaxed);
        let conn = self.read_conn().await?;
        query_head(&conn).await
    }

    pub(crate) async fn read_batch(
        &self,
        after: Position,
        filter: &KindFilter,
        limit: usize,
    ) -> Result<ReadBatch, LogError> {
        self.stats.reads.fetch_add(1, Ordering::Relaxed);
        let conn = self.read_conn().await?;
        let sql_after = i64::try_from(after).unwrap_or(i64::MAX);
        let sql_limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let max_bytes = i64::try_from(self.limits.read_bytes()).unwrap_or(i64::MAX);
        // The server cuts the page after the record that reaches the byte
        // budget, so no more than the budget plus one payload arrives.
        let rows = match filter {
            KindFilter::All => {
                conn.client
                    .query(&conn.read_all, &[&sql_after, &sql_limit, &max_bytes])
                    .await
            }
            KindFilter::Kinds(kinds) => {
                conn.client
                    .query(
                        &conn.read_kinds,
                        &[&sql_after, &sql_limit, &kinds.as_slice(), &max_bytes],
                    )
                    .await
            }
        }
        .map_err(|e| db_error("cannot read the event log", e))?;
        let mut head = 0;
        let mut budget = budget::ReadBudget::new(limit, &self.limits);
        let mut records = Vec::with_capacity(rows.len());
        for row in &rows {
            head = head_of(row)?;
            if budget.is_full() {
                continue;
            }
            if let Some(record) = record_of(row)? {
                budget.take(record.payload.len());
                records.push(record);
            }
        }
        if matches!(filter, KindFilter::All) {
            checks::check_contiguous(after, &records)?;
        }
        let through = budget::covered_through(after, head, &budget, &records);
        Ok(ReadBatch {
            records,
            head,
            through,
        })
    }

    /// What the log keeps for `key`, read on the read connection.
    pub(crate) async fn find(&self, key: &IdempotencyKey) -> Result<Option<KeyRecord>, LogError> {
        let conn = self.read_conn().await?;
        let keys = [key.as_str()];
        let rows = conn
            .client
            .query(&conn.find_keys, &[&&keys[..]])
            .await
            .map_err(|e| db_error("cannot look up an idempotency key", e))?;
        match rows.first() {
            Some(row) => Ok(Some(key_of(row)?.1)),
            None => Ok(None),
        }
    }
}

/// The head, read on `conn`.
pub(crate) async fn query_head(conn: &ReadConn) -> Result<Position, LogError> {
    let row = conn
        .client
        .query_one(&conn.head, &[])
        .await
        .map_err(|e| db_error("cannot read the event log's head", e))?;
    head_of(&row)
}

/// The head column of a row (column 0).
pub(crate) fn head_of(row: &Row) -> Result<Position, LogError> {
    let head: i64 = row.try_get(0).map_err(|e| LogError::Corrupt {
        position: 0,
        reason: format!("unreadable head: {e}"),
    })?;
    Position::try_from(head).map_err(|_| LogError::Corrupt {
        position: 0,
        reason: format!("negative head {head}"),
    })
}

/// The record in columns 1.. of a read row, if the row has one.
fn record_of(row: &Row) -> Result<Option<Record>, LogError> {
    let position: Option<i64> = row.try_get(1).map_err(|e| LogError::Corrupt {
        position: 0,
        reason: format!("unreadable position: {e}"),
    })?;
    let Some(position) = position else {
        return Ok(None);
    };
    let corrupt = |reason: String| LogError::Corrupt {
        position: Position::try_from(position).unwrap_or(0),
        reason,
    };
    let position = Position::try_from(position)
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| corrupt(format!("invalid position {position}")))?;
    let recorded_at = row
        .try_get::<_, SystemTime>(2)
        .map_err(|e| corrupt(format!("unreadable recorded_at: {e}")))?;
    let kind = row
        .try_get::<_, String>(3)
        .map_err(|e| corrupt(format!("unreadable kind: {e}")))?;
    let payload = row
        .try_get::<_, Vec<u8>>(4)
        .map_err(|e| corrupt(format!("unreadable payload: {e}")))?;
    checks::check_stored_kind(position, &kind)?;
    checks::check_stored_payload(position, &payload)?;
    Ok(Some(Record {
        position,
        recorded_at,
        kind,
        payload,
    }))
}
