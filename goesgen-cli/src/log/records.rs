//! One record as output: a JSON object (`position`, `recorded_at`, `kind`,
//! `bytes`, `payload`: the payload's JSON, or its text as a string where it
//! is not JSON) or a table row.

use goesgen_runtime::{Position, Record};
use serde_json::{Value, json};

use super::time::rfc3339;

/// The record as a JSON object.
pub fn json(record: &Record) -> Value {
    let payload = serde_json::from_slice::<Value>(&record.payload)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&record.payload).into_owned()));
    json!({
        "position": record.position,
        "recorded_at": rfc3339(record.recorded_at),
        "kind": record.kind,
        "bytes": record.payload.len(),
        "payload": payload,
    })
}

/// The table's header line.
pub fn header() -> String {
    format!(
        "{:>10}  {:<27}  {:<28}  PAYLOAD",
        "POSITION", "RECORDED AT", "KIND"
    )
}

/// The record as a table row (the payload as written).
pub fn row(record: &Record) -> String {
    format!(
        "{:>10}  {:<27}  {:<28}  {}",
        record.position,
        rfc3339(record.recorded_at),
        record.kind,
        String::from_utf8_lossy(&record.payload)
    )
}

/// A problem found at `position`, as a JSON line (`log show`, `tail` and
/// `verify` print the same shape).
pub fn problem(position: Position, problem: &str, message: &str) -> Value {
    json!({"position": position, "problem": problem, "message": message})
}
