//! Field diagnosis: why a payload or an envelope did not decode, in words.
//! Runs only after serde's derived code has failed, so inputs that decode
//! pay nothing for it: the payload is read as JSON and each field, in
//! schema order, checked against its [`FieldSpec`](super::FieldSpec).

use serde_json::Value;

use super::{DecodeError, EventPayload, FieldProblem};

/// Why a JSON document is not an envelope, in words: serde's message names
/// its private struct, so say what the document is instead where we can.
pub(super) fn describe_envelope_error(bytes: &[u8], error: &serde_json::Error) -> String {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value) if !value.is_object() => format!("the JSON is {}", describe_value(&value)),
        _ => error.to_string(),
    }
}

fn describe_value(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The precise error for a payload that failed to decode as `P`: the first
/// field, in schema order, that is missing or does not decode.
pub(super) fn diagnose<P: EventPayload>(payload: &[u8], error: &serde_json::Error) -> DecodeError {
    match serde_json::from_slice::<Value>(payload) {
        Ok(value) => diagnose_value::<P>(&value, error),
        Err(syntax) => DecodeError::json(&syntax),
    }
}

/// The precise error for a payload, already read as JSON, that failed to
/// decode as `P` (see [`diagnose`]).
pub(super) fn diagnose_value<P: EventPayload>(
    value: &Value,
    error: &serde_json::Error,
) -> DecodeError {
    let Value::Object(fields) = value else {
        return DecodeError::Payload {
            kind: P::KIND.to_string(),
            reason: format!(
                "the payload is {}, not a JSON object",
                describe_value(value)
            ),
        };
    };
    for field in P::FIELDS {
        let problem = match fields.get(field.name) {
            // A type that decodes from null (an Option) may be absent.
            None => (field.check)(&Value::Null)
                .err()
                .map(|_| FieldProblem::Missing),
            Some(value) => (field.check)(value)
                .err()
                .map(|error| FieldProblem::Invalid(error.to_string())),
        };
        if let Some(problem) = problem {
            return DecodeError::Field {
                kind: P::KIND.to_string(),
                field: field.name.to_string(),
                problem,
            };
        }
    }
    DecodeError::Payload {
        kind: P::KIND.to_string(),
        reason: error.to_string(),
    }
}
