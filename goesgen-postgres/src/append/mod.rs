//! Appends with group commit: one writer task per [`PostgresLog`] owns the
//! write connection and drains the queue of waiting appends into one
//! transaction, so a process pays one lock and one commit (one fsync) for
//! all the appends waiting at that moment.
//!
//! The transaction takes the log's advisory lock first, so appends from
//! every process and host are serialised: positions come from the head read
//! under the lock and stay gap-free and in commit order. Each append of the
//! group is then checked in order against its own condition, with the head
//! and per-kind last positions read under the lock plus what the earlier
//! members of the group wrote ([`plan_group`]); a conflicting append fails
//! alone and the survivors are inserted in one statement, which also updates
//! the per-kind last positions and notifies listeners at commit.
//!
//! Each part of a member may carry an idempotency key (a member's
//! [`Append::key`] is one part): the keys of a group are looked up under
//! the lock together with the head, a part whose key is in the log (or was
//! written by an earlier member or part of the group) is a replay and
//! writes nothing, and the keys of the parts that are written (with their
//! sub-ranges and fingerprints) are stored in the same statement as their
//! events. Each member records its own time (the
//! one it asked for, or the server's clock read under the lock).
//!
//! If the connection is lost while `COMMIT` is in flight, or the group
//! misses its deadline (`group_timeout`) after the write was sent, the
//! outcome is looked up by transaction id on a new connection
//! (`txid_status`), after terminating the old backend if it may still run
//! the transaction: an append that did commit is reported as such, one that
//! was rolled back is [`LogError::Unavailable`], and one whose fate cannot
//! be learned is [`LogError::Indeterminate`]. A group that misses its
//! deadline before its write was sent wrote nothing: `Unavailable`.
//!
//! [`EventLog::lock_writes`](goesgen_runtime::EventLog::lock_writes) runs the same
//! code ([`run_group`]) on a connection of its own that already holds the
//! lock.
//!
//! [`PostgresLog`]: super::PostgresLog

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio_postgres::error::Severity;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Statement};

use super::connect::{Connector, db_error};
use super::personal::Sealer;
use super::schema::Sql;
use goesgen_runtime::backend::parts;
use goesgen_runtime::error::{Cause, LogError};
use goesgen_runtime::log::{Append, AppendedParts, Fingerprint};
use goesgen_runtime::record::Position;

mod locked;
mod plan;
mod settle;
mod writer;

pub(crate) use locked::key_of;
use locked::read_locked_state;
pub(crate) use plan::{GroupPlan, LockedState, plan_group};
use settle::settle;
pub(crate) use writer::Writer;

/// An append waiting for the writer.
#[derive(Debug)]
pub(crate) struct PendingAppend {
    /// The append: checked against the limits, its parts normalized, with
    /// events or keys to write, its time (if any) already cut to
    /// microseconds.
    pub append: Append,
    /// Where the outcome goes.
    pub reply: oneshot::Sender<Result<AppendedParts, LogError>>,
}

/// A position as PostgreSQL stores it.
fn to_sql_position(position: Position) -> Result<i64, LogError> {
    i64::try_from(position).map_err(|_| LogError::Unavailable {
        message: format!("position {position} does not fit PostgreSQL's bigint"),
        source: None,
    })
}

/// A position as PostgreSQL returned it.
fn from_sql_position(position: i64) -> Result<Position, LogError> {
    Position::try_from(position).map_err(|_| LogError::Corrupt {
        position: 0,
        reason: format!("the log's state holds the negative position {position}"),
    })
}

/// A connection that appends (the writer's, or a write lock's) with its
/// prepared statements.
pub(crate) struct WriteConn {
    pub(crate) client: Client,
    /// The backend's process id, to terminate it when a group misses its
    /// deadline.
    pid: i32,
    group_state: Statement,
    find_keys: Statement,
    write_group: Statement,
    /// Stores the master key's check value (`PersonalSql::store_check`).
    pub(crate) store_check: Statement,
    /// Stores new data keys (`PersonalSql::store_keys`).
    pub(crate) store_keys: Statement,
    /// The keys of some subjects (`PersonalSql::keys_of_subjects`).
    pub(crate) keys_of_subjects: Statement,
}

impl WriteConn {
    /// Opens a connection and prepares the append statements.
    pub(crate) async fn open(connector: &Connector, sql: &Sql) -> Result<Self, LogError> {
        let client = connector.connect().await?;
        let prepared = async {
            Ok::<_, tokio_postgres::Error>((
                client.prepare(&sql.group_state).await?,
                client.prepare(&sql.find_keys).await?,
                client.prepare(&sql.write_group).await?,
                client.prepare(&sql.personal.store_check).await?,
                client.prepare(&sql.personal.store_keys).await?,
                client.prepare(&sql.personal.keys_of_subjects).await?,
                client
                    .query_one("SELECT pg_backend_pid()", &[])
                    .await?
                    .try_get(0)?,
            ))
        };
        let (group_state, find_keys, write_group, store_check, store_keys, keys_of_subjects, pid) =
            prepared
                .await
                .map_err(|e| db_error("cannot prepare the append statements", e))?;
        Ok(Self {
            client,
            pid,
            group_state,
            find_keys,
            write_group,
            store_check,
            store_keys,
            keys_of_subjects,
        })
    }
}

/// Why a group's transaction failed.
enum TxError {
    /// Before `COMMIT` was sent, or answered by an ERROR: nothing was
    /// written.
    Failed(LogError),
    /// `COMMIT` got no answer: the transaction `xid` may have committed
    /// what `plan` describes.
    CommitUnknown {
        xid: i64,
        cause: Cause,
        plan: GroupPlan,
    },
}

/// What became of a group: each member's answer, the head to publish (if
/// the group's outcome is known) and whether its connection may be used
/// again.
pub(crate) struct GroupOutcome {
    /// Per member, in order.
    pub results: Vec<Result<AppendedParts, LogError>>,
    /// The head after the group, when known.
    pub head: Option<Position>,
    /// Whether the connection is still in a clean state.
    pub reusable: bool,
}

impl GroupOutcome {
    /// Every member fails with (a clone of) the same error.
    fn failed(members: usize, error: &LogError, reusable: bool) -> Self {
        Self {
            results: vec![Err(error.clone()); members],
            head: None,
            reusable,
        }
    }

    /// The answers of a group whose outcome is known to be `plan`.
    fn planned(plan: GroupPlan) -> Self {
        Self {
            head: Some(plan.head),
            results: plan
                .outcomes
                .into_iter()
                .map(|outcome| outcome.map_err(LogError::Conflict))
                .collect(),
            reusable: true,
        }
    }
}

/// A group commit that missed its deadline (`group_timeout`).
#[derive(Debug, thiserror::Error)]
#[error("no answer within the group commit deadline of {0:?}")]
struct GroupDeadline(Duration);

/// Commits `group` on `conn` (which already holds the lock in a
/// transaction when `locked`, as a write lock's does) within `deadline`,
/// and settles a `COMMIT` whose answer was lost, or that missed the
/// deadline, by asking the server on a new connection. The one place where
/// appends are written.
pub(crate) async fn run_group(
    conn: &WriteConn,
    connector: &Connector,
    sql: &Sql,
    sealer: &Sealer,
    group: &[&Append],
    locked: bool,
    deadline: Duration,
) -> GroupOutcome {
    let mut sent = None;
    let finished = tokio::time::timeout(
        deadline,
        transaction(conn, sql, sealer, group, locked, &mut sent),
    )
    .await;
    let result = match finished {
        Ok(result) => result,
        Err(_) => {
            let cause: Cause = Arc::new(GroupDeadline(deadline));
            match sent {
                // The write (and COMMIT) may have reached the server.
                Some((xid, plan)) => {
                    tracing::warn!(error = %cause, xid, pid = conn.pid, "PostgreSQL group commit missed its deadline after its write was sent");
                    let outcome = settle(connector, sql, xid, cause, plan, Some(conn.pid)).await;
                    return GroupOutcome {
                        reusable: false,
                        ..outcome
                    };
                }
                None => {
                    let error = LogError::Unavailable {
                        message: "the group commit missed its deadline before its write was \
                                  sent"
                            .to_owned(),
                        source: Some(cause),
                    };
                    tracing::warn!(%error, appends = group.len(), "PostgreSQL append failed");
                    // Mid-transaction, maybe mid-statement: never reused.
                    return GroupOutcome::failed(group.len(), &error, false);
                }
            }
        }
    };
    match result {
        Ok(plan) => GroupOutcome::planned(plan),
        Err(TxError::Failed(error)) => {
            tracing::warn!(%error, appends = group.len(), "PostgreSQL append failed");
            // A session that cannot roll back is not trusted again.
            let reusable =
                !conn.client.is_closed() && conn.client.batch_execute("ROLLBACK").await.is_ok();
            GroupOutcome::failed(group.len(), &error, reusable)
        }
        Err(TxError::CommitUnknown { xid, cause, plan }) => {
            tracing::warn!(error = %cause, xid, "PostgreSQL COMMIT unanswered, looking up its outcome");
            settle(connector, sql, xid, cause, plan, None).await
        }
    }
}

/// Runs one group's transaction on `conn`. Sets `sent` to the transaction
/// id and the plan just before the write may reach the server.
async fn transaction(
    conn: &WriteConn,
    sql: &Sql,
    sealer: &Sealer,
    group: &[&Append],
    locked: bool,
    sent: &mut Option<(i64, GroupPlan)>,
) -> Result<GroupPlan, TxError> {
    let client = &conn.client;
    let (state, xid) = read_locked_state(conn, sql, group, locked)
        .await
        .map_err(TxError::Failed)?;
    let plan = plan_group(state, group.iter().copied());
    if !plan.writers.contains(&true) {
        client
            .batch_execute("ROLLBACK")
            .await
            .map_err(|e| TxError::Failed(db_error("cannot end the append transaction", e)))?;
        return Ok(plan);
    }
    // Personal values are sealed here, under the lock, so that a
    // subject's key is made in the transaction that first uses it.
    let sealed = sealer
        .seal_group(conn, group, &plan.writers)
        .await
        .map_err(TxError::Failed)?;

    let mut positions = Vec::new();
    let mut times = Vec::new();
    let mut kinds = Vec::new();
    let mut payloads = Vec::new();
    let mut keys = Vec::new();
    let mut key_firsts = Vec::new();
    let mut key_lasts = Vec::new();
    let mut key_times = Vec::new();
    let mut key_prints = Vec::new();
    for (((append, outcome), writes), sealed) in group
        .iter()
        .zip(&plan.outcomes)
        .zip(&plan.writers)
        .zip(&sealed)
    {
        let (Ok(outcome), true) = (outcome, writes) else {
            continue;
        };
        let events = sealed.as_deref().unwrap_or(&append.events);
        for part in parts::written(events, &append.parts, &outcome.parts) {
            let appended = &part.record.appended;
            for (position, event) in appended.positions().zip(part.events) {
                positions.push(to_sql_position(position).map_err(TxError::Failed)?);
                times.push(appended.recorded_at);
                kinds.push(event.kind.as_str());
                payloads.push(event.payload.as_slice());
            }
            if let Some(key) = part.key {
                keys.push(key.as_str());
                key_firsts.push(to_sql_position(appended.first).map_err(TxError::Failed)?);
                key_lasts.push(to_sql_position(appended.last).map_err(TxError::Failed)?);
                key_times.push(appended.recorded_at);
                key_prints.push(part.record.fingerprint.as_ref().map(Fingerprint::as_str));
            }
        }
    }
    let mut last_kinds = Vec::with_capacity(plan.written_kinds.len());
    let mut last_positions = Vec::with_capacity(plan.written_kinds.len());
    for (kind, last) in &plan.written_kinds {
        last_kinds.push(kind.as_str());
        last_positions.push(to_sql_position(*last).map_err(TxError::Failed)?);
    }
    let head_text = plan.head.to_string();
    // Pipelined too: if the write fails, the server turns the COMMIT into a
    // ROLLBACK.
    let params: [&(dyn ToSql + Sync); 13] = [
        &positions,
        &times,
        &kinds,
        &payloads,
        &last_kinds,
        &last_positions,
        &sql.channel,
        &head_text,
        &keys,
        &key_firsts,
        &key_lasts,
        &key_times,
        &key_prints,
    ];
    *sent = Some((xid, plan.clone()));
    let (written, committed) = tokio::join!(
        client.execute(&conn.write_group, &params),
        client.batch_execute("COMMIT"),
    );
    match written.and(committed) {
        Ok(()) => Ok(plan),
        // An ERROR answer means the server rolled back; anything else (a
        // lost connection, a FATAL from a terminated backend) leaves the
        // outcome open, as the COMMIT may have run.
        Err(error) if is_plain_error(&error) => {
            Err(TxError::Failed(db_error("cannot write the events", error)))
        }
        Err(error) => Err(TxError::CommitUnknown {
            xid,
            cause: Arc::new(error),
            plan,
        }),
    }
}

/// Whether the server answered with an ERROR (which rolls the transaction
/// back and leaves the session usable), not a lost connection or a FATAL.
fn is_plain_error(error: &tokio_postgres::Error) -> bool {
    error
        .as_db_error()
        .and_then(|db| db.parsed_severity())
        .is_some_and(|severity| severity == Severity::Error)
}
