//! Settling a group whose `COMMIT` went unanswered (a lost connection, a
//! missed deadline after the write was sent): its outcome is looked up by
//! transaction id on a new connection, after terminating the old backend
//! if it may still run the transaction.

use std::time::Duration;

use tokio_postgres::Client;
use tokio_postgres::types::ToSql;

use super::GroupOutcome;
use super::plan::GroupPlan;
use crate::connect::Connector;
use crate::schema::Sql;
use goesgen_runtime::error::{Cause, LogError};

/// How long to keep asking whether a commit whose answer was lost went
/// through.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// The answers of a group whose transaction `xid` may have committed
/// `plan`, once the server says (terminating `stale_backend` first, if
/// given, so the transaction ends).
pub(super) async fn settle(
    connector: &Connector,
    sql: &Sql,
    xid: i64,
    cause: Cause,
    plan: GroupPlan,
    stale_backend: Option<i32>,
) -> GroupOutcome {
    match resolve(connector, sql, xid, cause, stale_backend).await {
        Ok(()) => GroupOutcome {
            reusable: false,
            ..GroupOutcome::planned(plan)
        },
        Err(error) => {
            tracing::warn!(%error, xid, "PostgreSQL append outcome");
            // Conflicts and replays were decided under the lock and
            // wrote nothing either way; only the writers share the
            // commit's fate.
            let results = plan
                .outcomes
                .into_iter()
                .zip(plan.writers)
                .map(|(outcome, writes)| {
                    if writes {
                        Err(error.clone())
                    } else {
                        outcome.map_err(LogError::Conflict)
                    }
                })
                .collect();
            GroupOutcome {
                results,
                head: None,
                reusable: false,
            }
        }
    }
}

/// Finds out whether transaction `xid`, whose `COMMIT` went unanswered
/// because of `cause`, committed, asking on connections of its own. `Ok`
/// if it did; [`LogError::Unavailable`] if it was rolled back;
/// [`LogError::Indeterminate`] if that cannot be learned (the server is out
/// of reach for [`RESOLVE_TIMEOUT`], or no longer knows the transaction).
/// With `stale_backend`, the backend that may still run the transaction
/// is terminated first (if it still runs that transaction), so the
/// transaction ends one way or the other.
async fn resolve(
    connector: &Connector,
    sql: &Sql,
    xid: i64,
    cause: Cause,
    mut stale_backend: Option<i32>,
) -> Result<(), LogError> {
    let deadline = tokio::time::Instant::now() + RESOLVE_TIMEOUT;
    let mut client: Option<Client> = None;
    while tokio::time::Instant::now() < deadline {
        if client.as_ref().is_none_or(Client::is_closed) {
            client = match tokio::time::timeout_at(deadline, connector.connect()).await {
                Ok(Ok(client)) => Some(client),
                Ok(Err(error)) => {
                    tracing::debug!(%error, "cannot reach PostgreSQL to look up a commit yet");
                    None
                }
                Err(_) => break,
            };
        }
        if let (Some(conn), Some(pid)) = (&client, stale_backend) {
            let params: [&(dyn ToSql + Sync); 2] = [&pid, &xid];
            match tokio::time::timeout_at(
                deadline,
                conn.query(sql.terminate_xact.as_str(), &params),
            )
            .await
            {
                Ok(Ok(_)) => stale_backend = None,
                Ok(Err(error)) => {
                    tracing::debug!(%error, pid, "cannot terminate the stale writer yet")
                }
                Err(_) => break,
            }
        }
        if let Some(conn) = &client {
            let params: [&(dyn ToSql + Sync); 1] = [&xid];
            let lookup = conn.query_one(sql.xact_status.as_str(), &params);
            match tokio::time::timeout_at(deadline, lookup).await {
                Ok(Ok(row)) => match row.try_get::<_, Option<String>>(0) {
                    Ok(Some(status)) if status == "committed" => return Ok(()),
                    Ok(Some(status)) if status == "aborted" => {
                        return Err(LogError::Unavailable {
                            message: "the COMMIT went unanswered, and the \
                                      transaction was rolled back"
                                .to_owned(),
                            source: Some(cause),
                        });
                    }
                    // Too old for the server to remember: unknowable.
                    Ok(None) => break,
                    // Still in progress (its backend has not ended yet).
                    Ok(Some(_)) => {}
                    Err(error) => {
                        tracing::debug!(%error, "unexpected transaction status row");
                        break;
                    }
                },
                Ok(Err(error)) => tracing::debug!(%error, "cannot look up a commit yet"),
                Err(_) => break,
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(LogError::Indeterminate {
        message: "the COMMIT went unanswered, and whether the append was written \
                  could not be learned"
            .to_owned(),
        source: Some(cause),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// The test database of `tests/postgres.rs`, if configured (required
    /// with `GOESGEN_REQUIRE_POSTGRES=1`).
    fn test_database() -> Option<String> {
        match std::env::var("GOESGEN_TEST_POSTGRES") {
            Ok(conninfo) if !conninfo.trim().is_empty() => Some(conninfo),
            _ => {
                assert!(
                    std::env::var("GOESGEN_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                    "GOESGEN_REQUIRE_POSTGRES=1 but GOESGEN_TEST_POSTGRES is not set"
                );
                None
            }
        }
    }

    /// The lookup after a lost `COMMIT`, driven with transactions whose
    /// fate is known: committed is `Ok`, rolled back is `Unavailable`, and
    /// one still in progress when the lookup gives up is `Indeterminate`;
    /// each keeps the lost connection's error as its only cause.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_lost_commit_is_settled_by_its_transaction_status() {
        use std::error::Error as _;
        let Some(conninfo) = test_database() else {
            return;
        };
        let connector = Connector::new(&crate::config::PostgresOptions::new(&conninfo)).unwrap();
        let sql = Sql::new("public", "unused").unwrap();
        let cause = || -> Cause { Arc::new(std::io::Error::other("connection lost")) };
        let client = connector.connect().await.unwrap();
        let begin = async || -> i64 {
            client.batch_execute("BEGIN").await.unwrap();
            client
                .query_one("SELECT txid_current()", &[])
                .await
                .unwrap()
                .get(0)
        };

        let xid = begin().await;
        client.batch_execute("COMMIT").await.unwrap();
        assert!(resolve(&connector, &sql, xid, cause(), None).await.is_ok());

        let xid = begin().await;
        client.batch_execute("ROLLBACK").await.unwrap();
        match resolve(&connector, &sql, xid, cause(), None).await {
            Err(error @ LogError::Unavailable { .. }) => {
                assert!(!error.to_string().contains("connection lost"), "{error}");
                assert_eq!(
                    error.source().map(ToString::to_string).as_deref(),
                    Some("connection lost")
                );
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }

        let xid = begin().await;
        let open = resolve(&connector, &sql, xid, cause(), None).await;
        client.batch_execute("ROLLBACK").await.unwrap();
        match open {
            Err(error @ LogError::Indeterminate { .. }) => {
                assert!(!error.is_retryable());
                assert!(!error.to_string().contains("connection lost"), "{error}");
                assert!(error.source().is_some());
            }
            other => panic!("expected Indeterminate, got {other:?}"),
        }
    }
}
