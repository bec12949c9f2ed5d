//! Idempotency keys: a keyed append is written once with the asked time, a
//! keys table made before parts is upgraded, two logs racing one key write it
//! once.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyed_append_is_written_once_with_the_asked_time() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let log = fresh_log(&conninfo, "keyed").await;
    let asked = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789);
    let append = Append::new(vec![event("A", json!({"n": 1})), event("B", json!({}))])
        .condition(Condition::HeadIs(0))
        .key(key("order-1"))
        .recorded_at(asked);
    let first = log.append_with(append.clone()).await.expect("first");
    let cut = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_000);
    assert_eq!((first.first, first.last), (1, 2));
    assert_eq!(
        first.recorded_at, cut,
        "the asked time, cut to microseconds"
    );
    assert!(!first.replayed);
    // The repeat's condition no longer holds: a replay all the same.
    let again = log.append_with(append).await.expect("replay");
    assert_eq!(
        again,
        Appended {
            replayed: true,
            ..first
        }
    );
    assert_eq!(
        log.find_key(&key("order-1"))
            .await
            .expect("find")
            .map(|record| record.appended),
        Some(again)
    );
    assert_eq!(log.find_key(&key("other")).await.expect("find"), None);
    let records = log.read(0, &KindFilter::All, 10).await.expect("read");
    assert_eq!(records.records.len(), 2, "one copy");
    assert!(records.records.iter().all(|r| r.recorded_at == cut));
    // An empty keyed batch replays too, and a new key on an empty batch
    // writes no event but records its key, with an empty range.
    let empty = Append::new(Vec::new()).key(key("order-1"));
    assert_eq!(log.append_with(empty).await.expect("empty replay"), again);
    let fresh = Append::new(Vec::new()).key(key("order-2"));
    let nothing = log.append_with(fresh).await.expect("empty");
    assert_eq!(
        (nothing.first, nothing.last, nothing.replayed),
        (3, 2, false)
    );
    assert_eq!(
        log.find_key(&key("order-2"))
            .await
            .expect("find")
            .map(|record| record.appended),
        Some(Appended {
            replayed: true,
            ..nothing
        })
    );

    // Reopened (an existing database): the keys are still there.
    let reopened = open_log(&conninfo, log.table(), None).await;
    assert_eq!(
        reopened
            .find_key(&key("order-1"))
            .await
            .expect("find")
            .map(|record| record.appended),
        Some(again)
    );
}

/// A log whose keys table was made before keys were kept per part (no
/// fingerprint column) is upgraded when opened: its keys are still found
/// and replayed, and new keys keep their fingerprints and empty ranges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keys_table_made_before_parts_is_upgraded() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let table = unique_table("before_parts");
    let raw = raw_client(&conninfo).await;
    // The tables as the version before parts created them.
    create_earlier_tables(&raw, &table, false).await;
    raw.batch_execute(&format!(
        "INSERT INTO public.\"{table}\" VALUES
             (1, '2023-11-14T22:13:20Z', 'A', '{{}}'), (2, '2023-11-14T22:13:20Z', 'A', '{{}}');
         INSERT INTO public.\"{table}_kinds\" VALUES ('A', 2);
         INSERT INTO public.\"{table}_keys\" VALUES ('old', 1, 2, '2023-11-14T22:13:20Z');"
    ))
    .await
    .expect("the tables before parts");
    let log = open_log(&conninfo, &table, None).await;
    let old = log
        .find_key(&key("old"))
        .await
        .expect("find_key")
        .expect("the old key");
    assert_eq!((old.appended.first, old.appended.last), (1, 2));
    assert_eq!(old.fingerprint, None);
    let print = Fingerprint::new("f").expect("fingerprint");
    let parts = vec![
        AppendPart::new(1).key(key("old")),
        AppendPart::new(0)
            .key(key("new"))
            .fingerprint(print.clone()),
    ];
    let appended = log
        .append_parts(Append::new(vec![event("A", json!({}))]).parts(parts))
        .await
        .expect("append parts");
    assert_eq!(appended.parts[0], old);
    assert_eq!(log.head().await.expect("head"), 2);
    log.close();
    let reopened = open_log(&conninfo, &table, None).await;
    let new = reopened
        .find_key(&key("new"))
        .await
        .expect("find_key")
        .expect("the new key");
    assert_eq!((new.appended.first, new.appended.last), (3, 2));
    assert_eq!(new.fingerprint, Some(print));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_logs_racing_one_key_write_it_once() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let table = unique_table("keyrace");
    let a = Arc::new(open_log(&conninfo, &table, None).await);
    let b = Arc::new(open_log(&conninfo, &table, None).await);
    let mut tasks = Vec::new();
    for round in 0..10 {
        for (n, log) in [&a, &b].into_iter().enumerate() {
            for copy in 0..3 {
                let log = Arc::clone(log);
                tasks.push(tokio::spawn(async move {
                    let append = Append::new(vec![event("K", json!({"from": n, "copy": copy}))])
                        .key(key(&format!("race-{round}")));
                    log.append_with(append).await.expect("append")
                }));
            }
        }
    }
    let mut by_key: HashMap<usize, Vec<Appended>> = HashMap::new();
    for (index, task) in tasks.into_iter().enumerate() {
        by_key
            .entry(index / 6)
            .or_default()
            .push(task.await.expect("task"));
    }
    for (round, answers) in &by_key {
        let written: Vec<&Appended> = answers.iter().filter(|a| !a.replayed).collect();
        assert_eq!(written.len(), 1, "round {round}: exactly one writer");
        assert!(
            answers.iter().all(|a| (a.first, a.last, a.recorded_at)
                == (written[0].first, written[0].last, written[0].recorded_at)),
            "round {round}: every answer names the one copy"
        );
    }
    assert_eq!(a.head().await.expect("head"), 10, "one copy per key");
}
