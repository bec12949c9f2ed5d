//! Limits: an oversized event is refused alone, reads stop at the byte
//! budget, and reads run in parallel on up to `read_connections`.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_oversized_event_is_refused_alone_and_the_others_land() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let log = Arc::new(
        PostgresOptions::new(&conninfo)
            .table(unique_table("limits"))
            .limits(LogLimits::default().max_payload_bytes(64).max_kind_bytes(8))
            .connect()
            .await
            .expect("open"),
    );
    let mut tasks = Vec::new();
    for n in 0..24 {
        let log = Arc::clone(&log);
        tasks.push(tokio::spawn(async move {
            let second = match n {
                7 => event("A", json!({"pad": "x".repeat(100)})),
                13 => event("TooLongKind", json!({})),
                _ => event("A", json!({"n": n})),
            };
            log.append(vec![event("A", json!({"n": n})), second], Condition::None)
                .await
        }));
    }
    let mut landed = 0;
    for (n, task) in tasks.into_iter().enumerate() {
        match (n, task.await.expect("task")) {
            (7 | 13, Err(LogError::InvalidEvent { index: 1, reason })) => {
                assert!(reason.contains("limit"), "{reason}")
            }
            (7 | 13, other) => panic!("{n}: expected InvalidEvent at 1, got {other:?}"),
            (_, Ok(appended)) => landed += appended.len(),
            (_, Err(error)) => panic!("{n}: {error:?}"),
        }
    }
    assert_eq!(landed, 44);
    assert_eq!(log.head().await.expect("head"), 44);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_stop_at_the_byte_budget() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let log = PostgresOptions::new(&conninfo)
        .table(unique_table("budget"))
        .limits(LogLimits::default().max_read_bytes(100))
        .connect()
        .await
        .expect("open");
    // Payloads of 40 bytes each, then one of 500.
    let forty = |n: usize| {
        event(
            if n.is_multiple_of(2) { "Even" } else { "Odd" },
            json!({"pad": "x".repeat(24), "n": n}),
        )
    };
    for n in 0..6 {
        let appended = log
            .append(vec![forty(n)], Condition::None)
            .await
            .expect("append");
        assert_eq!(appended.first as usize, n + 1);
    }
    log.append(
        vec![event("Big", json!({"pad": "x".repeat(490)}))],
        Condition::None,
    )
    .await
    .expect("big");
    let all = log.read(0, &KindFilter::All, 100).await.expect("read");
    assert!(all.records.iter().all(|r| r.payload.len() == 40));
    let positions: Vec<Position> = all.records.iter().map(|r| r.position).collect();
    assert_eq!(
        positions,
        [1, 2, 3],
        "the record reaching 100 bytes is the last"
    );
    assert_eq!((all.head, all.through), (7, 3));
    let rest = log.read(3, &KindFilter::All, 100).await.expect("read on");
    let positions: Vec<Position> = rest.records.iter().map(|r| r.position).collect();
    assert_eq!(positions, [4, 5, 6]);
    // A record over the whole budget still comes alone, so readers move on.
    let big = log.read(6, &KindFilter::All, 100).await.expect("big read");
    assert_eq!(big.records.len(), 1);
    assert_eq!(big.through, 7);
    // Filtered reads are cut the same way.
    let even = log
        .read(0, &KindFilter::kinds(["Even", "Big"]), 100)
        .await
        .expect("filtered");
    let positions: Vec<Position> = even.records.iter().map(|r| r.position).collect();
    assert_eq!(positions, [1, 3, 5]);
    assert_eq!(even.through, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_run_in_parallel_on_up_to_read_connections() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let table = unique_table("pool");
    let app = format!("goesgen_test_{table}");
    let log = Arc::new(
        PostgresOptions::new(&conninfo)
            .table(&table)
            .application_name(&app)
            .read_connections(3)
            .connect()
            .await
            .expect("open"),
    );
    log.append(vec![event("A", json!({}))], Condition::None)
        .await
        .expect("append");
    // Block reads of the table: they pile up on the pool's connections.
    let blocker = raw_client(&conninfo).await;
    blocker
        .batch_execute(&format!(
            "BEGIN; LOCK TABLE public.\"{table}\" IN ACCESS EXCLUSIVE MODE"
        ))
        .await
        .expect("lock the table");
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let log = Arc::clone(&log);
            tokio::spawn(async move { log.read(0, &KindFilter::All, 10).await })
        })
        .collect();
    let admin = raw_client(&conninfo).await;
    let deadline = Instant::now() + conformance::PATIENCE;
    let waiting = async || -> i64 {
        admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE application_name = $1 AND wait_event_type = 'Lock'",
                &[&app],
            )
            .await
            .expect("activity")
            .get(0)
    };
    while waiting().await < 3 {
        assert!(Instant::now() < deadline, "reads did not run in parallel");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Settled at the pool's size: the other five wait for a connection.
    // The listener may wait on the lock too, reading the head after the
    // append's notification if that arrived after the lock was taken (the
    // count of connections below pins the pool's size).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let settled = waiting().await;
    assert!(
        (3..=4).contains(&settled),
        "{settled} sessions wait on the lock"
    );
    blocker.batch_execute("ROLLBACK").await.expect("unlock");
    for reader in readers {
        let batch = reader.await.expect("reader").expect("read");
        assert_eq!(batch.records.len(), 1);
    }
    let read_conns: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
            &[&app],
        )
        .await
        .expect("activity")
        .get(0);
    assert_eq!(read_conns, 5, "3 readers, the writer and the listener");
}
