//! A schema naming types the crate does not define: the compiler reports
//! them at the include_schema! call.

/// Defined; `crate::material::Frame` is not.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct Width(pub u32);

pub mod schema {
    goesgen::include_schema!("missing_type.yml");
}

fn main() {}
