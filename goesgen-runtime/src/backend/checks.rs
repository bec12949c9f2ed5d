//! The checks every backend applies the same way: the checks on an append
//! before it is written ([`check_append`], [`check_batch`]), how an
//! append's [`Condition`] is judged ([`judge`]), and the checks on records
//! read back from storage ([`check_stored_kind`], [`check_stored_payload`],
//! [`check_contiguous`]). One place, so that every backend rejects and
//! reports the same things in the same words.

use crate::bytes::any_byte;
use crate::error::{Conflict, LogError};
use crate::limits::LogLimits;
use crate::log::{Append, Condition};
use crate::record::{NewEvent, Position, Record};

/// Judges `condition` against a log whose head is `head`; `last_of_kind`
/// gives the position of the newest event of a kind (`None` if there is
/// none). `Ok(Err(conflict))` when the condition does not hold; `Err` only
/// when `last_of_kind` fails.
pub fn judge<E>(
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

/// Checks an append before it is written: its parts (see
/// [`parts::check`](super::parts::check)), then every event: a kind that is
/// not empty, has no whitespace or control characters and is within the
/// limits, and a payload within the limits that is one JSON object in
/// UTF-8. The first bad event is [`LogError::InvalidEvent`]. Payloads the
/// service engine encoded itself (`Append::encoded`: serde's JSON of an
/// event struct, an object by construction) are not parsed again; their
/// sizes and kinds are still checked.
pub fn check_append(append: &Append, limits: &LogLimits) -> Result<(), LogError> {
    super::parts::check(append)?;
    check_events(&append.events, limits, append.encoded)
}

/// [`check_append`]'s checks of the events alone, for events from elsewhere
/// than the engine (every payload is parsed).
pub fn check_batch(events: &[NewEvent], limits: &LogLimits) -> Result<(), LogError> {
    check_events(events, limits, false)
}

fn check_events(events: &[NewEvent], limits: &LogLimits, encoded: bool) -> Result<(), LogError> {
    for (index, event) in events.iter().enumerate() {
        let problem = size_problem(event, limits)
            .or_else(|| kind_problem(&event.kind))
            .or_else(|| {
                if encoded {
                    None
                } else {
                    payload_problem(&event.payload)
                }
            });
        if let Some(reason) = problem {
            return Err(LogError::InvalidEvent { index, reason });
        }
    }
    Ok(())
}

/// Checks a kind read back from storage at `position`.
pub fn check_stored_kind(position: Position, kind: &str) -> Result<(), LogError> {
    match kind_problem(kind) {
        Some(reason) => Err(LogError::Corrupt { position, reason }),
        None => Ok(()),
    }
}

/// Checks a payload read back from storage at `position`.
pub fn check_stored_payload(position: Position, payload: &[u8]) -> Result<(), LogError> {
    match payload_problem(payload) {
        Some(reason) => Err(LogError::Corrupt { position, reason }),
        None => Ok(()),
    }
}

fn size_problem(event: &NewEvent, limits: &LogLimits) -> Option<String> {
    if event.kind.len() > limits.kind_bytes() {
        return Some(format!(
            "the event kind is {} bytes long, over the limit of {}",
            event.kind.len(),
            limits.kind_bytes()
        ));
    }
    if event.payload.len() > limits.payload_bytes() {
        return Some(format!(
            "the payload is {} bytes, over the limit of {}",
            event.payload.len(),
            limits.payload_bytes()
        ));
    }
    None
}

fn kind_problem(kind: &str) -> Option<String> {
    if kind.is_empty() {
        return Some("the event kind is empty".to_owned());
    }
    // The usual case in one pass over the bytes: printable ASCII other
    // than the space (every ASCII whitespace or control byte is below it,
    // or DEL). Anything else is judged character by character.
    let printable = !any_byte(kind.as_bytes(), |b| !(b'!'..=b'~').contains(&b));
    let bad = !printable && kind.chars().any(|c| c.is_whitespace() || c.is_control());
    if bad {
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

/// Checks that `records`, read after `after` without a kind filter, are at
/// the positions `after + 1`, `after + 2`, ... in order: the first record
/// elsewhere is [`LogError::Corrupt`] at the first position affected (the
/// missing one), naming the position found there.
pub fn check_contiguous(after: Position, records: &[Record]) -> Result<(), LogError> {
    let mut expected = after;
    for record in records {
        expected = expected.saturating_add(1);
        if record.position != expected {
            let reason = if record.position < expected {
                format!(
                    "a record at position {} comes after position {}: positions out of order",
                    record.position,
                    expected - 1
                )
            } else {
                format!(
                    "the record is missing: the next stored record is at position {} \
                     (rows were deleted or inserted outside the log)",
                    record.position
                )
            };
            return Err(LogError::Corrupt {
                position: expected,
                reason,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    #[test]
    fn accepts_json_objects_and_names() {
        let events = [
            NewEvent::new("TicketCreated", r#"{"id":"t-1","title":"Grüße \"x\""}"#),
            NewEvent::new("a.b", " {} "),
            NewEvent::new("GrüßeGesendet", "{}"),
            NewEvent::new("~!x", "{}"),
        ];
        assert!(check_batch(&events, &LogLimits::default()).is_ok());
    }

    #[test]
    fn engine_payloads_skip_the_json_parse_but_not_the_other_checks() {
        let limits = LogLimits::default();
        let unparsed = vec![NewEvent::new("K", "not json, but never parsed")];
        assert!(check_append(&Append::new(unparsed.clone()).encoded(), &limits).is_ok());
        assert!(
            check_append(&Append::new(unparsed), &limits).is_err(),
            "appends from outside the engine are parsed"
        );
        let bad_kind = vec![NewEvent::new("Two words", "{}")];
        assert!(check_append(&Append::new(bad_kind).encoded(), &limits).is_err());
    }

    #[test]
    fn rejects_bad_events_with_their_index() {
        let cases: [(NewEvent, &str); 10] = [
            (NewEvent::new("", "{}"), "empty"),
            (NewEvent::new("Two words", "{}"), "whitespace"),
            (NewEvent::new("Tab\tbed", "{}"), "whitespace"),
            (NewEvent::new("Bell\u{7}", "{}"), "control"),
            (NewEvent::new("Delete\u{7f}", "{}"), "control"),
            (NewEvent::new("Grüße\u{a0}Welt", "{}"), "whitespace"),
            (NewEvent::new("K", "[1]"), "not a JSON object"),
            (NewEvent::new("K", "{"), "not valid JSON"),
            (NewEvent::new("K", "{} {}"), "not valid JSON"),
            (NewEvent::new("K", vec![b'{', 0xff, b'}']), "not UTF-8"),
        ];
        for (bad, expected) in cases {
            let batch = vec![NewEvent::new("Ok", "{}"), bad];
            match check_batch(&batch, &LogLimits::default()) {
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
    fn gaps_and_disorder_are_corrupt_at_the_first_position_affected() {
        let at = |position| Record {
            position,
            recorded_at: UNIX_EPOCH,
            kind: "A".to_owned(),
            payload: b"{}".to_vec(),
        };
        assert!(check_contiguous(4, &[at(5), at(6)]).is_ok());
        assert!(check_contiguous(4, &[]).is_ok());
        match check_contiguous(4, &[at(5), at(7)]) {
            Err(LogError::Corrupt {
                position: 6,
                reason,
            }) => assert!(reason.contains('7')),
            other => panic!("expected Corrupt at 6, got {other:?}"),
        }
        match check_contiguous(0, &[at(1), at(1)]) {
            Err(LogError::Corrupt {
                position: 2,
                reason,
            }) => {
                assert!(reason.contains("out of order"), "{reason}")
            }
            other => panic!("expected Corrupt at 2, got {other:?}"),
        }
        let top = Position::try_from(i64::MAX).unwrap();
        assert!(matches!(
            check_contiguous(5, &[at(top)]),
            Err(LogError::Corrupt { position: 6, .. })
        ));
    }
}
