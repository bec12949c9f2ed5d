//! Unknown outcomes: an unanswered commit looked up by transaction id, a lost
//! commit reported as indeterminate or unavailable (a keyed retry never
//! duplicates), a group past its deadline settled by its transaction.

use super::*;

/// The writer's connection dies after the events were sent but before the
/// commit was answered (its upsert waits on a row lock, then its backend is
/// terminated): the writer looks the transaction up, finds it aborted, and
/// reports `Unavailable` with nothing written; the next append works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_commit_is_looked_up_and_reported_truthfully() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let table = unique_table("unanswered");
    let app = format!("goesgen_test_{table}");
    let log = Arc::new(open_log(&conninfo, &table, Some(&app)).await);
    let (blocker, stuck) = append_behind_the_kind_lock(&conninfo, &log, &table).await;
    let admin = raw_client(&conninfo).await;
    let deadline = Instant::now() + conformance::PATIENCE;
    loop {
        if terminate_waiting(&admin, &app).await == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the writer never waited on the row lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let outcome = answer(stuck).await;
    match outcome {
        Err(LogError::Unavailable { message, .. }) => assert!(!message.is_empty()),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    blocker.batch_execute("ROLLBACK").await.expect("unlock");
    assert_nothing_written_then_appends(&log).await;
}

/// The writer's backend is terminated while its COMMIT is open (its kinds
/// upsert waits on a row lock). While the log's role may not log in, the
/// writer cannot learn the outcome: `Indeterminate`, not retryable. Later
/// a retry with the same key writes the events exactly once; without the
/// login ban the same loss is looked up and is `Unavailable`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_commit_is_indeterminate_or_unavailable_and_a_keyed_retry_never_duplicates() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let table = unique_table("lost");
    let role = format!("r_{table}");
    let app = format!("goesgen_test_{table}");
    let admin = raw_client(&conninfo).await;
    let database: String = admin
        .query_one("SELECT current_database()", &[])
        .await
        .expect("database")
        .get(0);
    admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'pw';
             GRANT CREATE ON DATABASE \"{database}\" TO {role};
             CREATE SCHEMA {role} AUTHORIZATION {role};"
        ))
        .await
        .expect("role and schema");
    let options = || {
        PostgresOptions::new(format!("{conninfo} user={role} password=pw"))
            .schema(&role)
            .table(&table)
            .application_name(&app)
    };
    let log = Arc::new(options().connect().await.expect("open as the role"));
    log.append(vec![event("K", json!({"n": 0}))], Condition::None)
        .await
        .expect("first append");

    let blocker = raw_client(&conninfo).await;
    for (round, ban_login) in [(1_u64, true), (2, false)] {
        lock_kind_row(&blocker, &role, &table).await;
        let keyed =
            Append::new(vec![event("K", json!({"n": round}))]).key(key(&format!("lost-{round}")));
        let stuck = {
            let log = Arc::clone(&log);
            let keyed = keyed.clone();
            tokio::spawn(async move { log.append_with(keyed).await })
        };
        wait_until_blocked(&admin, &app).await;
        if ban_login {
            admin
                .batch_execute(&format!("ALTER ROLE {role} NOLOGIN"))
                .await
                .expect("ban logins");
        }
        assert_eq!(terminate_waiting(&admin, &app).await, 1);
        let outcome = answer(stuck).await;
        match (ban_login, outcome) {
            (true, Err(error @ LogError::Indeterminate { .. })) => {
                assert!(!error.is_retryable());
                assert_each_cause_once(&error);
            }
            (false, Err(error @ LogError::Unavailable { .. })) => {
                assert!(error.is_retryable());
                assert_each_cause_once(&error);
            }
            (ban, other) => panic!("login banned: {ban}; unexpected outcome {other:?}"),
        }
        if ban_login {
            admin
                .batch_execute(&format!("ALTER ROLE {role} LOGIN"))
                .await
                .expect("allow logins");
        }
        blocker.batch_execute("ROLLBACK").await.expect("unlock");

        // Retry with the key until the log is reachable again: one copy.
        let deadline = Instant::now() + conformance::PATIENCE;
        let retried = loop {
            match log.append_with(keyed.clone()).await {
                Ok(appended) => break appended,
                Err(error) if error.is_retryable() && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(error) => panic!("retry: {error:?}"),
            }
        };
        let again = log.append_with(keyed.clone()).await.expect("again");
        assert_eq!((again.first, again.last), (retried.first, retried.last));
        assert!(again.replayed);
        let records = log.read(0, &KindFilter::All, 10).await.expect("read");
        let copies = records
            .records
            .iter()
            .filter(|r| payload(r)["n"] == json!(round))
            .count();
        assert_eq!(copies, 1, "round {round}: exactly one copy");
        assert_eq!(records.head, round + 1, "nothing else was written");
    }
    log.close();
}

/// The writer's group is stuck after its write was sent (its upsert waits
/// on a row lock, and no server timeout applies): past the group deadline
/// its backend is terminated and the transaction looked up, found rolled
/// back, so the append is `Unavailable` with nothing written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_past_its_deadline_after_its_write_is_settled_by_its_transaction() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let table = unique_table("deadline");
    let app = format!("goesgen_test_{table}");
    let log = Arc::new(
        PostgresOptions::new(&conninfo)
            .table(&table)
            .application_name(&app)
            .lock_timeout(None)
            .statement_timeout(None)
            .group_timeout(Duration::from_secs(3))
            .connect()
            .await
            .expect("open"),
    );
    let (blocker, stuck) = append_behind_the_kind_lock(&conninfo, &log, &table).await;
    // Waiting on the row lock: the write was sent.
    let admin = raw_client(&conninfo).await;
    wait_until_blocked(&admin, &app).await;
    let outcome = answer(stuck).await;
    match outcome {
        Err(error @ LogError::Unavailable { .. }) => {
            assert!(error.to_string().contains("rolled back"), "{error}");
            let cause = std::error::Error::source(&error).expect("the deadline");
            assert!(cause.to_string().contains("deadline"), "{cause}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    blocker.batch_execute("ROLLBACK").await.expect("unlock");
    assert_nothing_written_then_appends(&log).await;
}

/// Takes the row lock of kind `K` in `schema`'s log `table` inside an open
/// transaction of `blocker`, so that an append of `K` waits on it.
async fn lock_kind_row(blocker: &tokio_postgres::Client, schema: &str, table: &str) {
    blocker
        .batch_execute(&format!(
            "BEGIN; SELECT * FROM {schema}.\"{table}_kinds\" WHERE kind = 'K' FOR UPDATE"
        ))
        .await
        .expect("lock the kind's row");
}

/// Terminates the backends named `app` that wait on a lock; how many.
async fn terminate_waiting(admin: &tokio_postgres::Client, app: &str) -> i64 {
    admin
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE application_name = $1 AND wait_event_type = 'Lock'",
            &[&app],
        )
        .await
        .expect("terminate")
        .get(0)
}

/// The log holds only its first event, and takes the next append at 2.
async fn assert_nothing_written_then_appends(log: &PostgresLog) {
    assert_eq!(log.head().await.expect("head"), 1, "nothing was written");
    let appended = log
        .append(vec![event("K", json!({"n": 3}))], Condition::None)
        .await
        .expect("the writer reconnected");
    assert_eq!(appended.first, 2);
}

/// Appends a first `K`, then locks `K`'s row from another connection and
/// starts an append of a second `K` that waits on it: the connection
/// holding the lock (its transaction open) and the waiting append.
async fn append_behind_the_kind_lock(
    conninfo: &str,
    log: &Arc<PostgresLog>,
    table: &str,
) -> (
    tokio_postgres::Client,
    tokio::task::JoinHandle<Result<Appended, LogError>>,
) {
    log.append(vec![event("K", json!({"n": 1}))], Condition::None)
        .await
        .expect("first append");
    let blocker = raw_client(conninfo).await;
    lock_kind_row(&blocker, "public", table).await;
    let log = Arc::clone(log);
    let stuck = tokio::spawn(async move {
        log.append(vec![event("K", json!({"n": 2}))], Condition::None)
            .await
    });
    (blocker, stuck)
}

/// What the append `stuck` answered (within the suite's patience).
async fn answer<T>(stuck: tokio::task::JoinHandle<T>) -> T {
    tokio::time::timeout(conformance::PATIENCE, stuck)
        .await
        .expect("the append was answered")
        .expect("append task")
}
