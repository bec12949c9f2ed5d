//! Positions in commit order: a tailing reader never misses an event
//! committed late.

use super::*;

/// Appenders on several logs (each its own writer connection) race while a
/// raw transaction now and then holds the append lock and writes slowly; a
/// reader tailing the log by `through` must collect exactly 1..=N, and a
/// filtered reader exactly the positions of its kind.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tailing_reader_never_misses_a_late_commit() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    const LOGS: usize = 3;
    const TASKS: usize = 4;
    const APPENDS: usize = 30;
    let table = unique_table("tail");
    let mut logs = Vec::new();
    for _ in 0..LOGS {
        logs.push(Arc::new(open_log(&conninfo, &table, None).await));
    }
    let done = Arc::new(AtomicBool::new(false));

    let tail = |filter: KindFilter| {
        let log = Arc::clone(&logs[0]);
        let done = Arc::clone(&done);
        tokio::spawn(async move {
            let mut cursor = 0;
            let mut seen = Vec::new();
            loop {
                let finished = done.load(Ordering::SeqCst);
                let batch = log.read(cursor, &filter, 7).await.expect("tail read");
                for record in &batch.records {
                    assert!(record.position > cursor, "records come in order");
                    assert!(filter.matches(&record.kind));
                    seen.push(record.position);
                }
                assert!(batch.through >= cursor);
                cursor = batch.through;
                if finished && cursor == batch.head {
                    break seen;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
    };
    let all_reader = tail(KindFilter::All);
    let a_reader = tail(KindFilter::kinds(["A"]));

    let slow_writer = {
        let conninfo = conninfo.clone();
        let lock_key = logs[0].lock_key();
        let table = format!("public.\"{table}\"");
        let kinds = format!("public.\"{}_kinds\"", logs[0].table());
        tokio::spawn(async move {
            let client = raw_client(&conninfo).await;
            for _ in 0..3 {
                tokio::time::sleep(Duration::from_millis(40)).await;
                // As a slow append would: lock, number, insert, dawdle, commit.
                client
                    .batch_execute(&format!("BEGIN; SELECT pg_advisory_xact_lock({lock_key})"))
                    .await
                    .expect("lock");
                let next: i64 = client
                    .query_one(
                        &format!("SELECT coalesce(max(position), 0) + 1 FROM {table}"),
                        &[],
                    )
                    .await
                    .expect("head")
                    .get(0);
                client
                    .execute(
                        &format!(
                            "INSERT INTO {table} VALUES ($1, now(), 'Slow', '\\x7b7d'::bytea)"
                        ),
                        &[&next],
                    )
                    .await
                    .expect("slow insert");
                client
                    .execute(
                        &format!(
                            "INSERT INTO {kinds} VALUES ('Slow', $1) ON CONFLICT (kind) \
                             DO UPDATE SET last_position = EXCLUDED.last_position"
                        ),
                        &[&next],
                    )
                    .await
                    .expect("slow kinds");
                tokio::time::sleep(Duration::from_millis(150)).await;
                client.batch_execute("COMMIT").await.expect("commit");
            }
        })
    };

    let mut appenders = Vec::new();
    for log in &logs {
        for task in 0..TASKS {
            let log = Arc::clone(log);
            appenders.push(tokio::spawn(async move {
                let mut a_positions = Vec::new();
                for n in 0..APPENDS {
                    let kind = if (task + n) % 3 == 0 { "A" } else { "B" };
                    let appended = log
                        .append(vec![event(kind, json!({ "n": n }))], Condition::None)
                        .await
                        .expect("append");
                    if kind == "A" {
                        a_positions.push(appended.first);
                    }
                }
                a_positions
            }));
        }
    }
    let mut a_expected = BTreeSet::new();
    for appender in appenders {
        a_expected.extend(appender.await.expect("appender"));
    }
    slow_writer.await.expect("slow writer");
    done.store(true, Ordering::SeqCst);

    let total = (LOGS * TASKS * APPENDS + 3) as Position;
    let seen = tokio::time::timeout(conformance::PATIENCE, all_reader)
        .await
        .expect("the reader caught up")
        .expect("reader");
    assert_eq!(seen, (1..=total).collect::<Vec<_>>());
    let seen_a = tokio::time::timeout(conformance::PATIENCE, a_reader)
        .await
        .expect("the filtered reader caught up")
        .expect("filtered reader");
    assert_eq!(seen_a, a_expected.into_iter().collect::<Vec<_>>());
}
