//! Damage made behind the log's back: a corrupt payload, a deleted record,
//! shifted rows, reported at the first position affected and latched by the
//! handle, at open too.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_payload_is_reported_at_its_position() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let log = fresh_log(&conninfo, "corrupt").await;
    let table = format!("public.\"{}\"", log.table());
    let client = raw_client(&conninfo).await;
    conformance::corrupt_record_is_reported(Arc::new(log), |position| async move {
        let position = i64::try_from(position).expect("small position");
        let sql = format!("UPDATE {table} SET payload = '\\x6e6f7065' WHERE position = $1");
        let updated = client.execute(&sql, &[&position]).await.expect("corrupt");
        assert_eq!(updated, 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_record_is_a_corrupt_log_not_a_silent_gap() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let log = fresh_log(&conninfo, "hole").await;
    for n in 1..=4 {
        log.append(vec![event("A", json!({ "n": n }))], Condition::None)
            .await
            .expect("append");
    }
    let client = raw_client(&conninfo).await;
    let sql = format!("DELETE FROM public.\"{}\" WHERE position = 2", log.table());
    client.execute(&sql, &[]).await.expect("delete");
    match log.read(0, &KindFilter::All, 10).await {
        Err(LogError::Corrupt { position: 2, .. }) => {}
        other => panic!("expected Corrupt at 2, got {other:?}"),
    }
    let after = log.read(2, &KindFilter::All, 10).await.expect("read after");
    assert_eq!(after.records.len(), 2);
}

/// Shifts the rows at positions `from` to `to` of `table` up by one
/// (by way of positions far above, since the primary key is checked row
/// by row).
async fn shift_up(client: &tokio_postgres::Client, table: &str, from: i64, to: i64) {
    let table = format!("public.\"{table}\"");
    let out = format!(
        "UPDATE {table} SET position = position + 1000000 WHERE position BETWEEN $1 AND $2"
    );
    client
        .execute(&out, &[&from, &to])
        .await
        .expect("shift out");
    let back = format!("UPDATE {table} SET position = position - 999999 WHERE position > 1000000");
    client.execute(&back, &[]).await.expect("shift back");
}

/// Issue 19: rows 6 to 10 of a log of 10 shifted up by one behind an open
/// handle; a read finds the gap at 6, and the same handle then refuses
/// every append naming 6 (it appended at 12 before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_log_is_latched() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let log = fresh_log(&conninfo, "latched").await;
    let table = log.table().to_owned();
    let client = raw_client(&conninfo).await;
    conformance::a_damaged_log_takes_no_appends(Arc::new(log), || async {
        shift_up(&client, &table, 6, 10).await;
    })
    .await;
}

/// Damage in the tables is found when the log is opened: the log opens for
/// reading, and refuses every append naming the first damaged position (0
/// for a kind's stored newest position, which is not one record).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_damaged_log_latches_it() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let client = raw_client(&conninfo).await;
    // What is done to the table, the first damaged position, the head.
    let damages: [(&str, &str, Position, Position); 4] = [
        (
            "a row deleted",
            "DELETE FROM {events} WHERE position = 6",
            6,
            100,
        ),
        ("rows shifted up", "", 6, 101),
        (
            "the newest row copied past the head",
            "INSERT INTO {events} SELECT 102, recorded_at, kind, payload FROM {events} \
             WHERE position = 100",
            101,
            102,
        ),
        (
            "a kind's newest position stale",
            "UPDATE {kinds} SET last_position = 50",
            0,
            100,
        ),
    ];
    for (what, damage, at, head) in damages {
        let table = unique_table("open_check");
        {
            let log = open_log(&conninfo, &table, None).await;
            let events = (1..=100).map(|n| event("A", json!({ "n": n }))).collect();
            log.append(events, Condition::None).await.expect("append");
        }
        if damage.is_empty() {
            shift_up(&client, &table, 6, 100).await;
        } else {
            let sql = damage
                .replace("{events}", &format!("public.\"{table}\""))
                .replace("{kinds}", &format!("public.\"{table}_kinds\""));
            client.execute(&sql, &[]).await.expect(what);
        }
        let log: SharedLog = Arc::new(open_log(&conninfo, &table, None).await);
        let before = log
            .read(0, &KindFilter::All, 5)
            .await
            .unwrap_or_else(|e| panic!("{what}: read: {e}"));
        let positions: Vec<Position> = before.records.iter().map(|r| r.position).collect();
        assert_eq!(positions, [1, 2, 3, 4, 5], "{what}");
        eprintln!("{what}");
        conformance::appends_are_refused(&log, at, head).await;
    }
}
