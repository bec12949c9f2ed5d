//! [`Describe`]: the JSON Schema of a Rust type, from schemars; the bound
//! generated contracts put on every type they describe, so a type without
//! `schemars::JsonSchema` is a compile error that names it and says what to
//! derive. [`Schemas`] generates the schemas of one document and keeps the
//! definitions they refer to.

use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};

use super::{COMPONENT_SCHEMAS, JSON_SCHEMA_DEFINITIONS, PropertyContract};

/// A type with a JSON Schema: every `T: schemars::JsonSchema` (derive it,
/// or implement it by hand).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no JSON Schema, which goesgen's contracts (OpenAPI, JSON Schema, AsyncAPI) need",
    label = "used in the schema as a property, method input or output",
    note = "derive `schemars::JsonSchema` for `{Self}` (with `#[derive(schemars::JsonSchema)]` beside its serde derives), or implement it"
)]
pub trait Describe {
    /// The type's schema, its definitions kept in `schemas`.
    fn describe(schemas: &mut Schemas) -> Value;
}

impl<T: schemars::JsonSchema + ?Sized> Describe for T {
    fn describe(schemas: &mut Schemas) -> Value {
        schemas.generator.subschema_for::<T>().to_value()
    }
}

/// The schemas of one document: where its definitions live and the
/// definitions its schemas so far refer to.
#[derive(Debug)]
pub struct Schemas {
    generator: SchemaGenerator,
}

impl Schemas {
    /// For a JSON Schema document (2020-12): definitions under `$defs`.
    pub fn json_schema() -> Self {
        Self::with(SchemaSettings::draft2020_12(), JSON_SCHEMA_DEFINITIONS)
    }

    /// For an OpenAPI 3.1 document (JSON Schema 2020-12): definitions under
    /// `components.schemas`.
    pub fn openapi() -> Self {
        Self::with(SchemaSettings::draft2020_12(), COMPONENT_SCHEMAS)
    }

    /// For an AsyncAPI 3.0 document (its default schema format extends
    /// JSON Schema draft-07): definitions under `components.schemas`.
    pub fn asyncapi() -> Self {
        Self::with(SchemaSettings::draft07(), COMPONENT_SCHEMAS)
    }

    fn with(settings: SchemaSettings, definitions: &'static str) -> Self {
        let settings = settings.with(|settings| {
            settings.definitions_path = definitions.into();
            settings.meta_schema = None;
        });
        Self {
            generator: settings.into_generator(),
        }
    }

    /// The schema of `T` (a `$ref` to its definition where schemars
    /// defines it once).
    pub fn of<T: Describe + ?Sized>(&mut self) -> Value {
        T::describe(self)
    }

    /// The contract of an event property `name` of type `T`, described by
    /// `doc`, `required` unless it is an `Option` (what generated code
    /// lists per property).
    pub fn property<'a, T: Describe + ?Sized>(
        &mut self,
        name: &'a str,
        doc: &'a str,
        required: bool,
    ) -> PropertyContract<'a> {
        PropertyContract {
            name,
            doc,
            required,
            schema: self.of::<T>(),
        }
    }

    /// The definitions the schemas so far refer to, by name.
    pub fn into_definitions(mut self) -> Map<String, Value> {
        self.generator.take_definitions(true)
    }
}

/// The schema of a type written as one of `names` (a generated state
/// enum: `TicketState` is `"Open"`, `"Closed"`, ...), described by
/// `description`.
pub fn names_schema(names: &[&str], description: &str) -> schemars::Schema {
    let mut schema = Map::new();
    schema.insert("type".into(), "string".into());
    schema.insert("enum".into(), names.into());
    schema.insert("description".into(), description.into());
    schema.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_types_are_referred_to_and_defined_once() {
        let mut schemas = Schemas::openapi();
        assert_eq!(schemas.of::<u64>()["type"], "integer");
        let list = schemas.of::<Vec<Option<String>>>();
        assert_eq!(list["type"], "array");
        let pair = schemas.of::<std::time::Duration>();
        assert_eq!(
            pair,
            serde_json::json!({"$ref": "#/components/schemas/Duration"})
        );
        let definitions = schemas.into_definitions();
        assert_eq!(definitions.keys().collect::<Vec<_>>(), ["Duration"]);
    }

    #[test]
    fn names_are_an_enum_of_strings() {
        let schema = names_schema(&["Open", "Closed"], "A state.").to_value();
        assert_eq!(
            schema,
            serde_json::json!({"type": "string", "enum": ["Open", "Closed"], "description": "A state."})
        );
    }

    #[test]
    fn json_schema_documents_define_under_defs() {
        let mut schemas = Schemas::json_schema();
        assert_eq!(
            schemas.of::<std::time::Duration>(),
            serde_json::json!({"$ref": "#/$defs/Duration"})
        );
    }
}
