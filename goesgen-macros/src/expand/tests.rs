//! Unit tests of the code generator on a schema built by hand.

use goesgen_schema::{
    Doc, Event, EventRef, Location, Move, Name, Projection, Property, Schema, State, Transitions,
    TypeRef,
};
use quote::quote;

use super::expand;

fn name(text: &str) -> Name {
    Name {
        text: text.into(),
        at: Location { line: 1, column: 1 },
    }
}

fn property(wire: &str, rust: &str, doc: &[&str]) -> Property {
    Property {
        name: name(wire),
        doc: Doc {
            lines: doc.iter().map(|l| l.to_string()).collect(),
        },
        ty: TypeRef {
            written: rust.into(),
            rust: rust.into(),
            at: Location::default(),
        },
        long_form: false,
        default: None,
        was: Vec::new(),
        personal: false,
        subject: false,
    }
}

fn event(text: &str, properties: Vec<Property>) -> Event {
    Event {
        name: name(text),
        doc: Doc::default(),
        properties,
        was: Vec::new(),
        upcast: None,
        subject: None,
    }
}

fn event_ref(schema_events: &[Event], text: &str) -> EventRef {
    EventRef {
        name: name(text),
        index: schema_events
            .iter()
            .position(|e| e.name.text == text)
            .unwrap(),
    }
}

fn door_schema() -> Schema {
    let events = vec![
        event(
            "DoorOpened",
            vec![
                property("type", "String", &["Type is the kind of door."]),
                property("newDescription", "crate::Text", &[]),
            ],
        ),
        event("DoorClosed", vec![]),
        event("DoorInstalled", vec![property("at", "u64", &[])]),
    ];
    let mv = |from, to| Move {
        from,
        to,
        at: Location::default(),
    };
    let projection = Projection {
        name: name("Door"),
        doc: Doc::default(),
        states: vec![State { name: name("Shut") }, State { name: name("Open") }],
        properties: vec![property("width", "u32", &[])],
        create_on: event_ref(&events, "DoorInstalled"),
        transitions: vec![
            Transitions {
                event: event_ref(&events, "DoorOpened"),
                moves: vec![mv(0, 1), mv(1, 1)],
            },
            Transitions {
                event: event_ref(&events, "DoorClosed"),
                moves: vec![mv(1, 0), mv(1, 1)],
            },
        ],
    };
    Schema {
        file: "door.yml".into(),
        events,
        projections: vec![projection],
        services: vec![],
    }
}

fn generated() -> String {
    expand(&door_schema(), quote!(::goesgen)).to_string()
}

#[test]
fn output_is_valid_rust() {
    let tokens = expand(&door_schema(), quote!(::goesgen));
    syn::parse2::<syn::File>(tokens).expect("generated code parses as a Rust file");
}

#[test]
fn same_schema_same_tokens() {
    assert_eq!(generated(), generated());
}

#[test]
fn fields_are_snake_case_raw_for_keywords_and_keep_wire_names() {
    let code = generated();
    assert!(
        code.contains("# [serde (rename = \"type\")] pub r#type : String"),
        "{code}"
    );
    assert!(
        code.contains(
            "# [serde (rename = \"newDescription\")] pub new_description : crate :: Text"
        ),
        "{code}"
    );
}

#[test]
fn schema_comments_become_rustdoc_and_others_get_a_sentence() {
    let code = generated();
    assert!(code.contains("\" Type is the kind of door.\""), "{code}");
    assert!(
        code.contains("\" The `DoorClosed` event (`events.DoorClosed` in the schema).\""),
        "{code}"
    );
    assert!(
        code.contains("| `DoorClosed` | `Open` | `Shut` |"),
        "{code}"
    );
}

#[test]
fn transition_table_groups_targets_by_source_state() {
    let code = generated();
    assert!(
        code.contains(
            "(Self :: Open , super :: events :: EventKind :: DoorClosed) => & [Self :: Shut , Self :: Open]"
        ),
        "{code}"
    );
    assert!(
        code.contains("pub const INITIAL : Self = Self :: Shut"),
        "{code}"
    );
    assert!(
        code.contains("pub const CREATE_ON : super :: events :: EventKind = super :: events :: EventKind :: DoorInstalled"),
        "{code}"
    );
}

#[test]
fn runtime_is_named_only_through_the_crate_path() {
    let code = expand(&door_schema(), quote!(::renamed_goesgen)).to_string();
    assert!(!code.contains("goesgen_runtime"), "{code}");
    assert!(!code.contains(":: goesgen ::"), "{code}");
    assert!(
        code.contains("use :: renamed_goesgen :: __private :: serde as __serde"),
        "{code}"
    );
    assert!(
        code.contains(":: renamed_goesgen :: codec :: decode_payload :: < DoorOpened >"),
        "{code}"
    );
}

#[test]
fn events_named_like_generated_items_are_refused() {
    let mut schema = door_schema();
    schema.events[1].name = name("EventKind");
    let code = expand(&schema, quote!(::goesgen)).to_string();
    assert!(code.contains("compile_error"), "{code}");
    assert!(code.contains("event `EventKind` would clash"), "{code}");
    assert!(code.contains("pub mod events { }"), "{code}");
}

fn scratch_crate(name: &str, schema: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("goesgen-expand-{}-{name}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/schema.yml"), schema).unwrap();
    dir
}

fn include_in(dir: &std::path::Path, path: &str) -> String {
    let args: crate::input::Args = syn::parse2(quote!(::goesgen, #path)).unwrap();
    super::include(&args, Some(dir.join("src/lib.rs")), Some(dir.to_path_buf())).to_string()
}

#[test]
fn a_valid_file_is_tracked_and_generated() {
    let dir = scratch_crate(
        "valid",
        "events:\n  Opened: {}\nprojections:\n  Door:\n    states: [Open]\n    createOn: Opened\n\
         services:\n  Doors:\n    projections: [Door]\n    methods:\n      Open:\n        emits: [Opened]\n",
    );
    let code = include_in(&dir, "schema.yml");
    let absolute = dir.join("src/schema.yml").display().to_string();
    assert!(
        code.contains(&format!("include_bytes ! ({absolute:?})")),
        "{code}"
    );
    assert!(code.contains("pub struct Opened"), "{code}");
    assert!(!code.contains("compile_error"), "{code}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn every_schema_error_becomes_a_compile_error_beside_empty_modules() {
    let dir = scratch_crate(
        "invalid",
        "events:\n  Opened: {}\nprojections:\n  Door:\n    states: [Open]\n    createOn: Opend\n\
         services:\n  Doors:\n    projections: [Dor]\n    methods:\n      Open:\n        emits: [Opened]\n",
    );
    let code = include_in(&dir, "schema.yml");
    assert_eq!(code.matches("compile_error").count(), 2, "{code}");
    assert!(
        code.contains("schema.yml:6:15: undefined event `Opend`"),
        "{code}"
    );
    assert!(
        code.contains("schema.yml:9:19: undefined projection `Dor`"),
        "{code}"
    );
    assert!(code.contains("pub mod events { }"), "{code}");
    assert!(code.contains("pub mod projections { }"), "{code}");
    assert!(
        code.contains("include_bytes !"),
        "fixing the file must rebuild: {code}"
    );
    let message_text: String = code
        .split("compile_error")
        .skip(1)
        .map(|part| part.split('}').next().unwrap_or(""))
        .collect();
    assert!(
        !message_text.contains(&*dir.display().to_string()),
        "{message_text}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_missing_file_is_a_compile_error_with_relative_paths() {
    let dir = scratch_crate("missing", "");
    let code = include_in(&dir, "nope.yml");
    assert!(code.contains("schema file `nope.yml` not found"), "{code}");
    assert!(code.contains("`src/nope.yml`"), "{code}");
    assert!(!code.contains(&*dir.display().to_string()), "{code}");
    assert!(code.contains("pub mod events { }"), "{code}");
    std::fs::remove_dir_all(dir).unwrap();
}

const DOOR: &str = "events:\n  Opened: {}\nprojections:\n  Door:\n    states: [Open]\n    createOn: Opened\n\
     services:\n  Doors:\n    projections: [Door]\n    methods:\n      Open:\n        emits: [Opened]\n";

fn include_with_baseline(dir: &std::path::Path, path: &str, baseline: &str) -> String {
    let args: crate::input::Args =
        syn::parse2(quote!(::goesgen, #path, baseline = #baseline)).unwrap();
    super::include(&args, Some(dir.join("src/lib.rs")), Some(dir.to_path_buf())).to_string()
}

#[test]
fn a_compatible_change_against_the_baseline_generates_and_tracks_both_files() {
    let dir = scratch_crate(
        "baseline-compatible",
        &DOOR.replace("Opened: {}", "Opened: {by: Option<String>}"),
    );
    std::fs::write(dir.join("src/v1.yml"), DOOR).unwrap();
    let code = include_with_baseline(&dir, "schema.yml", "v1.yml");
    assert!(!code.contains("compile_error"), "{code}");
    assert!(code.contains("pub struct Opened"), "{code}");
    for file in ["src/schema.yml", "src/v1.yml"] {
        let absolute = dir.join(file).display().to_string();
        assert!(
            code.contains(&format!("include_bytes ! ({absolute:?})")),
            "{file} is not tracked: {code}"
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_breaking_change_against_the_baseline_is_a_compile_error_at_its_line() {
    let dir = scratch_crate(
        "baseline-breaking",
        &DOOR.replace("Opened: {}", "Opened:\n    by: String"),
    );
    std::fs::write(dir.join("src/v1.yml"), DOOR).unwrap();
    let code = include_with_baseline(&dir, "schema.yml", "v1.yml");
    assert_eq!(code.matches("compile_error").count(), 1, "{code}");
    assert!(
        code.contains(
            "schema.yml:3:5: breaking change: required property `by` added: records already in the log lack it"
        ),
        "{code}"
    );
    assert!(code.contains("pub mod events { }"), "{code}");
    assert_eq!(code.matches("include_bytes !").count(), 2, "{code}");
    // An invalid baseline is reported with its own file name.
    std::fs::write(dir.join("src/v1.yml"), "events: {}\n").unwrap();
    let code = include_with_baseline(&dir, "schema.yml", "v1.yml");
    assert!(
        code.contains("v1.yml:1:1: the schema has no events"),
        "{code}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// The tokens of `tokens`, groups included (a delimiter pair counts one).
fn token_count(tokens: proc_macro2::TokenStream) -> usize {
    tokens
        .into_iter()
        .map(|tree| match tree {
            proc_macro2::TokenTree::Group(group) => 1 + token_count(group.stream()),
            _ => 1,
        })
        .sum()
}

/// The size of the tickets example's expansion (the figure of
/// docs/benchmarks.md's issue 20 section; print it with
/// `cargo test -p goesgen-macros expansion_size -- --nocapture`), kept
/// below its size before the one store contract (31,395 tokens): the
/// per-service forwarders it removed must not come back.
#[test]
fn expansion_size() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/tickets/schema.yml"
    );
    let source = std::fs::read_to_string(path).expect("the tickets schema");
    let schema = goesgen_schema::parse(&source, "schema.yml").expect("a valid schema");
    let tokens = expand(&schema, quote!(::goesgen));
    let text = tokens.to_string();
    let count = token_count(tokens);
    println!(
        "tickets expansion: {count} tokens, {} bytes as text",
        text.len()
    );
    assert!(
        count < 31_395,
        "the tickets expansion grew back to {count} tokens"
    );
    // Without personal data, none of its glue (issue 25): the expansion
    // is the one before it.
    for glue in [
        "Personal",
        "PERSONAL",
        "fn personal",
        "FORGETS",
        "fn forget",
    ] {
        assert!(!text.contains(glue), "`{glue}` in the tickets expansion");
    }
}
