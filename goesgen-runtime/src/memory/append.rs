//! Appending to the memory log under its lock: an append checked against
//! the limits before the lock ([`prepare`]), its condition judged against
//! the kinds' index, its parts planned with the keys it holds, its events
//! pushed and the head published, all in one step.

use std::time::SystemTime;

use super::State;
use super::chunks::Chunks;
use crate::backend::parts;
use crate::backend::{checks, time};
use crate::error::{Conflict, LogError};
use crate::limits::LogLimits;
use crate::log::{Append, Appended, AppendedParts, Condition, HeadPublisher, KeyRecord};
use crate::record::{NewEvent, Position, Record};

/// Checks an append's events against the limits, before any lock, and
/// gives the time it records (the engine's as it is: already cut).
pub(super) fn prepare(append: &Append, limits: &LogLimits) -> Result<SystemTime, LogError> {
    checks::check_append(append, limits)?;
    match append.recorded_at {
        Some(engine) if append.encoded => {
            debug_assert_eq!(time::stamp(Some(engine)).0, engine, "cut");
            Ok(engine)
        }
        asked => Ok(time::stamp(asked).0),
    }
}

/// What an append got: kept whole for an append without parts or key
/// (the engine's hot path), so that no vector of parts is made for a
/// caller that wants one [`Appended`].
pub(super) enum Outcome {
    /// An append without parts or key.
    Whole(Appended),
    /// An append with parts or a key.
    Parts(AppendedParts),
}

impl Outcome {
    /// As [`AppendedParts::single`].
    pub(super) fn single(self) -> Appended {
        match self {
            Outcome::Whole(appended) => appended,
            Outcome::Parts(parts) => parts.single(),
        }
    }

    /// As [`EventLog::append_parts`] answers.
    pub(super) fn into_parts(self) -> AppendedParts {
        match self {
            Outcome::Whole(appended) => AppendedParts {
                appended,
                parts: vec![KeyRecord {
                    appended,
                    fingerprint: None,
                }],
                held_back: false,
            },
            Outcome::Parts(parts) => parts,
        }
    }
}

/// Judges `condition` against `state`, whose head is `head`.
fn judge_locked(state: &State, condition: &Condition, head: Position) -> Result<(), Conflict> {
    // Nothing appended after the version: no kind can have moved (and
    // there is no stored table whose lookup could find damage).
    let unmoved = matches!(
        condition,
        Condition::NoneOfKindsAfter { after, .. } if *after >= head
    );
    let judged = checks::judge(condition, head, |kind| {
        if unmoved {
            return Ok(None);
        }
        Ok::<_, std::convert::Infallible>(
            state
                .by_kind
                .get(kind)
                .and_then(|positions| positions.last().copied()),
        )
    });
    match judged {
        Ok(judged) => judged,
        Err(never) => match never {},
    }
}

/// Writes `events` at `positions`, all recorded at `recorded_at`.
fn push_events(
    state: &mut State,
    positions: std::ops::RangeInclusive<Position>,
    events: impl Iterator<Item = NewEvent>,
    recorded_at: SystemTime,
) {
    for (position, event) in positions.zip(events) {
        match state.by_kind.get_mut(&event.kind) {
            Some(positions) => positions.push(position),
            None => {
                state
                    .by_kind
                    .insert(event.kind.clone(), Chunks::one(position));
            }
        }
        state.records.push(Record {
            position,
            recorded_at,
            kind: event.kind,
            payload: event.payload,
        });
    }
}

/// Appends to `state` (whose write lock, if one is held, is the caller's)
/// and publishes the head.
pub(super) fn append_locked(
    state: &mut State,
    heads: &HeadPublisher,
    mut append: Append,
    recorded_at: SystemTime,
    limits: &LogLimits,
) -> Result<Outcome, LogError> {
    let head = state.records.len() as Position;
    let staged = super::personal::seal_locked(state, &mut append, limits)?;
    let forgets = append.take_forgets();
    let keep = |state: &mut State| {
        staged.commit(&mut state.personal);
        if let Some(subject) = &forgets {
            state.personal.forget(subject);
        }
    };
    // An append without parts or key: nothing to plan.
    if append.parts.is_empty() && append.key.is_none() {
        let appended = Appended {
            first: head + 1,
            last: head + append.events.len() as Position,
            recorded_at,
            replayed: false,
        };
        if !append.events.is_empty() {
            judge_locked(state, &append.condition, head)?;
            push_events(
                state,
                appended.positions(),
                append.events.into_iter(),
                recorded_at,
            );
            keep(state);
            // Published under the lock, so heads are published in order.
            heads.publish(appended.last);
        }
        return Ok(Outcome::Whole(appended));
    }
    // An append without parts is one part, planned from the stack.
    let whole = parts::whole_part(&mut append);
    let shares = match &whole {
        Some(whole) => std::slice::from_ref(whole),
        None => append.parts.as_slice(),
    };
    let planned = parts::plan(
        shares,
        head,
        recorded_at,
        |key| Ok::<_, std::convert::Infallible>(state.keys.get(key).cloned()),
        || Ok(judge_locked(state, &append.condition, head)),
    );
    let planned = match planned {
        Ok(Ok(planned)) => planned,
        Ok(Err(conflict)) => return Err(conflict.into()),
        Err(never) => match never {},
    };
    if !planned.writes {
        return Ok(Outcome::Parts(planned.parts));
    }
    let mut events = append.events.into_iter();
    for (part, outcome) in shares.iter().zip(&planned.parts.parts) {
        let mine = events.by_ref().take(part.len);
        if outcome.appended.replayed {
            mine.for_each(drop);
            continue;
        }
        push_events(state, outcome.appended.positions(), mine, recorded_at);
        if let Some(key) = &part.key {
            let record = KeyRecord {
                appended: Appended {
                    replayed: true,
                    ..outcome.appended
                },
                fingerprint: outcome.fingerprint.clone(),
            };
            state.keys.insert(key.clone(), record);
        }
    }
    keep(state);
    let last = planned.parts.appended.last;
    if last > head {
        heads.publish(last);
    }
    Ok(Outcome::Parts(planned.parts))
}
