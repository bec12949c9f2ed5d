//! Appends with parts, through the log and through a write lock: each part's
//! positions, replays of keys already in the log or twice in one append,
//! empty keyed parts, conflicts, parts that do not add up, and racing keyed
//! parts.

use std::sync::Arc;

use super::helpers::{
    Via, append, append_parts, assert_positions, event, events, key, kinds, part_spans, print,
    read_all,
};
use crate::{Append, AppendPart, Appended, Condition, Fingerprint, LogError, Position, SharedLog};
use serde_json::json;

/// Parts without keys: each gets its own sub-range of the events written,
/// an empty part the empty range where it stands; `append_with` reports
/// the whole.
pub async fn parts_get_their_own_positions(log: SharedLog) {
    parts_get_their_own_positions_via(log, Via::Log).await;
}

/// [`parts_get_their_own_positions`] through a write lock.
pub async fn parts_get_their_own_positions_under_a_lock(log: SharedLog) {
    parts_get_their_own_positions_via(log, Via::Lock).await;
}

async fn parts_get_their_own_positions_via(log: SharedLog, via: Via) {
    append(&log, vec![event("Before", json!({}))]).await;
    let mut batch = events("A", 2);
    batch.extend(events("B", 1));
    let parts = vec![AppendPart::new(2), AppendPart::new(0), AppendPart::new(1)];
    let appended = append_parts(&log, via, Append::new(batch).parts(parts))
        .await
        .expect("append parts");
    assert_eq!(
        (appended.appended.first, appended.appended.last),
        (2, 4),
        "the events written"
    );
    assert!(!appended.appended.replayed);
    assert_eq!(
        part_spans(&appended),
        [(2, 3, false), (4, 3, false), (4, 4, false)]
    );
    assert!(
        appended
            .parts
            .iter()
            .all(|p| p.appended.recorded_at == appended.appended.recorded_at)
    );
    assert_eq!(kinds(&log).await, ["Before", "A", "A", "B"]);
    let whole = log
        .append_with(
            Append::new(events("C", 2)).parts(vec![AppendPart::new(1), AppendPart::new(1)]),
        )
        .await
        .expect("append_with with parts");
    assert_eq!((whole.first, whole.last, whole.replayed), (5, 6, false));
}

/// A part whose key is in the log writes nothing and gets the first use's
/// positions, time and fingerprint (not its own); the parts after it move
/// up; the new keys are recorded with their own sub-ranges.
pub async fn a_part_whose_key_is_in_the_log_is_replayed(log: SharedLog) {
    a_part_whose_key_is_in_the_log_is_replayed_via(log, Via::Log).await;
}

/// [`a_part_whose_key_is_in_the_log_is_replayed`] through a write lock.
pub async fn a_part_whose_key_is_in_the_log_is_replayed_under_a_lock(log: SharedLog) {
    a_part_whose_key_is_in_the_log_is_replayed_via(log, Via::Lock).await;
}

async fn a_part_whose_key_is_in_the_log_is_replayed_via(log: SharedLog, via: Via) {
    let first_use = Append::new(events("First", 2)).parts(vec![
        AppendPart::new(2)
            .key(key("a"))
            .fingerprint(print("request-a")),
    ]);
    let first = append_parts(&log, via, first_use).await.expect("first use");
    assert_eq!(part_spans(&first), [(1, 2, false)]);
    assert_eq!(first.parts[0].fingerprint, Some(print("request-a")));
    let mut batch = events("Before", 1);
    batch.extend(events("Again", 2));
    batch.extend(events("After", 1));
    let parts = vec![
        AppendPart::new(1),
        AppendPart::new(2)
            .key(key("a"))
            .fingerprint(print("another-request")),
        AppendPart::new(1)
            .key(key("b"))
            .fingerprint(print("request-b")),
    ];
    // The condition holds: judged against the log before the append.
    let condition = Condition::HeadIs(2);
    let appended = append_parts(
        &log,
        via,
        Append::new(batch).parts(parts).condition(condition),
    )
    .await
    .expect("append parts");
    assert_eq!(
        part_spans(&appended),
        [(3, 3, false), (1, 2, true), (4, 4, false)]
    );
    assert_eq!((appended.appended.first, appended.appended.last), (3, 4));
    let replayed = &appended.parts[1];
    assert_eq!(replayed.appended.recorded_at, first.appended.recorded_at);
    assert_eq!(
        replayed.fingerprint,
        Some(print("request-a")),
        "the first use's fingerprint, not the repeat's"
    );
    assert_eq!(kinds(&log).await, ["First", "First", "Before", "After"]);
    let found = log.find_key(&key("b")).await.expect("find_key").expect("b");
    assert_eq!(
        (
            found.appended.first,
            found.appended.last,
            found.appended.replayed
        ),
        (4, 4, true)
    );
    assert_eq!(found.fingerprint, Some(print("request-b")));
    let found = log.find_key(&key("a")).await.expect("find_key").expect("a");
    assert_eq!(*replayed, found);
    // A whole-append key replays a part's key too.
    let again = log
        .append_with(Append::new(events("Again", 1)).key(key("b")))
        .await
        .expect("a whole-append key");
    assert_eq!((again.first, again.last, again.replayed), (4, 4, true));
    assert_eq!(log.head().await.expect("head"), 4);
}

/// A key used by two parts of one append: the second writes nothing and
/// gets the first part's positions and fingerprint.
pub async fn a_key_twice_in_one_append_replays_the_first_part(log: SharedLog) {
    a_key_twice_in_one_append_replays_the_first_part_via(log, Via::Log).await;
}

/// [`a_key_twice_in_one_append_replays_the_first_part`] through a write
/// lock.
pub async fn a_key_twice_in_one_append_replays_the_first_part_under_a_lock(log: SharedLog) {
    a_key_twice_in_one_append_replays_the_first_part_via(log, Via::Lock).await;
}

async fn a_key_twice_in_one_append_replays_the_first_part_via(log: SharedLog, via: Via) {
    let mut batch = events("Once", 1);
    batch.extend(events("Twice", 2));
    batch.extend(events("After", 1));
    let parts = vec![
        AppendPart::new(1).key(key("k")).fingerprint(print("f1")),
        AppendPart::new(2).key(key("k")).fingerprint(print("f2")),
        AppendPart::new(1),
    ];
    let appended = append_parts(&log, via, Append::new(batch).parts(parts))
        .await
        .expect("append parts");
    assert_eq!(
        part_spans(&appended),
        [(1, 1, false), (1, 1, true), (2, 2, false)]
    );
    assert_eq!(appended.parts[1].fingerprint, Some(print("f1")));
    assert_eq!(kinds(&log).await, ["Once", "After"]);
    let found = log.find_key(&key("k")).await.expect("find_key").expect("k");
    assert_eq!((found.appended.first, found.appended.last), (1, 1));
    assert_eq!(found.fingerprint, Some(print("f1")));
}

/// A keyed part without events records its key with the empty range where
/// it stands, so a repeat is a replay; an append of that part alone too.
pub async fn an_empty_keyed_part_records_its_key(log: SharedLog) {
    an_empty_keyed_part_records_its_key_via(log, Via::Log).await;
}

/// [`an_empty_keyed_part_records_its_key`] through a write lock.
pub async fn an_empty_keyed_part_records_its_key_under_a_lock(log: SharedLog) {
    an_empty_keyed_part_records_its_key_via(log, Via::Lock).await;
}

async fn an_empty_keyed_part_records_its_key_via(log: SharedLog, via: Via) {
    append(&log, vec![event("Before", json!({}))]).await;
    let parts = vec![
        AppendPart::new(0)
            .key(key("empty"))
            .fingerprint(print("fe")),
        AppendPart::new(1),
    ];
    let appended = append_parts(&log, via, Append::new(events("A", 1)).parts(parts))
        .await
        .expect("append parts");
    assert_eq!(part_spans(&appended), [(2, 1, false), (2, 2, false)]);
    let found = log
        .find_key(&key("empty"))
        .await
        .expect("find_key")
        .expect("the empty part's key is recorded");
    assert_eq!(
        (
            found.appended.first,
            found.appended.last,
            found.appended.replayed
        ),
        (2, 1, true)
    );
    assert!(found.appended.is_empty());
    assert_eq!(found.fingerprint, Some(print("fe")));
    // Alone, with no events at all: its key is recorded too.
    let alone = Append::new(Vec::new()).parts(vec![AppendPart::new(0).key(key("alone"))]);
    let appended = append_parts(&log, via, alone).await.expect("alone");
    assert_eq!(part_spans(&appended), [(3, 2, false)]);
    let found = log.find_key(&key("alone")).await.expect("find_key");
    assert_eq!(
        found.map(|f| (f.appended.first, f.appended.last)),
        Some((3, 2))
    );
    // A repeat is a replay, whatever its condition.
    let again = Append::new(Vec::new())
        .parts(vec![AppendPart::new(0).key(key("empty"))])
        .condition(Condition::HeadIs(0));
    let appended = append_parts(&log, via, again).await.expect("replay");
    assert_eq!(part_spans(&appended), [(2, 1, true)]);
    assert_eq!(log.head().await.expect("head"), 2);
}

/// An append with parts whose condition fails writes nothing and records
/// none of its keys; one that would write nothing (every part replayed)
/// succeeds whatever its condition.
pub async fn a_conflict_writes_no_part_and_records_no_key(log: SharedLog) {
    a_conflict_writes_no_part_and_records_no_key_via(log, Via::Log).await;
}

/// [`a_conflict_writes_no_part_and_records_no_key`] through a write lock.
pub async fn a_conflict_writes_no_part_and_records_no_key_under_a_lock(log: SharedLog) {
    a_conflict_writes_no_part_and_records_no_key_via(log, Via::Lock).await;
}

async fn a_conflict_writes_no_part_and_records_no_key_via(log: SharedLog, via: Via) {
    let first = Append::new(events("A", 1)).parts(vec![AppendPart::new(1).key(key("old"))]);
    append_parts(&log, via, first).await.expect("first");
    let stale = Append::new(events("B", 2))
        .parts(vec![
            AppendPart::new(1).key(key("old")),
            AppendPart::new(1).key(key("new")),
            AppendPart::new(0).key(key("empty")),
        ])
        .condition(Condition::HeadIs(0));
    match append_parts(&log, via, stale).await {
        Err(LogError::Conflict(conflict)) => assert_eq!(conflict.head, 1),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(log.find_key(&key("new")).await.expect("find_key"), None);
    assert_eq!(log.find_key(&key("empty")).await.expect("find_key"), None);
    assert_eq!(kinds(&log).await, ["A"]);
    let replays = Append::new(events("B", 1))
        .parts(vec![AppendPart::new(1).key(key("old")), AppendPart::new(0)])
        .condition(Condition::HeadIs(0));
    let appended = append_parts(&log, via, replays)
        .await
        .expect("only replays: no conflict");
    assert_eq!(part_spans(&appended), [(1, 1, true), (2, 1, false)]);
    assert!(appended.appended.is_empty());
    assert_eq!(log.head().await.expect("head"), 1);
}

/// Parts whose lengths do not add up to the events, or parts beside a
/// whole-append key, are refused (`Config`) and write nothing; so are
/// fingerprints that are empty, too long or have control characters.
pub async fn parts_must_add_up_to_the_events(log: SharedLog) {
    parts_must_add_up_to_the_events_via(log, Via::Log).await;
}

/// [`parts_must_add_up_to_the_events`] through a write lock.
pub async fn parts_must_add_up_to_the_events_under_a_lock(log: SharedLog) {
    parts_must_add_up_to_the_events_via(log, Via::Lock).await;
}

async fn parts_must_add_up_to_the_events_via(log: SharedLog, via: Via) {
    let refused = [
        Append::new(events("A", 3)).parts(vec![AppendPart::new(1), AppendPart::new(1)]),
        Append::new(events("A", 1)).parts(vec![AppendPart::new(1), AppendPart::new(1)]),
        Append::new(Vec::new()).parts(vec![AppendPart::new(1).key(key("over"))]),
        Append::new(events("A", 1))
            .key(key("whole"))
            .parts(vec![AppendPart::new(1).key(key("part"))]),
    ];
    for append in refused {
        let described = format!("{append:?}");
        match append_parts(&log, via, append).await {
            Err(LogError::Config(_)) => {}
            other => panic!("{described}: expected a config error, got {other:?}"),
        }
    }
    assert_eq!(log.head().await.expect("head"), 0);
    for name in ["over", "whole", "part"] {
        assert_eq!(log.find_key(&key(name)).await.expect("find_key"), None);
    }
    for bad in [String::new(), "f".repeat(65), "a\nb".to_owned()] {
        assert!(
            matches!(Fingerprint::new(bad.clone()), Err(LogError::Config(_))),
            "{bad:?}"
        );
    }
    assert_eq!(print(&"f".repeat(64)).as_str().len(), 64);
}

/// Many appends with parts at the same moment (so a backend that groups
/// commits gets them in one group), each with a part under one shared key
/// and a part under its own: the shared part is written once and every
/// other racer replays it, every own part is written.
pub async fn keyed_parts_racing_write_once(log: SharedLog) {
    const RACERS: usize = 16;
    let start = Arc::new(tokio::sync::Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for n in 0..RACERS {
        let (log, start) = (Arc::clone(&log), Arc::clone(&start));
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let mut batch = events("Shared", 2);
            batch.extend(events("Own", 1));
            let parts = vec![
                AppendPart::new(2).key(key("shared")),
                AppendPart::new(1).key(key(&format!("own-{n}"))),
            ];
            log.append_parts(Append::new(batch).parts(parts)).await
        }));
    }
    let mut shared = Vec::new();
    for task in tasks {
        let appended = task.await.expect("task").expect("append parts");
        assert!(!appended.parts[1].appended.replayed);
        shared.push(appended.parts[0].appended);
    }
    let written: Vec<&Appended> = shared.iter().filter(|a| !a.replayed).collect();
    assert_eq!(written.len(), 1, "exactly one racer writes the shared part");
    let first = *written[0];
    assert!(
        shared
            .iter()
            .all(|a| (a.first, a.last) == (first.first, first.last)),
        "{shared:?}"
    );
    let records = read_all(&log).await;
    assert_positions(&records, 1..=(RACERS as Position + 2));
    assert_eq!(records.iter().filter(|r| r.kind == "Shared").count(), 2);
}
