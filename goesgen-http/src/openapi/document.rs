//! [`document`]: the OpenAPI 3.1 document of one service from its
//! [`ServiceApi`]; [`merge`]: several services' documents as one.

use serde_json::{Map, Value, json};

use super::OPENAPI_VERSION;
use super::problems;
use goesgen_runtime::contracts::{Describe, JSON_SCHEMA_DIALECT, Schemas};

/// One method of a service, as its document describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationApi<'a> {
    /// Its name (the path's last segment).
    pub method: &'a str,
    /// The schema's comment on it (may be empty).
    pub doc: &'a str,
    /// `readonly`, `append` or `transaction`.
    pub kind: &'a str,
    /// The JSON Schema of its input (`null` for a method without one),
    /// referring to `#/components/schemas/`.
    pub input: Value,
    /// The JSON Schema of its output (`null` for a method without one).
    pub output: Value,
}

impl<'a> OperationApi<'a> {
    /// The method `method` of `kind`, described by `doc`, with input `I`
    /// and output `O` (their schemas generated into `schemas`; what
    /// generated code lists per method).
    pub fn of<I: Describe + ?Sized, O: Describe + ?Sized>(
        schemas: &mut Schemas,
        method: &'a str,
        doc: &'a str,
        kind: &'a str,
    ) -> Self {
        Self {
            method,
            doc,
            kind,
            input: schemas.of::<I>(),
            output: schemas.of::<O>(),
        }
    }

    /// Whether it writes (an append or a transaction).
    pub fn writes(&self) -> bool {
        self.kind != "readonly"
    }
}

/// One service, as its document describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceApi<'a> {
    /// Its name (the paths' first segment, the document's title).
    pub name: &'a str,
    /// The schema's comment on it (may be empty).
    pub doc: &'a str,
    /// The document's version (the including crate's).
    pub version: &'a str,
    /// Its methods, in schema order.
    pub operations: Vec<OperationApi<'a>>,
    /// The schemas the inputs' and outputs' `$ref`s name.
    pub definitions: Map<String, Value>,
}

/// The OpenAPI 3.1 document of `service`: one `POST /<Service>/<Method>`
/// operation per method (its input the JSON request body, its output the
/// `200` body, for a write method `{"output", "positions"}` with the
/// `Goesgen-Position` header; the `Goesgen-Seen-Position` header, and for
/// writes `Idempotency-Key`; the problem responses), the components they
/// share. Each operation names its service and method (`x-goesgen-service`,
/// `x-goesgen-method`) for [`secure`](super::secure).
pub fn document(service: &ServiceApi<'_>) -> Value {
    let statuses = problems::statuses();
    let mut paths = Map::new();
    for operation in &service.operations {
        paths.insert(
            format!("/{}/{}", service.name, operation.method),
            json!({"post": self::operation(service.name, operation, &statuses)}),
        );
    }
    let mut schemas = service.definitions.clone();
    schemas.extend(problems::schemas());
    let mut info = json!({"title": service.name, "version": service.version});
    if !service.doc.is_empty() {
        info["description"] = service.doc.into();
    }
    json!({
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": JSON_SCHEMA_DIALECT,
        "info": info,
        "tags": [tag(service)],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "responses": problems::responses(&statuses),
            "parameters": parameters(),
            "headers": headers(),
        },
    })
}

fn tag(service: &ServiceApi<'_>) -> Value {
    let mut tag = json!({"name": service.name});
    if !service.doc.is_empty() {
        tag["description"] = service.doc.into();
    }
    tag
}

fn operation(service: &str, operation: &OperationApi<'_>, statuses: &[u16]) -> Value {
    let method = operation.method;
    let kind = match operation.kind {
        "readonly" => "A readonly method: it reads the service's projections and writes nothing.",
        "append" => {
            "An append method: its events are appended without a consistency check. Send an `Idempotency-Key` to retry it safely."
        }
        _ => {
            "A transaction method: its events are appended only if nothing it read changed meanwhile (the service retries it otherwise). Send an `Idempotency-Key` to retry it safely."
        }
    };
    let description = if operation.doc.is_empty() {
        kind.to_owned()
    } else {
        format!("{}\n\n{kind}", operation.doc)
    };
    let summary = operation
        .doc
        .lines()
        .next()
        .filter(|line| !line.is_empty())
        .unwrap_or(method);
    let mut parameters = vec![json!({"$ref": "#/components/parameters/Goesgen-Seen-Position"})];
    let mut success = json!({
        "description": "The method's output.",
        "content": {"application/json": {"schema": operation.output}},
    });
    if operation.writes() {
        parameters.push(json!({"$ref": "#/components/parameters/Idempotency-Key"}));
        success = json!({
            "description": "The method's output and the positions its events were appended at.",
            "headers": {"Goesgen-Position": {"$ref": "#/components/headers/Goesgen-Position"}},
            "content": {"application/json": {"schema": {
                "type": "object",
                "properties": {
                    "output": operation.output,
                    "positions": {"$ref": "#/components/schemas/Positions"},
                },
                "required": ["output", "positions"],
            }}},
        });
    }
    let mut responses = Map::new();
    responses.insert("200".into(), success);
    for &status in statuses {
        responses.insert(
            status.to_string(),
            json!({"$ref": format!("#/components/responses/{}", problems::response_name(status))}),
        );
    }
    responses.insert(
        "default".into(),
        json!({
            "description": "A method's own problem of another status.",
            "content": {crate::PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }),
    );
    json!({
        "operationId": format!("{service}.{method}"),
        "tags": [service],
        "summary": summary,
        "description": description,
        "parameters": parameters,
        "requestBody": {
            "required": true,
            "description": "The method's input (`null` for a method without one).",
            "content": {"application/json": {"schema": operation.input}},
        },
        "responses": responses,
        "x-goesgen-service": service,
        "x-goesgen-method": method,
    })
}

fn parameters() -> Value {
    json!({
        "Goesgen-Seen-Position": {
            "name": "Goesgen-Seen-Position",
            "in": "header",
            "required": false,
            "description": "A log position the caller has seen (a write's `Goesgen-Position`): the service catches up to it before it answers, or answers `503 not-caught-up`.",
            "schema": {"type": "integer", "minimum": 0, "format": "uint64"},
        },
        "Idempotency-Key": {
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "description": "Names the call for retries (scoped to the service, the method and the caller): a repeat answers `409 duplicate` with the first call's positions, a repeat with another input `422 key-reused`.",
            "schema": {"type": "string", "minLength": 1},
        },
    })
}

fn headers() -> Value {
    json!({
        "Goesgen-Position": {
            "description": "The last log position the call's events were appended at; send it as `Goesgen-Seen-Position` to read the write through another service.",
            "schema": {"type": "integer", "minimum": 0, "format": "uint64"},
        },
        "Retry-After": {
            "description": "Seconds to wait before a retry.",
            "schema": {"type": "integer", "minimum": 0},
        },
    })
}

/// Two documents define one component differently: they cannot be merged
/// into one document (rename one of the types).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the documents define `components.{section}.{name}` differently (two types of one name?)")]
pub struct MergeConflict {
    /// The components' section (`schemas`, `responses`, ...).
    pub section: String,
    /// The component's name.
    pub name: String,
}

/// Several services' documents as one, titled `title` with `version`: the
/// paths and tags of all, their components joined (those goesgen writes
/// are the same in each; a type two services share is defined once).
///
/// # Errors
/// [`MergeConflict`] where two documents define a component of one name
/// differently.
pub fn merge(title: &str, version: &str, documents: &[Value]) -> Result<Value, MergeConflict> {
    let mut merged = json!({
        "openapi": OPENAPI_VERSION,
        "jsonSchemaDialect": JSON_SCHEMA_DIALECT,
        "info": {"title": title, "version": version},
        "tags": [],
        "paths": {},
        "components": {},
    });
    for document in documents {
        if let (Some(into), Some(tags)) =
            (merged["tags"].as_array_mut(), document["tags"].as_array())
        {
            into.extend(tags.iter().cloned());
        }
        join(&mut merged["paths"], &document["paths"], "paths")?;
        if let Some(components) = document["components"].as_object() {
            for (section, entries) in components {
                join(&mut merged["components"][section], entries, section)?;
            }
        }
    }
    Ok(merged)
}

/// The members of `from` added to `into`; one both have must be the same.
fn join(into: &mut Value, from: &Value, section: &str) -> Result<(), MergeConflict> {
    let Some(from) = from.as_object() else {
        return Ok(());
    };
    if !into.is_object() {
        *into = Value::Object(Map::new());
    }
    if let Some(into) = into.as_object_mut() {
        for (name, value) in from {
            match into.get(name) {
                Some(kept) if kept != value => {
                    return Err(MergeConflict {
                        section: section.to_owned(),
                        name: name.clone(),
                    });
                }
                Some(_) => {}
                None => {
                    into.insert(name.clone(), value.clone());
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(name: &'static str) -> ServiceApi<'static> {
        ServiceApi {
            name,
            doc: "Counts.",
            version: "1.0.0",
            operations: vec![
                OperationApi {
                    method: "Total",
                    doc: "Total is a counter's total.\nZero for a new one.",
                    kind: "readonly",
                    input: json!({"type": "string"}),
                    output: json!({"type": "integer"}),
                },
                OperationApi {
                    method: "Count",
                    doc: "",
                    kind: "transaction",
                    input: json!({"type": "string"}),
                    output: json!({"$ref": "#/components/schemas/Total"}),
                },
            ],
            definitions: [("Total".to_owned(), json!({"type": "integer"}))]
                .into_iter()
                .collect(),
        }
    }

    #[test]
    fn a_readonly_method_answers_its_output() {
        let document = document(&service("Counters"));
        let total = &document["paths"]["/Counters/Total"]["post"];
        assert_eq!(total["summary"], "Total is a counter's total.");
        assert_eq!(
            total["responses"]["200"]["content"]["application/json"]["schema"],
            json!({"type": "integer"})
        );
        assert_eq!(total["parameters"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn a_write_answers_output_and_positions_and_takes_a_key() {
        let document = document(&service("Counters"));
        let count = &document["paths"]["/Counters/Count"]["post"];
        let body = &count["responses"]["200"]["content"]["application/json"]["schema"];
        assert_eq!(body["required"], json!(["output", "positions"]));
        assert_eq!(
            body["properties"]["output"]["$ref"],
            "#/components/schemas/Total"
        );
        assert_eq!(
            count["parameters"][1]["$ref"],
            "#/components/parameters/Idempotency-Key"
        );
        for status in problems::statuses() {
            assert!(count["responses"][status.to_string()]["$ref"].is_string());
        }
        assert!(document["components"]["schemas"]["Problem"].is_object());
        assert!(document["components"]["schemas"]["Total"].is_object());
    }

    #[test]
    fn merged_documents_keep_every_path_once() {
        let merged = merge(
            "both",
            "1",
            &[document(&service("Counters")), document(&service("Others"))],
        )
        .unwrap();
        let paths: Vec<&String> = merged["paths"].as_object().unwrap().keys().collect();
        assert_eq!(paths.len(), 4);
        assert_eq!(merged["tags"].as_array().unwrap().len(), 2);
        assert!(merged["components"]["responses"]["Problem503"].is_object());
    }

    #[test]
    fn two_types_of_one_name_do_not_merge() {
        let mut other = service("Others");
        other
            .definitions
            .insert("Total".to_owned(), json!({"type": "string"}));
        let conflict = merge(
            "both",
            "1",
            &[document(&service("Counters")), document(&other)],
        )
        .unwrap_err();
        assert_eq!(
            (conflict.section.as_str(), conflict.name.as_str()),
            ("schemas", "Total")
        );
        // The same service twice is its paths twice: the same, so merged.
        let twice = [
            document(&service("Counters")),
            document(&service("Counters")),
        ];
        assert!(merge("twice", "1", &twice).is_ok());
    }
}
