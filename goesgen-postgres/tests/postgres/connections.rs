//! Lost and closed connections: the log and its follower recover from
//! terminated connections, and a closed log refuses calls and ends its
//! subscriptions.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_and_its_follower_recover_from_terminated_connections() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let table = unique_table("reconn");
    let app = format!("goesgen_test_{table}");
    let log = open_log(&conninfo, &table, Some(&app)).await;
    let other = open_log(&conninfo, &table, None).await;
    let mut follower = log.subscribe();
    log.append(vec![event("A", json!({"n": 1}))], Condition::None)
        .await
        .expect("append before");

    let admin = raw_client(&conninfo).await;
    let terminate = async || -> i64 {
        admin
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                 WHERE application_name = $1",
                &[&app],
            )
            .await
            .expect("terminate")
            .get(0)
    };
    // Wait until the listener has connected too, then cut all three.
    let deadline = Instant::now() + conformance::PATIENCE;
    loop {
        let connected: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                &[&app],
            )
            .await
            .expect("activity")
            .get(0);
        if connected >= 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the log's connections did not appear"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(terminate().await, 3, "reader, writer and listener");

    // The calls that hit the dead connections fail as retryable; the log
    // reconnects by itself.
    let retry_deadline = Instant::now() + conformance::PATIENCE;
    let appended = loop {
        match log
            .append(vec![event("A", json!({"n": 2}))], Condition::None)
            .await
        {
            Ok(appended) => break appended,
            Err(error @ LogError::Unavailable { .. }) => {
                assert!(error.is_retryable());
                assert!(Instant::now() < retry_deadline, "no reconnect: {error}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(other) => panic!("expected Unavailable, got {other:?}"),
        }
    };
    assert_eq!(appended.first, 2, "a failed append wrote nothing");
    let head = loop {
        match log.head().await {
            Ok(head) => break head,
            Err(LogError::Unavailable { .. }) if Instant::now() < retry_deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(other) => panic!("head after reconnect: {other:?}"),
        }
    };
    assert_eq!(head, 2);

    // The listener re-subscribed: another process's append wakes the
    // follower. Give the listener time to reconnect, then append twice from
    // the other log; the second head can only arrive by NOTIFY.
    tokio::time::sleep(Duration::from_millis(500)).await;
    other
        .append(vec![event("B", json!({}))], Condition::None)
        .await
        .expect("append by another log");
    tokio::time::timeout(conformance::PATIENCE, follower.wait_for(3))
        .await
        .expect("the follower woke")
        .expect("subscription");
    other
        .append(vec![event("B", json!({}))], Condition::None)
        .await
        .expect("append by another log");
    let woke = tokio::time::timeout(conformance::PATIENCE, follower.wait_for(4))
        .await
        .expect("the follower woke by notification")
        .expect("subscription");
    assert_eq!(woke, 4);

    let records = log.read(0, &KindFilter::All, 10).await.expect("read");
    let ns: Vec<Value> = records
        .records
        .iter()
        .map(|r| payload(r)["n"].clone())
        .collect();
    assert_eq!(ns, [json!(1), json!(2), Value::Null, Value::Null]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_logs_refuse_calls_and_end_subscriptions() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let log = fresh_log(&conninfo, "closed").await;
    let mut subscription = log.subscribe();
    log.close();
    assert!(matches!(log.head().await, Err(LogError::Closed)));
    assert!(matches!(
        log.append(vec![event("A", json!({}))], Condition::None)
            .await,
        Err(LogError::Closed)
    ));
    let ended = tokio::time::timeout(conformance::PATIENCE, async {
        loop {
            if let Err(error) = subscription.changed().await {
                break error;
            }
        }
    })
    .await
    .expect("the subscription ended");
    assert!(matches!(ended, LogError::Closed));
}
