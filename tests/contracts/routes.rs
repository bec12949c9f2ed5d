//! Every route the routers serve is in the OpenAPI document and every
//! documented route is served: the documented paths are exactly the
//! schema's methods (the routes the generated routers add), each answers
//! a POST (no `unknown-method`), a path beside them does not, and each
//! router serves its own document.

use std::collections::BTreeSet;

use goesgen::MemoryLog;
use goesgen::http::HttpOptions;
use serde_json::Value;

use super::{Server, serve, tickets_server};

/// `/<Service>/<Method>` of every method of the example's schema file.
fn schema_paths() -> BTreeSet<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/tickets/schema.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let schema = goesgen_schema::parse(&text, "schema.yml").unwrap();
    schema
        .services
        .iter()
        .flat_map(|service| {
            service
                .methods
                .iter()
                .map(move |method| format!("/{}/{}", service.name.as_str(), method.name.as_str()))
        })
        .collect()
}

fn documented_paths(document: &Value) -> BTreeSet<String> {
    document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn the_documented_paths_are_the_schemas_methods() {
    let documented = documented_paths(&serve::openapi().unwrap());
    assert_eq!(documented, schema_paths());
}

/// The status and problem code (if it is a problem) of a POST of `{}` to
/// `path`.
async fn post(http: &reqwest::Client, server: &Server, path: &str) -> (u16, Option<String>) {
    let response = http
        .post(format!("{}{path}", server.url))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, body["code"].as_str().map(str::to_owned))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_path_is_served_and_nothing_beside() {
    let server = tickets_server(
        MemoryLog::shared(),
        HttpOptions::default().serve_openapi(true),
    )
    .await;
    let http = reqwest::Client::new();
    let document = serve::openapi().unwrap();
    for path in documented_paths(&document) {
        let (status, code) = post(&http, &server, &path).await;
        assert_ne!(code.as_deref(), Some("unknown-method"), "{path}: {status}");
    }
    for path in [
        "/Tickets/Nope",
        "/Nope/GetUserByID",
        "/Users",
        "/openapi.json",
    ] {
        let answer = post(&http, &server, path).await;
        assert_eq!(answer, (404, Some("unknown-method".into())), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_router_serves_its_services_document_with_its_security() {
    let server = tickets_server(
        MemoryLog::shared(),
        HttpOptions::default().serve_openapi(true),
    )
    .await;
    let http = reqwest::Client::new();
    let both = serve::openapi().unwrap();
    for service in ["Users", "Tickets"] {
        let response = http
            .get(format!("{}/{service}/openapi.json", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let served: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
        let paths = documented_paths(&served);
        assert!(!paths.is_empty());
        for path in &paths {
            assert!(path.starts_with(&format!("/{service}/")), "{path}");
            assert_eq!(served["paths"][path], both["paths"][path], "{path}");
        }
        assert_eq!(
            served["components"]["securitySchemes"],
            both["components"]["securitySchemes"]
        );
    }
    // Off by default.
    let quiet = tickets_server(MemoryLog::shared(), HttpOptions::default()).await;
    let response = http
        .get(format!("{}/Users/openapi.json", quiet.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
}
