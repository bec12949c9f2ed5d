//! The schema front end's naming rule (`docs/schema.md` rule 17): names
//! that become the same Rust identifier (methods, properties, keywords and
//! their escaped forms, events, services, projections, states, generated
//! modules and types) are refused, each error checked for rule, line,
//! column, path, message and hint; keywords alone are fine names.

mod common;

use common::{BASE, assert_error, errors, ok, only};
use goesgen_schema::Rule;

#[test]
fn rule_17_methods_that_become_the_same_function() {
    let source = format!("{BASE}      GetUserByID: {{}}\n      GetUserById: {{}}\n");
    let error = only(&source);
    assert_error(
        &error,
        Rule::NameCollision,
        (14, 7),
        "services.Doors.methods.GetUserById",
        "method `GetUserById` and method `GetUserByID` (line 13, column 7) both become the Rust identifier `get_user_by_id`",
    );
}

#[test]
fn rule_17_properties_that_become_the_same_field() {
    let source = BASE.replace(
        "  Opened: {}\n",
        "  Opened:\n    newTitle: String\n    new_title: String\n",
    );
    let error = only(&source);
    assert_error(
        &error,
        Rule::NameCollision,
        (4, 5),
        "events.Opened.new_title",
        "property `new_title` and property `newTitle` (line 3, column 5) both become the Rust identifier `new_title`",
    );
}

#[test]
fn rule_17_keyword_fields_collide_with_their_escaped_form() {
    let source = BASE.replace("  Opened: {}\n", "  Opened:\n    self: u8\n    self_: u8\n");
    let error = only(&source);
    assert_error(
        &error,
        Rule::NameCollision,
        (4, 5),
        "events.Opened.self_",
        "both become the Rust identifier `self_`",
    );
}

#[test]
fn rule_17_events_services_projections_and_states() {
    let source = "\
events:
  DoorOpened: {}
  Door_Opened: {}
projections:
  Door:
    states: [Open, OPEN]
    createOn: DoorOpened
    transitions:
      Door_Opened:
        - Open -> Open
  Door_:
    states: [X]
    createOn: DoorOpened
services:
  Doors:
    methods:
      Open:
        emits: [DoorOpened]
  Do_ors:
    methods:
      Open:
        emits: [DoorOpened]
";
    let errors = errors(source).into_vec();
    let wanted = [
        (
            (3, 3),
            "events.Door_Opened",
            "event `Door_Opened` and event `DoorOpened`",
        ),
        (
            (6, 20),
            "projections.Door.states[1]",
            "state `OPEN` and state `Open`",
        ),
        (
            (11, 3),
            "projections.Door_",
            "projection `Door_` and projection `Door`",
        ),
    ];
    // `Door_` is its own snake form `door_`, distinct from `door`: only the
    // event and state collide, and the services `doors` / `do_ors` differ.
    let got: Vec<_> = errors
        .iter()
        .filter(|e| e.rule == Rule::NameCollision)
        .collect();
    assert_eq!(got.len(), 2, "{errors:?}");
    for (error, (at, path, message)) in got.into_iter().zip(wanted) {
        assert_error(error, Rule::NameCollision, at, path, message);
    }
}

#[test]
fn rule_17_service_named_like_a_generated_module() {
    let source = BASE.replace("  Doors:\n", "  Events:\n");
    let error = only(&source);
    assert_error(
        &error,
        Rule::NameCollision,
        (8, 3),
        "services.Events",
        "service `Events` becomes the module `events`, which the generated code defines itself",
    );
}

#[test]
fn rule_17_event_named_like_a_generated_type() {
    let source = BASE.replace("Opened", "EventKind");
    let error = only(&source);
    assert_error(
        &error,
        Rule::NameCollision,
        (2, 3),
        "events.EventKind",
        "event `EventKind` becomes the type `EventKind`, which the generated code defines itself",
    );
}

#[test]
fn keywords_are_fine_names() {
    let source = BASE.replace(
        "  Opened: {}\n",
        "  Opened:\n    type: u8\n    move: u8\n    ref: u8\n    self: u8\n",
    );
    let schema = ok(&source);
    let idents: Vec<String> = schema.events[0]
        .properties
        .iter()
        .map(|p| p.name.ident())
        .collect();
    assert_eq!(idents, ["r#type", "r#move", "r#ref", "self_"]);
    assert_eq!(schema.events[0].properties[0].name.as_str(), "type");
}

#[test]
fn rule_17_compares_the_escaped_identifiers() {
    // `Crate` becomes the module `crate_` (it cannot be raw), as `Crate_` does.
    let source =
        format!("{BASE}  Crate:\n    methods: {{R: {{}}}}\n  Crate_:\n    methods: {{R: {{}}}}\n");
    let error = only(&source);
    assert_error(
        &error,
        Rule::NameCollision,
        (15, 3),
        "services.Crate_",
        "service `Crate_` and service `Crate` (line 13, column 3) both become the Rust identifier `crate_`",
    );
}
