//! The schema front end's evolution check (`goesgen_schema::diff`): one case
//! per kind of change, each classified as the rules in `src/evolution/`
//! state, located where they say, and rendered like every other schema error.

mod common;

use goesgen_schema::evolution::Side;
use goesgen_schema::{Change, ChangeKind, Class, Location, Rule, diff};

use common::ok;

/// The old schema every case changes: `Broken` is a state no event leads
/// into, so removing it (or its transition) breaks nothing.
const OLD: &str = "\
events:
  Opened:
    by: id.User
  Closed:
    by: id.User
projections:
  Door:
    states: [Open, Shut, Broken]
    properties:
      width: u32
    createOn: Opened
    transitions:
      Closed:
        - Open -> Shut
        - Broken -> Shut
services:
  Doors:
    projections: [Door]
    methods:
      Open:
        emits: [Opened]
      Close:
        in: id.Door
        emits: [Closed]
";

/// The changes from `OLD` to `OLD` edited by `edits` (each `(from, to)`
/// replaced once; the edit must apply).
fn changes(edits: &[(&str, &str)]) -> Vec<Change> {
    let mut new = OLD.to_string();
    for (from, to) in edits {
        assert!(new.contains(from), "edit `{from}` does not apply");
        new = new.replacen(from, to, 1);
    }
    diff(&ok(OLD), &ok(&new))
}

/// The kinds and classes of `changes`.
fn classified(changes: &[Change]) -> Vec<(ChangeKind, Class)> {
    changes.iter().map(|c| (c.kind, c.class)).collect()
}

#[track_caller]
fn only(edits: &[(&str, &str)], kind: ChangeKind, class: Class) -> Change {
    let found = changes(edits);
    assert_eq!(classified(&found), [(kind, class)], "{found:#?}");
    found.into_iter().next().expect("one change")
}

#[test]
fn identical_schemas_have_no_changes() {
    assert!(changes(&[]).is_empty());
    let tickets = include_str!("../../tests/fixtures/goesgen/schema.yml");
    let schema = ok(tickets);
    assert_eq!(diff(&schema, &schema), []);
    // Another file name, comments and the way a type is written are no
    // changes either.
    let commented = tickets.replace(
        "    title: TicketTitle",
        "    # title is the headline\n    title: crate::TicketTitle",
    );
    let other = goesgen_schema::parse(&commented, "v2.yml").expect("valid");
    assert_eq!(diff(&schema, &other), []);
}

#[test]
fn event_added_is_compatible() {
    let found = changes(&[
        ("  Closed:\n    by", "  Kicked: {}\n  Closed:\n    by"),
        ("emits: [Closed]", "emits: [Closed, Kicked]"),
    ]);
    assert_eq!(
        classified(&found),
        [
            (ChangeKind::EventAdded, Class::Compatible),
            (ChangeKind::MethodChanged, Class::Compatible)
        ]
    );
    assert_eq!(found[0].path, "events.Kicked");
    assert_eq!(found[0].at, Location { line: 4, column: 3 });
    assert_eq!(found[0].side, Side::New);
    assert!(
        found[1]
            .message
            .contains("emits [Closed] -> [Closed, Kicked]")
    );
}

#[test]
fn event_removed_is_breaking_and_located_in_the_old_schema() {
    let new = "\
events:
  Opened:
    by: id.User
projections:
  Door:
    states: [Open, Shut, Broken]
    properties:
      width: u32
    createOn: Opened
services:
  Doors:
    projections: [Door]
    methods:
      Open:
        emits: [Opened]
";
    let found = diff(&ok(OLD), &ok(new));
    let removed = found
        .iter()
        .find(|c| c.kind == ChangeKind::EventRemoved)
        .expect("event removed");
    assert_eq!(removed.class, Class::Breaking);
    assert_eq!(removed.side, Side::Old);
    assert_eq!(removed.at, Location { line: 4, column: 3 });
    assert_eq!(removed.path, "events.Closed");
    // Its transitions (one reachable, one not) and its method go too.
    let transitions: Vec<Class> = found
        .iter()
        .filter(|c| c.kind == ChangeKind::TransitionRemoved)
        .map(|c| c.class)
        .collect();
    assert_eq!(transitions, [Class::Breaking, Class::Compatible]);
    assert!(found.iter().any(|c| c.kind == ChangeKind::MethodRemoved));
}

#[test]
fn event_renamed_is_one_breaking_change() {
    let found = changes(&[
        ("  Closed:\n    by", "  Slammed:\n    by"),
        (
            "      Closed:\n        - Open",
            "      Slammed:\n        - Open",
        ),
        ("emits: [Closed]", "emits: [Slammed]"),
    ]);
    let renamed: Vec<_> = found
        .iter()
        .filter(|c| c.kind == ChangeKind::EventRenamed)
        .collect();
    assert_eq!(renamed.len(), 1, "{found:#?}");
    assert_eq!(renamed[0].class, Class::Breaking);
    assert!(
        renamed[0]
            .message
            .starts_with("event `Closed` renamed to `Slammed`")
    );
    assert!(
        !found
            .iter()
            .any(|c| matches!(c.kind, ChangeKind::EventAdded | ChangeKind::EventRemoved))
    );
}

#[test]
fn optional_property_added_is_compatible() {
    let change = only(
        &[(
            "  Closed:\n    by: id.User\n",
            "  Closed:\n    by: id.User\n    note: Option<String>\n",
        )],
        ChangeKind::PropertyAdded,
        Class::Compatible,
    );
    assert_eq!(change.path, "events.Closed.note");
}

#[test]
fn required_property_added_is_breaking() {
    let change = only(
        &[(
            "  Closed:\n    by: id.User\n",
            "  Closed:\n    by: id.User\n    note: String\n",
        )],
        ChangeKind::PropertyAdded,
        Class::Breaking,
    );
    assert_eq!(change.at, Location { line: 6, column: 5 });
    assert_eq!(
        change.hint.as_deref(),
        Some(
            "give it a default: `note: {type: String, default: ..}`; or make it optional: \
             `note: Option<String>`; or name an upcaster on the event: \
             `upcast: crate::migrations::<fn>`"
        )
    );
}

#[test]
fn property_removed_is_breaking_at_its_event() {
    let change = only(
        &[("  Closed:\n    by: id.User\n", "  Closed: {}\n")],
        ChangeKind::PropertyRemoved,
        Class::Breaking,
    );
    assert_eq!(change.path, "events.Closed.by");
    assert_eq!(
        (change.side, change.at),
        (Side::New, Location { line: 4, column: 3 })
    );
}

#[test]
fn property_renamed_is_breaking() {
    let change = only(
        &[(
            "  Closed:\n    by: id.User\n",
            "  Closed:\n    closer: id.User\n",
        )],
        ChangeKind::PropertyRenamed,
        Class::Breaking,
    );
    assert!(
        change
            .message
            .starts_with("property `by` renamed to `closer`")
    );
}

#[test]
fn property_type_changed_is_breaking_unless_only_spelled_differently() {
    let change = only(
        &[("  Closed:\n    by: id.User\n", "  Closed:\n    by: u64\n")],
        ChangeKind::PropertyTypeChanged,
        Class::Breaking,
    );
    assert_eq!(
        (change.at, change.width),
        (Location { line: 5, column: 9 }, 3)
    );
    assert!(
        changes(&[(
            "  Closed:\n    by: id.User\n",
            "  Closed:\n    by: crate::id::User\n"
        )])
        .is_empty()
    );
}

#[test]
fn state_added_and_transition_added_are_compatible() {
    only(
        &[("[Open, Shut, Broken]", "[Open, Shut, Broken, Jammed]")],
        ChangeKind::StateAdded,
        Class::Compatible,
    );
    only(
        &[(
            "        - Broken -> Shut\n",
            "        - Broken -> Shut\n        - Shut -> Shut\n",
        )],
        ChangeKind::TransitionAdded,
        Class::Compatible,
    );
}

#[test]
fn reachable_state_removed_is_breaking() {
    let found = changes(&[
        ("[Open, Shut, Broken]", "[Open, Broken]"),
        (
            "        - Open -> Shut\n        - Broken -> Shut\n",
            "        - Open -> Broken\n",
        ),
    ]);
    let classes: Vec<_> = classified(&found);
    assert!(
        classes.contains(&(ChangeKind::StateRemoved, Class::Breaking)),
        "{found:#?}"
    );
    assert!(classes.contains(&(ChangeKind::TransitionRemoved, Class::Breaking)));
}

#[test]
fn unreachable_state_removed_is_compatible() {
    let found = changes(&[
        ("[Open, Shut, Broken]", "[Open, Shut]"),
        ("        - Broken -> Shut\n", ""),
    ]);
    assert_eq!(
        classified(&found),
        [
            (ChangeKind::StateRemoved, Class::Compatible),
            (ChangeKind::TransitionRemoved, Class::Compatible)
        ]
    );
}

#[test]
fn reachable_transition_removed_is_breaking() {
    let change = only(
        &[("        - Open -> Shut\n", "")],
        ChangeKind::TransitionRemoved,
        Class::Breaking,
    );
    assert_eq!(change.path, "projections.Door.transitions.Closed");
    assert_eq!(
        change.at,
        Location {
            line: 13,
            column: 7
        }
    );
}

#[test]
fn initial_state_and_create_on_changes_are_breaking() {
    only(
        &[("[Open, Shut, Broken]", "[Shut, Open, Broken]")],
        ChangeKind::InitialStateChanged,
        Class::Breaking,
    );
    let found = changes(&[
        ("createOn: Opened", "createOn: Closed"),
        (
            "      Closed:\n        - Open",
            "      Opened:\n        - Open",
        ),
    ]);
    assert!(
        classified(&found).contains(&(ChangeKind::CreateOnChanged, Class::Breaking)),
        "{found:#?}"
    );
}

#[test]
fn projection_property_and_service_changes_are_compatible() {
    only(
        &[("      width: u32\n", "      width: u64\n")],
        ChangeKind::ProjectionPropertyChanged,
        Class::Compatible,
    );
    only(
        &[("        in: id.Door\n", "")],
        ChangeKind::MethodChanged,
        Class::Compatible,
    );
    only(
        &[("      Close:\n", "      Peek: {}\n      Close:\n")],
        ChangeKind::MethodAdded,
        Class::Compatible,
    );
    let found = changes(&[(
        "services:\n",
        "services:\n  Locks:\n    methods:\n      Lock: {}\n",
    )]);
    assert_eq!(
        classified(&found),
        [(ChangeKind::ServiceAdded, Class::Compatible)]
    );
}

#[test]
fn projection_added_and_removed_are_compatible() {
    let added = changes(&[(
        "services:\n",
        "  Frame:\n    states: [Up]\n    createOn: Opened\nservices:\n",
    )]);
    assert_eq!(
        classified(&added),
        [(ChangeKind::ProjectionAdded, Class::Compatible)]
    );
    let removed = diff(
        &ok(&OLD.replacen(
            "services:\n",
            "  Frame:\n    states: [Up]\n    createOn: Opened\nservices:\n",
            1,
        )),
        &ok(OLD),
    );
    assert_eq!(
        classified(&removed),
        [(ChangeKind::ProjectionRemoved, Class::Compatible)]
    );
    assert_eq!(removed[0].side, Side::Old);
}

#[test]
fn a_change_renders_like_a_schema_error() {
    let new = OLD.replacen(
        "  Closed:\n    by: id.User\n",
        "  Closed:\n    by: id.User\n    note: String\n",
        1,
    );
    let found = diff(&ok(OLD), &ok(&new));
    let error = found[0].to_error(OLD, &new);
    assert_eq!(error.rule, Rule::Evolution);
    assert_eq!(
        error.to_string(),
        "schema.yml:6:5: breaking change: required property `note` added: records already in \
         the log lack it in events.Closed.note\n  |\n6 |     note: String\n  |     ^^^^\n  = hint: \
         give it a default: `note: {type: String, default: ..}`; or make it optional: \
         `note: Option<String>`; or name an upcaster on the event: \
         `upcast: crate::migrations::<fn>`"
    );
}
