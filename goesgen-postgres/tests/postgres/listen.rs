//! The `LISTEN` follower: a forged notification neither moves the head nor
//! spins a follower.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_forged_notification_neither_moves_the_head_nor_spins_a_follower() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let table = unique_table("forged");
    let log = Arc::new(open_log(&conninfo, &table, None).await);
    let other = open_log(&conninfo, &table, None).await;
    // A follower as a projection would run one: wait for a new head, read
    // up to it.
    let follower = {
        let log = Arc::clone(&log);
        let mut heads = log.subscribe();
        tokio::spawn(async move {
            let mut cursor = 0;
            while let Ok(head) = heads.changed().await {
                while cursor < head {
                    let batch = log.read(cursor, &KindFilter::All, 100).await.expect("read");
                    cursor = batch.through;
                }
            }
        })
    };
    let before = log.stats();
    let admin = raw_client(&conninfo).await;
    admin
        .batch_execute(&format!("NOTIFY {}, '18446744073709551615'", log.channel()))
        .await
        .expect("forged notification");
    other
        .append(vec![event("A", json!({}))], Condition::None)
        .await
        .expect("a real append");
    let mut heads = log.subscribe();
    tokio::time::timeout(conformance::PATIENCE, heads.wait_for(1))
        .await
        .expect("the real append woke the log")
        .expect("subscription");
    // Both notifications were taken in (the forged one first).
    let deadline = Instant::now() + conformance::PATIENCE;
    while log.stats().notifications < before.notifications + 2 {
        assert!(
            Instant::now() < deadline,
            "notifications: {:?}",
            log.stats()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Give a spinning follower room to show itself.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(log.subscribe().head(), 1, "the head is the table's");
    let reads = log.stats().reads - before.reads;
    assert!(
        (1..=3).contains(&reads),
        "an idle follower read {reads} pages"
    );
    follower.abort();
}
