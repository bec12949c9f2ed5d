//! The `SubjectForgotten` record a log appends when it forgets a subject
//! ([`EventLog::forget`](crate::EventLog::forget)): how it is written
//! ([`forgotten_event`]) and read back ([`forgotten_subject`]).

use serde_json::Value;

use super::{PersonalError, Subject};
use crate::record::NewEvent;

/// The kind of the record [`EventLog::forget`](crate::EventLog::forget)
/// appends when it forgets a subject (reserved: no schema event may use
/// it). Its payload is `{"subject":"User:\"u-1\""}`.
pub const SUBJECT_FORGOTTEN: &str = "goesgen.SubjectForgotten";

/// The record that says `subject` was forgotten.
pub fn forgotten_event(subject: &Subject) -> NewEvent {
    let payload = serde_json::json!({ "subject": subject.to_string() });
    NewEvent::new(SUBJECT_FORGOTTEN, payload.to_string())
}

/// The subject a record of kind [`SUBJECT_FORGOTTEN`] forgot, from its
/// payload: [`PersonalError::BadSubject`] if it names none.
pub fn forgotten_subject(payload: &[u8]) -> Result<Subject, PersonalError> {
    let value: Value =
        serde_json::from_slice(payload).map_err(|error| PersonalError::BadSubject {
            reason: format!("the payload of a {SUBJECT_FORGOTTEN} record is not JSON: {error}"),
        })?;
    match value.get("subject").and_then(Value::as_str) {
        Some(text) => text.parse(),
        None => Err(PersonalError::BadSubject {
            reason: format!("the payload of a {SUBJECT_FORGOTTEN} record has no `subject` string"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_back_the_subject_it_wrote() {
        let subject = Subject::new("User", &"u-1").unwrap();
        let event = forgotten_event(&subject);
        assert_eq!(event.kind, SUBJECT_FORGOTTEN);
        assert_eq!(
            std::str::from_utf8(&event.payload).unwrap(),
            r#"{"subject":"User:\"u-1\""}"#
        );
        assert_eq!(forgotten_subject(&event.payload).unwrap(), subject);
        assert!(forgotten_subject(b"{}").is_err());
    }
}
