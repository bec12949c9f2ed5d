//! How the schema front end's errors read: rustc-like text with the source
//! line and a caret under the offending token, whatever the line holds (tabs,
//! non-ASCII, CRLF), and never a panic on odd places.

mod common;

use common::only;
use goesgen_schema::{Location, Rule, SchemaError};

const TICKETS: &str = "\
events:
  TicketCreated: {}
  TicketClosed: {}
projections:
  Ticket:
    states: [Open]
    createOn: TicketCreated
services:
  Tickets:
    projections: [Ticket]
    methods:
      CloseTicket:
        emits:
        - TicketClose
";

#[test]
fn renders_like_rustc() {
    let source = TICKETS.replace("        - TicketClose\n", "          - TicketClose\n");
    let source = source.replace(
        "  TicketClosed: {}\n",
        "  TicketClosed: {}\n  Extra1: {}\n  Extra2: {}\n",
    );
    let source = source.replace("    createOn: TicketCreated\n", "    createOn: TicketCreated\n    transitions: {Extra1: [Open -> Open], Extra2: [Open -> Open], TicketClosed: [Open -> Open]}\n");
    let error = only(&source);
    assert_eq!(
        error.to_string(),
        "\
schema.yml:17:13: undefined event `TicketClose` in services.Tickets.methods.CloseTicket.emits[0]
   |
17 |           - TicketClose
   |             ^^^^^^^^^^^
   = hint: did you mean `TicketClosed`?"
    );
}

#[test]
fn the_gutter_fits_the_line_number() {
    let error = only(&TICKETS.replace(
        "TicketClose\n",
        "TicketClosed\n      Bad:\n        type: x\n",
    ));
    assert_eq!(error.rule, Rule::MethodType);
    let text = error.to_string();
    assert!(
        text.ends_with("\n   |\n16 |         type: x\n   |               ^"),
        "{text}"
    );
}

fn rendered(line_text: &str, column: usize, width: usize) -> String {
    SchemaError {
        file: "f.yml".into(),
        at: Location { line: 3, column },
        path: "a.b".into(),
        message: "bad".into(),
        hint: None,
        line_text: line_text.into(),
        width,
        rule: Rule::Shape,
    }
    .to_string()
}

#[test]
fn tabs_are_shown_as_spaces_and_the_caret_stays_under_the_token() {
    let text = rendered("\tkey:\tvalue", 7, 5);
    assert_eq!(
        text,
        "f.yml:3:7: bad in a.b\n  |\n3 |     key:    value\n  |             ^^^^^"
    );
}

#[test]
fn non_ascii_columns_count_characters() {
    let text = rendered("  é: ünïcode", 6, 7);
    assert_eq!(
        text,
        "f.yml:3:6: bad in a.b\n  |\n3 |   é: ünïcode\n  |      ^^^^^^^"
    );
}

#[test]
fn odd_places_do_not_panic() {
    // Past the end of the line, width past the end, column 0, empty line.
    assert!(rendered("ab", 10, 3).ends_with("3 | ab\n  |          ^"));
    assert!(rendered("ab", 2, 50).ends_with("3 | ab\n  |  ^"));
    assert!(rendered("ab", 0, 0).ends_with("3 | ab\n  | ^"));
    assert!(rendered("", 1, 1).ends_with("3 | \n  | ^"));
    assert!(rendered("a\u{7}b", 3, 1).contains("3 | a b"));
}

#[test]
fn crlf_lines_are_shown_without_carriage_return() {
    let source = TICKETS.replace('\n', "\r\n");
    let errors = common::errors(&source).into_vec();
    let error = errors
        .iter()
        .find(|e| e.rule == Rule::Emits)
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert_eq!(error.line_text, "        - TicketClose");
    assert_eq!((error.at.line, error.at.column), (14, 11));
}

#[test]
fn a_byte_order_mark_is_not_a_column() {
    let errors = common::errors("\u{feff}events: {E1: {ab: 'x y'}}\n").into_vec();
    let error = errors
        .iter()
        .find(|e| e.rule == Rule::TypeRef)
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert_eq!(error.line_text, "events: {E1: {ab: 'x y'}}");
    assert_eq!((error.at.line, error.at.column), (1, 19));
    assert!(
        error.to_string().contains("\n  |                   ^^^^^"),
        "{error}"
    );
}
