//! The schema front end's type references (rule 4): each accepted form and
//! the Rust type it resolves to, and the forms refused with where the problem
//! is.

mod common;

use common::{errors, ok};
use goesgen_schema::Rule;

fn schema_with_type(ty: &str) -> String {
    format!(
        "\
events:
  Opened:
    value: {ty}
projections:
  Door:
    states: [Open]
    createOn: Opened
services:
  Doors:
    projections: [Door]
    methods:
      Open:
        in: {ty}
        emits: [Opened]
"
    )
}

fn resolved(ty: &str) -> String {
    let schema = ok(&schema_with_type(ty));
    let property = &schema.events[0].properties[0].ty;
    let input = schema.services[0].methods[0]
        .input
        .as_ref()
        .map(|t| t.rust.clone());
    assert_eq!(
        Some(property.rust.clone()),
        input,
        "in and a property resolve alike"
    );
    assert_eq!(property.at.line, 3);
    assert_eq!(property.at.column, 12);
    property.rust.clone()
}

#[test]
fn dotted_goesgen_references_resolve_from_the_crate_root() {
    assert_eq!(resolved("id.User"), "crate::id::User");
    assert_eq!(
        resolved("service.users.io.CreateUserIn"),
        "crate::service::users::io::CreateUserIn"
    );
    assert_eq!(resolved("mod.Thing"), "crate::r#mod::Thing");
}

#[test]
fn bare_names_are_at_the_crate_root() {
    assert_eq!(resolved("TicketTitle"), "crate::TicketTitle");
}

#[test]
fn primitives_and_prelude_types_stay() {
    for ty in ["u64", "i128", "bool", "char", "f64", "usize", "String"] {
        assert_eq!(resolved(ty), ty);
    }
}

#[test]
fn rust_paths_stay() {
    assert_eq!(resolved("crate::money::Cents"), "crate::money::Cents");
    assert_eq!(resolved("::uuid::Uuid"), "::uuid::Uuid");
    assert_eq!(
        resolved("std::collections::BTreeMap<String, u64>"),
        "std::collections::BTreeMap<String, u64>"
    );
}

#[test]
fn generics_tuples_and_arrays() {
    assert_eq!(resolved("Vec<crate::id::User>"), "Vec<crate::id::User>");
    assert_eq!(resolved("Vec<id.User>"), "Vec<crate::id::User>");
    assert_eq!(resolved("Option<String>"), "Option<String>");
    assert_eq!(resolved("Option<Vec<Tag>>"), "Option<Vec<crate::Tag>>");
    assert_eq!(resolved("Result<u8,String>"), "Result<u8, String>");
    assert_eq!(resolved("\"(u8, id.User)\""), "(u8, crate::id::User)");
    assert_eq!(resolved("\"()\""), "()");
    assert_eq!(resolved("\"[u8; 32]\""), "[u8; 32]");
}

#[test]
fn written_form_is_kept() {
    let schema = ok(&schema_with_type("Vec<id.User>"));
    assert_eq!(schema.events[0].properties[0].ty.written, "Vec<id.User>");
}

fn refused(ty: &str) -> (usize, String) {
    let errors = errors(&schema_with_type(ty)).into_vec();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().all(|e| e.rule == Rule::TypeRef));
    assert_eq!(errors[0].path, "events.Opened.value");
    assert_eq!(errors[1].path, "services.Doors.methods.Open.in");
    assert_eq!(errors[0].at.line, 3);
    (errors[0].at.column, errors[0].message.clone())
}

#[test]
fn not_types_are_refused_where_the_problem_is() {
    let (column, message) = refused("id..User");
    assert_eq!(column, 15);
    assert!(
        message.contains("`id..User` is not a type: unexpected `.`"),
        "{message}"
    );
    let (column, message) = refused("1abc");
    assert_eq!(column, 12);
    assert!(
        message.contains("unexpected `1abc` where a name is expected"),
        "{message}"
    );
    let (column, message) = refused("Vec<");
    assert_eq!(column, 16);
    assert!(message.contains("missing `>`"), "{message}");
    let (column, message) = refused("foo bar");
    assert_eq!(column, 16);
    assert!(
        message.contains("unexpected `bar` after the type"),
        "{message}"
    );
    let (_, message) = refused("id.User::Name");
    assert!(message.contains("mixed"), "{message}");
    let (_, message) = refused("super::User");
    assert!(message.contains("from the crate root"), "{message}");
    let (_, message) = refused("Vec<>");
    assert!(message.contains("empty generic arguments"), "{message}");
    let (_, message) = refused("type");
    assert!(message.contains("keyword"), "{message}");
    let (_, message) = refused("\"&str\"");
    assert!(message.contains("`&` cannot appear in a type"), "{message}");
    let (_, message) = refused("\"'static\"");
    assert!(message.contains("cannot appear"), "{message}");
}

#[test]
fn a_quoted_reference_is_located_as_a_whole() {
    let errors = errors(&schema_with_type("\"id..User\"")).into_vec();
    assert_eq!(errors[0].at.column, 12);
    assert_eq!(errors[0].width, 10);
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}u8{}", "Vec<".repeat(100), ">".repeat(100));
    let (_, message) = refused(&deep);
    assert!(message.contains("nested more than"), "{message}");
}
