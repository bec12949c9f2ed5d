//! Helpers shared by the schema tests: parse inline schemas, expect a model
//! or exactly the errors wanted.
#![allow(dead_code)]

use goesgen_schema::{Rule, Schema, SchemaError, SchemaErrors, parse};

/// A small valid schema (one event, projection, service and method) that
/// tests break in one place.
pub const BASE: &str = "\
events:
  Opened: {}
projections:
  Door:
    states: [Open]
    createOn: Opened
services:
  Doors:
    projections: [Door]
    methods:
      Open:
        emits: [Opened]
";

/// The model of `source`, or the test fails showing the errors.
pub fn ok(source: &str) -> Schema {
    match parse(source, "schema.yml") {
        Ok(schema) => schema,
        Err(errors) => panic!("expected a valid schema, got:\n{errors}"),
    }
}

/// All errors of `source`, which must not parse.
pub fn errors(source: &str) -> SchemaErrors {
    match parse(source, "schema.yml") {
        Ok(_) => panic!("expected errors, the schema parsed:\n{source}"),
        Err(errors) => errors,
    }
}

/// The one error of `source`.
pub fn only(source: &str) -> SchemaError {
    let errors = errors(source);
    assert_eq!(errors.len(), 1, "expected one error, got:\n{errors}");
    errors.into_vec().remove(0)
}

/// Asserts an error's rule, place, path and (part of its) message.
#[track_caller]
pub fn assert_error(
    error: &SchemaError,
    rule: Rule,
    (line, column): (usize, usize),
    path: &str,
    message: &str,
) {
    assert_eq!(error.rule, rule, "rule of:\n{error}");
    assert_eq!(
        (error.at.line, error.at.column),
        (line, column),
        "place of:\n{error}"
    );
    assert_eq!(error.path, path, "path of:\n{error}");
    assert!(
        error.message.contains(message),
        "message of:\n{error}\nshould contain: {message}"
    );
    assert_eq!(error.file, "schema.yml");
}

/// The hint of an error, or the test fails.
#[track_caller]
pub fn hint(error: &SchemaError) -> &str {
    error
        .hint
        .as_deref()
        .unwrap_or_else(|| panic!("no hint in:\n{error}"))
}
