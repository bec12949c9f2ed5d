//! Planning a group: each member's condition checked in order against the
//! state read under the log's lock plus what the earlier members of the
//! group wrote, keys replayed, positions numbered (each member's parts as
//! [`parts::plan`] plans them). Pure logic, tested without a server.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::SystemTime;

use goesgen_runtime::backend::checks;
use goesgen_runtime::backend::parts;
use goesgen_runtime::error::Conflict;
use goesgen_runtime::log::{Append, AppendedParts, Condition, KeyRecord};
use goesgen_runtime::record::Position;

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
    /// What the log keeps for the group's keys (keys not in the log are
    /// absent).
    pub keys: HashMap<String, KeyRecord>,
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
    /// Per member, in order: where each of its parts is written (or,
    /// replayed, where its key was first written), or its conflict.
    pub outcomes: Vec<Result<AppendedParts, Conflict>>,
    /// Per member, in order: whether it writes events or keys (and so
    /// shares the commit's fate).
    pub writers: Vec<bool>,
    /// The head after the members that write.
    pub head: Position,
    /// The last position of every kind the writing members write.
    pub written_kinds: HashMap<String, Position>,
}

/// Judges one condition against the state.
fn check(condition: &Condition, state: &LockedState) -> Result<(), Conflict> {
    let last_of_kind = |kind: &str| Ok::<_, Infallible>(state.last_of_kind.get(kind).copied());
    match checks::judge(condition, state.head, last_of_kind) {
        Ok(judged) => judged,
        Err(never) => match never {},
    }
}

/// Checks a group's appends (their parts normalized) in order, each against
/// the state read under the lock plus what the earlier writing members
/// wrote, and numbers the writers' events. A part whose key is in the log,
/// or was written by an earlier member or part, is a replay of that first
/// use; an append that writes nothing passes whatever its condition (the
/// rules of [`MemoryLog`](goesgen_runtime::MemoryLog)).
pub(crate) fn plan_group<'a, I>(mut state: LockedState, group: I) -> GroupPlan
where
    I: IntoIterator<Item = &'a Append>,
{
    let mut outcomes = Vec::new();
    let mut writers = Vec::new();
    let mut written_kinds = HashMap::new();
    for append in group {
        let recorded_at = append.recorded_at.unwrap_or(state.now);
        let planned = parts::plan(
            &append.parts,
            state.head,
            recorded_at,
            |key| Ok::<_, Infallible>(state.keys.get(key.as_str()).cloned()),
            || Ok(check(&append.condition, &state)),
        );
        let planned = match planned {
            Ok(planned) => planned,
            Err(never) => match never {},
        };
        let writes = matches!(&planned, Ok(planned) if planned.writes);
        if let (true, Ok(planned)) = (writes, &planned) {
            for part in parts::written(&append.events, &append.parts, &planned.parts.parts) {
                let appended = &part.record.appended;
                for (position, event) in appended.positions().zip(part.events) {
                    state.last_of_kind.insert(event.kind.clone(), position);
                    written_kinds.insert(event.kind.clone(), position);
                }
                if let Some(key) = part.key {
                    let first_use = KeyRecord {
                        appended: goesgen_runtime::log::Appended {
                            replayed: true,
                            ..*appended
                        },
                        fingerprint: part.record.fingerprint.clone(),
                    };
                    state.keys.insert(key.as_str().to_owned(), first_use);
                }
            }
            state.head = planned.parts.appended.last;
        }
        writers.push(writes);
        outcomes.push(planned.map(|planned| planned.parts));
    }
    GroupPlan {
        outcomes,
        writers,
        head: state.head,
        written_kinds,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use goesgen_runtime::log::{AppendPart, Appended, Fingerprint, IdempotencyKey};
    use goesgen_runtime::record::NewEvent;

    fn event(kind: &str) -> NewEvent {
        NewEvent::new(kind, b"{}".to_vec())
    }

    /// The plan of `group`, its parts normalized as the log does.
    fn plan<'a>(state: LockedState, group: impl IntoIterator<Item = &'a Append>) -> GroupPlan {
        let group: Vec<Append> = group
            .into_iter()
            .cloned()
            .map(|mut append| {
                parts::normalize(&mut append);
                append
            })
            .collect();
        plan_group(state, &group)
    }

    /// Each member's outcome as `append_with` reports it.
    fn singles(plan: &GroupPlan) -> Vec<Result<Appended, Conflict>> {
        plan.outcomes
            .iter()
            .map(|o| o.as_ref().map(AppendedParts::single).map_err(Clone::clone))
            .collect()
    }

    fn appends(group: Vec<(Vec<NewEvent>, Condition)>) -> Vec<Append> {
        group
            .into_iter()
            .map(|(events, condition)| Append::new(events).condition(condition))
            .collect()
    }

    /// The positions of each outcome (replays and writes alike).
    fn spans(plan: &GroupPlan) -> Vec<Result<(Position, Position), Conflict>> {
        singles(plan)
            .into_iter()
            .map(|o| o.map(|a| (a.first, a.last)))
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
            keys: HashMap::from([(
                "old".to_owned(),
                KeyRecord {
                    appended: stored,
                    fingerprint: None,
                },
            )]),
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
        let outcomes = singles(&plan);
        assert_eq!(outcomes[0], Ok(stored));
        let new = Appended {
            first: 10,
            last: 11,
            recorded_at: asked,
            replayed: false,
        };
        assert_eq!(outcomes[1], Ok(new));
        assert_eq!(
            outcomes[2],
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
        assert_eq!(outcomes[5].as_ref().map(|a| a.recorded_at), Ok(now));
        assert_eq!(plan.head, 13);
        assert_eq!(plan.writers, [false, true, false, false, true, true]);
    }

    #[test]
    fn parts_replay_alone_and_their_keys_reach_later_members() {
        let key = |k: &str| IdempotencyKey::new(k).unwrap();
        let print = |f: &str| Fingerprint::new(f).unwrap();
        let then = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let old = KeyRecord {
            appended: Appended {
                first: 2,
                last: 3,
                recorded_at: then,
                replayed: true,
            },
            fingerprint: Some(print("old-request")),
        };
        let state = LockedState {
            head: 5,
            keys: HashMap::from([("old".to_owned(), old.clone())]),
            last_of_kind: HashMap::from([("A".to_owned(), 5)]),
            ..LockedState::default()
        };
        let parts =
            |events: Vec<NewEvent>, parts: Vec<AppendPart>| Append::new(events).parts(parts);
        let group = [
            // A written part, a replayed one (its events skipped), a keyed
            // empty one and the same key again.
            parts(
                vec![event("A"), event("B"), event("B"), event("C")],
                vec![
                    AppendPart::new(1).key(key("one")).fingerprint(print("f1")),
                    AppendPart::new(2).key(key("old")),
                    AppendPart::new(0).key(key("empty")),
                    AppendPart::new(1).key(key("one")),
                ],
            )
            .condition(kinds_after(&["A"], 5)),
            // A conflicting member writes nothing and keeps no key.
            parts(vec![event("D")], vec![AppendPart::new(1).key(key("lost"))])
                .condition(Condition::HeadIs(5)),
            // Only replays (the keys of the first member among them):
            // nothing written, whatever the condition.
            parts(
                vec![event("E"), event("E")],
                vec![
                    AppendPart::new(1).key(key("one")),
                    AppendPart::new(1).key(key("empty")),
                ],
            )
            .condition(Condition::HeadIs(0)),
            // The lost key is free for a later member.
            parts(vec![event("D")], vec![AppendPart::new(1).key(key("lost"))]),
        ];
        let plan = plan(state, &group);
        let spans = |member: usize| -> Vec<(Position, Position, bool)> {
            let outcome = plan.outcomes[member].as_ref().expect("written");
            outcome
                .parts
                .iter()
                .map(|p| (p.appended.first, p.appended.last, p.appended.replayed))
                .collect()
        };
        assert_eq!(
            spans(0),
            [(6, 6, false), (2, 3, true), (7, 6, false), (6, 6, true)]
        );
        let first = plan.outcomes[0].as_ref().expect("written");
        assert_eq!((first.appended.first, first.appended.last), (6, 6));
        assert_eq!(first.parts[1], old);
        assert_eq!(first.parts[3].fingerprint, Some(print("f1")));
        assert!(plan.outcomes[1].is_err());
        assert_eq!(spans(2), [(6, 6, true), (7, 6, true)]);
        assert_eq!(
            plan.outcomes[2].as_ref().map(|o| o.appended.is_empty()),
            Ok(true)
        );
        assert_eq!(spans(3), [(7, 7, false)]);
        assert_eq!(plan.writers, [true, false, false, true]);
        assert_eq!(plan.head, 7);
        assert_eq!(
            plan.written_kinds,
            HashMap::from([("A".to_owned(), 6), ("D".to_owned(), 7)])
        );
    }
}
