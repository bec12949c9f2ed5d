//! Query plans on a large log: the condition check and filtered reads use the
//! indexes.

use super::*;

/// The condition check reads the head and the per-kind last positions, a
/// filtered read pages through the (kind, position) index; on a large log
/// neither may scan the events table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_condition_check_and_filtered_reads_use_indexes_on_a_large_log() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    const EVENTS: i64 = 200_000;
    let log = fresh_log(&conninfo, "plan").await;
    let table = format!("public.\"{}\"", log.table());
    let kinds = format!("public.\"{}_kinds\"", log.table());
    let client = raw_client(&conninfo).await;
    client
        .batch_execute(&format!(
            "BEGIN;
             SELECT pg_advisory_xact_lock({key});
             INSERT INTO {table}
                 SELECT g, now(), 'Kind' || (g % 50), '\\x7b7d'::bytea
                 FROM generate_series(1, {EVENTS}) AS g;
             INSERT INTO {kinds} SELECT kind, max(position) FROM {table} GROUP BY kind;
             COMMIT;
             ANALYZE {table};
             ANALYZE {kinds};",
            key = log.lock_key()
        ))
        .await
        .expect("fill the log");

    let plan = log.explain_plans().await.expect("explain");
    assert!(plan.contains("-- append check") && plan.contains("-- filtered read"));
    for line in plan.lines() {
        if let Some(rest) = line.split("Seq Scan on ").nth(1) {
            let scanned = rest.split_whitespace().next().unwrap_or_default();
            assert_ne!(
                scanned.trim_matches('"'),
                log.table(),
                "the events table is scanned:\n{plan}"
            );
        }
    }
    assert!(plan.contains("Index Only Scan Backward"), "{plan}");
    let (_, filtered) = plan.split_once("-- filtered read").expect("titled");
    assert!(
        filtered.contains(&format!("{}_kind_pos", log.table())),
        "a filtered read pages through the kind index:\n{plan}"
    );

    let page = log
        .read(100, &KindFilter::kinds(["Kind7", "Kind9"]), 4)
        .await
        .expect("filtered read");
    let positions: Vec<Position> = page.records.iter().map(|r| r.position).collect();
    assert_eq!(positions, [107, 109, 157, 159]);
    assert_eq!((page.head, page.through), (EVENTS as Position, 159));

    // And the check works on it: a kind written at the end conflicts, one
    // written long ago does not.
    let last_kind = format!("Kind{}", EVENTS % 50);
    let conflict = log
        .append(
            vec![event("New", json!({}))],
            Condition::NoneOfKindsAfter {
                kinds: vec![last_kind.clone(), "Never".into()].into(),
                after: EVENTS as Position - 1,
            },
        )
        .await;
    match conflict {
        Err(LogError::Conflict(conflict)) => {
            assert_eq!(conflict.found, Some((EVENTS as Position, last_kind)));
            assert_eq!(conflict.head, EVENTS as Position);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let appended = log
        .append(
            vec![event("New", json!({}))],
            Condition::NoneOfKindsAfter {
                // Kind7's last event is at 199,957.
                kinds: vec!["Kind7".into()].into(),
                after: EVENTS as Position - 40,
            },
        )
        .await
        .expect("no Kind7 in the last 40 events");
    assert_eq!(appended.first, EVENTS as Position + 1);
}
