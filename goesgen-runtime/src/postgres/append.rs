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
//! Each member may carry an idempotency key: the keys of a group are looked
//! up under the lock together with the head, a member whose key is in the
//! log (or was written by an earlier member of the group) is a replay and
//! writes nothing, and the keys of the members that write are stored in the
//! same statement as their events. Each member records its own time (the
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
//! [`EventLog::lock_writes`](crate::EventLog::lock_writes) runs the same
//! code ([`run_group`]) on a connection of its own that already holds the
//! lock.
//!
//! [`PostgresLog`]: super::PostgresLog

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, oneshot, watch};
use tokio_postgres::error::Severity;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Statement};

use super::connect::{Backoff, Connector, db_error};
use super::schema::Sql;
use crate::error::{Cause, Conflict, LogError};
use crate::log::{Append, Appended, Condition, HeadPublisher};
use crate::record::Position;
use crate::stored;

/// How long to keep asking whether a commit whose answer was lost went
/// through.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// An append waiting for the writer.
#[derive(Debug)]
pub(crate) struct PendingAppend {
    /// The append: checked against the limits, its events not empty, its
    /// time (if any) already cut to microseconds.
    pub append: Append,
    /// Where the outcome goes.
    pub reply: oneshot::Sender<Result<Appended, LogError>>,
}

/// What the log holds as far as a group cares, read under the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LockedState {
    /// The head.
    pub head: Position,
    /// The server's clock, for the members that ask for no time.
    pub now: SystemTime,
    /// The last position of each kind a condition of the group names (kinds
    /// never appended are absent).
    pub last_of_kind: HashMap<String, Position>,
    /// Where the appends carrying the group's keys were written (keys not
    /// in the log are absent).
    pub keys: HashMap<String, Appended>,
}

impl Default for LockedState {
    fn default() -> Self {
        Self {
            head: 0,
            now: SystemTime::UNIX_EPOCH,
            last_of_kind: HashMap::new(),
            keys: HashMap::new(),
        }
    }
}

/// The outcome of checking a group's members in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupPlan {
    /// Per member, in order: where it is written (or, replayed, where its
    /// key was first written), or its conflict.
    pub outcomes: Vec<Result<Appended, Conflict>>,
    /// The head after the members that write.
    pub head: Position,
    /// The last position of every kind the writing members write.
    pub written_kinds: HashMap<String, Position>,
}

/// Whether a member's planned outcome writes events.
fn writes(outcome: &Result<Appended, Conflict>) -> bool {
    matches!(outcome, Ok(appended) if !appended.replayed && !appended.is_empty())
}

/// Judges one condition against the state.
fn check(condition: &Condition, state: &LockedState) -> Result<(), Conflict> {
    let last_of_kind = |kind: &str| Ok::<_, Infallible>(state.last_of_kind.get(kind).copied());
    match stored::judge(condition, state.head, last_of_kind) {
        Ok(judged) => judged,
        Err(never) => match never {},
    }
}

/// Checks a group's appends in order, each against the state read under the
/// lock plus what the earlier writing members wrote, and numbers the
/// writers' events. A member whose key is in the log, or was written by an
/// earlier member, is a replay of that append, whatever its condition; an
/// empty member writes nothing and passes whatever its condition (the
/// rules of [`MemoryLog`](crate::MemoryLog)).
pub(crate) fn plan_group<'a, I>(mut state: LockedState, group: I) -> GroupPlan
where
    I: IntoIterator<Item = &'a Append>,
{
    let mut outcomes = Vec::new();
    let mut written_kinds = HashMap::new();
    for append in group {
        let key = append.key.as_ref().map(|key| key.as_str());
        if let Some(first) = key.and_then(|key| state.keys.get(key)) {
            outcomes.push(Ok(Appended {
                replayed: true,
                ..*first
            }));
            continue;
        }
        let recorded_at = append.recorded_at.unwrap_or(state.now);
        let first = state.head + 1;
        if append.events.is_empty() {
            outcomes.push(Ok(Appended {
                first,
                last: state.head,
                recorded_at,
                replayed: false,
            }));
            continue;
        }
        let outcome = check(&append.condition, &state).map(|()| {
            for event in &append.events {
                state.head += 1;
                state.last_of_kind.insert(event.kind.clone(), state.head);
                written_kinds.insert(event.kind.clone(), state.head);
            }
            Appended {
                first,
                last: state.head,
                recorded_at,
                replayed: false,
            }
        });
        if let (Some(key), Ok(appended)) = (key, &outcome) {
            state.keys.insert(key.to_owned(), *appended);
        }
        outcomes.push(outcome);
    }
    GroupPlan {
        outcomes,
        head: state.head,
        written_kinds,
    }
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
    pub results: Vec<Result<Appended, LogError>>,
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

/// The answers of a group whose transaction `xid` may have committed
/// `plan`, once the server says (terminating `stale_backend` first, if
/// given, so the transaction ends).
async fn settle(
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
                .map(|outcome| {
                    if writes(&outcome) {
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
        .filter_map(|append| append.key.as_ref().map(|key| key.as_str()))
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
        state.now = stored::stamp(Some(now)).0;
        xid = txid;
        if let (Some(kind), Some(last)) = (kind, last) {
            state.last_of_kind.insert(kind, from_sql_position(last)?);
        }
    }
    for row in &key_rows {
        let (key, appended) = key_of(row)?;
        state.keys.insert(key, appended);
    }
    Ok((state, xid))
}

/// A row of `Sql::find_keys`: the key and where its append was written.
pub(crate) fn key_of(row: &tokio_postgres::Row) -> Result<(String, Appended), LogError> {
    let read = || -> Result<_, tokio_postgres::Error> {
        Ok((
            row.try_get::<_, String>(0)?,
            row.try_get::<_, i64>(1)?,
            row.try_get::<_, i64>(2)?,
            row.try_get::<_, SystemTime>(3)?,
        ))
    };
    let (key, first, last, recorded_at) = read().map_err(|e| LogError::Corrupt {
        position: 0,
        reason: format!("unreadable idempotency key row: {e}"),
    })?;
    Ok((
        key,
        Appended {
            first: from_sql_position(first)?,
            last: from_sql_position(last)?,
            recorded_at,
            replayed: true,
        },
    ))
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
    if !plan.outcomes.iter().any(writes) {
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
    for (append, outcome) in group.iter().zip(&plan.outcomes) {
        let Ok(appended) = outcome else { continue };
        if !writes(outcome) {
            continue;
        }
        for (offset, event) in (0..).zip(&append.events) {
            positions.push(to_sql_position(appended.first + offset).map_err(TxError::Failed)?);
            times.push(appended.recorded_at);
            kinds.push(event.kind.as_str());
            payloads.push(event.payload.as_slice());
        }
        if let Some(key) = &append.key {
            keys.push(key.as_str());
            key_firsts.push(to_sql_position(appended.first).map_err(TxError::Failed)?);
            key_lasts.push(to_sql_position(appended.last).map_err(TxError::Failed)?);
            key_times.push(appended.recorded_at);
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
    let params: [&(dyn ToSql + Sync); 12] = [
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::IdempotencyKey;
    use crate::record::NewEvent;

    fn event(kind: &str) -> NewEvent {
        NewEvent::new(kind, b"{}".to_vec())
    }

    fn plan<'a>(state: LockedState, group: impl IntoIterator<Item = &'a Append>) -> GroupPlan {
        plan_group(state, group)
    }

    fn appends(group: Vec<(Vec<NewEvent>, Condition)>) -> Vec<Append> {
        group
            .into_iter()
            .map(|(events, condition)| Append::new(events).condition(condition))
            .collect()
    }

    /// The positions of each outcome (replays and writes alike).
    fn spans(plan: &GroupPlan) -> Vec<Result<(Position, Position), Conflict>> {
        plan.outcomes
            .iter()
            .map(|o| o.clone().map(|a| (a.first, a.last)))
            .collect()
    }

    fn kinds_after(kinds: &[&str], after: Position) -> Condition {
        Condition::NoneOfKindsAfter {
            kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
            after,
        }
    }

    #[test]
    fn a_conflicting_member_fails_alone_and_later_members_see_earlier_ones() {
        let state = LockedState {
            head: 10,
            last_of_kind: HashMap::from([("A".to_owned(), 7), ("B".to_owned(), 10)]),
            ..LockedState::default()
        };
        let group = appends(vec![
            (vec![event("A"), event("C")], Condition::HeadIs(10)), // 11..=12
            (vec![event("A")], Condition::HeadIs(10)),             // head is 12 now
            (vec![event("B")], kinds_after(&["A"], 7)),            // A at 11 > 7
            (vec![event("B")], kinds_after(&["A", "D"], 11)),      // 13
            (vec![event("D")], Condition::None),                   // 14
            (vec![event("E")], kinds_after(&["B", "X"], 12)),      // B at 13 > 12
            (vec![event("E")], Condition::HeadIs(14)),             // 15
        ]);
        let plan = plan(state, &group);
        let outcomes = spans(&plan);
        assert_eq!(plan.head, 15);
        assert_eq!(outcomes[0], Ok((11, 12)));
        assert_eq!(
            outcomes[1],
            Err(Conflict {
                condition: Condition::HeadIs(10),
                head: 12,
                found: None
            })
        );
        assert_eq!(
            outcomes[2],
            Err(Conflict {
                condition: kinds_after(&["A"], 7),
                head: 12,
                found: Some((11, "A".to_owned()))
            })
        );
        assert_eq!(outcomes[3], Ok((13, 13)));
        assert_eq!(outcomes[4], Ok((14, 14)));
        assert_eq!(
            outcomes[5],
            Err(Conflict {
                condition: kinds_after(&["B", "X"], 12),
                head: 14,
                found: Some((13, "B".to_owned()))
            })
        );
        assert_eq!(outcomes[6], Ok((15, 15)));
        assert_eq!(
            plan.written_kinds,
            HashMap::from([
                ("A".to_owned(), 11),
                ("C".to_owned(), 12),
                ("B".to_owned(), 13),
                ("D".to_owned(), 14),
                ("E".to_owned(), 15),
            ])
        );
    }

    #[test]
    fn conflicts_report_the_newest_matching_event() {
        let state = LockedState {
            head: 9,
            last_of_kind: HashMap::from([("A".to_owned(), 5), ("B".to_owned(), 9)]),
            ..LockedState::default()
        };
        let condition = kinds_after(&["A", "B"], 4);
        let plan = plan(
            state,
            &[Append::new(vec![event("C")]).condition(condition.clone())],
        );
        assert_eq!(
            spans(&plan),
            vec![Err(Conflict {
                condition: condition.clone(),
                head: 9,
                found: Some((9, "B".to_owned()))
            })]
        );
        assert_eq!(plan.head, 9);
        assert!(plan.written_kinds.is_empty());
    }

    #[test]
    fn kinds_not_after_the_position_pass() {
        let state = LockedState {
            head: 9,
            last_of_kind: HashMap::from([("A".to_owned(), 5)]),
            ..LockedState::default()
        };
        let condition = kinds_after(&["A", "Never"], 5);
        let plan = plan(state, &[Append::new(vec![event("A")]).condition(condition)]);
        assert_eq!(spans(&plan), vec![Ok((10, 10))]);
    }

    #[test]
    fn keys_replay_the_log_and_earlier_members_whatever_their_condition() {
        let key = |k: &str| IdempotencyKey::new(k).unwrap();
        let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let asked = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(3_000);
        let stored = Appended {
            first: 3,
            last: 4,
            recorded_at: then,
            replayed: true,
        };
        let state = LockedState {
            head: 9,
            now,
            keys: HashMap::from([("old".to_owned(), stored)]),
            ..LockedState::default()
        };
        let group = [
            // In the log: a replay, though its condition fails.
            Append::new(vec![event("A")])
                .condition(Condition::HeadIs(1))
                .key(key("old")),
            // New: written at 10 with the asked time.
            Append::new(vec![event("A"), event("B")])
                .key(key("new"))
                .recorded_at(asked),
            // The same key again in the same group: a replay of the member
            // before.
            Append::new(vec![event("C")]).key(key("new")),
            // A conflicting member's key is not taken...
            Append::new(vec![event("D")])
                .condition(Condition::HeadIs(0))
                .key(key("lost")),
            // ...so a later member with it is judged on its own.
            Append::new(vec![event("D")]).key(key("lost")),
            // Without a time: the server's clock.
            Append::new(vec![event("E")]),
        ];
        let plan = plan(state, &group);
        assert_eq!(plan.outcomes[0], Ok(stored));
        let new = Appended {
            first: 10,
            last: 11,
            recorded_at: asked,
            replayed: false,
        };
        assert_eq!(plan.outcomes[1], Ok(new));
        assert_eq!(
            plan.outcomes[2],
            Ok(Appended {
                replayed: true,
                ..new
            })
        );
        assert!(plan.outcomes[3].is_err());
        assert_eq!(
            spans(&plan)[4..],
            [Ok((12, 12)), Ok((13, 13))],
            "the later member with the lost key is written"
        );
        assert_eq!(plan.outcomes[5].as_ref().map(|a| a.recorded_at), Ok(now));
        assert_eq!(plan.head, 13);
        let writers: Vec<bool> = plan.outcomes.iter().map(writes).collect();
        assert_eq!(writers, [false, true, false, false, true, true]);
    }

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
        let connector =
            Connector::new(&super::super::config::PostgresOptions::new(&conninfo)).unwrap();
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
