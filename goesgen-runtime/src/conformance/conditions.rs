//! Conditional appends: `HeadIs`, `NoneOfKindsAfter`, a conflict writing
//! nothing, and the members of a group judged one by one.

use std::collections::HashMap;
use std::sync::Arc;

use super::helpers::{append, assert_positions, event, expect_conflict, payload, read_all};
use crate::{Condition, Conflict, LogError, NewEvent, Position, SharedLog};
use serde_json::{Value, json};

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
