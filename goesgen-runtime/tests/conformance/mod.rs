//! The conformance suite of the event log: the promises of the `EventLog`
//! trait, written once and run against every backend.
//!
//! # Using it from a backend's test file
//!
//! ```ignore
//! mod conformance;
//!
//! // One #[tokio::test] per check, named after it; the expression is a
//! // closure returning a future of a fresh, EMPTY `SharedLog`.
//! conformance::conformance_tests!(|| async { goesgen_runtime::MemoryLog::shared() });
//!
//! // A backend that may be absent: the factory gives Option<SharedLog>,
//! // and a check with None returns at once (after the factory said why).
//! conformance::conformance_tests!(optional || async { maybe_connect().await });
//!
//! // Corruption is backend-specific: hand the check a hook that damages the
//! // stored record at a position (e.g. raw SQL on a second connection).
//! #[tokio::test]
//! async fn corrupt_payload() {
//!     let log = /* fresh log */;
//!     conformance::corrupt_record_is_reported(log, |position| async move {
//!         /* corrupt the record at `position` */
//!     })
//!     .await;
//! }
//! ```
//!
//! `a_damaged_log_takes_no_appends` takes a hook too (one that shifts the
//! rows at positions 6 to 10 up by one): a handle that has found its log
//! damaged refuses every append (`appends_are_refused`).
//!
//! A backend that cannot reach its database (PostgreSQL without
//! `GOESGEN_TEST_POSTGRES`) uses the `optional` form (or `run_all` behind
//! its own check); every check assumes it gets a working, empty log.
//!
//! What a backend must do to pass, beyond the trait's docs:
//! - validate appends with the runtime's shared checks (`stored::check_append`:
//!   `LogError::InvalidEvent` for an empty kind or a payload that is not one
//!   JSON object) and judge conditions with `stored::judge`, so errors and
//!   `Conflict`s match across backends;
//! - plan appends with parts with the runtime's `parts::plan` (which parts
//!   are replays, where the others go, whether the condition is judged), so
//!   parts are answered alike;
//! - return payloads byte for byte as appended (store JSON text, not a
//!   normalised form);
//! - store `recorded_at` with microsecond precision, the same for all events
//!   of a batch and equal to `Appended::recorded_at`;
//! - end every `Subscription` with `LogError::Closed` once the last handle of
//!   the log is dropped.
#![allow(dead_code)] // each backend's test crate uses its own share of it

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use goesgen_runtime::{
    Append, AppendPart, Appended, AppendedParts, Condition, Conflict, Fingerprint, IdempotencyKey,
    KindFilter, LogError, LogReader, NewEvent, Position, Record, SharedLog,
};
use serde_json::{Value, json};

/// How long a check may wait for something that should happen at once.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Expands to one `#[tokio::test]` per check of the suite, each on a fresh
/// log from `$make` (a closure returning a future of an empty `SharedLog`).
///
/// `conformance_tests!(optional $make)` takes a closure returning a future
/// of `Option<SharedLog>` instead: a check whose factory gives `None` (no
/// database configured) returns at once, so a backend that may be absent
/// still gets one test per check, reported by name.
macro_rules! conformance_tests {
    (optional $make:expr) => {
        $crate::conformance::conformance_tests!(@each $make;
            empty_log,
            appends_get_consecutive_positions,
            payloads_round_trip_exactly,
            empty_batch_is_a_no_op,
            invalid_events_are_rejected_whole,
            head_is_condition,
            none_of_kinds_after_condition,
            conflicting_batch_writes_nothing,
            filtered_reads_report_head_and_through,
            reads_at_the_edges,
            batched_reader_reads_a_long_log,
            concurrent_appenders_get_gap_free_positions,
            contended_head_conditions_lose_no_update,
            kind_conditions_on_distinct_kinds_never_conflict,
            group_members_are_judged_alone,
            subscription_wakes_on_append,
            subscription_closes_with_the_log,
            keyed_append_writes_once,
            keys_replay_whatever_the_condition,
            keyed_appends_racing_write_once,
            parts_get_their_own_positions,
            parts_get_their_own_positions_under_a_lock,
            a_part_whose_key_is_in_the_log_is_replayed,
            a_part_whose_key_is_in_the_log_is_replayed_under_a_lock,
            a_key_twice_in_one_append_replays_the_first_part,
            a_key_twice_in_one_append_replays_the_first_part_under_a_lock,
            an_empty_keyed_part_records_its_key,
            an_empty_keyed_part_records_its_key_under_a_lock,
            a_conflict_writes_no_part_and_records_no_key,
            a_conflict_writes_no_part_and_records_no_key_under_a_lock,
            parts_must_add_up_to_the_events,
            parts_must_add_up_to_the_events_under_a_lock,
            keyed_parts_racing_write_once,
            recorded_at_is_as_asked,
            write_lock_excludes_other_appends,
            dropping_a_write_lock_releases_it,
            an_append_now_lands_once_or_is_handed_back,
            oversized_events_are_refused_alone,
            reads_stop_at_the_byte_budget,
        );
    };
    ($make:expr) => {
        $crate::conformance::conformance_tests!(optional {
            let make = $make;
            move || {
                let log = make();
                async move { Some(log.await) }
            }
        });
    };
    (@each $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $check() {
                let make = $make;
                let log: Option<goesgen_runtime::SharedLog> = make().await;
                let Some(log) = log else {
                    return; // the factory said why it skips
                };
                tokio::time::timeout(
                    std::time::Duration::from_secs(120),
                    $crate::conformance::$check(log),
                )
                .await
                .expect(concat!(stringify!($check), " timed out"));
            }
        )*
    };
}
pub(crate) use conformance_tests;

/// Runs every check in turn, each on a fresh log from `make`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedLog>,
{
    empty_log(make().await).await;
    appends_get_consecutive_positions(make().await).await;
    payloads_round_trip_exactly(make().await).await;
    empty_batch_is_a_no_op(make().await).await;
    invalid_events_are_rejected_whole(make().await).await;
    head_is_condition(make().await).await;
    none_of_kinds_after_condition(make().await).await;
    conflicting_batch_writes_nothing(make().await).await;
    filtered_reads_report_head_and_through(make().await).await;
    reads_at_the_edges(make().await).await;
    batched_reader_reads_a_long_log(make().await).await;
    concurrent_appenders_get_gap_free_positions(make().await).await;
    contended_head_conditions_lose_no_update(make().await).await;
    kind_conditions_on_distinct_kinds_never_conflict(make().await).await;
    group_members_are_judged_alone(make().await).await;
    subscription_wakes_on_append(make().await).await;
    subscription_closes_with_the_log(make().await).await;
    keyed_append_writes_once(make().await).await;
    keys_replay_whatever_the_condition(make().await).await;
    keyed_appends_racing_write_once(make().await).await;
    parts_get_their_own_positions(make().await).await;
    parts_get_their_own_positions_under_a_lock(make().await).await;
    a_part_whose_key_is_in_the_log_is_replayed(make().await).await;
    a_part_whose_key_is_in_the_log_is_replayed_under_a_lock(make().await).await;
    a_key_twice_in_one_append_replays_the_first_part(make().await).await;
    a_key_twice_in_one_append_replays_the_first_part_under_a_lock(make().await).await;
    an_empty_keyed_part_records_its_key(make().await).await;
    an_empty_keyed_part_records_its_key_under_a_lock(make().await).await;
    a_conflict_writes_no_part_and_records_no_key(make().await).await;
    a_conflict_writes_no_part_and_records_no_key_under_a_lock(make().await).await;
    parts_must_add_up_to_the_events(make().await).await;
    parts_must_add_up_to_the_events_under_a_lock(make().await).await;
    keyed_parts_racing_write_once(make().await).await;
    recorded_at_is_as_asked(make().await).await;
    write_lock_excludes_other_appends(make().await).await;
    dropping_a_write_lock_releases_it(make().await).await;
    an_append_now_lands_once_or_is_handed_back(make().await).await;
    oversized_events_are_refused_alone(make().await).await;
    reads_stop_at_the_byte_budget(make().await).await;
}

// ---------------------------------------------------------------- helpers

/// An event of `kind` with a JSON payload.
pub fn event(kind: &str, payload: Value) -> NewEvent {
    NewEvent::new(kind, payload.to_string())
}

/// Appends unconditionally and returns what was appended.
pub async fn append(log: &SharedLog, events: Vec<NewEvent>) -> Appended {
    log.append(events, Condition::None)
        .await
        .expect("unconditional append")
}

/// Every record of the log, read with the batched reader.
pub async fn read_all(log: &SharedLog) -> Vec<Record> {
    let mut reader = LogReader::new(&**log, KindFilter::All, 0).with_batch_size(500);
    let mut all = Vec::new();
    while let Some(batch) = reader.next_batch().await.expect("read") {
        all.extend(batch);
    }
    all
}

/// The payload of a record as JSON.
pub fn payload(record: &Record) -> Value {
    serde_json::from_slice(&record.payload).expect("stored payload is JSON")
}

/// The conflict inside an append's error, failing the check otherwise.
pub fn expect_conflict(result: Result<Appended, LogError>) -> Conflict {
    match result {
        Err(LogError::Conflict(conflict)) => conflict,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

fn assert_positions(records: &[Record], expected: impl IntoIterator<Item = Position>) {
    let got: Vec<Position> = records.iter().map(|r| r.position).collect();
    let expected: Vec<Position> = expected.into_iter().collect();
    assert_eq!(got, expected, "positions of the records read");
}

// ----------------------------------------------------------------- checks

/// A fresh log is empty: head 0, reads return nothing and cover nothing.
pub async fn empty_log(log: SharedLog) {
    assert_eq!(log.head().await.expect("head"), 0);
    let batch = log.read(0, &KindFilter::All, 10).await.expect("read");
    assert!(batch.records.is_empty());
    assert_eq!((batch.head, batch.through), (0, 0));
    assert_eq!(log.subscribe().head(), 0);
}

/// Appends take consecutive positions from 1, and reads return the records
/// as appended, with one microsecond-precision time per batch.
pub async fn appends_get_consecutive_positions(log: SharedLog) {
    let before = SystemTime::now() - Duration::from_secs(60);
    let first = append(
        &log,
        vec![
            event("TicketCreated", json!({"id": "t1"})),
            event("TicketAssigned", json!({"id": "t1", "to": "ann"})),
            event("TicketCreated", json!({"id": "t2"})),
        ],
    )
    .await;
    assert_eq!((first.first, first.last, first.len()), (1, 3, 3));
    let second = append(&log, vec![event("TicketClosed", json!({"id": "t1"}))]).await;
    assert_eq!((second.first, second.last), (4, 4));
    assert_eq!(second.positions().collect::<Vec<_>>(), vec![4]);
    assert_eq!(log.head().await.expect("head"), 4);

    let records = read_all(&log).await;
    assert_positions(&records, 1..=4);
    let kinds: Vec<&str> = records.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "TicketCreated",
            "TicketAssigned",
            "TicketCreated",
            "TicketClosed"
        ]
    );
    assert_eq!(payload(&records[1]), json!({"id": "t1", "to": "ann"}));
    for record in &records[..3] {
        assert_eq!(record.recorded_at, first.recorded_at, "one time per batch");
    }
    assert_eq!(records[3].recorded_at, second.recorded_at);
    let after = SystemTime::now() + Duration::from_secs(60);
    for record in &records {
        assert!(record.recorded_at > before && record.recorded_at < after);
        let since_epoch = record
            .recorded_at
            .duration_since(SystemTime::UNIX_EPOCH)
            .expect("after the epoch");
        assert_eq!(
            since_epoch.subsec_nanos() % 1000,
            0,
            "microsecond precision"
        );
    }
    assert!(second.recorded_at >= first.recorded_at);
}

/// Payloads come back byte for byte: spacing, key order, escapes, Unicode.
pub async fn payloads_round_trip_exactly(log: SharedLog) {
    let payloads: [&str; 4] = [
        r#"{"b":1,"a":2}"#,
        "{ \"spaced\" : [1, 2.50, null] ,\n \"t\":true }",
        r#"{"text":"Grüße, 世界 🎫 \"quoted\" \\ \u00e9 \n"}"#,
        r#"{"nested":{"deep":{"list":[{},[],""]}},"big":12345678901234567890}"#,
    ];
    let events = payloads.iter().map(|p| NewEvent::new("Text", *p)).collect();
    append(&log, events).await;
    let records = read_all(&log).await;
    let got: Vec<&[u8]> = records.iter().map(|r| r.payload.as_slice()).collect();
    let expected: Vec<&[u8]> = payloads.iter().map(|p| p.as_bytes()).collect();
    assert_eq!(got, expected);
}

/// An empty batch writes nothing, succeeds whatever its condition, and
/// does not wake followers.
pub async fn empty_batch_is_a_no_op(log: SharedLog) {
    append(&log, vec![event("A", json!({}))]).await;
    let mut subscription = log.subscribe();
    let conditions = [
        Condition::None,
        Condition::HeadIs(99),
        Condition::NoneOfKindsAfter {
            kinds: vec!["A".into()].into(),
            after: 0,
        },
    ];
    for condition in conditions {
        let appended = log
            .append(Vec::new(), condition)
            .await
            .expect("empty append");
        assert!(appended.is_empty());
        assert_eq!((appended.first, appended.last), (2, 1));
        assert_eq!(appended.positions().count(), 0);
    }
    assert_eq!(log.head().await.expect("head"), 1);
    let woke = tokio::time::timeout(Duration::from_millis(200), subscription.changed()).await;
    assert!(woke.is_err(), "an empty batch woke a follower: {woke:?}");
}

/// A batch with an invalid event is refused with its index, and nothing of
/// it is written.
pub async fn invalid_events_are_rejected_whole(log: SharedLog) {
    let bad: [NewEvent; 4] = [
        NewEvent::new("", "{}"),
        NewEvent::new("K", "not json"),
        NewEvent::new("K", "[1, 2]"),
        NewEvent::new("K", vec![b'{', b'"', 0xff, b'"', b':', b'1', b'}']),
    ];
    for bad in bad {
        let batch = vec![event("Good", json!({"n": 1})), bad.clone()];
        match log.append(batch, Condition::None).await {
            Err(LogError::InvalidEvent { index: 1, .. }) => {}
            other => panic!("{bad:?} in a batch gave {other:?}"),
        }
    }
    assert_eq!(log.head().await.expect("head"), 0);
    assert!(read_all(&log).await.is_empty());
}

/// `HeadIs(V)` holds exactly when the head is V; the conflict says what
/// the head was.
pub async fn head_is_condition(log: SharedLog) {
    let ok = log
        .append(vec![event("A", json!({}))], Condition::HeadIs(0))
        .await
        .expect("head is 0");
    assert_eq!(ok.first, 1);
    log.append(vec![event("A", json!({}))], Condition::HeadIs(1))
        .await
        .expect("head is 1");
    for stale in [0, 1, 3, 100] {
        let conflict = expect_conflict(
            log.append(vec![event("B", json!({}))], Condition::HeadIs(stale))
                .await,
        );
        assert_eq!(
            conflict,
            Conflict {
                condition: Condition::HeadIs(stale),
                head: 2,
                found: None,
            }
        );
    }
    assert_eq!(log.head().await.expect("head"), 2);
}

/// `NoneOfKindsAfter` fails only for an event of one of its kinds after its
/// position, and reports the newest such event.
pub async fn none_of_kinds_after_condition(log: SharedLog) {
    // 1 A, 2 B, 3 A, 4 C
    for kind in ["A", "B", "A", "C"] {
        append(&log, vec![event(kind, json!({}))]).await;
    }
    let holds = |kinds: &[&str], after: Position| Condition::NoneOfKindsAfter {
        kinds: kinds.iter().map(|k| k.to_string()).collect(),
        after,
    };
    // Holds: no A after 3 (C at 4 does not count), nothing of unknown
    // kinds, nothing of no kinds.
    for condition in [
        holds(&["A"], 3),
        holds(&["Z"], 0),
        holds(&[], 0),
        holds(&["A", "B", "C"], 4),
    ] {
        log.append(vec![event("D", json!({}))], condition.clone())
            .await
            .unwrap_or_else(|e| panic!("{condition} should hold: {e}"));
    }
    // Head is now 8 (four D events at 5..=8).
    let cases = [
        (holds(&["A", "B"], 1), (3, "A")),
        (holds(&["B"], 1), (2, "B")),
        (holds(&["B", "C"], 2), (4, "C")),
        (holds(&["D", "A"], 0), (8, "D")),
    ];
    for (condition, (position, kind)) in cases {
        let conflict = expect_conflict(
            log.append(vec![event("E", json!({}))], condition.clone())
                .await,
        );
        assert_eq!(
            conflict,
            Conflict {
                condition,
                head: 8,
                found: Some((position, kind.to_string())),
            }
        );
    }
    assert_eq!(log.head().await.expect("head"), 8);
}

/// A batch whose condition fails leaves no trace; the same batch goes in
/// whole once its condition holds.
pub async fn conflicting_batch_writes_nothing(log: SharedLog) {
    append(&log, vec![event("A", json!({"n": 0}))]).await;
    let batch: Vec<NewEvent> = (1..=5).map(|n| event("B", json!({"n": n}))).collect();
    expect_conflict(log.append(batch.clone(), Condition::HeadIs(0)).await);
    expect_conflict(
        log.append(
            batch.clone(),
            Condition::NoneOfKindsAfter {
                kinds: vec!["A".into()].into(),
                after: 0,
            },
        )
        .await,
    );
    assert_eq!(log.head().await.expect("head"), 1);
    assert_positions(&read_all(&log).await, [1]);
    let appended = log
        .append(batch, Condition::HeadIs(1))
        .await
        .expect("condition holds");
    assert_eq!((appended.first, appended.last), (2, 6));
    let records = read_all(&log).await;
    assert_positions(&records, 1..=6);
    let ns: Vec<Value> = records[1..]
        .iter()
        .map(|r| payload(r)["n"].clone())
        .collect();
    assert_eq!(ns, [1, 2, 3, 4, 5].map(Value::from));
}

/// Filtered reads return only their kinds, in order, and report the head
/// and how far they covered the log.
pub async fn filtered_reads_report_head_and_through(log: SharedLog) {
    // 1 A, 2 B, 3 A, 4 C, 5 B, 6 A
    for kind in ["A", "B", "A", "C", "B", "A"] {
        append(&log, vec![event(kind, json!({}))]).await;
    }
    let a = KindFilter::kinds(["A"]);
    let ab = KindFilter::kinds(["B", "A", "B"]);
    let none = KindFilter::kinds(["Z"]);
    let cases: [(Position, &KindFilter, usize, Vec<Position>, Position); 10] = [
        (0, &a, 10, vec![1, 3, 6], 6),
        (0, &a, 2, vec![1, 3], 3),
        (3, &a, 2, vec![6], 6),
        (0, &ab, 3, vec![1, 2, 3], 3),
        (3, &ab, 10, vec![5, 6], 6),
        (0, &none, 10, vec![], 6),
        (0, &KindFilter::All, 4, vec![1, 2, 3, 4], 4),
        (4, &KindFilter::All, 10, vec![5, 6], 6),
        (6, &KindFilter::All, 10, vec![], 6),
        (6, &a, 1, vec![], 6),
    ];
    for (after, filter, limit, expected, through) in cases {
        let batch = log.read(after, filter, limit).await.expect("read");
        let got: Vec<Position> = batch.records.iter().map(|r| r.position).collect();
        assert_eq!(got, expected, "read({after}, {filter:?}, {limit})");
        assert_eq!(batch.head, 6, "head of read({after}, {filter:?}, {limit})");
        assert_eq!(
            batch.through, through,
            "through of read({after}, {filter:?}, {limit})"
        );
        assert!(batch.records.iter().all(|r| filter.matches(&r.kind)));
    }
}

/// A `limit` of 0 reads nothing and covers nothing past `after` (or the
/// head, if lower); a read after the head returns nothing and reports the
/// head.
pub async fn reads_at_the_edges(log: SharedLog) {
    append(&log, (0..4).map(|n| event("A", json!({"n": n}))).collect()).await;
    let cases: [(Position, usize, Position); 5] =
        [(0, 0, 0), (2, 0, 2), (9, 0, 4), (4, 10, 4), (9, 10, 4)];
    for (after, limit, through) in cases {
        let batch = log
            .read(after, &KindFilter::All, limit)
            .await
            .expect("read");
        assert!(batch.records.is_empty(), "read({after}, All, {limit})");
        assert_eq!(
            (batch.head, batch.through),
            (4, through),
            "head and through of read({after}, All, {limit})"
        );
    }
    let none = log
        .read(0, &KindFilter::kinds(Vec::<String>::new()), 10)
        .await
        .expect("read");
    assert!(none.records.is_empty());
    assert_eq!((none.head, none.through), (4, 4), "a filter of no kinds");
}

/// The batched reader reads a long log in order, filtered or not, and
/// picks up what is appended after it caught up.
pub async fn batched_reader_reads_a_long_log(log: SharedLog) {
    const EVENTS: u64 = 6000;
    let kinds = ["A", "B", "C"];
    for start in (0..EVENTS).step_by(250) {
        let batch = (start..start + 250)
            .map(|n| event(kinds[(n % 3) as usize], json!({"n": n})))
            .collect();
        append(&log, batch).await;
    }
    let mut reader = LogReader::new(&*log, KindFilter::All, 0).with_batch_size(700);
    let mut seen = 0u64;
    let mut reads = 0;
    while let Some(batch) = reader.next_batch().await.expect("read") {
        assert!(batch.len() <= 700);
        for record in batch {
            assert_eq!(record.position, seen + 1);
            assert_eq!(payload(&record)["n"], json!(seen));
            seen += 1;
        }
        reads += 1;
    }
    assert_eq!((seen, reader.position(), reads), (EVENTS, EVENTS, 9));

    let mut only_b = LogReader::new(&*log, KindFilter::kinds(["B"]), 0).with_batch_size(128);
    let mut positions = Vec::new();
    while let Some(batch) = only_b.next_batch().await.expect("read") {
        positions.extend(batch.iter().map(|r| r.position));
    }
    let expected: Vec<Position> = (1..=EVENTS).filter(|p| (p - 1) % 3 == 1).collect();
    assert_eq!(positions, expected);
    assert_eq!(only_b.position(), EVENTS);

    append(
        &log,
        vec![event("C", json!({})), event("B", json!({"late": true}))],
    )
    .await;
    let late = only_b.next_batch().await.expect("read").expect("the new B");
    assert_positions(&late, [EVENTS + 2]);
    assert!(only_b.next_batch().await.expect("read").is_none());
}

/// 16 concurrent appenders: positions 1..N without gaps, each acknowledged
/// batch stored whole at the positions it was given, and a follower reading
/// concurrently sees exactly the final log.
pub async fn concurrent_appenders_get_gap_free_positions(log: SharedLog) {
    const WRITERS: u64 = 16;
    const BATCHES: u64 = 25;
    let size = |writer: u64, batch: u64| 1 + (writer + batch) % 3;
    let total: u64 = (0..WRITERS)
        .flat_map(|w| (0..BATCHES).map(move |b| size(w, b)))
        .sum();

    let follower = {
        let log = Arc::clone(&log);
        tokio::spawn(async move {
            let mut subscription = log.subscribe();
            let mut reader = LogReader::new(&*log, KindFilter::All, 0).with_batch_size(37);
            let mut seen = Vec::new();
            while (seen.len() as u64) < total {
                let batch = reader
                    .next_batch_or_wait(&mut subscription)
                    .await
                    .expect("follow");
                seen.extend(batch);
            }
            seen
        })
    };
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut acked = Vec::new();
                for batch in 0..BATCHES {
                    let events = (0..size(writer, batch))
                        .map(|item| {
                            event(
                                "Tick",
                                json!({"writer": writer, "batch": batch, "item": item}),
                            )
                        })
                        .collect();
                    let appended = log.append(events, Condition::None).await.expect("append");
                    acked.push((batch, appended));
                }
                (writer, acked)
            })
        })
        .collect();

    let mut expected: BTreeMap<Position, (u64, u64, u64)> = BTreeMap::new();
    for handle in writers {
        let (writer, acked) = handle.await.expect("writer task");
        let mut previous = 0;
        for (batch, appended) in acked {
            assert_eq!(appended.len() as u64, size(writer, batch));
            assert!(appended.first > previous, "one writer's batches in order");
            previous = appended.last;
            for (item, position) in appended.positions().enumerate() {
                let clash = expected.insert(position, (writer, batch, item as u64));
                assert!(clash.is_none(), "position {position} acknowledged twice");
            }
        }
    }
    assert_eq!(expected.len() as u64, total);
    assert_eq!(log.head().await.expect("head"), total);
    let records = read_all(&log).await;
    assert_positions(&records, 1..=total);
    for record in &records {
        let (writer, batch, item) = expected[&record.position];
        assert_eq!(
            payload(record),
            json!({"writer": writer, "batch": batch, "item": item}),
            "record at {}",
            record.position
        );
    }
    let followed = tokio::time::timeout(PATIENCE, follower)
        .await
        .expect("the follower caught up")
        .expect("follower task");
    assert_eq!(followed, records, "the follower saw exactly the log");
}

/// 16 tasks increment a counter with read-then-append under `HeadIs`: some
/// appends conflict, none is lost or doubled.
pub async fn contended_head_conditions_lose_no_update(log: SharedLog) {
    const TASKS: u64 = 16;
    const EACH: u64 = 4;
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let mut conflicts = 0u64;
                let mut done = 0;
                while done < EACH {
                    let head = log.head().await.expect("head");
                    let last = log
                        .read(head.saturating_sub(1), &KindFilter::All, 1)
                        .await
                        .expect("read");
                    if last.records.last().map_or(0, |r| r.position) != last.head {
                        continue; // the log moved between head() and read()
                    }
                    let value = last
                        .records
                        .first()
                        .map_or(0, |r| payload(r)["value"].as_u64().expect("value"));
                    let next = event("Counted", json!({"value": value + 1, "task": task}));
                    match log.append(vec![next], Condition::HeadIs(last.head)).await {
                        Ok(appended) => {
                            assert_eq!(appended.first, last.head + 1);
                            done += 1;
                        }
                        Err(LogError::Conflict(conflict)) => {
                            assert!(conflict.head > last.head);
                            conflicts += 1;
                        }
                        Err(other) => panic!("append failed: {other}"),
                    }
                }
                conflicts
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    let records = read_all(&log).await;
    assert_positions(&records, 1..=TASKS * EACH);
    for record in &records {
        assert_eq!(payload(record)["value"], json!(record.position));
    }
}

/// Writers that each condition only on their own kind never conflict, even
/// though their appends interleave.
pub async fn kind_conditions_on_distinct_kinds_never_conflict(log: SharedLog) {
    const TASKS: usize = 8;
    const EACH: usize = 10;
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let log = Arc::clone(&log);
            tokio::spawn(async move {
                let kind = format!("Kind{task}");
                let mut seen = 0;
                for n in 0..EACH {
                    let condition = Condition::NoneOfKindsAfter {
                        kinds: vec![kind.clone()].into(),
                        after: seen,
                    };
                    let appended = log
                        .append(vec![event(&kind, json!({"n": n}))], condition)
                        .await
                        .expect("no conflict on my own kind");
                    seen = appended.last;
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    assert_eq!(log.head().await.expect("head"), (TASKS * EACH) as Position);
}

/// Many appends at once (so a backend that commits them as one group gets
/// a group): exactly one of the competing conditional appends wins, the
/// losers see the winner in their conflict, and unconditional appends in
/// the same moment all succeed.
pub async fn group_members_are_judged_alone(log: SharedLog) {
    const EACH: usize = 24;
    let start = Arc::new(tokio::sync::Barrier::new(2 * EACH));
    let mut tasks = Vec::new();
    for n in 0..EACH {
        for competing in [true, false] {
            let log = Arc::clone(&log);
            let start = Arc::clone(&start);
            tasks.push(tokio::spawn(async move {
                let (kind, condition) = if competing {
                    let condition = Condition::NoneOfKindsAfter {
                        kinds: vec!["Claim".into()].into(),
                        after: 0,
                    };
                    ("Claim", condition)
                } else {
                    ("Other", Condition::None)
                };
                start.wait().await;
                let events = vec![event(kind, json!({"n": n})), event(kind, json!({"n": n}))];
                (competing, log.append(events, condition).await)
            }));
        }
    }
    let mut claims = Vec::new();
    let mut conflicts = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            (true, Ok(appended)) => claims.push(appended),
            (true, Err(LogError::Conflict(conflict))) => conflicts.push(conflict),
            (true, Err(other)) => panic!("claim failed: {other}"),
            (false, result) => {
                result.expect("an unconditional append beside conflicting ones");
            }
        }
    }
    assert_eq!(claims.len(), 1, "exactly one claim wins");
    assert_eq!(conflicts.len(), EACH - 1);
    let winner = claims[0];
    for conflict in conflicts {
        assert_eq!(conflict.found, Some((winner.last, "Claim".to_string())));
        assert!(conflict.head >= winner.last);
    }
    let records = read_all(&log).await;
    assert_positions(&records, 1..=(2 * (EACH + 1)) as Position);
    let mut per_kind: HashMap<&str, usize> = HashMap::new();
    for record in &records {
        *per_kind.entry(record.kind.as_str()).or_default() += 1;
    }
    assert_eq!(per_kind.get("Claim"), Some(&2));
    assert_eq!(per_kind.get("Other"), Some(&(2 * EACH)));
}

/// A task waiting on a subscription is woken by an append.
pub async fn subscription_wakes_on_append(log: SharedLog) {
    let mut subscription = log.subscribe();
    let waiter = tokio::spawn(async move {
        let first = subscription.changed().await.expect("changed");
        let third = subscription.wait_for(3).await.expect("wait_for");
        (first, third, subscription.head())
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    append(&log, vec![event("A", json!({}))]).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    append(&log, vec![event("A", json!({})), event("B", json!({}))]).await;
    let (first, third, head) = tokio::time::timeout(PATIENCE, waiter)
        .await
        .expect("the waiter was woken")
        .expect("waiter task");
    assert!((1..=3).contains(&first), "first wake-up at {first}");
    assert_eq!((third, head), (3, 3));
}

/// Dropping the last handle of a log ends its subscriptions with `Closed`.
pub async fn subscription_closes_with_the_log(log: SharedLog) {
    let mut subscription = log.subscribe();
    append(&log, vec![event("A", json!({}))]).await;
    drop(log);
    let ended = tokio::time::timeout(PATIENCE, async {
        loop {
            match subscription.changed().await {
                Ok(_) => continue,
                Err(error) => break error,
            }
        }
    })
    .await
    .expect("the subscription ended");
    assert!(matches!(ended, LogError::Closed), "{ended:?}");
}

/// The record at position 3 of 5 is damaged by `corrupt`: reads that reach
/// it fail with `Corrupt` at 3, reads around it work, and the handle takes
/// no more appends (each is refused with `Corrupt` at 3).
pub async fn corrupt_record_is_reported<F, Fut>(log: SharedLog, corrupt: F)
where
    F: FnOnce(Position) -> Fut,
    Fut: Future<Output = ()>,
{
    for n in 1..=5 {
        append(&log, vec![event("A", json!({"n": n}))]).await;
    }
    corrupt(3).await;
    match log.read(0, &KindFilter::All, 10).await {
        Err(LogError::Corrupt {
            position: 3,
            reason,
        }) => assert!(!reason.is_empty()),
        other => panic!("expected Corrupt at 3, got {other:?}"),
    }
    let before = log.read(0, &KindFilter::All, 2).await.expect("read before");
    assert_positions(&before.records, [1, 2]);
    let after = log.read(3, &KindFilter::All, 10).await.expect("read after");
    assert_positions(&after.records, [4, 5]);

    let mut reader = LogReader::new(&*log, KindFilter::All, 2);
    assert!(matches!(
        reader.next_batch().await,
        Err(LogError::Corrupt { position: 3, .. })
    ));
    assert_eq!(reader.position(), 2, "a failed read leaves the cursor");

    assert_eq!(log.head().await.expect("head"), 5);
    appends_are_refused(&log, 3, 5).await;
}

/// Issue 19, "a damaged log is latched": the rows at positions 6 to 10 of
/// a log of 10 are shifted up by one behind the handle's back by `shift`
/// (to 7 to 11: the handle's own writer checked them before, so only a
/// read finds the gap). A read reports `Corrupt` at 6, and from then on
/// every append through the handle is refused with `Corrupt` naming 6 and
/// writes nothing, while reads before the damage go on.
pub async fn a_damaged_log_takes_no_appends<F, Fut>(log: SharedLog, shift: F)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
{
    for n in 1..=10 {
        append(&log, vec![event("A", json!({"n": n}))]).await;
    }
    shift().await;
    match log.read(0, &KindFilter::All, 100).await {
        Err(LogError::Corrupt { position: 6, .. }) => {}
        other => panic!("expected Corrupt at 6, got {other:?}"),
    }
    appends_are_refused(&log, 6, 11).await;
    let before = log.read(0, &KindFilter::All, 5).await.expect("read before");
    assert_positions(&before.records, 1..=5);
    assert!(matches!(
        log.read(0, &KindFilter::All, 100).await,
        Err(LogError::Corrupt { position: 6, .. })
    ));
}

/// Every way of appending through `log` is refused with `Corrupt` at
/// `at`, and the head stays `head`: a plain, a keyed and a conditional
/// append, an append now, and a write lock's append.
pub async fn appends_are_refused(log: &SharedLog, at: Position, head: Position) {
    let refused = |what: &str, result: Result<Appended, LogError>| match result {
        Err(LogError::Corrupt { position, reason }) if position == at => {
            assert!(!reason.is_empty(), "{what}");
        }
        other => panic!("{what}: expected Corrupt at {at}, got {other:?}"),
    };
    let new = || vec![event("A", json!({"late": true}))];
    refused("append", log.append(new(), Condition::None).await);
    refused(
        "keyed append",
        log.append_with(Append::new(new()).key(IdempotencyKey::random()))
            .await,
    );
    refused(
        "conditional append",
        log.append(new(), Condition::HeadIs(head)).await,
    );
    let now = match log.try_append_now(Append::new(new())) {
        Ok(result) => result,
        Err(append) => log.append_with(append).await,
    };
    refused("append now", now);
    match log.lock_writes().await {
        Ok(lock) => refused("write lock", lock.append(Append::new(new())).await),
        Err(LogError::Corrupt { position, .. }) if position == at => {}
        Err(other) => panic!("write lock: expected Corrupt at {at}, got {other:?}"),
    }
    assert_eq!(
        log.head().await.expect("head"),
        head,
        "nothing was appended"
    );
}

/// An append with an idempotency key writes once: repeating it writes
/// nothing and returns the first append's positions and time, marked as a
/// replay; `find_key` finds it; another key appends anew.
pub async fn keyed_append_writes_once(log: SharedLog) {
    let key = IdempotencyKey::new("order-17").expect("key");
    assert_eq!(log.find_key(&key).await.expect("find_key"), None);
    append(&log, vec![event("Before", json!({}))]).await;
    let batch = || vec![event("Ordered", json!({"n": 17})), event("Paid", json!({}))];
    let first = log
        .append_with(Append::new(batch()).key(key.clone()))
        .await
        .expect("first keyed append");
    assert_eq!((first.first, first.last, first.replayed), (2, 3, false));
    let again = log
        .append_with(Append::new(batch()).key(key.clone()))
        .await
        .expect("repeated keyed append");
    assert!(again.replayed);
    assert_eq!(
        (again.first, again.last, again.recorded_at),
        (first.first, first.last, first.recorded_at)
    );
    let found = log.find_key(&key).await.expect("find_key").expect("found");
    assert_eq!(found.appended, again);
    assert_eq!(found.fingerprint, None);
    let other = log
        .append_with(Append::new(batch()).key(IdempotencyKey::new("order-18").expect("key")))
        .await
        .expect("another key");
    assert_eq!((other.first, other.last), (4, 5));
    assert_positions(&read_all(&log).await, 1..=5);
}

/// A repeated keyed append is a replay even when its condition no longer
/// holds (the first append moved the log).
pub async fn keys_replay_whatever_the_condition(log: SharedLog) {
    let key = IdempotencyKey::random();
    let keyed = || {
        Append::new(vec![event("Claim", json!({}))])
            .condition(Condition::HeadIs(0))
            .key(key.clone())
    };
    let first = log.append_with(keyed()).await.expect("first");
    let again = log
        .append_with(keyed())
        .await
        .expect("replay, not conflict");
    assert!(again.replayed);
    assert_eq!((again.first, again.last), (first.first, first.last));
    assert_eq!(log.head().await.expect("head"), 1);
}

/// Many appends with one key at the same moment (so a backend that groups
/// commits gets them in one group): exactly one copy is written, and every
/// caller gets its positions.
pub async fn keyed_appends_racing_write_once(log: SharedLog) {
    const RACERS: usize = 16;
    let key = IdempotencyKey::new("racing").expect("key");
    let start = Arc::new(tokio::sync::Barrier::new(RACERS));
    let mut tasks = Vec::new();
    for n in 0..RACERS {
        let (log, start, key) = (Arc::clone(&log), Arc::clone(&start), key.clone());
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let events = vec![
                event("Once", json!({"n": n})),
                event("Once", json!({"n": n})),
            ];
            log.append_with(Append::new(events).key(key)).await
        }));
    }
    let mut written = 0;
    let mut positions = Vec::new();
    for task in tasks {
        let appended = task.await.expect("task").expect("keyed append");
        if !appended.replayed {
            written += 1;
        }
        positions.push((appended.first, appended.last));
    }
    assert_eq!(written, 1, "exactly one racer writes");
    assert!(positions.iter().all(|p| *p == (1, 2)), "{positions:?}");
    assert_positions(&read_all(&log).await, 1..=2);
}

/// How a check appends parts: straight to the log, or through its write
/// lock (the same promises hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// [`EventLog::append_parts`](goesgen_runtime::EventLog::append_parts).
    Log,
    /// [`WriteLock::append_parts`](goesgen_runtime::WriteLock::append_parts)
    /// on a lock taken for the append.
    Lock,
}

/// Appends `append` with parts, `via` the log or its write lock.
pub async fn append_parts(
    log: &SharedLog,
    via: Via,
    append: Append,
) -> Result<AppendedParts, LogError> {
    match via {
        Via::Log => log.append_parts(append).await,
        Via::Lock => log.lock_writes().await?.append_parts(append).await,
    }
}

/// An idempotency key from text.
pub fn key(text: &str) -> IdempotencyKey {
    IdempotencyKey::new(text).expect("key")
}

/// A fingerprint from text.
pub fn print(text: &str) -> Fingerprint {
    Fingerprint::new(text).expect("fingerprint")
}

/// The (first, last, replayed) of each part.
fn part_spans(appended: &AppendedParts) -> Vec<(Position, Position, bool)> {
    appended
        .parts
        .iter()
        .map(|p| (p.appended.first, p.appended.last, p.appended.replayed))
        .collect()
}

/// `n` events of `kind`.
fn events(kind: &str, n: usize) -> Vec<NewEvent> {
    (0..n).map(|i| event(kind, json!({"i": i}))).collect()
}

/// The kinds of the log's records, in order.
async fn kinds(log: &SharedLog) -> Vec<String> {
    read_all(log).await.into_iter().map(|r| r.kind).collect()
}

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

/// An append that asks for a time records that time (cut to microseconds),
/// and reports it.
pub async fn recorded_at_is_as_asked(log: SharedLog) {
    let asked = SystemTime::UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789);
    let expected = SystemTime::UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_000);
    let appended = log
        .append_with(
            Append::new(vec![event("A", json!({})), event("B", json!({}))]).recorded_at(asked),
        )
        .await
        .expect("append");
    assert_eq!(appended.recorded_at, expected);
    for record in read_all(&log).await {
        assert_eq!(record.recorded_at, expected, "at {}", record.position);
    }
}

/// While a write lock is held, another append waits; the lock's own append
/// comes first, and reads keep working meanwhile.
pub async fn write_lock_excludes_other_appends(log: SharedLog) {
    append(&log, vec![event("Before", json!({}))]).await;
    let lock = log.lock_writes().await.expect("lock");
    let other = {
        let log = Arc::clone(&log);
        tokio::spawn(async move {
            log.append(vec![event("Other", json!({}))], Condition::None)
                .await
        })
    };
    // Give the other append every chance to go first, were it not held.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let batch = log
        .read(0, &KindFilter::All, 10)
        .await
        .expect("read under the lock");
    assert_eq!(batch.head, 1, "nothing was appended while the lock is held");
    let locked = lock
        .append(Append::new(vec![event("Locked", json!({}))]).condition(Condition::HeadIs(1)))
        .await
        .expect("append under the lock");
    assert_eq!((locked.first, locked.last), (2, 2));
    let other = tokio::time::timeout(PATIENCE, other)
        .await
        .expect("the other append went on once the lock was released")
        .expect("task")
        .expect("other append");
    assert_eq!(other.first, 3);
    let kinds: Vec<String> = read_all(&log).await.into_iter().map(|r| r.kind).collect();
    assert_eq!(kinds, ["Before", "Locked", "Other"]);
}

/// Dropping a write lock without appending releases it.
pub async fn dropping_a_write_lock_releases_it(log: SharedLog) {
    let lock = log.lock_writes().await.expect("lock");
    drop(lock);
    let appended = tokio::time::timeout(
        PATIENCE,
        log.append(vec![event("A", json!({}))], Condition::None),
    )
    .await
    .expect("an append after the lock was dropped")
    .expect("append");
    assert_eq!(appended.first, 1);
    let again = tokio::time::timeout(PATIENCE, log.lock_writes())
        .await
        .expect("the lock can be taken again")
        .expect("lock");
    drop(again);
}

/// `try_append_now` either appends as `append_with` would (its condition
/// judged, its events checked) or hands the append back untouched, for
/// `append_with`; while another holds the write lock it never appends.
pub async fn an_append_now_lands_once_or_is_handed_back(log: SharedLog) {
    let now_or_later = |append: Append| {
        let log = Arc::clone(&log);
        async move {
            match log.try_append_now(append) {
                Ok(appended) => appended,
                Err(back) => log.append_with(back).await,
            }
        }
    };
    let first = Append::new(vec![event("Now", json!({"n": 1}))]).condition(Condition::HeadIs(0));
    let appended = now_or_later(first).await.expect("append");
    assert_eq!((appended.first, appended.last), (1, 1));
    let stale = Append::new(vec![event("Now", json!({"n": 2}))]).condition(Condition::HeadIs(0));
    assert!(
        matches!(now_or_later(stale).await, Err(LogError::Conflict(_))),
        "a failed condition is a conflict, now or later"
    );
    let bad = Append::new(vec![NewEvent::new("Two words", "{}")]);
    assert!(matches!(
        now_or_later(bad).await,
        Err(LogError::InvalidEvent { index: 0, .. })
    ));
    let lock = log.lock_writes().await.expect("lock");
    let key = IdempotencyKey::new("held").expect("key");
    let held = Append::new(vec![event("Held", json!({}))]).key(key.clone());
    match log.try_append_now(held) {
        Ok(appended) => panic!("appended past another's write lock: {appended:?}"),
        Err(back) => {
            assert_eq!(back.events.len(), 1, "handed back untouched");
            assert_eq!(back.events[0].kind, "Held");
            assert_eq!(back.key, Some(key));
        }
    }
    drop(lock);
    let kinds: Vec<String> = read_all(&log).await.into_iter().map(|r| r.kind).collect();
    assert_eq!(kinds, ["Now"]);
}

/// An event over the default limits (a kind over 256 bytes, a payload over
/// 4 MiB) is refused with its index, alone: appends beside it land.
pub async fn oversized_events_are_refused_alone(log: SharedLog) {
    let long_kind = "K".repeat(300);
    let big_payload = format!("{{\"blob\":\"{}\"}}", "x".repeat(4 * 1024 * 1024));
    let start = Arc::new(tokio::sync::Barrier::new(4));
    let mut tasks = Vec::new();
    let batches = vec![
        vec![event("Fine", json!({}))],
        vec![event("Fine", json!({})), NewEvent::new(long_kind, "{}")],
        vec![event("Fine", json!({})), NewEvent::new("Big", big_payload)],
        vec![event("Fine", json!({}))],
    ];
    for events in batches {
        let (log, start) = (Arc::clone(&log), Arc::clone(&start));
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            log.append(events, Condition::None).await
        }));
    }
    let mut landed = 0;
    for (n, task) in tasks.into_iter().enumerate() {
        match (n, task.await.expect("task")) {
            (0 | 3, Ok(_)) => landed += 1,
            (1, Err(LogError::InvalidEvent { index: 1, reason })) => {
                assert!(reason.contains("300 bytes"), "{reason}")
            }
            (2, Err(LogError::InvalidEvent { index: 1, reason })) => {
                assert!(reason.contains("over the limit"), "{reason}")
            }
            (n, other) => panic!("append {n}: unexpected {other:?}"),
        }
    }
    assert_eq!(landed, 2);
    let records = read_all(&log).await;
    assert_positions(&records, 1..=2);
    assert!(records.iter().all(|r| r.kind == "Fine"));
}

/// A read stops once its payloads reach the byte budget (16 MiB by
/// default), taking at least one record, and `through` lets a reader go
/// on without missing any.
pub async fn reads_stop_at_the_byte_budget(log: SharedLog) {
    const BIG: usize = 4 * 1024 * 1024 - 100;
    for n in 0..6 {
        let payload = format!("{{\"n\":{n},\"blob\":\"{}\"}}", "y".repeat(BIG - 20));
        append(&log, vec![NewEvent::new("Big", payload)]).await;
    }
    let batch = log.read(0, &KindFilter::All, 100).await.expect("read");
    assert!(
        (1..6).contains(&batch.records.len()),
        "{} records in one read",
        batch.records.len()
    );
    assert_eq!(
        batch.through,
        batch.records.last().expect("a record").position
    );
    let filtered = log
        .read(0, &KindFilter::kinds(["Big"]), 100)
        .await
        .expect("filtered read");
    assert!(filtered.records.len() < 6);
    let mut reader = LogReader::new(&*log, KindFilter::All, 0).with_batch_size(100);
    let mut positions = Vec::new();
    while let Some(batch) = reader.next_batch().await.expect("read") {
        positions.extend(batch.iter().map(|r| r.position));
    }
    assert_eq!(positions, (1..=6).collect::<Vec<Position>>());
}
