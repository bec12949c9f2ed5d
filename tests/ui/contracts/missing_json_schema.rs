//! With the feature `contracts`, every property type has a JSON Schema:
//! one without `schemars::JsonSchema` is a compile error naming the type
//! and what to derive.

/// Serialisable, but without `schemars::JsonSchema`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Amount(pub u64);

mod schema {
    goesgen::include_schema!("missing_json_schema.yml");
}

fn main() {}
