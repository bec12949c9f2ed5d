//! The migration declarations: how a property's long form (`{type, default,
//! was}`) and an event's `was` and `upcast` read into the model, rule 18's
//! errors (each located, with its hint), how `diff` classifies the changes
//! they cover (migrated, naming the declaration), and what `go_extensions`
//! lists.

mod common;

use goesgen_schema::{ChangeKind, Class, Rule, diff, go_extensions};

use common::{assert_error, hint, ok, only};

/// Version 1: the log was written under it.
const V1: &str = "\
events:
  Opened:
    by: id.User
  Closed:
    closer: id.User
projections:
  Door:
    states: [Open, Shut]
    createOn: Opened
    transitions:
      Closed: [Open -> Shut]
services:
  Doors:
    projections: [Door]
    methods:
      Open: {emits: [Opened]}
      Close: {emits: [Closed]}
";

/// `V1` with `Closed` replaced by `shut` (an event named `Shut`), and the
/// transition and method that name it following.
fn v2(shut: &str) -> String {
    V1.replace("  Closed:\n    closer: id.User\n", shut)
        .replace("Closed: [Open -> Shut]", "Shut: [Open -> Shut]")
        .replace("emits: [Closed]", "emits: [Shut]")
}

#[test]
fn the_long_form_and_the_event_keys_read_into_the_model() {
    let schema = ok(&v2("  Shut:
    was: [Closed]
    upcast: crate::migrations::shut
    closedBy: {type: id.User, was: closer}
    reason: {type: String, default: unspecified}
    attempts: {type: u32, default: 0}
    tags: {type: Vec<String>, default: []}
"));
    let shut = &schema.events[1];
    assert_eq!(shut.was[0].text, "Closed");
    assert_eq!(
        shut.upcast.as_ref().map(|u| u.path.as_str()),
        Some("crate::migrations::shut")
    );
    let names: Vec<&str> = shut.properties.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["closedBy", "reason", "attempts", "tags"]);
    assert_eq!(shut.properties[0].was[0].text, "closer");
    assert_eq!(shut.properties[0].ty.rust, "crate::id::User");
    let defaults: Vec<(&str, bool)> = shut.properties[1..]
        .iter()
        .map(|p| {
            let d = p.default.as_ref().unwrap();
            (d.json.as_str(), d.checked)
        })
        .collect();
    assert_eq!(
        defaults,
        [("\"unspecified\"", true), ("0", true), ("[]", true)]
    );
    assert!(shut.has_migrations());
    assert!(!schema.events[0].has_migrations());
}

#[test]
fn a_property_named_was_keeps_its_go_meaning() {
    // `was` with a single value is a property; only a list declares names.
    let schema = ok(&V1.replace(
        "    closer: id.User\n",
        "    closer: id.User\n    was: String\n",
    ));
    let closed = &schema.events[1];
    assert!(closed.was.is_empty());
    assert_eq!(closed.properties[1].name.as_str(), "was");
    assert!(go_extensions(&schema).is_empty());
}

#[test]
fn a_default_must_be_json_of_the_property_type() {
    let error = only(&V1.replace("closer: id.User", "closer: {type: u8, default: 300}"));
    assert_error(
        &error,
        Rule::Migration,
        (5, 33),
        "events.Closed.closer.default",
        "the default 300 is not a `u8`: expected an integer that fits u8",
    );
    assert_eq!(hint(&error), "write a default that `u8` decodes from");

    let error = only(&V1.replace("closer: id.User", "closer: {type: u8, default: 0x10}"));
    assert_error(
        &error,
        Rule::Migration,
        (5, 33),
        "events.Closed.closer.default",
        "the default `0x10` is not JSON",
    );

    let error = only(&V1.replace(
        "closer: id.User",
        "closer: {type: Option<String>, default: x}",
    ));
    assert!(error.message.contains("a default never applies"), "{error}");
    assert_eq!(
        hint(&error),
        "remove the default, or make the property required"
    );
}

#[test]
fn a_default_of_a_user_type_is_left_to_the_compiler() {
    let schema = ok(&V1.replace(
        "closer: id.User",
        "closer: {type: id.User, default: {\"name\": \"x\"}}",
    ));
    let default = schema.events[1].properties[0].default.as_ref().unwrap();
    assert_eq!(default.json, r#"{"name":"x"}"#);
    assert!(!default.checked);
    // Inside a standard container, the user's type is still unchecked.
    let schema = ok(&V1.replace(
        "closer: id.User",
        "closer: {type: Vec<id.User>, default: [1]}",
    ));
    let default = schema.events[1].properties[0].default.as_ref().unwrap();
    assert!(!default.checked);
}

#[test]
fn former_names_must_be_free() {
    let error = only(&v2("  Shut:\n    was: [Opened]\n    closer: id.User\n"));
    assert_error(
        &error,
        Rule::Migration,
        (5, 11),
        "events.Shut.was[0]",
        "`Opened` is still an event of the schema",
    );
    assert!(hint(&error).contains("remove it from `events`"), "{error}");

    let error = only(&V1.replace(
        "closer: id.User",
        "closer: id.User\n    by: {type: id.User, was: closer}",
    ));
    assert_error(
        &error,
        Rule::Migration,
        (6, 30),
        "events.Closed.by.was",
        "`closer` is still a property of the event",
    );

    let error = only(&V1.replace("closer: id.User", "closer: {type: id.User, was: Closer}"));
    assert_eq!(error.rule, Rule::NameCase, "{error}");
}

#[test]
fn a_former_event_name_belongs_to_one_event() {
    let source = v2("  Shut:\n    was: [Closed]\n    closer: id.User\n").replace(
        "  Opened:\n    by: id.User\n",
        "  Opened:\n    was: [Closed]\n    by: id.User\n",
    );
    let error = only(&source);
    assert_error(
        &error,
        Rule::Migration,
        (6, 11),
        "events.Shut.was[0]",
        "former event `Closed` is claimed twice (first at line 3, column 11)",
    );
}

#[test]
fn an_upcaster_is_a_path_from_the_crate_root() {
    let error = only(&V1.replace(
        "    closer: id.User\n",
        "    upcast: migrations::closed\n    closer: id.User\n",
    ));
    assert_error(
        &error,
        Rule::Migration,
        (5, 13),
        "events.Closed.upcast",
        "`migrations::closed` is not a function path: it must start with `crate::` or `::`",
    );
}

#[test]
fn the_long_form_has_a_type_and_known_keys() {
    let error = only(&V1.replace("closer: id.User", "closer: {default: 1}"));
    assert_eq!(error.rule, Rule::Shape);
    assert!(error.message.contains("has no `type`"), "{error}");
    let error = only(&V1.replace("closer: id.User", "closer: {type: u8, defualt: 1}"));
    assert_eq!(error.rule, Rule::UnknownKey);
    assert!(
        hint(&error).starts_with("did you mean `default`?"),
        "{error}"
    );
    // Projections keep the short form.
    let error = only(&V1.replace(
        "    createOn: Opened\n",
        "    properties:\n      width: {type: u8}\n    createOn: Opened\n",
    ));
    assert_eq!(error.rule, Rule::Shape);
}

#[test]
fn declarations_classify_changes_as_migrated() {
    let new = v2("  Shut:
    was: [Closed]
    closedBy: {type: id.User, was: closer}
    reason: {type: String, default: unspecified}
");
    let changes = diff(&ok(V1), &ok(&new));
    let migrated: Vec<(ChangeKind, Class, &str)> = changes
        .iter()
        .filter(|c| c.path.starts_with("events"))
        .map(|c| (c.kind, c.class, c.message.as_str()))
        .collect();
    assert_eq!(
        migrated,
        [
            (
                ChangeKind::EventRenamed,
                Class::Migrated,
                "event `Closed` renamed to `Shut`: covered by `was: [Closed]`, the records of \
                 `Closed` decode as `Shut`"
            ),
            (
                ChangeKind::PropertyRenamed,
                Class::Migrated,
                "property `closer` renamed to `closedBy`: covered by `was: closer`, records \
                 carrying `closer` read it as `closedBy`"
            ),
            (
                ChangeKind::PropertyAdded,
                Class::Migrated,
                "required property `reason` added: covered by `default: \"unspecified\"`, \
                 records without it read the default"
            ),
        ]
    );
    assert!(!changes.iter().any(|c| c.is_breaking()), "{changes:#?}");
}

#[test]
fn an_upcaster_covers_new_required_properties_and_types() {
    let new = V1.replace(
        "    closer: id.User\n",
        "    upcast: crate::migrations::closed\n    closer: String\n    at: u64\n",
    );
    let changes = diff(&ok(V1), &ok(&new));
    let classes: Vec<(ChangeKind, Class)> = changes.iter().map(|c| (c.kind, c.class)).collect();
    assert_eq!(
        classes,
        [
            (ChangeKind::PropertyTypeChanged, Class::Migrated),
            (ChangeKind::PropertyAdded, Class::Migrated),
        ]
    );
    assert!(
        changes[0]
            .message
            .contains("covered by the event's upcaster `crate::migrations::closed`")
    );
}

#[test]
fn an_uncovered_change_names_the_declarations_that_would_cover_it() {
    let new = v2("  Shut:\n    closer: id.User\n");
    let changes = diff(&ok(V1), &ok(&new));
    let renamed = &changes[0];
    assert_eq!(
        (renamed.kind, renamed.class),
        (ChangeKind::EventRenamed, Class::Breaking)
    );
    assert_eq!(
        renamed.hint.as_deref(),
        Some(
            "declare the old name on the new event: `Shut: {was: [Closed], ...}`; or keep the old event beside it"
        )
    );
    let retyped = diff(
        &ok(V1),
        &ok(&V1.replace("closer: id.User", "closer: String")),
    );
    assert!(
        retyped[0]
            .hint
            .as_deref()
            .is_some_and(|h| h.contains("upcast: crate::migrations::<fn>")),
        "{retyped:#?}"
    );
    let renamed = diff(
        &ok(V1),
        &ok(&V1.replace("closer: id.User", "closedBy: id.User")),
    );
    assert_eq!(
        renamed[0].hint.as_deref(),
        Some(
            "declare the old name: `closedBy: {type: id.User, was: closer}`; or keep the old \
             name (the wire name is the schema's) and rename the Rust field instead"
        )
    );
}

#[test]
fn go_extensions_lists_every_declaration() {
    let schema = ok(&v2("  Shut:
    was: [Closed]
    upcast: crate::migrations::shut
    closedBy: {type: id.User, was: closer}
    plain: {type: u8}
"));
    let found: Vec<(String, usize, String)> = go_extensions(&schema)
        .into_iter()
        .map(|e| (e.path, e.at.line, e.what))
        .collect();
    assert_eq!(
        found,
        [
            (
                "events.Shut.was".to_string(),
                5,
                "an event's former names `was: [Closed]`".to_string()
            ),
            (
                "events.Shut.upcast".to_string(),
                6,
                "an upcaster `upcast: crate::migrations::shut`".to_string()
            ),
            (
                "events.Shut.closedBy".to_string(),
                7,
                "a property in the long form `{type: ..}` with `was: closer`".to_string()
            ),
            (
                "events.Shut.plain".to_string(),
                8,
                "a property in the long form `{type: ..}`".to_string()
            ),
        ]
    );
    assert!(go_extensions(&ok(V1)).is_empty());
}
