//! The schema front end's syntax rules (`docs/schema.md` rules 1-7): each
//! broken once, its error checked for rule, line, column, path and message.

mod common;

use common::{BASE, assert_error, errors, hint, only};
use goesgen_schema::Rule;

#[test]
fn rule_1_invalid_yaml_is_one_located_error() {
    let error = only("events:\n  E1:\n    foo: [a, b\n  E2: x\n");
    assert_error(&error, Rule::Yaml, (4, 5), "", "invalid YAML");
    assert_eq!(error.line_text, "  E2: x");
}

#[test]
fn rule_1_unclosed_flow_mapping() {
    let error = only("events: {E1: {}\n");
    assert_eq!(error.rule, Rule::Yaml);
    assert!(error.message.starts_with("invalid YAML: "), "{error}");
}

#[test]
fn rule_1_duplicate_keys_are_all_reported_with_other_errors() {
    let errors = errors(
        "events:\n  Opened: {}\n  Opened: {}\nservices:\n  Doors:\n    methods:\n      Open:\n        emits: [Opened]\n        emits: [Opened]\n    bogus: 1\n",
    )
    .into_vec();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_error(
        &errors[0],
        Rule::Yaml,
        (3, 3),
        "events.Opened",
        "duplicate key `Opened`: a key may appear once in a mapping (first at line 2, column 3)",
    );
    assert_error(
        &errors[1],
        Rule::Yaml,
        (9, 9),
        "services.Doors.methods.Open.emits",
        "duplicate key `emits`",
    );
    assert_error(
        &errors[2],
        Rule::UnknownKey,
        (10, 5),
        "services.Doors.bogus",
        "unknown key `bogus`",
    );
}

#[test]
fn base_schema_is_valid() {
    common::ok(BASE);
}

#[test]
fn rule_2_unknown_keys_everywhere_are_all_reported() {
    let source = BASE
        .replace("events:\n", "event:\n  X: {}\nevents:\n")
        .replace(
            "    createOn: Opened\n",
            "    createOn: Opened\n    createdOn: Opened\n",
        )
        .replace(
            "    projections: [Door]\n",
            "    projections: [Door]\n    method: {}\n",
        )
        .replace(
            "        emits: [Opened]\n",
            "        emits: [Opened]\n        output: u64\n",
        );
    let errors = errors(&source).into_vec();
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert_error(
        &errors[0],
        Rule::UnknownKey,
        (1, 1),
        "event",
        "unknown key `event`",
    );
    assert_eq!(
        hint(&errors[0]),
        "did you mean `events`? the keys of the schema are `events`, `projections`, `services`"
    );
    assert_error(
        &errors[1],
        Rule::UnknownKey,
        (9, 5),
        "projections.Door.createdOn",
        "unknown key `createdOn`",
    );
    assert!(hint(&errors[1]).starts_with("did you mean `createOn`?"));
    assert!(hint(&errors[1]).contains("`states`, `properties`, `createOn`, `transitions`"));
    assert_error(
        &errors[2],
        Rule::UnknownKey,
        (13, 5),
        "services.Doors.method",
        "unknown key `method`",
    );
    assert_error(
        &errors[3],
        Rule::UnknownKey,
        (17, 9),
        "services.Doors.methods.Open.output",
        "unknown key `output`",
    );
    assert!(hint(&errors[3]).contains("`in`, `out`, `type`, `emits`"));
}

#[test]
fn rule_3_names_not_pascal_or_camel_case() {
    let source = "\
events:
  opened:
    Who: u64
projections:
  door:
    states: [open]
    createOn: opened
services:
  doors:
    projections: [door]
    methods:
      open_door:
        emits: [opened]
";
    let errors = errors(source).into_vec();
    let wanted = [
        (
            (2, 3),
            "events.opened",
            "event name `opened` is not PascalCase",
            "write `Opened`",
        ),
        (
            (3, 5),
            "events.opened.Who",
            "property name `Who` is not camelCase",
            "write `who`",
        ),
        (
            (5, 3),
            "projections.door",
            "projection name `door`",
            "write `Door`",
        ),
        (
            (6, 14),
            "projections.door.states[0]",
            "state name `open`",
            "write `Open`",
        ),
        (
            (9, 3),
            "services.doors",
            "service name `doors`",
            "write `Doors`",
        ),
        (
            (12, 7),
            "services.doors.methods.open_door",
            "method name `open_door` is not PascalCase: expected a name matching `[A-Z][A-Za-z0-9_]*`",
            "write `OpenDoor`",
        ),
    ];
    assert_eq!(errors.len(), wanted.len(), "{errors:?}");
    for (error, (at, path, message, fix)) in errors.iter().zip(wanted) {
        assert_error(error, Rule::NameCase, at, path, message);
        assert_eq!(hint(error), fix);
    }
}

#[test]
fn rule_3_self_cannot_name_a_type() {
    let source = BASE.replace("Opened", "Self");
    let errors = errors(&source).into_vec();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_error(
        &errors[0],
        Rule::NameCase,
        (2, 3),
        "events.Self",
        "`Self` is a Rust keyword",
    );
}

#[test]
fn rule_4_type_references_that_are_not_types() {
    let source = "\
events:
  Opened:
    a: id..User
    b: 1abc
    c: Vec<
    d: foo bar
    e:
";
    let source = format!("{source}{}", &BASE["events:\n  Opened: {}\n".len()..]);
    let errors = errors(&source).into_vec();
    assert_eq!(errors.len(), 5, "{errors:?}");
    assert_error(
        &errors[0],
        Rule::TypeRef,
        (3, 11),
        "events.Opened.a",
        "`id..User` is not a type",
    );
    assert!(hint(&errors[0]).contains("dotted goesgen reference"));
    assert_error(
        &errors[1],
        Rule::TypeRef,
        (4, 8),
        "events.Opened.b",
        "`1abc` is not a type",
    );
    assert_error(
        &errors[2],
        Rule::TypeRef,
        (5, 12),
        "events.Opened.c",
        "`Vec<` is not a type: missing `>`",
    );
    assert_error(
        &errors[3],
        Rule::TypeRef,
        (6, 12),
        "events.Opened.d",
        "`foo bar` is not a type: unexpected `bar`",
    );
    assert_eq!(errors[3].width, 3);
    assert_error(
        &errors[4],
        Rule::Shape,
        (7, 6),
        "events.Opened.e",
        "expected a type",
    );
}

#[test]
fn rule_5_transition_not_from_arrow_to() {
    let source = BASE.replace(
        "    createOn: Opened\n",
        "    createOn: Opened\n    transitions:\n      Closed:\n        - Open Open\n        - Open ->\n        - Open -> Open\nevents:\n  Closed: {}\n",
    );
    // Keep one `events` key: move the added event into the first one.
    let source = source
        .replace("events:\n  Closed: {}\n", "")
        .replace("  Opened: {}\n", "  Opened: {}\n  Closed: {}\n");
    let errors = errors(&source).into_vec();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_error(
        &errors[0],
        Rule::TransitionSyntax,
        (10, 11),
        "projections.Door.transitions.Closed[0]",
        "`Open Open` is not a transition: expected `From -> To`",
    );
    assert_eq!(errors[0].width, 9);
    assert_error(
        &errors[1],
        Rule::TransitionSyntax,
        (11, 11),
        "projections.Door.transitions.Closed[1]",
        "`Open ->` is not a transition",
    );
}

#[test]
fn rule_6_property_and_method_comments_must_begin_with_the_name() {
    let source = "\
events:
  Opened:
    # The person who opened it
    by: u64
projections:
  Door:
    states: [Open]
    createOn: Opened
services:
  Doors:
    projections: [Door]
    methods:
      # opens the door
      Open:
        emits: [Opened]
";
    let errors = errors(source).into_vec();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_error(
        &errors[0],
        Rule::DocComment,
        (3, 5),
        "events.Opened.by",
        "the comment of property `by` must begin with its name, found `# The person who opened it`",
    );
    assert_eq!(hint(&errors[0]), "write `# by ...`");
    assert_error(
        &errors[1],
        Rule::DocComment,
        (13, 7),
        "services.Doors.methods.Open",
        "the comment of method `Open` must begin with its name",
    );
}

#[test]
fn rule_7_illegal_method_type() {
    let source = BASE.replace(
        "        emits: [Opened]\n",
        "        type: transactoin\n        emits: [Opened]\n",
    );
    let error = only(&source);
    assert_error(
        &error,
        Rule::MethodType,
        (12, 15),
        "services.Doors.methods.Open.type",
        "illegal method type `transactoin`: expected readonly, append or transaction",
    );
    assert_eq!(hint(&error), "did you mean `transaction`?");
    assert_eq!(error.width, "transactoin".len());
}

#[test]
fn rule_7_a_type_that_is_not_a_word() {
    let source = BASE.replace(
        "        emits: [Opened]\n",
        "        type: [append]\n        emits: [Opened]\n",
    );
    let error = only(&source);
    assert_error(
        &error,
        Rule::Shape,
        (12, 15),
        "services.Doors.methods.Open.type",
        "expected a method type: readonly, append or transaction, found a list",
    );
}

#[test]
fn a_document_that_is_not_a_mapping_is_one_error() {
    for (source, found) in [("just text\n", "a single value"), ("- a\n- b\n", "a list")] {
        let error = only(source);
        assert_error(
            &error,
            Rule::Shape,
            (1, 1),
            "",
            &format!(
                "expected a mapping with the keys `events`, `projections` and `services`, found {found}"
            ),
        );
    }
}

#[test]
fn an_empty_file_has_no_events_and_no_services() {
    for source in ["", "\n\n", "# only a comment\n", "---\n"] {
        let errors = errors(source).into_vec();
        let rules: Vec<Rule> = errors.iter().map(|e| e.rule).collect();
        assert_eq!(rules, [Rule::Missing, Rule::Missing], "{source:?}");
    }
}

#[test]
fn values_of_the_wrong_kind_say_what_was_expected() {
    let source = BASE
        .replace("    states: [Open]\n", "    states: Open\n")
        .replace("  Opened: {}\n", "  Opened: {}\n  Listed: [a, b]\n")
        .replace("        emits: [Opened]\n", "        emits: Opened\n");
    let errors = errors(&source).into_vec();
    let shapes: Vec<_> = errors.iter().filter(|e| e.rule == Rule::Shape).collect();
    assert_eq!(shapes.len(), 3, "{errors:?}");
    assert_error(
        shapes[0],
        Rule::Shape,
        (3, 11),
        "events.Listed",
        "expected a mapping of property names to types (`title: TicketTitle`), found a list",
    );
    assert_error(
        shapes[1],
        Rule::Shape,
        (6, 13),
        "projections.Door.states",
        "expected a list of state names, found a single value",
    );
    assert_eq!(hint(shapes[1]), "write it as a list: `[Open]`");
    assert_error(
        shapes[2],
        Rule::Shape,
        (13, 16),
        "services.Doors.methods.Open.emits",
        "expected a list of event names, found a single value",
    );
}

#[test]
fn an_entry_of_the_wrong_kind_does_not_cascade() {
    // `Door` is no mapping: that is the one error; it is still defined, so
    // the service naming it is fine, and its missing parts are not listed.
    let source = BASE.replace(
        "  Door:\n    states: [Open]\n    createOn: Opened\n",
        "  Door: [Open]\n",
    );
    let error = only(&source);
    assert_error(
        &error,
        Rule::Shape,
        (4, 9),
        "projections.Door",
        "expected a projection: a mapping with `states`, `createOn`",
    );
}
