//! Version 2's upcaster, as the schema names it
//! (`upcast: crate::migrations::user_created`).

use goesgen::codec::UpcastError;
use serde_json::Value;

/// A `UserCreated` of version 1 has no `handle`: derive it from the name
/// (lowercase, words joined by dots). A record without a name to derive
/// it from is refused.
pub fn user_created(kind: &str, mut payload: Value) -> Result<Value, UpcastError> {
    let Some(fields) = payload.as_object_mut() else {
        return Err(UpcastError::new(format!("a {kind} payload is an object")));
    };
    if !fields.contains_key("handle") {
        let handle = fields
            .get("name")
            .and_then(Value::as_str)
            .map(|name| {
                name.split_whitespace()
                    .map(str::to_lowercase)
                    .collect::<Vec<_>>()
                    .join(".")
            })
            .filter(|handle| !handle.is_empty())
            .ok_or_else(|| UpcastError::new("no name to derive the handle from"))?;
        fields.insert("handle".into(), Value::String(handle));
    }
    Ok(payload)
}
