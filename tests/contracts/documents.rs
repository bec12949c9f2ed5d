//! The documents, each against its official meta-schema (checked in beside
//! this file), every schema they define against JSON Schema's own, and
//! what they say of the tickets example and of `library.yml` (a schema
//! with comments and an optional property).

use serde_json::{Value, json};

use super::validate::{assert_valid, at, at_draft07, errors, fixture};
use super::{schema, serve};

/// A schema with comments and an optional property.
pub mod library {
    goesgen::include_schema!("library.yml");
}

/// The OpenAPI 3.1 schema (the OpenAPI Initiative's, without its Schema
/// Object checks), as a validator.
fn openapi_schema() -> jsonschema::Validator {
    jsonschema::draft202012::new(&fixture("openapi-3.1.schema.json")).unwrap()
}

/// The AsyncAPI 3.0.0 schema (the AsyncAPI Initiative's, bundled), as a
/// validator.
fn asyncapi_schema() -> jsonschema::Validator {
    jsonschema::draft7::new(&fixture("asyncapi-3.0.0.schema.json")).unwrap()
}

/// Each schema under `components.schemas` is a valid schema of `dialect`
/// and compiles with its references resolved.
fn components_are_schemas(document: &Value, draft07: bool) {
    let schemas = document["components"]["schemas"].as_object().unwrap();
    for (name, schema) in schemas {
        let mut alone = schema.clone();
        alone["$schema"] = if draft07 {
            "http://json-schema.org/draft-07/schema#".into()
        } else {
            "https://json-schema.org/draft/2020-12/schema".into()
        };
        if let Err(error) = jsonschema::meta::validate(&alone) {
            panic!("components.schemas.{name} is no JSON Schema: {error}");
        }
        let pointer = format!("/components/schemas/{name}");
        if draft07 {
            at_draft07(document, &pointer);
        } else {
            at(document, &pointer);
        }
    }
}

#[test]
fn the_openapi_document_is_openapi_3_1() {
    let document = serve::openapi().unwrap();
    assert_valid(&openapi_schema(), &document, "the tickets OpenAPI document");
    components_are_schemas(&document, false);
    for alone in [
        schema::users::openapi(),
        schema::tickets::openapi(),
        library::shelves::openapi(),
    ] {
        assert_valid(&openapi_schema(), &alone, "a service's OpenAPI document");
    }
    // The meta-schema refuses what is not OpenAPI (the test can fail).
    let mut broken = document.clone();
    broken["paths"]["/Users/CreateUser"]["post"]["responses"]["200"] = json!({"content": {}});
    assert!(!errors(&openapi_schema(), &broken).is_empty());
}

#[test]
fn the_asyncapi_document_is_asyncapi_3_0() {
    let validator = asyncapi_schema();
    assert!(!schema::events::asyncapi()["components"]["schemas"]["User"].is_null());
    for document in [schema::events::asyncapi(), library::events::asyncapi()] {
        assert_valid(&validator, &document, "the AsyncAPI document");
        components_are_schemas(&document, true);
    }
    let mut broken = schema::events::asyncapi();
    broken["operations"]["Users.send"]["action"] = "publish".into();
    assert!(!errors(&validator, &broken).is_empty());
}

#[test]
fn the_events_json_schema_is_json_schema_2020_12() {
    for document in [
        schema::events::json_schema(),
        library::events::json_schema(),
    ] {
        if let Err(error) = jsonschema::meta::validate(&document) {
            panic!("the events' JSON Schema is no JSON Schema: {error}");
        }
        jsonschema::draft202012::new(&document).unwrap();
    }
}

/// The operation of `path` in `document`.
fn operation<'a>(document: &'a Value, path: &str) -> &'a Value {
    &document["paths"][path]["post"]
}

#[test]
fn the_users_methods_serve_anonymous_callers_and_the_tickets_methods_need_a_user() {
    let document = serve::openapi().unwrap();
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for path in ["/Users/CreateUser", "/Users/GetUserByID"] {
        assert_eq!(
            operation(&document, path)["security"],
            json!([{}, {"bearer": []}])
        );
    }
    let paths = document["paths"].as_object().unwrap();
    let tickets: Vec<&String> = paths
        .keys()
        .filter(|p| p.starts_with("/Tickets/"))
        .collect();
    assert_eq!(tickets.len(), 7);
    for path in tickets {
        assert_eq!(
            operation(&document, path)["security"],
            json!([{"bearer": []}]),
            "{path}"
        );
    }
    // Without an authenticator's description, no security.
    assert!(schema::tickets::openapi()["components"]["securitySchemes"].is_null());
}

#[test]
fn writes_take_a_key_and_answer_output_and_positions() {
    let document = serve::openapi().unwrap();
    let create = operation(&document, "/Tickets/CreateTicket");
    let parameters: Vec<&str> = create["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["$ref"].as_str().unwrap())
        .collect();
    assert_eq!(
        parameters,
        [
            "#/components/parameters/Goesgen-Seen-Position",
            "#/components/parameters/Idempotency-Key"
        ]
    );
    let body = &create["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(
        body["properties"]["output"]["$ref"],
        "#/components/schemas/CreateTicketOut"
    );
    assert_eq!(body["required"], json!(["output", "positions"]));
    let read = operation(&document, "/Tickets/GetTicketByID");
    assert_eq!(read["parameters"].as_array().unwrap().len(), 1);
    assert_eq!(
        read["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/GetTicketByIDOut"
    );
    for status in [
        "400", "401", "403", "404", "409", "413", "415", "422", "500", "503",
    ] {
        let response = &read["responses"][status]["$ref"];
        assert_eq!(*response, format!("#/components/responses/Problem{status}"));
    }
    // The Problem schema against every problem: goesgen-http's unit tests.
    assert!(document["components"]["schemas"]["Problem"].is_object());
}

#[test]
fn the_schemas_comments_are_the_descriptions() {
    let shelves = library::shelves::openapi();
    assert_eq!(shelves["info"]["description"], "Shelves keeps the books.");
    let add = operation(&shelves, "/Shelves/Add");
    assert_eq!(add["summary"], "Add puts a book on the shelves.");
    let events = library::events::json_schema();
    let added = &events["oneOf"][0]["properties"]["payload"];
    assert_eq!(added["description"], "A book joined the shelves.");
    assert_eq!(
        added["properties"]["mark"]["description"],
        "Mark is the book's shelf mark."
    );
    // Optional properties are not required.
    assert_eq!(added["required"], json!(["mark", "title"]));
}

#[test]
fn each_service_sends_what_it_emits_and_receives_what_it_subscribes_to() {
    let document = schema::events::asyncapi();
    let kinds = |operation: &str| -> Vec<String> {
        document["operations"][operation]["messages"]
            .as_array()
            .unwrap_or_else(|| panic!("no operation {operation}"))
            .iter()
            .map(|m| {
                m["$ref"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(kinds("Users.send"), ["UserCreated"]);
    assert_eq!(kinds("Users.receive"), ["UserCreated"]);
    assert_eq!(kinds("Tickets.send").len(), 7);
    assert!(!kinds("Tickets.send").contains(&"UserCreated".to_owned()));
    assert!(kinds("Tickets.receive").contains(&"UserCreated".to_owned()));
    let library = library::events::asyncapi();
    assert_eq!(
        library["operations"]["Desk.send"]["messages"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        library["operations"]["Desk.send"]["description"],
        "Desk lends the books."
    );
}
