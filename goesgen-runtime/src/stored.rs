//! The rules every backend applies the same way: the checks on a batch
//! before it is appended, how an append's [`Condition`] is judged, the checks
//! on a record read back from storage, and the stored form of a timestamp
//! (integer microseconds since the Unix epoch). One place, so that every
//! backend rejects and reports the same things in the same words.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Conflict, LogError};
use crate::log::Condition;
use crate::record::{NewEvent, Position, Record};

/// Judges `condition` against a log whose head is `head`; `last_of_kind`
/// gives the position of the newest event of a kind (`None` if there is
/// none). `Ok(Err(conflict))` when the condition does not hold; `Err` only
/// when `last_of_kind` fails.
pub(crate) fn judge<E>(
    condition: &Condition,
    head: Position,
    mut last_of_kind: impl FnMut(&str) -> Result<Option<Position>, E>,
) -> Result<Result<(), Conflict>, E> {
    let found = match condition {
        Condition::None => return Ok(Ok(())),
        Condition::HeadIs(expected) if *expected == head => return Ok(Ok(())),
        Condition::HeadIs(_) => None,
        Condition::NoneOfKindsAfter { kinds, after } => {
            let mut newest: Option<(Position, &str)> = None;
            for kind in kinds {
                if let Some(last) = last_of_kind(kind)?
                    && last > *after
                    && newest.is_none_or(|(position, _)| last > position)
                {
                    newest = Some((last, kind));
                }
            }
            match newest {
                None => return Ok(Ok(())),
                Some((position, kind)) => Some((position, kind.to_owned())),
            }
        }
    };
    Ok(Err(Conflict {
        condition: condition.clone(),
        head,
        found,
    }))
}

/// Checks every event of a batch before it is appended: a kind that is not
/// empty and has no whitespace or control characters, and a payload that is
/// one JSON object in UTF-8. The first bad event is
/// [`LogError::InvalidEvent`].
pub(crate) fn check_batch(events: &[NewEvent]) -> Result<(), LogError> {
    for (index, event) in events.iter().enumerate() {
        let problem = kind_problem(&event.kind).or_else(|| payload_problem(&event.payload));
        if let Some(reason) = problem {
            return Err(LogError::InvalidEvent { index, reason });
        }
    }
    Ok(())
}

/// Checks a kind read back from storage at `position`.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) fn check_stored_kind(position: Position, kind: &str) -> Result<(), LogError> {
    match kind_problem(kind) {
        Some(reason) => Err(LogError::Corrupt { position, reason }),
        None => Ok(()),
    }
}

/// Checks a payload read back from storage at `position`.
#[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
pub(crate) fn check_stored_payload(position: Position, payload: &[u8]) -> Result<(), LogError> {
    match payload_problem(payload) {
        Some(reason) => Err(LogError::Corrupt { position, reason }),
        None => Ok(()),
    }
}

fn kind_problem(kind: &str) -> Option<String> {
    if kind.is_empty() {
        return Some("the event kind is empty".to_owned());
    }
    if kind.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!(
            "the event kind {kind:?} has whitespace or control characters"
        ));
    }
    None
}

fn payload_problem(payload: &[u8]) -> Option<String> {
    let text = match std::str::from_utf8(payload) {
        Ok(text) => text,
        Err(error) => return Some(format!("the payload is not UTF-8: {error}")),
    };
    if !text.trim_start().starts_with('{') {
        return Some("the payload is not a JSON object".to_owned());
    }
    match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Ok(_) => None,
        Err(error) => Some(format!("the payload is not valid JSON: {error}")),
    }
}

/// The [`ReadBatch::through`](crate::ReadBatch::through) of a read after
/// `after`, with `limit`, that saw `head` and returned `records`: the last
/// record's position when the read was cut short by `limit`, else the head.
pub(crate) fn covered_through(
    after: Position,
    head: Position,
    limit: usize,
    records: &[Record],
) -> Position {
    match records.last() {
        Some(last) if records.len() >= limit => last.position,
        _ if limit == 0 => after.min(head),
        _ => head,
    }
}

/// A time as integer microseconds since the Unix epoch (negative before it;
/// saturating far outside the range of `i64`).
pub(crate) fn time_to_micros(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_micros()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_micros()).map_or(i64::MIN, |m| -m),
    }
}

/// The time `micros` microseconds after the Unix epoch, if the platform can
/// represent it.
pub(crate) fn micros_to_time(micros: i64) -> Option<SystemTime> {
    let magnitude = Duration::from_micros(micros.unsigned_abs());
    if micros >= 0 {
        UNIX_EPOCH.checked_add(magnitude)
    } else {
        UNIX_EPOCH.checked_sub(magnitude)
    }
}

/// The current time, cut to the microsecond precision the log stores, both
/// as a time and as stored microseconds.
pub(crate) fn now() -> (SystemTime, i64) {
    let micros = time_to_micros(SystemTime::now());
    let time = micros_to_time(micros).unwrap_or_else(SystemTime::now);
    (time, micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_json_objects_and_names() {
        let events = [
            NewEvent::new("TicketCreated", r#"{"id":"t-1","title":"Grüße \"x\""}"#),
            NewEvent::new("a.b", " {} "),
        ];
        assert!(check_batch(&events).is_ok());
    }

    #[test]
    fn rejects_bad_events_with_their_index() {
        let cases: [(NewEvent, &str); 6] = [
            (NewEvent::new("", "{}"), "empty"),
            (NewEvent::new("Two words", "{}"), "whitespace"),
            (NewEvent::new("K", "[1]"), "not a JSON object"),
            (NewEvent::new("K", "{"), "not valid JSON"),
            (NewEvent::new("K", "{} {}"), "not valid JSON"),
            (NewEvent::new("K", vec![b'{', 0xff, b'}']), "not UTF-8"),
        ];
        for (bad, expected) in cases {
            let batch = vec![NewEvent::new("Ok", "{}"), bad];
            match check_batch(&batch) {
                Err(LogError::InvalidEvent { index: 1, reason }) => {
                    assert!(reason.contains(expected), "{reason} lacks {expected}")
                }
                other => panic!("expected InvalidEvent at 1 ({expected}), got {other:?}"),
            }
        }
    }

    #[test]
    fn stored_payload_problems_are_corrupt_at_their_position() {
        match check_stored_payload(7, b"nope") {
            Err(LogError::Corrupt { position: 7, .. }) => {}
            other => panic!("expected Corrupt at 7, got {other:?}"),
        }
        assert!(check_stored_kind(3, "").is_err());
    }

    #[test]
    fn micros_round_trip() {
        for micros in [0, 1, -1, 1_700_000_000_123_456, -86_400_000_000] {
            let time = micros_to_time(micros).unwrap();
            assert_eq!(time_to_micros(time), micros);
        }
        let (time, micros) = now();
        assert_eq!(time_to_micros(time), micros);
    }
}
