//! [`schema_of_rust_name`]: a property's JSON Schema from its Rust type's
//! name alone, for documents written without the Rust types at hand (the
//! `goesgen` command's): Rust's own types get their schema, any other type
//! an open schema that names it.

use serde_json::{Value, json};

/// The JSON Schema of the Rust type `rust` (as the schema file writes it):
/// strings, booleans, integers (unsigned ones with `minimum: 0`) and
/// floats by their JSON type, `Option<T>` as `T` or `null`, `Vec<T>` as an
/// array of `T`; any other type accepts any value and names the type
/// (`x-rust-type`, and the description).
pub fn schema_of_rust_name(rust: &str) -> Value {
    let rust = rust.trim();
    let path = rust.trim_start_matches("::");
    if let Some(inner) = generic_argument(
        path,
        &["Option", "std::option::Option", "core::option::Option"],
    ) {
        return json!({"anyOf": [schema_of_rust_name(inner), {"type": "null"}]});
    }
    if let Some(inner) = generic_argument(path, &["Vec", "std::vec::Vec", "alloc::vec::Vec"]) {
        return json!({"type": "array", "items": schema_of_rust_name(inner)});
    }
    match path {
        "String" | "std::string::String" | "alloc::string::String" | "str" | "char" => {
            json!({"type": "string"})
        }
        "bool" => json!({"type": "boolean"}),
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => {
            json!({"type": "integer", "minimum": 0, "format": path})
        }
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => {
            json!({"type": "integer", "format": path})
        }
        "f32" | "f64" => json!({"type": "number", "format": path}),
        _ => json!({
            "description": format!("A `{rust}` (its schema is known to the Rust program only)."),
            "x-rust-type": rust,
        }),
    }
}

/// `T` of `Name<T>` where `path` is one of `names` with one argument.
fn generic_argument<'a>(path: &'a str, names: &[&str]) -> Option<&'a str> {
    let (head, rest) = path.split_once('<')?;
    let inner = rest.strip_suffix('>')?;
    names.contains(&head.trim()).then_some(inner.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rusts_own_types_get_their_json_types() {
        assert_eq!(schema_of_rust_name("String"), json!({"type": "string"}));
        assert_eq!(schema_of_rust_name("bool"), json!({"type": "boolean"}));
        assert_eq!(
            schema_of_rust_name("u64"),
            json!({"type": "integer", "minimum": 0, "format": "u64"})
        );
        assert_eq!(
            schema_of_rust_name("Vec<Option<i32>>"),
            json!({"type": "array", "items": {"anyOf": [{"type": "integer", "format": "i32"}, {"type": "null"}]}})
        );
    }

    #[test]
    fn other_types_are_named_not_guessed() {
        let schema = schema_of_rust_name("crate::id::User");
        assert_eq!(schema["x-rust-type"], "crate::id::User");
        assert!(schema.get("type").is_none());
        // A generic of another type is not taken apart.
        assert_eq!(
            schema_of_rust_name("HashMap<String, u64>")["x-rust-type"],
            "HashMap<String, u64>"
        );
    }
}
