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
//! If the connection is lost while `COMMIT` is in flight, the outcome is
//! looked up by transaction id on a new connection (`txid_status`), so an
//! append that did commit is reported as such.
//!
//! [`PostgresLog`]: super::PostgresLog

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, oneshot, watch};
use tokio_postgres::error::Severity;
use tokio_postgres::{Client, Statement};

use super::connect::{Backoff, Connector, unavailable};
use super::listen::publish;
use super::schema::Sql;
use crate::error::{Conflict, LogError};
use crate::log::{Appended, Condition};
use crate::record::{NewEvent, Position};
use crate::stored;

/// How long to keep asking whether a commit whose answer was lost went
/// through.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// An append waiting for the writer.
#[derive(Debug)]
pub(crate) struct PendingAppend {
    /// The batch (not empty).
    pub events: Vec<NewEvent>,
    /// Its condition.
    pub condition: Condition,
    /// Where the outcome goes.
    pub reply: oneshot::Sender<Result<Appended, LogError>>,
}

/// What the log holds as far as conditions care, read under the lock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LockedState {
    /// The head.
    pub head: Position,
    /// The last position of each kind a condition of the group names (kinds
    /// never appended are absent).
    pub last_of_kind: HashMap<String, Position>,
}

/// The outcome of checking a group's conditions in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupPlan {
    /// Per member, in order: its first and last position, or its conflict.
    pub outcomes: Vec<Result<(Position, Position), Conflict>>,
    /// The head after the surviving members.
    pub head: Position,
    /// The last position of every kind the survivors write.
    pub written_kinds: HashMap<String, Position>,
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
/// lock plus what the earlier surviving members wrote, and numbers the
/// survivors' events.
pub(crate) fn plan_group<'a, I>(mut state: LockedState, group: I) -> GroupPlan
where
    I: IntoIterator<Item = (&'a [NewEvent], &'a Condition)>,
{
    let mut outcomes = Vec::new();
    let mut written_kinds = HashMap::new();
    for (events, condition) in group {
        let outcome = check(condition, &state).map(|()| {
            let first = state.head + 1;
            for event in events {
                state.head += 1;
                state.last_of_kind.insert(event.kind.clone(), state.head);
                written_kinds.insert(event.kind.clone(), state.head);
            }
            (first, state.head)
        });
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

/// The writer's connection with its prepared statements.
struct WriteConn {
    client: Client,
    group_state: Statement,
    write_group: Statement,
}

impl WriteConn {
    async fn open(connector: &Connector, sql: &Sql) -> Result<Self, LogError> {
        let client = connector.connect().await?;
        let prepare = |text| client.prepare(text);
        let group_state = prepare(&sql.group_state)
            .await
            .map_err(|e| unavailable("cannot prepare the append statements", e))?;
        let write_group = prepare(&sql.write_group)
            .await
            .map_err(|e| unavailable("cannot prepare the append statements", e))?;
        Ok(Self {
            client,
            group_state,
            write_group,
        })
    }
}

/// Why a group's transaction failed.
enum TxError {
    /// Before `COMMIT` was sent: nothing was written.
    Failed(LogError),
    /// `COMMIT` got no answer: the transaction `xid` may have committed
    /// what `committed` describes.
    CommitUnknown {
        xid: i64,
        error: LogError,
        committed: Committed,
    },
}

/// What a committed (or entirely conflicting) group produced.
struct Committed {
    plan: GroupPlan,
    recorded_at: SystemTime,
}

/// The single writer of one log: owns the write connection and commits the
/// queued appends group by group.
pub(crate) struct Writer {
    connector: Arc<Connector>,
    sql: Arc<Sql>,
    conn: Option<WriteConn>,
    backoff: Backoff,
    heads: watch::Sender<Position>,
    max_group: usize,
}

impl Writer {
    /// A writer that publishes the heads it commits to `heads` and puts at
    /// most `max_group` appends in one transaction.
    pub fn new(
        connector: Arc<Connector>,
        sql: Arc<Sql>,
        heads: watch::Sender<Position>,
        max_group: usize,
    ) -> Self {
        Self {
            connector,
            sql,
            conn: None,
            backoff: Backoff::default(),
            heads,
            max_group: max_group.max(1),
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
        match self.try_commit(group).await {
            Ok(Committed { plan, recorded_at }) => {
                // Publish before answering: a caller that subscribes after
                // its append returned must not be woken by that append.
                publish(&self.heads, plan.head);
                for (pending, outcome) in group.drain(..).zip(plan.outcomes) {
                    let result = outcome
                        .map(|(first, last)| Appended {
                            first,
                            last,
                            recorded_at,
                            replayed: false,
                        })
                        .map_err(LogError::Conflict);
                    // The caller may have gone; the append stands anyway.
                    let _ = pending.reply.send(result);
                }
            }
            Err(error) => {
                tracing::warn!(%error, appends = group.len(), "PostgreSQL append group failed");
                let message = error.to_string();
                let mut error = Some(error);
                for pending in group.drain(..) {
                    let error = error.take().unwrap_or_else(|| LogError::Unavailable {
                        message: message.clone(),
                        source: None,
                    });
                    let _ = pending.reply.send(Err(error));
                }
            }
        }
    }

    /// The write connection, opened (again) if there is none or it was lost.
    async fn connection(&mut self) -> Result<&WriteConn, LogError> {
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
        self.conn.as_ref().ok_or(LogError::Closed)
    }

    async fn try_commit(&mut self, group: &[PendingAppend]) -> Result<Committed, LogError> {
        let sql = Arc::clone(&self.sql);
        let conn = self.connection().await?;
        match transaction(conn, &sql, group).await {
            Ok(committed) => Ok(committed),
            Err(TxError::Failed(error)) => {
                // A session that cannot roll back is not trusted again: a
                // fresh connection is opened for the next group.
                if conn.client.is_closed() || conn.client.batch_execute("ROLLBACK").await.is_err() {
                    self.conn = None;
                }
                Err(error)
            }
            Err(TxError::CommitUnknown {
                xid,
                error,
                committed,
            }) => {
                tracing::warn!(%error, xid, "PostgreSQL COMMIT unanswered, looking up its outcome");
                self.conn = None;
                self.resolve(xid, error).await?;
                Ok(committed)
            }
        }
    }

    /// Finds out whether transaction `xid`, whose `COMMIT` went unanswered,
    /// committed. `Ok` if it did; otherwise the error to report.
    async fn resolve(&mut self, xid: i64, error: LogError) -> Result<(), LogError> {
        let deadline = tokio::time::Instant::now() + RESOLVE_TIMEOUT;
        let sql = Arc::clone(&self.sql);
        while tokio::time::Instant::now() < deadline {
            if let Ok(conn) = self.connection().await {
                match conn
                    .client
                    .query_one(sql.xact_status.as_str(), &[&xid])
                    .await
                {
                    Ok(row) => match row.try_get::<_, Option<String>>(0) {
                        Ok(Some(status)) if status == "committed" => return Ok(()),
                        Ok(Some(status)) if status == "aborted" => return Err(error),
                        _ => {}
                    },
                    Err(lookup) => tracing::debug!(%lookup, "cannot look up a commit yet"),
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(LogError::Indeterminate {
            message: "lost the connection during COMMIT and could not find out whether the \
                      append was written"
                .to_owned(),
            source: Some(std::sync::Arc::new(error)),
        })
    }
}

/// Runs one group's transaction on `conn`.
async fn transaction(
    conn: &WriteConn,
    sql: &Sql,
    group: &[PendingAppend],
) -> Result<Committed, TxError> {
    let failed = |context: &'static str| move |e| TxError::Failed(unavailable(context, e));
    let client = &conn.client;
    let mut condition_kinds: Vec<&str> = group
        .iter()
        .filter_map(|pending| match &pending.condition {
            Condition::NoneOfKindsAfter { kinds, .. } => Some(kinds.iter().map(String::as_str)),
            _ => None,
        })
        .flatten()
        .collect();
    condition_kinds.sort_unstable();
    condition_kinds.dedup();
    // Pipelined: the lock and the state query go out together and run in
    // order (join! polls, and so sends, them in order); the query's snapshot
    // is taken after the lock is held.
    let state_params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&condition_kinds];
    let (locked, rows) = tokio::join!(
        client.batch_execute(&sql.begin_locked),
        client.query(&conn.group_state, &state_params),
    );
    locked.map_err(failed("cannot lock the event log"))?;
    let rows = rows.map_err(failed("cannot read the event log's head"))?;
    let mut state = LockedState::default();
    let mut recorded_at = SystemTime::UNIX_EPOCH;
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
        let (head, now, txid, kind, last) = read().map_err(failed("unexpected head row"))?;
        state.head = from_sql_position(head).map_err(TxError::Failed)?;
        recorded_at = now;
        xid = txid;
        if let (Some(kind), Some(last)) = (kind, last) {
            let last = from_sql_position(last).map_err(TxError::Failed)?;
            state.last_of_kind.insert(kind, last);
        }
    }

    let plan = plan_group(
        state,
        group
            .iter()
            .map(|pending| (pending.events.as_slice(), &pending.condition)),
    );
    if plan.written_kinds.is_empty() {
        client
            .batch_execute("ROLLBACK")
            .await
            .map_err(failed("cannot end the append transaction"))?;
        return Ok(Committed { plan, recorded_at });
    }

    let mut positions = Vec::new();
    let mut kinds = Vec::new();
    let mut payloads = Vec::new();
    for (pending, outcome) in group.iter().zip(&plan.outcomes) {
        if let Ok((first, _)) = outcome {
            for (offset, event) in (0..).zip(&pending.events) {
                positions.push(to_sql_position(first + offset).map_err(TxError::Failed)?);
                kinds.push(event.kind.as_str());
                payloads.push(event.payload.as_slice());
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
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 8] = [
        &positions,
        &recorded_at,
        &kinds,
        &payloads,
        &last_kinds,
        &last_positions,
        &sql.channel,
        &head_text,
    ];
    let (written, committed) = tokio::join!(
        client.execute(&conn.write_group, &params),
        client.batch_execute("COMMIT"),
    );
    let outcome = written.and(committed.map(|()| 0));
    match outcome {
        Ok(_) => Ok(Committed { plan, recorded_at }),
        // An ERROR answer means the server rolled back; anything else (a
        // lost connection, a FATAL from a terminated backend) leaves the
        // outcome open, as the COMMIT may have run.
        Err(error) if is_plain_error(&error) => Err(TxError::Failed(unavailable(
            "cannot write the events",
            error,
        ))),
        Err(error) => Err(TxError::CommitUnknown {
            xid,
            error: unavailable("lost the connection during COMMIT", error),
            committed: Committed { plan, recorded_at },
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

    fn event(kind: &str) -> NewEvent {
        NewEvent::new(kind, b"{}".to_vec())
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
        };
        let group: Vec<(Vec<NewEvent>, Condition)> = vec![
            (vec![event("A"), event("C")], Condition::HeadIs(10)), // 11..=12
            (vec![event("A")], Condition::HeadIs(10)),             // head is 12 now
            (vec![event("B")], kinds_after(&["A"], 7)),            // A at 11 > 7
            (vec![event("B")], kinds_after(&["A", "D"], 11)),      // 13
            (vec![event("D")], Condition::None),                   // 14
            (vec![event("E")], kinds_after(&["B", "X"], 12)),      // B at 13 > 12
            (vec![event("E")], Condition::HeadIs(14)),             // 15
        ];
        let plan = plan_group(
            state,
            group.iter().map(|(events, c)| (events.as_slice(), c)),
        );
        assert_eq!(plan.head, 15);
        assert_eq!(plan.outcomes[0], Ok((11, 12)));
        assert_eq!(
            plan.outcomes[1],
            Err(Conflict {
                condition: Condition::HeadIs(10),
                head: 12,
                found: None
            })
        );
        assert_eq!(
            plan.outcomes[2],
            Err(Conflict {
                condition: kinds_after(&["A"], 7),
                head: 12,
                found: Some((11, "A".to_owned()))
            })
        );
        assert_eq!(plan.outcomes[3], Ok((13, 13)));
        assert_eq!(plan.outcomes[4], Ok((14, 14)));
        assert_eq!(
            plan.outcomes[5],
            Err(Conflict {
                condition: kinds_after(&["B", "X"], 12),
                head: 14,
                found: Some((13, "B".to_owned()))
            })
        );
        assert_eq!(plan.outcomes[6], Ok((15, 15)));
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
        };
        let condition = kinds_after(&["A", "B"], 4);
        let plan = plan_group(state, [(&[event("C")][..], &condition)]);
        assert_eq!(
            plan.outcomes,
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
        };
        let condition = kinds_after(&["A", "Never"], 5);
        let plan = plan_group(state, [(&[event("A")][..], &condition)]);
        assert_eq!(plan.outcomes, vec![Ok((10, 10))]);
    }
}
