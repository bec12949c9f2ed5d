//! The schema front end keeps declaration order everywhere (generated code
//! must not depend on hashing), and all errors of a schema come in one go, in
//! file order.

mod common;

use common::{errors, ok};
use goesgen_schema::Rule;

#[test]
fn declaration_order_is_kept() {
    let source = "\
events:
  Zeta: {z: u8, a: u8, m: u8}
  Alpha: {}
  Mu: {}
projections:
  Zed:
    states: [Z, A, M]
    properties: {zz: u8, aa: u8}
    createOn: Zeta
    transitions:
      Mu: [Z -> A]
      Alpha: [A -> M]
  Ay:
    states: [One]
    createOn: Alpha
services:
  Zs:
    projections: [Zed, Ay]
    methods:
      Zap: {emits: [Mu, Zeta]}
      Ack: {emits: [Alpha]}
  As:
    methods:
      Read: {}
";
    let schema = ok(source);
    let names = |v: Vec<&str>| v.join(",");
    assert_eq!(
        names(schema.events.iter().map(|e| e.name.as_str()).collect()),
        "Zeta,Alpha,Mu"
    );
    assert_eq!(
        names(
            schema.events[0]
                .properties
                .iter()
                .map(|p| p.name.as_str())
                .collect()
        ),
        "z,a,m"
    );
    let zed = &schema.projections[0];
    assert_eq!(
        names(zed.states.iter().map(|s| s.name.as_str()).collect()),
        "Z,A,M"
    );
    assert_eq!(
        names(zed.properties.iter().map(|p| p.name.as_str()).collect()),
        "zz,aa"
    );
    assert_eq!(
        names(
            zed.transitions
                .iter()
                .map(|t| t.event.name.as_str())
                .collect()
        ),
        "Mu,Alpha"
    );
    assert_eq!(
        names(schema.services.iter().map(|s| s.name.as_str()).collect()),
        "Zs,As"
    );
    let zs = &schema.services[0];
    assert_eq!(
        names(zs.methods.iter().map(|m| m.name.as_str()).collect()),
        "Zap,Ack"
    );
    assert_eq!(
        names(
            zs.methods[0]
                .emits
                .iter()
                .map(|e| e.name.as_str())
                .collect()
        ),
        "Mu,Zeta"
    );
    // Subscriptions are in event declaration order, whatever the order of
    // projections and transitions.
    assert_eq!(zs.subscriptions, [0, 1, 2]);
    assert!(schema.services[1].subscriptions.is_empty());
}

#[test]
fn every_error_is_reported_in_file_order() {
    let source = "\
events:
  opened: {}
  Closed:
    by: id..User
projections:
  Door:
    states: [Open, Open]
    createOn: Opend
    colour: red
services:
  Doors:
    projections: [Dor]
    methods:
      Open:
        type: sometimes
        emits: [Opened]
";
    let errors = errors(source).into_vec();
    let got: Vec<(Rule, usize)> = errors.iter().map(|e| (e.rule, e.at.line)).collect();
    assert_eq!(
        got,
        [
            (Rule::NameCase, 2),
            (Rule::UnusedEvent, 3),
            (Rule::TypeRef, 4),
            (Rule::States, 7),
            (Rule::CreateOn, 8),
            (Rule::UnknownKey, 9),
            (Rule::ServiceProjection, 12),
            (Rule::MethodType, 15),
            (Rule::Emits, 16),
        ],
        "{errors:?}"
    );
    // `opened` is misspelt where it is used: the errors at its uses point
    // at it (did you mean `opened`?), so it is not also reported unused.
    let unused: Vec<&str> = errors
        .iter()
        .filter(|e| e.rule == Rule::UnusedEvent)
        .map(|e| e.path.as_str())
        .collect();
    assert_eq!(unused, ["events.Closed"]);
}

#[test]
fn errors_display_separated_by_a_blank_line() {
    let errors = errors("events: {}\nservices: {}\n");
    let text = errors.to_string();
    let parts: Vec<&str> = text.split("\n\n").collect();
    assert_eq!(parts.len(), 2, "{text}");
    assert!(parts[0].starts_with("schema.yml:1:1: the schema has no events"));
    assert!(parts[1].starts_with("schema.yml:2:1: the schema has no services"));
    assert_eq!(errors.iter().count(), 2);
    assert!(!errors.is_empty());
    let as_error: &dyn std::error::Error = &errors;
    assert_eq!(as_error.to_string(), text);
}
