//! The validators the checks share: the official meta-schemas checked in
//! beside this file, and a validator for the schema at a JSON pointer of a
//! document (the document is the validator's root, so the schema's `$ref`s
//! into its components resolve).

use jsonschema::Validator;
use serde_json::Value;

/// A checked-in fixture of this directory, parsed.
pub fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/contracts")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `pointer` (`/components/schemas/Problem`) as a URI fragment.
fn fragment(pointer: &str) -> String {
    let mut fragment = String::from("#");
    for byte in pointer.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'~' | b'-' | b'_' | b'.' => {
                fragment.push(byte as char)
            }
            other => fragment.push_str(&format!("%{other:02X}")),
        }
    }
    fragment
}

/// A JSON Schema 2020-12 validator of the schema at `pointer` in
/// `document` (an OpenAPI 3.1 document or a JSON Schema).
pub fn at(document: &Value, pointer: &str) -> Validator {
    let schema = rooted(
        document,
        pointer,
        "https://json-schema.org/draft/2020-12/schema",
    );
    jsonschema::draft202012::new(&schema)
        .unwrap_or_else(|e| panic!("the schema at {pointer} does not compile: {e}"))
}

/// A JSON Schema draft-07 validator of the schema at `pointer` in
/// `document` (an AsyncAPI 3.0 document, whose default schema format
/// extends draft-07).
pub fn at_draft07(document: &Value, pointer: &str) -> Validator {
    let schema = rooted(document, pointer, "http://json-schema.org/draft-07/schema#");
    jsonschema::draft7::new(&schema)
        .unwrap_or_else(|e| panic!("the schema at {pointer} does not compile: {e}"))
}

fn rooted(document: &Value, pointer: &str, dialect: &str) -> Value {
    assert!(
        document.pointer(pointer).is_some(),
        "nothing at {pointer} in the document"
    );
    let mut root = document.clone();
    root["$schema"] = dialect.into();
    root["$ref"] = fragment(pointer).into();
    root
}

/// Every error of `validator` on `instance`, one line each (empty: valid).
pub fn errors(validator: &Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|error| format!("{} at {}", error, error.instance_path()))
        .collect()
}

/// Panics with every error of `validator` on `instance`, saying `what`.
pub fn assert_valid(validator: &Validator, instance: &Value, what: &str) {
    let errors = errors(validator, instance);
    assert!(
        errors.is_empty(),
        "{what} is invalid: {errors:#?}\n{instance:#}"
    );
}

/// JSON pointer escaping of one segment (`/` as `~1`, `~` as `~0`).
pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}
