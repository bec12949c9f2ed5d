//! The codec's errors: [`EncodeError`] when an event does not serialise,
//! [`DecodeError`] (with its [`FieldProblem`]) when input does not decode,
//! naming the event type and field that failed.

use std::fmt;

use super::{UnknownKind, UpcastError};

/// An event could not be encoded: one of its property types failed to
/// serialise (a custom `Serialize` that returned an error, a map with
/// non-string keys), or a hand-written method event type does not convert
/// back from the schema's event enum (see
/// [`Emitted`](crate::service::Emitted)).
#[derive(Debug, thiserror::Error)]
#[error("cannot encode a {kind} event; {hint}")]
pub struct EncodeError {
    /// The event's type name.
    pub kind: &'static str,
    /// serde_json's error.
    #[source]
    pub source: serde_json::Error,
    /// What to check.
    hint: &'static str,
}

impl EncodeError {
    /// A property type failed to serialise.
    pub(super) fn serialize(kind: &'static str, source: serde_json::Error) -> Self {
        Self {
            kind,
            source,
            hint: "check the Serialize impls of its property types",
        }
    }

    /// The schema's event did not convert back to the method's event type.
    pub(crate) fn not_emitted(kind: &'static str) -> Self {
        Self {
            kind,
            source: serde::ser::Error::custom(
                "the schema's event does not convert back to the method's event type",
            ),
            hint: "the method's event type's TryFrom disagrees with its Into",
        }
    }
}

/// What is wrong with a payload field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldProblem {
    /// The payload lacks the field (and its type has no value for "absent").
    Missing,
    /// The field's value does not decode as its type; serde's reason.
    Invalid(String),
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldProblem::Missing => f.write_str("is missing"),
            FieldProblem::Invalid(reason) => write!(f, "is invalid: {reason}"),
        }
    }
}

/// Encoded events could not be decoded. Says which event type and which
/// field failed, where it got that far; nothing is ever decoded partially.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input holds nothing but whitespace.
    #[error(
        "empty input: expected an encoded event {{\"type\": ..., \"payload\": {{...}}}} or an array of them"
    )]
    Empty,
    /// The input is not JSON (or ends too early).
    #[error("not valid JSON: {message}")]
    Json {
        /// serde_json's message, with line and column.
        message: String,
    },
    /// The JSON is not an event envelope `{"type": ..., "payload": {...}}`.
    #[error(
        "not an encoded event: {reason}; expected {{\"type\": \"EventName\", \"payload\": {{...}}}}"
    )]
    Envelope {
        /// What is wrong with it.
        reason: String,
    },
    /// The event type is not one the schema defines.
    #[error(transparent)]
    UnknownKind(#[from] UnknownKind),
    /// A field of the payload is missing or invalid.
    #[error("{kind} event: field `{field}` {problem}")]
    Field {
        /// The event's type name.
        kind: String,
        /// The field's wire name.
        field: String,
        /// What is wrong with it.
        problem: FieldProblem,
    },
    /// The payload does not decode for another reason (it is not a JSON
    /// object, or a custom `Deserialize` refused it as a whole).
    #[error("{kind} event: invalid payload: {reason}")]
    Payload {
        /// The event's type name.
        kind: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The event's upcaster refused a record written under an older schema
    /// (see [`Upcaster`](super::Upcaster)).
    #[error("{kind} record (read as {event}): the upcaster refused it: {source}")]
    Upcast {
        /// The kind the record was written under.
        kind: String,
        /// The event it decodes as.
        event: &'static str,
        /// The upcaster's reason.
        #[source]
        source: UpcastError,
    },
    /// An event of a batch (JSON array) failed to decode.
    #[error("event #{index} of the batch (counting from 0): {source}")]
    InBatch {
        /// The event's index in the array.
        index: usize,
        /// Why it failed.
        #[source]
        source: Box<DecodeError>,
    },
    /// A single event was expected, the input is an array.
    #[error(
        "expected one encoded event, found a JSON array; decode it with the batch decoder (`Event::from_json_batch`)"
    )]
    Batch,
}

impl DecodeError {
    /// The event type that failed, where decoding got as far as reading it.
    pub fn kind(&self) -> Option<&str> {
        match self {
            DecodeError::Field { kind, .. } | DecodeError::Payload { kind, .. } => Some(kind),
            DecodeError::UnknownKind(unknown) => Some(&unknown.name),
            DecodeError::Upcast { kind, .. } => Some(kind),
            DecodeError::InBatch { source, .. } => source.kind(),
            _ => None,
        }
    }

    /// The payload field that failed, where one did.
    pub fn field(&self) -> Option<&str> {
        match self {
            DecodeError::Field { field, .. } => Some(field),
            DecodeError::InBatch { source, .. } => source.field(),
            _ => None,
        }
    }

    /// The index in the batch of the event that failed, for batches.
    pub fn index(&self) -> Option<usize> {
        match self {
            DecodeError::InBatch { index, .. } => Some(*index),
            _ => None,
        }
    }

    pub(super) fn json(error: &serde_json::Error) -> Self {
        DecodeError::Json {
            message: error.to_string(),
        }
    }

    pub(super) fn in_batch(index: usize, error: DecodeError) -> Self {
        DecodeError::InBatch {
            index,
            source: Box::new(error),
        }
    }
}
