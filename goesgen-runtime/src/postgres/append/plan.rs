//! Planning a group: each member's condition checked in order against the
//! state read under the log's lock plus what the earlier members of the
//! group wrote, keys replayed, positions numbered. Pure logic, tested
//! without a server.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::SystemTime;

use crate::error::Conflict;
use crate::log::{Append, Appended, Condition};
use crate::record::Position;
use crate::stored;

/// What the log holds as far as a group cares, read under the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LockedState {
    /// The head.
    pub head: Position,
    /// The server's clock, for the members that ask for no time.
    pub now: SystemTime,
    /// The last position of each kind a condition of the group names (kinds
    /// never appended are absent).
    pub last_of_kind: HashMap<String, Position>,
    /// Where the appends carrying the group's keys were written (keys not
    /// in the log are absent).
    pub keys: HashMap<String, Appended>,
}

impl Default for LockedState {
    fn default() -> Self {
        Self {
            head: 0,
            now: SystemTime::UNIX_EPOCH,
            last_of_kind: HashMap::new(),
            keys: HashMap::new(),
        }
    }
}

/// The outcome of checking a group's members in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupPlan {
    /// Per member, in order: where it is written (or, replayed, where its
    /// key was first written), or its conflict.
    pub outcomes: Vec<Result<Appended, Conflict>>,
    /// The head after the members that write.
    pub head: Position,
    /// The last position of every kind the writing members write.
    pub written_kinds: HashMap<String, Position>,
}

/// Whether a member's planned outcome writes events.
pub(super) fn writes(outcome: &Result<Appended, Conflict>) -> bool {
    matches!(outcome, Ok(appended) if !appended.replayed && !appended.is_empty())
}

/// Judges one condition against the state.
fn check(condition: &Condition, state: &LockedState) -> Result<(), Conflict> {
    let last_of_kind = |kind: &str| Ok::<_, Infallible>(state.last_of_kind.get(kind).copied());
    match stored::judge(condition, state.head, last_of_kind) {
        Ok(judged) => judged,
        Err(never) => match never {},
    }
}

/// Checks a group's appends in order, each against the state read under the
/// lock plus what the earlier writing members wrote, and numbers the
/// writers' events. A member whose key is in the log, or was written by an
/// earlier member, is a replay of that append, whatever its condition; an
/// empty member writes nothing and passes whatever its condition (the
/// rules of [`MemoryLog`](crate::MemoryLog)).
pub(crate) fn plan_group<'a, I>(mut state: LockedState, group: I) -> GroupPlan
where
    I: IntoIterator<Item = &'a Append>,
{
    let mut outcomes = Vec::new();
    let mut written_kinds = HashMap::new();
    for append in group {
        let key = append.key.as_ref().map(|key| key.as_str());
        if let Some(first) = key.and_then(|key| state.keys.get(key)) {
            outcomes.push(Ok(Appended {
                replayed: true,
                ..*first
            }));
            continue;
        }
        let recorded_at = append.recorded_at.unwrap_or(state.now);
        let first = state.head + 1;
        if append.events.is_empty() {
            outcomes.push(Ok(Appended {
                first,
                last: state.head,
                recorded_at,
                replayed: false,
            }));
            continue;
        }
        let outcome = check(&append.condition, &state).map(|()| {
            for event in &append.events {
                state.head += 1;
                state.last_of_kind.insert(event.kind.clone(), state.head);
                written_kinds.insert(event.kind.clone(), state.head);
            }
            Appended {
                first,
                last: state.head,
                recorded_at,
                replayed: false,
            }
        });
        if let (Some(key), Ok(appended)) = (key, &outcome) {
            state.keys.insert(key.to_owned(), *appended);
        }
        outcomes.push(outcome);
    }
    GroupPlan {
        outcomes,
        head: state.head,
        written_kinds,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::log::IdempotencyKey;
    use crate::record::NewEvent;

    fn event(kind: &str) -> NewEvent {
        NewEvent::new(kind, b"{}".to_vec())
    }

    fn plan<'a>(state: LockedState, group: impl IntoIterator<Item = &'a Append>) -> GroupPlan {
        plan_group(state, group)
    }

    fn appends(group: Vec<(Vec<NewEvent>, Condition)>) -> Vec<Append> {
        group
            .into_iter()
            .map(|(events, condition)| Append::new(events).condition(condition))
            .collect()
    }

    /// The positions of each outcome (replays and writes alike).
    fn spans(plan: &GroupPlan) -> Vec<Result<(Position, Position), Conflict>> {
        plan.outcomes
            .iter()
            .map(|o| o.clone().map(|a| (a.first, a.last)))
            .collect()
    }

    fn kinds_after(kinds: &[&str], after: Position) -> Condition {
        Condition::NoneOfKindsAfter {
            kinds: kinds.iter().map(|k| (*k).to_owned()).collect(),
            after,
        }
    }

    #[test]
    fn a_conflicting_member_fails_alone_and_later_members_see_earlier_ones() {
        let state = LockedState {
            head: 10,
            last_of_kind: HashMap::from([("A".to_owned(), 7), ("B".to_owned(), 10)]),
            ..LockedState::default()
        };
        let group = appends(vec![
            (vec![event("A"), event("C")], Condition::HeadIs(10)), // 11..=12
            (vec![event("A")], Condition::HeadIs(10)),             // head is 12 now
            (vec![event("B")], kinds_after(&["A"], 7)),            // A at 11 > 7
            (vec![event("B")], kinds_after(&["A", "D"], 11)),      // 13
            (vec![event("D")], Condition::None),                   // 14
            (vec![event("E")], kinds_after(&["B", "X"], 12)),      // B at 13 > 12
            (vec![event("E")], Condition::HeadIs(14)),             // 15
        ]);
        let plan = plan(state, &group);
        let outcomes = spans(&plan);
        assert_eq!(plan.head, 15);
        assert_eq!(outcomes[0], Ok((11, 12)));
        assert_eq!(
            outcomes[1],
            Err(Conflict {
                condition: Condition::HeadIs(10),
                head: 12,
                found: None
            })
        );
        assert_eq!(
            outcomes[2],
            Err(Conflict {
                condition: kinds_after(&["A"], 7),
                head: 12,
                found: Some((11, "A".to_owned()))
            })
        );
        assert_eq!(outcomes[3], Ok((13, 13)));
        assert_eq!(outcomes[4], Ok((14, 14)));
        assert_eq!(
            outcomes[5],
            Err(Conflict {
                condition: kinds_after(&["B", "X"], 12),
                head: 14,
                found: Some((13, "B".to_owned()))
            })
        );
        assert_eq!(outcomes[6], Ok((15, 15)));
        assert_eq!(
            plan.written_kinds,
            HashMap::from([
                ("A".to_owned(), 11),
                ("C".to_owned(), 12),
                ("B".to_owned(), 13),
                ("D".to_owned(), 14),
                ("E".to_owned(), 15),
            ])
        );
    }

    #[test]
    fn conflicts_report_the_newest_matching_event() {
        let state = LockedState {
            head: 9,
            last_of_kind: HashMap::from([("A".to_owned(), 5), ("B".to_owned(), 9)]),
            ..LockedState::default()
        };
        let condition = kinds_after(&["A", "B"], 4);
        let plan = plan(
            state,
            &[Append::new(vec![event("C")]).condition(condition.clone())],
        );
        assert_eq!(
            spans(&plan),
            vec![Err(Conflict {
                condition: condition.clone(),
                head: 9,
                found: Some((9, "B".to_owned()))
            })]
        );
        assert_eq!(plan.head, 9);
        assert!(plan.written_kinds.is_empty());
    }

    #[test]
    fn kinds_not_after_the_position_pass() {
        let state = LockedState {
            head: 9,
            last_of_kind: HashMap::from([("A".to_owned(), 5)]),
            ..LockedState::default()
        };
        let condition = kinds_after(&["A", "Never"], 5);
        let plan = plan(state, &[Append::new(vec![event("A")]).condition(condition)]);
        assert_eq!(spans(&plan), vec![Ok((10, 10))]);
    }

    #[test]
    fn keys_replay_the_log_and_earlier_members_whatever_their_condition() {
        let key = |k: &str| IdempotencyKey::new(k).unwrap();
        let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let asked = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000);
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(3_000);
        let stored = Appended {
            first: 3,
            last: 4,
            recorded_at: then,
            replayed: true,
        };
        let state = LockedState {
            head: 9,
            now,
            keys: HashMap::from([("old".to_owned(), stored)]),
            ..LockedState::default()
        };
        let group = [
            // In the log: a replay, though its condition fails.
            Append::new(vec![event("A")])
                .condition(Condition::HeadIs(1))
                .key(key("old")),
            // New: written at 10 with the asked time.
            Append::new(vec![event("A"), event("B")])
                .key(key("new"))
                .recorded_at(asked),
            // The same key again in the same group: a replay of the member
            // before.
            Append::new(vec![event("C")]).key(key("new")),
            // A conflicting member's key is not taken...
            Append::new(vec![event("D")])
                .condition(Condition::HeadIs(0))
                .key(key("lost")),
            // ...so a later member with it is judged on its own.
            Append::new(vec![event("D")]).key(key("lost")),
            // Without a time: the server's clock.
            Append::new(vec![event("E")]),
        ];
        let plan = plan(state, &group);
        assert_eq!(plan.outcomes[0], Ok(stored));
        let new = Appended {
            first: 10,
            last: 11,
            recorded_at: asked,
            replayed: false,
        };
        assert_eq!(plan.outcomes[1], Ok(new));
        assert_eq!(
            plan.outcomes[2],
            Ok(Appended {
                replayed: true,
                ..new
            })
        );
        assert!(plan.outcomes[3].is_err());
        assert_eq!(
            spans(&plan)[4..],
            [Ok((12, 12)), Ok((13, 13))],
            "the later member with the lost key is written"
        );
        assert_eq!(plan.outcomes[5].as_ref().map(|a| a.recorded_at), Ok(now));
        assert_eq!(plan.head, 13);
        let writers: Vec<bool> = plan.outcomes.iter().map(writes).collect();
        assert_eq!(writers, [false, true, false, false, true, true]);
    }
}
