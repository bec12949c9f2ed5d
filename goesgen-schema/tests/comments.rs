//! The schema front end on doc comments: which `#` lines belong to an entry,
//! paragraph breaks, capitalisation of property and method comments, and rule
//! 6.

mod common;

use common::{errors, ok};
use goesgen_schema::Rule;

const SCHEMA: &str = "\
# The door schema: not the doc of anything.
events:
  # Opened says a door was opened.
  #
  # It carries who opened it.
  Opened:
    # by is who opened it.
    #   indented text stays indented
    by: u64
    # Detached by a blank line: not a doc comment.

    at: u64
  # Closed says a door was closed.
  Closed: {by: u64}
projections:
  # Door is one door.
  Door:
    properties:
      # open tells whether it is open.
      open: bool
    states: [Open, Shut]
    createOn: Opened
    transitions:
      Closed:
        - Open -> Shut
# Doors keeps the doors.
services:
  # Doors keeps the doors.
  Doors:
    projections: [Door]
    methods:
      # Open opens a door.
      # 
      # A second paragraph.
      Open:
        emits: [Opened, Closed]
";

#[test]
fn comments_above_a_key_are_its_doc() {
    let schema = ok(SCHEMA);
    let opened = &schema.events[0];
    assert_eq!(
        opened.doc.lines,
        [
            "Opened says a door was opened.",
            "",
            "It carries who opened it."
        ]
    );
    assert_eq!(
        opened.properties[0].doc.lines,
        ["By is who opened it.", "  indented text stays indented"]
    );
    assert!(opened.properties[1].doc.is_empty());
    assert_eq!(
        schema.events[1].doc.lines,
        ["Closed says a door was closed."]
    );
    // A property in a flow mapping has no line of its own: no doc.
    assert!(schema.events[1].properties[0].doc.is_empty());
    let door = &schema.projections[0];
    assert_eq!(door.doc.lines, ["Door is one door."]);
    assert_eq!(
        door.properties[0].doc.lines,
        ["Open tells whether it is open."]
    );
    let doors = &schema.services[0];
    assert_eq!(doors.doc.lines, ["Doors keeps the doors."]);
    assert_eq!(
        doors.methods[0].doc.lines,
        ["Open opens a door.", "", "A second paragraph."]
    );
}

#[test]
fn a_capitalised_name_is_accepted() {
    let source = SCHEMA.replace("# by is who opened it.", "# By is who opened it.");
    let schema = ok(&source);
    assert_eq!(
        schema.events[0].properties[0].doc.lines[0],
        "By is who opened it."
    );
}

#[test]
fn rule_6_the_name_must_be_a_whole_word() {
    let source = SCHEMA.replace("# by is who opened it.", "# bystander opened it.");
    let errors = errors(&source).into_vec();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].rule, Rule::DocComment);
    assert_eq!((errors[0].at.line, errors[0].at.column), (7, 5));
    assert_eq!(errors[0].line_text, "    # bystander opened it.");
}

#[test]
fn rule_6_a_paragraph_break_first_is_not_the_name() {
    let source = SCHEMA.replace("      # Open opens a door.\n", "");
    let errors = errors(&source).into_vec();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].rule, Rule::DocComment);
    assert_eq!(errors[0].path, "services.Doors.methods.Open");
    assert_eq!(errors[0].at.line, 32);
}

#[test]
fn rule_6_applies_to_projection_properties_not_to_events() {
    let source = SCHEMA
        .replace("# open tells", "# whether")
        .replace("# Opened says", "# Something says");
    let errors = errors(&source).into_vec();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].path, "projections.Door.properties.open");
}

#[test]
fn crlf_comments_and_trailing_spaces() {
    let source = SCHEMA
        .replace('\n', "\r\n")
        .replace("# by is who opened it.", "# by is who opened it.   ");
    let schema = ok(&source);
    assert_eq!(
        schema.events[0].properties[0].doc.lines,
        ["By is who opened it.", "  indented text stays indented"]
    );
    assert_eq!(schema.events[0].doc.lines[1], "");
}
