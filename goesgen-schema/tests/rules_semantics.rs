//! The schema front end's semantic rules (`docs/schema.md` rules 8-16; rule
//! 17 in `rules_names.rs`): each broken once, its error checked for rule,
//! line, column, path, message and hint.

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
