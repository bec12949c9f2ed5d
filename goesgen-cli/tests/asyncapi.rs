//! `goesgen asyncapi`, run as a process on the tickets schema: a valid
//! AsyncAPI 3.0 document (against the AsyncAPI Initiative's schema checked
//! in with the root package's contract tests), one message per event,
//! payload properties of Rust's own types by their JSON type and the
//! others by their Rust name, per service what it sends and receives.

mod common;

use std::path::Path;

use common::{goesgen, tickets};
use serde_json::{Value, json};

fn document() -> Value {
    let run = goesgen(["asyncapi".as_ref(), tickets().as_os_str()]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn the_document_is_asyncapi_3_0() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/contracts/asyncapi-3.0.0.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let document = document();
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(document["info"]["version"], "0.1.0");
}

#[test]
fn properties_are_typed_by_json_type_or_rust_name() {
    let document = document();
    let messages = document["components"]["messages"].as_object().unwrap();
    assert_eq!(messages.len(), 8);
    let created = &messages["UserCreated"]["payload"];
    assert_eq!(created["required"], json!(["id", "name"]));
    assert_eq!(
        created["properties"]["id"]["x-rust-type"],
        "crate::id::User"
    );
    assert_eq!(
        created["properties"]["name"]["x-rust-type"],
        "crate::UserName"
    );
}

#[test]
fn each_service_sends_and_receives_from_the_schema() {
    let document = document();
    let refs = |operation: &str| -> Vec<String> {
        document["operations"][operation]["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["$ref"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(refs("Users.send"), ["#/channels/log/messages/UserCreated"]);
    assert_eq!(refs("Tickets.send").len(), 7);
    assert!(refs("Tickets.receive").contains(&"#/channels/log/messages/UserCreated".to_owned()));
}

#[test]
fn an_invalid_schema_is_refused() {
    let dir = common::scratch("asyncapi");
    let schema = dir.join("schema.yml");
    std::fs::write(&schema, "events:\n  Opened: {}\n").unwrap();
    let run = goesgen(["asyncapi".as_ref(), schema.as_os_str()]);
    assert_eq!(run.status, Some(2), "{}", run.stdout);
}
