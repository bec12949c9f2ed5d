//! Appending and reading back: positions, exact payloads, empty and invalid
//! batches, the recorded time.

use std::time::{Duration, SystemTime};

use super::helpers::{append, assert_positions, event, payload, read_all};
use crate::{Append, Condition, KindFilter, LogError, NewEvent, SharedLog};
use serde_json::json;

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
