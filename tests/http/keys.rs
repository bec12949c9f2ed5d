//! Idempotency keys over HTTP, as the IETF `Idempotency-Key` draft
//! describes them, on the tickets services over a durable log (where
//! keyed calls share batches): the caller is known before a key is looked
//! up; a key is scoped to its method and its caller; a repeat with another
//! request is `422 key-reused`, not `duplicate`; the same request again is
//! `409 duplicate` with the first positions.

use goesgen::http::Problem;

use super::{fresh_path, tickets_server};

/// Posts `body` to `path` with `key`, as `user` (anonymous for `None`);
/// returns the status and the problem's code, if any.
async fn post(
    url: &str,
    path: &str,
    body: &str,
    key: &str,
    user: Option<&str>,
) -> (u16, Option<String>, serde_json::Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{url}{path}"))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(body.to_owned());
    if let Some(user) = user {
        request = request.header("authorization", format!("Bearer {user}"));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    let code = (status >= 400).then(|| {
        let problem: Problem = serde_json::from_value(body.clone()).unwrap();
        problem.code
    });
    (status, code, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_are_the_callers_for_one_method_and_one_request() {
    let log = goesgen::SqliteLog::open(fresh_path("keys"))
        .await
        .unwrap()
        .shared();
    let server = tickets_server(log.clone()).await;
    let url = server.url.as_str();

    let (status, _, created) =
        post(url, "/Users/CreateUser", r#"{"name":"Alice"}"#, "k1", None).await;
    assert_eq!(status, 200, "{created}");
    let alice = created["output"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        created["positions"],
        serde_json::json!({"first": 1, "last": 1})
    );

    // Another method with the same key, anonymously: the method runs and
    // refuses the caller (401); the key does not answer for it.
    let close = format!(r#"{{"ticket":"{}"}}"#, uuid::Uuid::new_v4());
    let (status, code, _) = post(url, "/Tickets/CloseTicket", &close, "k1", None).await;
    assert_eq!((status, code.as_deref()), (401, Some("unauthenticated")));

    // The same request again: a duplicate, with where the first one is.
    let (status, code, problem) = post(
        url,
        "/Users/CreateUser",
        r#"{ "name": "Alice" }"#,
        "k1",
        None,
    )
    .await;
    assert_eq!((status, code.as_deref()), (409, Some("duplicate")));
    assert_eq!(
        problem["positions"],
        serde_json::json!({"first": 1, "last": 1})
    );

    // Another request with the same key: refused, nothing written.
    let (status, code, problem) =
        post(url, "/Users/CreateUser", r#"{"name":"Bobby"}"#, "k1", None).await;
    assert_eq!(
        (status, code.as_deref()),
        (422, Some("key-reused")),
        "{problem}"
    );
    assert_eq!(
        problem["positions"],
        serde_json::json!({"first": 1, "last": 1})
    );
    assert_eq!(log.head().await.unwrap(), 1);

    // A signed-in caller's keys are their own: Alice's `k1` is not the
    // anonymous one, and her repeat is her duplicate.
    let ticket = r#"{"title":"Tea","description":"none left"}"#;
    let (status, _, first) = post(url, "/Tickets/CreateTicket", ticket, "k1", Some(&alice)).await;
    assert_eq!(status, 200, "{first}");
    let (status, code, again) =
        post(url, "/Tickets/CreateTicket", ticket, "k1", Some(&alice)).await;
    assert_eq!(
        (status, code.as_deref()),
        (409, Some("duplicate")),
        "{again}"
    );
    assert_eq!(again["positions"], first["positions"]);
    assert_eq!(log.head().await.unwrap(), 2);

    // A key that does not fit its scope is a bad header.
    let long = "k".repeat(goesgen::MAX_KEY_BYTES);
    let (status, code, _) =
        post(url, "/Users/CreateUser", r#"{"name":"Carol"}"#, &long, None).await;
    assert_eq!((status, code.as_deref()), (400, Some("invalid-header")));
}
