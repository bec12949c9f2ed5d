//! The parts of an append ([`AppendPart`]), shared by every backend:
//! checking them, turning [`Append::key`] into one part, planning which
//! parts are replays and where the others go ([`plan`]), walking the parts
//! that are written with their events ([`written`]), and the defaults of
//! [`EventLog::append_parts`](crate::EventLog::append_parts) and
//! [`WriteLock::append_parts`](crate::WriteLock::append_parts) for logs
//! that only take whole appends.

use std::collections::HashMap;

use crate::error::{Conflict, LogError};
use crate::log::{Append, AppendPart, Appended, AppendedParts, IdempotencyKey, KeyRecord};
use crate::record::Position;

/// Checks an append's parts: none, or lengths that add up to the number of
/// events, without a whole-append key beside them.
#[inline]
pub fn check(append: &Append) -> Result<(), LogError> {
    if append.parts.is_empty() {
        Ok(())
    } else {
        check_parts(append)
    }
}

/// [`check`] for an append with parts (out of the hot path of appends
/// without).
#[cold]
fn check_parts(append: &Append) -> Result<(), LogError> {
    if append.key.is_some() {
        return Err(LogError::Config(
            "an append with parts takes its keys on the parts, not Append::key".to_owned(),
        ));
    }
    let total = append
        .parts
        .iter()
        .try_fold(0_usize, |total, part| total.checked_add(part.len));
    if total != Some(append.events.len()) {
        return Err(LogError::Config(format!(
            "the parts of an append cover {} events, but it has {}",
            total.map_or_else(|| "more".to_owned(), |total| total.to_string()),
            append.events.len()
        )));
    }
    Ok(())
}

/// Gives a checked append its parts: [`Append::key`], if it has no parts,
/// becomes one part covering every event.
pub fn normalize(append: &mut Append) {
    if let Some(whole) = whole_part(append) {
        append.parts.push(whole);
    }
}

/// For a checked append without parts: the one part covering every event
/// under [`Append::key`] (taken out of it), for a caller that plans it
/// without the allocation of [`normalize`].
pub fn whole_part(append: &mut Append) -> Option<AppendPart> {
    append.parts.is_empty().then(|| AppendPart {
        len: append.events.len(),
        key: append.key.take(),
        fingerprint: None,
        depends: false,
    })
}

/// Whether a normalized append may write anything: events, or a key.
pub fn may_write(append: &Append) -> bool {
    !append.events.is_empty() || append.parts.iter().any(|part| part.key.is_some())
}

/// The outcome of a normalized append that writes nothing (see
/// [`may_write`]) on a log whose head is `head`: every part an empty range
/// after it.
pub fn nothing_written(append: &Append, head: Position) -> Result<AppendedParts, LogError> {
    let recorded_at = super::time::stamp(append.recorded_at).0;
    let never = |_: &IdempotencyKey| -> Result<Option<KeyRecord>, LogError> {
        Err(LogError::Config(
            "a part that writes nothing has no key".to_owned(),
        ))
    };
    match plan(&append.parts, head, recorded_at, never, || Ok(Ok(())))? {
        Ok(planned) => Ok(planned.parts),
        Err(conflict) => Err(conflict.into()),
    }
}

/// A planned append: what each part gets, and whether anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The outcome as the caller sees it.
    pub parts: AppendedParts,
    /// Whether events or keys are written (else the append is a no-op).
    pub writes: bool,
}

/// Plans a normalized append's `parts` on a log whose head is `head`: a
/// keyed part whose key `find` finds (in the log, or written by an earlier
/// member of the same group commit) or that an earlier part of the same
/// append carries is a replay; if any other part writes (events or a key),
/// the condition is judged once (`judge`, only then) and a conflict writes
/// nothing; the written parts are numbered in order from `head + 1`, each
/// with its own sub-range, `recorded_at` and fingerprint. A part that
/// [`depends`](AppendPart::depends) on the parts before it, after a
/// replayed part with events, holds the whole append back: nothing is
/// written ([`AppendedParts::held_back`]). `Err` only for the backend's
/// own failures in `find` or `judge`.
pub fn plan<E>(
    parts: &[AppendPart],
    head: Position,
    recorded_at: std::time::SystemTime,
    mut find: impl FnMut(&IdempotencyKey) -> Result<Option<KeyRecord>, E>,
    judge: impl FnOnce() -> Result<Result<(), Conflict>, E>,
) -> Result<Result<Planned, Conflict>, E> {
    // The index of the first part with each key (made at the first key).
    let mut seen: Option<HashMap<&IdempotencyKey, usize>> = None;
    let mut outcomes: Vec<KeyRecord> = Vec::with_capacity(parts.len());
    let mut last = head;
    let mut writes = false;
    // Whether a replayed part had events, and a part after it depends on
    // the parts before it (then nothing is written).
    let mut replayed_events = false;
    let mut held_back = false;
    for (index, part) in parts.iter().enumerate() {
        let first_use = match &part.key {
            None => None,
            Some(key) => {
                let seen = seen.get_or_insert_with(HashMap::new);
                match seen.get(key) {
                    Some(first) => Some(outcomes[*first].clone()),
                    None => {
                        seen.insert(key, index);
                        find(key)?
                    }
                }
            }
        };
        let outcome = match first_use {
            Some(first_use) => {
                // Events of a replayed part that a later part depended on.
                replayed_events |= part.len > 0;
                KeyRecord {
                    appended: Appended {
                        replayed: true,
                        ..first_use.appended
                    },
                    fingerprint: first_use.fingerprint,
                }
            }
            None => {
                held_back |= part.depends && replayed_events;
                writes |= part.len > 0 || part.key.is_some();
                written_after(&mut last, part.len, recorded_at, part.fingerprint.clone())
            }
        };
        outcomes.push(outcome);
    }
    let nothing = Appended {
        first: head + 1,
        last: head,
        recorded_at,
        replayed: false,
    };
    if held_back {
        // Nothing is written: the parts that are not replays are decided
        // again by their caller.
        for outcome in &mut outcomes {
            if !outcome.appended.replayed {
                *outcome = KeyRecord {
                    appended: nothing,
                    fingerprint: None,
                };
            }
        }
        return Ok(Ok(Planned {
            parts: AppendedParts {
                appended: nothing,
                parts: outcomes,
                held_back: true,
            },
            writes: false,
        }));
    }
    if writes && let Err(conflict) = judge()? {
        return Ok(Err(conflict));
    }
    Ok(Ok(Planned {
        parts: AppendedParts {
            appended: Appended { last, ..nothing },
            parts: outcomes,
            held_back: false,
        },
        writes,
    }))
}

/// The record of a part of `len` events written right after `last`, which
/// moves past them.
fn written_after(
    last: &mut Position,
    len: usize,
    recorded_at: std::time::SystemTime,
    fingerprint: Option<crate::log::Fingerprint>,
) -> KeyRecord {
    let first = *last + 1;
    *last += len as Position;
    KeyRecord {
        appended: Appended {
            first,
            last: *last,
            recorded_at,
            replayed: false,
        },
        fingerprint,
    }
}

/// A part that is written, with its events.
pub struct Written<'a, T> {
    /// The part's events.
    pub events: &'a [T],
    /// The part's key, if it has one.
    pub key: Option<&'a IdempotencyKey>,
    /// Where it is written, with its fingerprint.
    pub record: &'a KeyRecord,
}

/// The parts of a planned append that are written (not replayed), in
/// order, with their share of `events`.
pub fn written<'a, T>(
    events: &'a [T],
    parts: &'a [AppendPart],
    outcomes: &'a [KeyRecord],
) -> impl Iterator<Item = Written<'a, T>> + 'a {
    let mut start = 0;
    parts
        .iter()
        .zip(outcomes)
        .filter_map(move |(part, record)| {
            let mine = events.get(start..start + part.len).unwrap_or_default();
            start += part.len;
            (!record.appended.replayed).then_some(Written {
                events: mine,
                key: part.key.as_ref(),
                record,
            })
        })
}

/// For a log that only takes whole appends: the parts of `append` if none
/// carries a key or fingerprint (they are taken out of it, so it is one
/// append without key), else [`LogError::Config`].
pub fn unkeyed(append: &mut Append) -> Result<Vec<AppendPart>, LogError> {
    check(append)?;
    normalize(append);
    take_unkeyed(append)
}

/// For a log that only takes whole appends: as [`unkeyed`], but a single
/// keyed part is taken too (as [`Append::key`]; its fingerprint is not
/// kept, since such a log has nowhere to keep it).
pub fn as_one_append(append: &mut Append) -> Result<Vec<AppendPart>, LogError> {
    check(append)?;
    normalize(append);
    if let [part] = append.parts.as_mut_slice()
        && part.key.is_some()
    {
        append.key = part.key.take();
        part.fingerprint = None;
    }
    take_unkeyed(append)
}

/// The normalized parts of `append`, taken out of it, if none carries a
/// key or fingerprint; else [`LogError::Config`].
fn take_unkeyed(append: &mut Append) -> Result<Vec<AppendPart>, LogError> {
    if append
        .parts
        .iter()
        .any(|part| part.key.is_some() || part.fingerprint.is_some())
    {
        return Err(LogError::Config(
            "this log does not implement append_parts: it takes no keys or fingerprints on parts \
             (beyond one keyed part, whose fingerprint it does not keep)"
                .to_owned(),
        ));
    }
    Ok(std::mem::take(&mut append.parts))
}

/// The outcome of a whole append written as `parts`: the positions split
/// among them in order.
pub fn split(appended: Appended, parts: Vec<AppendPart>) -> AppendedParts {
    let mut last = appended.first - 1;
    let parts = parts
        .into_iter()
        .map(|part| written_after(&mut last, part.len, appended.recorded_at, None))
        .collect();
    AppendedParts {
        appended,
        parts,
        held_back: false,
    }
}

/// The outcome of a whole append of one keyed part that was replayed, on a
/// log whose head is (at least) `head`: nothing written.
pub fn replayed_alone(replayed: Appended, head: Position) -> AppendedParts {
    AppendedParts {
        appended: Appended {
            first: head + 1,
            last: head,
            recorded_at: replayed.recorded_at,
            replayed: false,
        },
        parts: vec![KeyRecord {
            appended: replayed,
            fingerprint: None,
        }],
        held_back: false,
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::time::SystemTime;

    use super::*;
    use crate::log::{Condition, Fingerprint};
    use crate::record::NewEvent;

    fn key(text: &str) -> IdempotencyKey {
        IdempotencyKey::new(text).unwrap()
    }

    fn events(n: usize) -> Vec<NewEvent> {
        (0..n).map(|_| NewEvent::new("A", "{}")).collect()
    }

    #[test]
    fn parts_must_cover_the_events_without_a_whole_key() {
        let three = || Append::new(events(3));
        assert!(check(&three().parts(vec![AppendPart::new(1), AppendPart::new(2)])).is_ok());
        assert!(check(&three()).is_ok());
        for parts in [
            vec![AppendPart::new(1), AppendPart::new(1)],
            vec![AppendPart::new(4)],
            vec![AppendPart::new(usize::MAX), AppendPart::new(4)],
        ] {
            assert!(matches!(
                check(&three().parts(parts)),
                Err(LogError::Config(_))
            ));
        }
        let keyed = three().key(key("k")).parts(vec![AppendPart::new(3)]);
        assert!(matches!(check(&keyed), Err(LogError::Config(_))));
    }

    #[test]
    fn the_condition_is_judged_only_when_something_is_written() {
        let stored = KeyRecord {
            appended: Appended {
                first: 1,
                last: 2,
                recorded_at: SystemTime::UNIX_EPOCH,
                replayed: true,
            },
            fingerprint: Some(Fingerprint::new("f").unwrap()),
        };
        let find =
            |k: &IdempotencyKey| Ok::<_, Infallible>((k.as_str() == "old").then(|| stored.clone()));
        let conflict = || {
            Ok(Err(Conflict {
                condition: Condition::HeadIs(0),
                head: 2,
                found: None,
            }))
        };
        let now = SystemTime::now();
        let replays = [AppendPart::new(2).key(key("old")), AppendPart::new(0)];
        let planned = plan(&replays, 2, now, find, conflict).unwrap().unwrap();
        assert!(!planned.writes);
        assert_eq!(planned.parts.parts[0], stored);
        assert_eq!(
            (planned.parts.appended.first, planned.parts.appended.last),
            (3, 2)
        );
        let empty_keyed = [AppendPart::new(0).key(key("new"))];
        assert!(plan(&empty_keyed, 2, now, find, conflict).unwrap().is_err());
        let mixed = [
            AppendPart::new(1).key(key("new")),
            AppendPart::new(2).key(key("old")),
            AppendPart::new(1).key(key("new")),
            AppendPart::new(0).key(key("empty")),
            AppendPart::new(2),
        ];
        let planned = plan(&mixed, 2, now, find, || Ok(Ok(()))).unwrap().unwrap();
        let spans: Vec<_> = planned
            .parts
            .parts
            .iter()
            .map(|p| (p.appended.first, p.appended.last, p.appended.replayed))
            .collect();
        assert_eq!(
            spans,
            [
                (3, 3, false),
                (1, 2, true),
                (3, 3, true),
                (4, 3, false),
                (4, 5, false)
            ]
        );
        let written: Vec<(usize, Option<&str>)> =
            written(&[1, 2, 3, 4, 5, 6], &mixed, &planned.parts.parts)
                .map(|w| (w.events.len(), w.key.map(IdempotencyKey::as_str)))
                .collect();
        assert_eq!(written, [(1, Some("new")), (0, Some("empty")), (2, None)]);
    }

    /// A part that depends on the parts before it, after a replayed part
    /// with events, holds the append back: nothing written, the condition
    /// not judged, the replay reported and the rest an empty range. A
    /// replayed part without events, or a part that does not depend, does
    /// not.
    #[test]
    fn a_dependent_part_after_a_replay_with_events_holds_the_append_back() {
        let stored = |len: u64| KeyRecord {
            appended: Appended {
                first: 1,
                last: len,
                recorded_at: SystemTime::UNIX_EPOCH,
                replayed: true,
            },
            fingerprint: None,
        };
        let find = |k: &IdempotencyKey| {
            Ok::<_, Infallible>(match k.as_str() {
                "full" => Some(stored(2)),
                "empty" => Some(stored(0)),
                _ => None,
            })
        };
        let never = || -> Result<Result<(), Conflict>, Infallible> {
            panic!("nothing is written, so nothing is judged")
        };
        let now = SystemTime::now();
        let held = [
            AppendPart::new(1),
            AppendPart::new(2).key(key("full")).depends(),
            AppendPart::new(1).depends(),
        ];
        let planned = plan(&held, 2, now, find, never).unwrap().unwrap();
        assert!(!planned.writes && planned.parts.held_back);
        let spans: Vec<_> = planned
            .parts
            .parts
            .iter()
            .map(|p| (p.appended.first, p.appended.last, p.appended.replayed))
            .collect();
        assert_eq!(spans, [(3, 2, false), (1, 2, true), (3, 2, false)]);
        let not_held = |parts: &[AppendPart]| {
            let planned = plan(parts, 2, now, find, || Ok(Ok(()))).unwrap().unwrap();
            (planned.writes, planned.parts.held_back)
        };
        let independent = [AppendPart::new(2).key(key("full")), AppendPart::new(1)];
        assert_eq!(not_held(&independent), (true, false));
        let after_empty = [
            AppendPart::new(0).key(key("empty")),
            AppendPart::new(1).depends(),
        ];
        assert_eq!(not_held(&after_empty), (true, false));
    }
}
