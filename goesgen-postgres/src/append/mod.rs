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
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, oneshot, watch};
use tokio_postgres::error::Severity;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Statement};

use super::connect::{Backoff, Connector, db_error};
use super::schema::Sql;
use goesgen_runtime::backend::parts;
use goesgen_runtime::backend::time;
use goesgen_runtime::error::{Cause, LogError};
use goesgen_runtime::log::{
    Append, Appended, AppendedParts, Condition, Fingerprint, HeadPublisher, KeyRecord,
};
use goesgen_runtime::record::Position;

mod plan;
mod settle;

pub(crate) use plan::{GroupPlan, LockedState, plan_group};
use settle::settle;

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
                client
                    .query_one("SELECT pg_backend_pid()", &[])
                    .await?
                    .try_get(0)?,
            ))
        };
        let (group_state, find_keys, write_group, pid) = prepared
            .await
            .map_err(|e| db_error("cannot prepare the append statements", e))?;
        Ok(Self {
            client,
            pid,
            group_state,
            find_keys,
            write_group,
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
    group: &[&Append],
    locked: bool,
    deadline: Duration,
) -> GroupOutcome {
    let mut sent = None;
    let finished =
        tokio::time::timeout(deadline, transaction(conn, sql, group, locked, &mut sent)).await;
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

/// The single writer of one log: owns the write connection and commits the
/// queued appends group by group.
pub(crate) struct Writer {
    connector: Arc<Connector>,
    sql: Arc<Sql>,
    conn: Option<WriteConn>,
    backoff: Backoff,
    heads: HeadPublisher,
    max_group: usize,
    group_timeout: Duration,
}

impl Writer {
    /// A writer that publishes the heads it commits to `heads`, puts at
    /// most `max_group` appends in one transaction, and gives each
    /// transaction `group_timeout`.
    pub fn new(
        connector: Arc<Connector>,
        sql: Arc<Sql>,
        heads: HeadPublisher,
        max_group: usize,
        group_timeout: Duration,
    ) -> Self {
        Self {
            connector,
            sql,
            conn: None,
            backoff: Backoff::default(),
            heads,
            max_group: max_group.max(1),
            group_timeout,
        }
    }

    /// Commits queued appends until the queue closes or `shutdown` fires;
    /// appends still queued then fail with [`LogError::Closed`].
    pub async fn run(
        mut self,
        mut queue: mpsc::Receiver<PendingAppend>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut group = Vec::with_capacity(self.max_group);
        loop {
            let first = tokio::select! {
                biased;
                _ = shutdown.changed() => break,
                next = queue.recv() => match next {
                    Some(next) => next,
                    None => break,
                },
            };
            group.push(first);
            while group.len() < self.max_group {
                match queue.try_recv() {
                    Ok(next) => group.push(next),
                    Err(_) => break,
                }
            }
            self.commit_group(&mut group).await;
        }
        queue.close();
        while let Ok(pending) = queue.try_recv() {
            // The caller may have gone; then nobody waits for the answer.
            let _ = pending.reply.send(Err(LogError::Closed));
        }
        tracing::debug!(table = %self.sql.table, "PostgreSQL log writer stopped");
    }

    /// Commits one group and answers each of its members.
    async fn commit_group(&mut self, group: &mut Vec<PendingAppend>) {
        let outcome = match self.connect().await {
            Ok(()) => match &self.conn {
                Some(conn) => {
                    let members: Vec<&Append> = group.iter().map(|p| &p.append).collect();
                    run_group(
                        conn,
                        &self.connector,
                        &self.sql,
                        &members,
                        false,
                        self.group_timeout,
                    )
                    .await
                }
                None => GroupOutcome::failed(group.len(), &LogError::Closed, false),
            },
            Err(error) => GroupOutcome::failed(group.len(), &error, true),
        };
        if !outcome.reusable {
            self.conn = None;
        }
        // Publish before answering: a caller that subscribes after its
        // append returned must not be woken by that append.
        if let Some(head) = outcome.head {
            self.heads.publish(head);
        }
        for (pending, result) in group.drain(..).zip(outcome.results) {
            // The caller may have gone; the append stands anyway.
            let _ = pending.reply.send(result);
        }
    }

    /// Opens the write connection (again) if there is none or it was lost.
    async fn connect(&mut self) -> Result<(), LogError> {
        if self.conn.as_ref().is_some_and(|c| c.client.is_closed()) {
            self.conn = None;
        }
        if self.conn.is_none() {
            self.backoff.check()?;
            match WriteConn::open(&self.connector, &self.sql).await {
                Ok(conn) => {
                    self.backoff.succeeded();
                    self.conn = Some(conn);
                }
                Err(error) => {
                    let delay = self.backoff.failed();
                    tracing::warn!(%error, ?delay, "PostgreSQL log writer cannot connect");
                    return Err(error);
                }
            }
        }
        Ok(())
    }
}

/// Reads what a group is judged against on `conn`: takes the lock first
/// (unless `locked`), pipelined with the state query and the key lookup,
/// which so run in order, each with a snapshot taken under the lock.
/// Returns the state and the transaction's id.
async fn read_locked_state(
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

/// Runs one group's transaction on `conn`. Sets `sent` to the transaction
/// id and the plan just before the write may reach the server.
async fn transaction(
    conn: &WriteConn,
    sql: &Sql,
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

    let mut positions = Vec::new();
    let mut times = Vec::new();
    let mut kinds = Vec::new();
    let mut payloads = Vec::new();
    let mut keys = Vec::new();
    let mut key_firsts = Vec::new();
    let mut key_lasts = Vec::new();
    let mut key_times = Vec::new();
    let mut key_prints = Vec::new();
    for ((append, outcome), writes) in group.iter().zip(&plan.outcomes).zip(&plan.writers) {
        let (Ok(outcome), true) = (outcome, writes) else {
            continue;
        };
        for part in parts::written(&append.events, &append.parts, &outcome.parts) {
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
