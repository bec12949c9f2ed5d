//! The advisory lock: a write lock excludes other writers until it appends or
//! is dropped, and an append waits for a held lock only up to `lock_timeout`.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_lock_excludes_other_writers_until_it_appends_or_is_dropped() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let table = unique_table("wlock");
    let other_app = format!("goesgen_test_{table}");
    let log = open_log(&conninfo, &table, None).await;
    let other = Arc::new(open_log(&conninfo, &table, Some(&other_app)).await);
    let admin = raw_client(&conninfo).await;
    let mut subscription = log.subscribe();

    // Held: another log's append waits; reads go on.
    let lock = log.lock_writes().await.expect("lock");
    let waiting = {
        let other = Arc::clone(&other);
        tokio::spawn(async move {
            other
                .append(vec![event("Other", json!({"n": 1}))], Condition::None)
                .await
        })
    };
    wait_until_blocked(&admin, &other_app).await;
    assert_eq!(log.head().await.expect("read while locked"), 0);
    let locked = lock
        .append(
            Append::new(vec![event("Locked", json!({}))])
                .condition(Condition::HeadIs(0))
                .key(key("under-lock")),
        )
        .await
        .expect("append under the lock");
    assert_eq!((locked.first, locked.last), (1, 1));
    let after = waiting.await.expect("task").expect("the other append");
    assert_eq!(after.first, 2, "the other append came after the lock's");
    let published = tokio::time::timeout(conformance::PATIENCE, subscription.wait_for(1))
        .await
        .expect("the lock's append was published")
        .expect("subscription");
    assert!(published >= 1);

    // Dropped without appending: released, nothing written.
    let lock = log.lock_writes().await.expect("lock again");
    let waiting = {
        let other = Arc::clone(&other);
        tokio::spawn(async move {
            other
                .append(vec![event("Other", json!({"n": 2}))], Condition::None)
                .await
        })
    };
    wait_until_blocked(&admin, &other_app).await;
    drop(lock);
    let after = waiting.await.expect("task").expect("append after the drop");
    assert_eq!(after.first, 3);

    // Under the lock, keys replay and conditions are judged as anywhere.
    let lock = log.lock_writes().await.expect("lock a third time");
    let replay = lock
        .append(Append::new(vec![event("Locked", json!({}))]).key(key("under-lock")))
        .await
        .expect("replay under the lock");
    assert_eq!((replay.first, replay.replayed), (1, true));
    let lock = log.lock_writes().await.expect("lock a fourth time");
    match lock
        .append(Append::new(vec![event("Locked", json!({}))]).condition(Condition::HeadIs(0)))
        .await
    {
        Err(LogError::Conflict(conflict)) => assert_eq!(conflict.head, 3),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let records = log.read(0, &KindFilter::All, 10).await.expect("read");
    let kinds: Vec<&str> = records.records.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds, ["Locked", "Other", "Other"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_waits_for_a_held_advisory_lock_only_up_to_lock_timeout() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let log = PostgresOptions::new(&conninfo)
        .table(unique_table("lockwait"))
        .lock_timeout(Some(Duration::from_millis(200)))
        .connect()
        .await
        .expect("open");
    let other = raw_client(&conninfo).await;
    other
        .batch_execute(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock({})",
            log.lock_key()
        ))
        .await
        .expect("hold the log's lock");
    match log
        .append(vec![event("A", json!({}))], Condition::None)
        .await
    {
        Err(error @ LogError::Unavailable { .. }) => {
            assert!(error.is_retryable());
            let text = error.to_string();
            assert!(
                text.contains("lock_timeout") && text.contains("55P03"),
                "{text}"
            );
            assert_each_cause_once(&error);
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    // A write lock waits no longer either.
    match log.lock_writes().await {
        Err(error @ LogError::Unavailable { .. }) => {
            assert!(error.to_string().contains("55P03"), "{error}");
        }
        Err(other) => panic!("expected Unavailable, got {other:?}"),
        Ok(_) => panic!("the write lock was granted while another session holds it"),
    }
    other.batch_execute("ROLLBACK").await.expect("release");
    let count: i64 = other
        .query_one(
            &format!("SELECT count(*) FROM public.\"{}\"", log.table()),
            &[],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 0, "nothing was written");
    let appended = log
        .append(vec![event("A", json!({}))], Condition::None)
        .await
        .expect("the retry succeeds");
    assert_eq!(appended.first, 1);
}
