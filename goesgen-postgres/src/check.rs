//! The check a log runs when it is opened, in time linear in the log and
//! without reading payloads: the positions are exactly 1 to the head, and
//! each kind's stored newest position (what kind conditions are judged
//! on) is the newest event of that kind. Damage found is
//! [`LogError::Corrupt`] at the first position affected, which latches the
//! handle (see `goesgen_runtime::backend::damage`).

use tokio_postgres::Client;

use super::connect::db_error;
use super::schema::Sql;
use goesgen_runtime::backend::damage::{self, Census};
use goesgen_runtime::error::LogError;
use goesgen_runtime::record::Position;

/// Checks the log's tables on `client`.
pub(super) async fn check_log(client: &Client, sql: &Sql) -> Result<(), LogError> {
    check_positions(client, sql).await?;
    check_kinds(client, sql).await
}

/// The positions are 1 to the head, each once: one pass (`count`, `min`,
/// `max`, see [`Census::judge`]). On a damaged log, a second pass finds
/// the first missing position.
async fn check_positions(client: &Client, sql: &Sql) -> Result<(), LogError> {
    let doing = "cannot check the positions";
    let row = client
        .query_one(&sql.check_positions, &[])
        .await
        .map_err(|e| db_error(doing, e))?;
    let census = Census {
        count: row.try_get(0).map_err(|e| db_error(doing, e))?,
        lowest: row.try_get(1).map_err(|e| db_error(doing, e))?,
        highest: row.try_get(2).map_err(|e| db_error(doing, e))?,
    };
    let missing = match census.judge() {
        Ok(()) => return Ok(()),
        Err(Some(missing)) => missing,
        Err(None) => {
            let missing: i64 = client
                .query_one(&sql.first_missing, &[])
                .await
                .and_then(|row| row.try_get(0))
                .map_err(|e| db_error(doing, e))?;
            Position::try_from(missing).unwrap_or(1)
        }
    };
    Err(census.missing(missing))
}

/// Each kind's stored newest position is the newest event of that kind
/// (one index probe per kind).
async fn check_kinds(client: &Client, sql: &Sql) -> Result<(), LogError> {
    let doing = "cannot check the newest position of each kind";
    let Some(row) = client
        .query_opt(&sql.check_kinds, &[])
        .await
        .map_err(|e| db_error(doing, e))?
    else {
        return Ok(());
    };
    Err(damage::stale_kind(
        &row.try_get::<_, String>(0)
            .map_err(|e| db_error(doing, e))?,
        row.try_get(1).map_err(|e| db_error(doing, e))?,
        row.try_get(2).map_err(|e| db_error(doing, e))?,
    ))
}
