//! The schema front end never panics on bad input: random texts and random
//! mutations of goesgen's tickets schema always give a model or located
//! errors that render.

use goesgen_schema::parse;
use proptest::prelude::*;

const TICKETS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/goesgen/schema.yml"
));

/// Characters that matter to YAML and to the schema language.
const ALPHABET: &[char] = &[
    ' ', ' ', ' ', '\n', '\t', '\r', ':', '-', '>', '<', '[', ']', '{', '}', '#', '&', '*', '!',
    '|', '\'', '"', ',', '.', '?', '%', '@', '`', '~', 'a', 'Z', '_', '0', '9', 'é', '😀', '\u{0}',
    '\u{feff}',
];

/// Parses `source`; on errors, checks each is located inside the text (or
/// just past its end) and renders.
fn check(source: &str) {
    let lines = source.split(['\n', '\r']).count();
    match parse(source, "fuzz.yml") {
        Ok(schema) => {
            assert!(!schema.events.is_empty());
            assert!(!schema.services.is_empty());
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for error in errors.iter() {
                assert!(
                    error.at.line >= 1 && error.at.line <= lines + 1,
                    "{error:?}"
                );
                assert!(error.at.column >= 1, "{error:?}");
                assert!(error.width >= 1, "{error:?}");
                assert!(!error.to_string().is_empty());
            }
        }
    }
}

/// One edit of a text, as characters or lines.
#[derive(Debug, Clone)]
enum Edit {
    DeleteChar(usize),
    InsertChar(usize, char),
    SwapChars(usize, usize),
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let c = prop::sample::select(ALPHABET);
    prop_oneof![
        any::<usize>().prop_map(Edit::DeleteChar),
        (any::<usize>(), c).prop_map(|(i, c)| Edit::InsertChar(i, c)),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Edit::SwapChars(i, j)),
        any::<usize>().prop_map(Edit::DeleteLine),
        any::<usize>().prop_map(Edit::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(i, j)| Edit::SwapLines(i, j)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for edit in edits {
        match *edit {
            Edit::DeleteChar(i) if !chars.is_empty() => {
                chars.remove(i % chars.len());
            }
            Edit::InsertChar(i, c) => chars.insert(i % (chars.len() + 1), c),
            Edit::SwapChars(i, j) if !chars.is_empty() => {
                let n = chars.len();
                chars.swap(i % n, j % n);
            }
            Edit::DeleteLine(i) | Edit::DuplicateLine(i) | Edit::SwapLines(i, _) => {
                let text: String = chars.iter().collect();
                let mut lines: Vec<&str> = text.split('\n').collect();
                let n = lines.len();
                let i = i % n;
                match *edit {
                    Edit::DeleteLine(_) => {
                        lines.remove(i);
                    }
                    Edit::DuplicateLine(_) => lines.insert(i, lines[i]),
                    Edit::SwapLines(_, j) => lines.swap(i, j % n),
                    _ => {}
                }
                chars = lines.join("\n").chars().collect();
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(256)
    })]

    #[test]
    fn mutated_tickets_schema_never_panics(edits in prop::collection::vec(edit(), 1..6)) {
        check(&apply(TICKETS, &edits));
    }

    #[test]
    fn random_text_never_panics(chars in prop::collection::vec(prop::sample::select(ALPHABET), 0..160)) {
        let text: String = chars.into_iter().collect();
        check(&text);
    }

    #[test]
    fn random_type_references_never_panic(ty in "[a-zA-Z0-9_:.<>,()\\[\\]; &'#]{0,24}") {
        let source = format!(
            "events:\n  Opened:\n    by: \"{ty}\"\nservices:\n  Doors:\n    methods:\n      \
             Open:\n        in: \"{ty}\"\n        emits: [Opened]\n"
        );
        check(&source);
    }
}

#[test]
fn edge_documents_are_errors() {
    for source in [
        "",
        "\n",
        "---\n",
        "~",
        "[]",
        "- a",
        "42",
        "\"text\"",
        "...",
        "\u{feff}",
        "---\n---\n",
    ] {
        check(source);
        assert!(parse(source, "x.yml").is_err(), "{source:?}");
    }
}
