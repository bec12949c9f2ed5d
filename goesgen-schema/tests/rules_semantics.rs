//! The schema front end's semantic rules (`docs/schema.md` rules 8-17): each
//! broken once, its error checked for rule, line, column, path, message and
//! hint.

mod common;

use common::{BASE, assert_error, errors, hint, ok, only};
use goesgen_schema::{MethodKind, Rule};

#[test]
fn rule_8_no_events_and_no_services() {
    let errors = errors("events: {}\nservices:\n").into_vec();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_error(
        &errors[0],
        Rule::Missing,
        (1, 1),
        "events",
        "the schema has no events",
    );
    assert_error(
        &errors[1],
        Rule::Missing,
        (2, 1),
        "services",
        "the schema has no services",
    );
}

#[test]
fn rule_8_missing_sections_point_at_the_start() {
    let errors = errors("projections: {}\n").into_vec();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_error(&errors[0], Rule::Missing, (1, 1), "events", "no events");
    assert_error(&errors[1], Rule::Missing, (1, 1), "services", "no services");
}

#[test]
fn rule_8_service_without_methods() {
    let source = format!("{BASE}  Empty:\n    projections: [Door]\n");
    let error = only(&source);
    assert_error(
        &error,
        Rule::Missing,
        (13, 3),
        "services.Empty.methods",
        "service `Empty` has no methods: expected at least one under `methods`",
    );
    let source = format!("{BASE}  Empty:\n    methods: {{}}\n");
    let error = only(&source);
    assert_error(
        &error,
        Rule::Missing,
        (14, 5),
        "services.Empty.methods",
        "has no methods",
    );
}

#[test]
fn rule_9_projection_without_states() {
    let error = only(&BASE.replace("    states: [Open]\n", "    states: []\n"));
    assert_error(
        &error,
        Rule::States,
        (5, 5),
        "projections.Door.states",
        "projection `Door` has no states",
    );
    let error = only(&BASE.replace("    states: [Open]\n", ""));
    assert_error(
        &error,
        Rule::States,
        (4, 3),
        "projections.Door.states",
        "has no states",
    );
}

#[test]
fn rule_9_state_listed_twice() {
    let error = only(&BASE.replace("[Open]", "[Open, Shut, Open]"));
    assert_error(
        &error,
        Rule::States,
        (5, 26),
        "projections.Door.states[2]",
        "state `Open` is listed twice (first at line 5, column 14)",
    );
}

#[test]
fn rule_10_create_on_missing_or_undefined() {
    let errors = errors(&BASE.replace("    createOn: Opened\n", "")).into_vec();
    // Without createOn, `Opened` is still emitted: only the missing key.
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_error(
        &errors[0],
        Rule::CreateOn,
        (4, 3),
        "projections.Door.createOn",
        "projection `Door` has no `createOn`",
    );
    let error = only(&BASE.replace("createOn: Opened", "createOn: Openned"));
    assert_error(
        &error,
        Rule::CreateOn,
        (6, 15),
        "projections.Door.createOn",
        "undefined event `Openned`",
    );
    assert_eq!(hint(&error), "did you mean `Opened`?");
}

const DOOR: &str = "\
events:
  Opened: {}
  Closed: {}
  Locked: {}
projections:
  Door:
    states: [Open, Shut]
    createOn: Opened
    transitions:
      Closed:
        - Open -> Shut
services:
  Doors:
    projections: [Door]
    methods:
      Open:
        emits: [Opened]
      Close:
        emits: [Closed, Locked]
";

#[test]
fn door_schema_is_valid() {
    let schema = ok(DOOR);
    assert_eq!(schema.services[0].subscriptions, [0, 1]);
}

#[test]
fn rule_11_transition_on_undefined_event_and_states() {
    let source = DOOR.replace(
        "      Closed:\n        - Open -> Shut\n",
        "      Closd:\n        - Open -> Shut\n      Closed:\n        - Opn -> Shut\n        - Open -> Locked\n",
    );
    let errors = errors(&source).into_vec();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_error(
        &errors[0],
        Rule::Transition,
        (10, 7),
        "projections.Door.transitions.Closd",
        "undefined event `Closd`",
    );
    assert_eq!(hint(&errors[0]), "did you mean `Closed`?");
    assert_error(
        &errors[1],
        Rule::Transition,
        (13, 11),
        "projections.Door.transitions.Closed[0]",
        "undefined state `Opn`",
    );
    assert_eq!(errors[1].width, 3);
    assert_eq!(hint(&errors[1]), "did you mean `Open`?");
    assert_error(
        &errors[2],
        Rule::Transition,
        (14, 19),
        "projections.Door.transitions.Closed[1]",
        "undefined state `Locked`",
    );
    assert_eq!(hint(&errors[2]), "defined states: Open, Shut");
}

#[test]
fn rule_11_transition_listed_twice() {
    let source = DOOR.replace(
        "        - Open -> Shut\n",
        "        - Open -> Shut\n        - Shut -> Shut\n        - Open   ->   Shut\n",
    );
    let error = only(&source);
    assert_error(
        &error,
        Rule::Transition,
        (13, 11),
        "projections.Door.transitions.Closed[2]",
        "transition `Open   ->   Shut` is listed twice for event `Closed` (first at line 11, column 11)",
    );
}

#[test]
fn rule_11_transition_without_moves() {
    let source = DOOR.replace("        - Open -> Shut\n", "        []\n");
    let source = source.replace("      Closed:\n        []\n", "      Closed: []\n");
    let error = only(&source);
    assert_error(
        &error,
        Rule::Transition,
        (10, 7),
        "projections.Door.transitions.Closed",
        "event `Closed` lists no transitions",
    );
}

#[test]
fn rule_12_create_on_event_in_transitions() {
    let source = DOOR.replace(
        "      Closed:\n",
        "      Opened:\n        - Open -> Open\n      Closed:\n",
    );
    let error = only(&source);
    assert_error(
        &error,
        Rule::CreateOnTransition,
        (10, 7),
        "projections.Door.transitions.Opened",
        "event `Opened` creates projection `Door` (its `createOn`), so it cannot also be one of its transitions",
    );
}

#[test]
fn rule_13_service_projection_undefined_or_twice() {
    let source = BASE.replace("[Door]", "[Door, Dor, Door]");
    let errors = errors(&source).into_vec();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_error(
        &errors[0],
        Rule::ServiceProjection,
        (9, 25),
        "services.Doors.projections[1]",
        "undefined projection `Dor`",
    );
    assert_eq!(hint(&errors[0]), "did you mean `Door`?");
    assert_error(
        &errors[1],
        Rule::ServiceProjection,
        (9, 30),
        "services.Doors.projections[2]",
        "projection `Door` is listed twice (first at line 9, column 19)",
    );
}

#[test]
fn rule_13_undefined_projection_lists_the_defined_ones() {
    let source = BASE.replace("[Door]", "[Window]");
    let error = only(&source);
    assert_eq!(hint(&error), "defined projections: Door");
}

#[test]
fn rule_14_method_emits_undefined_or_twice() {
    let source = DOOR.replace(
        "        emits: [Closed, Locked]\n",
        "        emits:\n          - Closed\n          - Lockd\n          - Locked\n          - Closed\n",
    );
    let errors = errors(&source).into_vec();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_error(
        &errors[0],
        Rule::Emits,
        (21, 13),
        "services.Doors.methods.Close.emits[1]",
        "undefined event `Lockd`",
    );
    assert_eq!(hint(&errors[0]), "did you mean `Locked`?");
    assert_error(
        &errors[1],
        Rule::Emits,
        (23, 13),
        "services.Doors.methods.Close.emits[3]",
        "event `Closed` is emitted twice (first at line 20, column 13)",
    );
}

#[test]
fn rule_15_method_types_table() {
    let cases = [
        ("", "[Opened]", Some(MethodKind::Transaction)),
        ("transaction", "[Opened]", Some(MethodKind::Transaction)),
        ("append", "[Opened]", Some(MethodKind::Append)),
        ("readonly", "[Opened]", None),
        ("", "[]", Some(MethodKind::Readonly)),
        ("readonly", "[]", Some(MethodKind::Readonly)),
        ("append", "[]", None),
        ("transaction", "[]", None),
    ];
    for (kind, emits, expected) in cases {
        let method = if kind.is_empty() {
            format!("      Check:\n        emits: {emits}\n")
        } else {
            format!("      Check:\n        type: {kind}\n        emits: {emits}\n")
        };
        let source = format!("{BASE}{method}");
        match expected {
            Some(expected) => {
                let schema = ok(&source);
                assert_eq!(
                    schema.services[0].methods[1].kind, expected,
                    "{kind} {emits}"
                );
            }
            None => {
                let error = only(&source);
                assert_error(
                    &error,
                    Rule::MethodKind,
                    (14, 15),
                    "services.Doors.methods.Check.type",
                    if kind == "readonly" {
                        "method `Check` is readonly but emits events"
                    } else {
                        "but emits nothing"
                    },
                );
            }
        }
    }
}

#[test]
fn rule_16_unused_event() {
    let source = BASE.replace(
        "  Opened: {}\n",
        "  Opened: {}\n  Forgotten:\n    at: u64\n",
    );
    let error = only(&source);
    assert_error(
        &error,
        Rule::UnusedEvent,
        (3, 3),
        "events.Forgotten",
        "event `Forgotten` is never used",
    );
}

#[test]
fn rule_16_a_misspelt_reference_does_not_make_its_event_unused() {
    let error = only(&BASE.replace("createOn: Opened", "createOn: Opend"));
    assert_eq!(error.rule, Rule::CreateOn);
    assert_eq!(hint(&error), "did you mean `Opened`?");
    let source = BASE.replace("createOn: Opened", "createOn: Unrelated");
    let source = source.replace("emits: [Opened]", "emits: [AlsoUnrelated]");
    let errors = errors(&source).into_vec();
    let rules: Vec<Rule> = errors.iter().map(|e| e.rule).collect();
    assert_eq!(
        rules,
        [Rule::UnusedEvent, Rule::CreateOn, Rule::Emits],
        "{errors:?}"
    );
}

#[test]
fn rule_16_an_event_used_only_by_a_transition_is_used() {
    let source = DOOR.replace(
        "        emits: [Closed, Locked]\n",
        "        emits: [Locked]\n",
    );
    ok(&source);
}

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
