//! Real responses of the services, successes and each problem status,
//! valid against the schemas the OpenAPI document gives for their path,
//! status and media type (and each JSON request against its request
//! body's schema): the tickets services for every method's success and
//! the problems a caller can cause, the counter service of the HTTP tests
//! on a faulty log for the `500` and `503` a failing log gives.

use std::time::Duration;

use goesgen::http::HttpOptions;
use goesgen::{MemoryLog, ServiceOptions, SharedLog};
use serde_json::{Value, json};

use super::counter::{self, FaultyLog, INDETERMINATE, UNAVAILABLE};
use super::validate::{assert_valid, at, errors, escape};
use super::{Server, serve, tickets_server};

/// Calls the server and checks each exchange against `document`.
struct Checker {
    document: Value,
    url: String,
    http: reqwest::Client,
    /// The statuses seen, to check that each problem was met.
    seen: std::collections::BTreeSet<u16>,
}

impl Checker {
    fn new(document: Value, server: &Server) -> Self {
        Self {
            document,
            url: server.url.clone(),
            http: reqwest::Client::new(),
            seen: Default::default(),
        }
    }

    /// POSTs `input` as JSON to `path` with `headers`, checks the request
    /// and the response against the document; returns the status and the
    /// body.
    async fn call(
        &mut self,
        path: &str,
        input: &Value,
        headers: &[(&str, String)],
    ) -> (u16, Value) {
        let request = format!(
            "/paths/{}/post/requestBody/content/application~1json/schema",
            escape(path)
        );
        assert_valid(
            &at(&self.document, &request),
            input,
            &format!("the request to {path}"),
        );
        self.send(
            path,
            "application/json",
            serde_json::to_vec(input).unwrap(),
            headers,
        )
        .await
    }

    /// POSTs `body` as `content_type` to `path`, checks the response.
    async fn send(
        &mut self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        headers: &[(&str, String)],
    ) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!("{}{path}", self.url))
            .header("content-type", content_type)
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let media = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap_or("")
            .to_owned();
        let bytes = response.bytes().await.unwrap();
        let body: Value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{status} from {path} is no JSON ({e}): {bytes:?}"));
        let schema = self.response_schema(path, status, &media);
        assert_valid(
            &at(&self.document, &schema),
            &body,
            &format!("{status} from {path}"),
        );
        self.seen.insert(status);
        (status, body)
    }

    /// The pointer of the schema the document gives a `status` response
    /// of `path` in `media` (its own status, else `default`).
    fn response_schema(&self, path: &str, status: u16, media: &str) -> String {
        let responses = format!("/paths/{}/post/responses", escape(path));
        let mut response = format!("{responses}/{status}");
        if self.document.pointer(&response).is_none() {
            response = format!("{responses}/default");
        }
        if let Some(target) = self.document.pointer(&format!("{response}/$ref")) {
            response = target.as_str().unwrap().trim_start_matches('#').to_owned();
        }
        let schema = format!("{response}/content/{}/schema", escape(media));
        assert!(
            self.document.pointer(&schema).is_some(),
            "{path} documents no {media} body for {status}"
        );
        schema
    }
}

fn bearer(user: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {user}"))
}

/// The code of a problem body.
fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_success_and_problem_of_the_tickets_services_is_as_documented() {
    let options = HttpOptions::default().catch_up_timeout(Duration::from_millis(100));
    let server = tickets_server(MemoryLog::shared(), options).await;
    let mut checker = Checker::new(serve::openapi().unwrap(), &server);
    // The checks can fail: a problem without its code is refused.
    let problem = at(&checker.document, "/components/schemas/Problem");
    assert!(!errors(&problem, &json!({"type": "t", "title": "t", "status": 400})).is_empty());

    // Successes of every method but UnassignUserFromTicket (below: the
    // schema allows it only on a ticket in progress, which no method of
    // the example leads a new ticket to).
    let (status, alice) = checker
        .call("/Users/CreateUser", &json!({"name": "Alice"}), &[])
        .await;
    assert_eq!(status, 200, "{alice}");
    let alice_id = alice["output"]["id"].as_str().unwrap().to_owned();
    let (_, bob) = checker
        .call("/Users/CreateUser", &json!({"name": "Bobby"}), &[])
        .await;
    let bob_id = bob["output"]["id"].as_str().unwrap().to_owned();
    let seen = (
        "goesgen-seen-position",
        bob["positions"]["last"].to_string(),
    );
    let (status, _) = checker
        .call(
            "/Users/GetUserByID",
            &json!(alice_id),
            std::slice::from_ref(&seen),
        )
        .await;
    assert_eq!(status, 200);
    // The scheme's name in any case, as HTTP has it.
    let lower = ("authorization", format!("bearer {alice_id}"));
    let (status, ticket) = checker
        .call(
            "/Tickets/CreateTicket",
            &json!({"title": "Printer", "description": "It jams."}),
            &[lower, seen.clone()],
        )
        .await;
    assert_eq!(status, 200, "{ticket}");
    let ticket_id = ticket["output"]["id"].as_str().unwrap().to_owned();
    let seen = (
        "goesgen-seen-position",
        ticket["positions"]["last"].to_string(),
    );
    let as_alice = [bearer(&alice_id), seen];
    let pair = json!({"user": bob_id, "ticket": ticket_id});
    let calls = [
        ("/Tickets/AssignUserToTicket", pair.clone()),
        (
            "/Tickets/CreateComment",
            json!({"ticket": ticket_id, "message": "On it."}),
        ),
        (
            "/Tickets/UpdateTicket",
            json!({"ticket": ticket_id, "new_title": "Printer 2"}),
        ),
        (
            "/Tickets/UpdateTicket",
            json!({"ticket": ticket_id, "new_title": null}),
        ),
        ("/Tickets/GetTicketByID", json!(ticket_id)),
    ];
    for (path, input) in calls {
        let (status, body) = checker.call(path, &input, &as_alice).await;
        assert_eq!(status, 200, "{path}: {body}");
    }

    // Problems: 400.
    let (status, body) = checker
        .call_raw_json("/Users/CreateUser", r#"{"name": 5}"#)
        .await;
    assert_eq!((status, code(&body)), (400, "invalid-json"));
    assert_eq!(body["field"], "name");
    // What the documented input refuses, the server refuses too: a name
    // too short, a blank one.
    let create_user =
        "/paths/~1Users~1CreateUser/post/requestBody/content/application~1json/schema";
    let input = at(&checker.document, create_user);
    for refused in [json!({"name": "Bob"}), json!({"name": "    "})] {
        assert!(!errors(&input, &refused).is_empty(), "{refused}");
        let text = refused.to_string();
        let (status, body) = checker.call_raw_json("/Users/CreateUser", &text).await;
        assert_eq!((status, code(&body)), (400, "invalid-json"), "{refused}");
    }
    let bad_seen = [("goesgen-seen-position", "soon".to_owned())];
    let (status, body) = checker
        .call("/Users/GetUserByID", &json!(alice_id), &bad_seen)
        .await;
    assert_eq!((status, code(&body)), (400, "invalid-header"));
    // 401: no user, or not a bearer token.
    let input = json!({"title": "T", "description": ""});
    let (status, body) = checker.call("/Tickets/CreateTicket", &input, &[]).await;
    assert_eq!((status, code(&body)), (401, "unauthenticated"));
    let basic = [("authorization", "Basic YWxpY2U6".to_owned())];
    let (status, body) = checker.call("/Tickets/CreateTicket", &input, &basic).await;
    assert_eq!((status, code(&body)), (401, "unauthenticated"));
    // 403: a user the service does not know.
    let stranger = [bearer(&super::id::User::new().to_string())];
    let (status, body) = checker
        .call("/Tickets/CreateTicket", &input, &stranger)
        .await;
    assert_eq!((status, code(&body)), (403, "unknown-caller"));
    // 404: no such ticket.
    let unknown = json!(super::id::Ticket::new().to_string());
    let (status, body) = checker
        .call("/Tickets/GetTicketByID", &unknown, &as_alice)
        .await;
    assert_eq!((status, code(&body)), (404, "ticket-not-found"));
    // 409: a repeated key; 422: the key for another input.
    let key = [("idempotency-key", "create-carol".to_owned())];
    let (status, _) = checker
        .call("/Users/CreateUser", &json!({"name": "Carol"}), &key)
        .await;
    assert_eq!(status, 200);
    let (status, body) = checker
        .call("/Users/CreateUser", &json!({"name": "Carol"}), &key)
        .await;
    assert_eq!((status, code(&body)), (409, "duplicate"));
    assert!(body["positions"]["last"].is_u64());
    let (status, body) = checker
        .call("/Users/CreateUser", &json!({"name": "Carla"}), &key)
        .await;
    assert_eq!((status, code(&body)), (422, "key-reused"));
    let close = json!({"ticket": ticket_id});
    let (status, _) = checker
        .call("/Tickets/CloseTicket", &close, &as_alice)
        .await;
    assert_eq!(status, 200);
    // 422: the state machine refuses an unassignment from a new ticket
    // (the schema lets only one in progress lose its assignees) and the
    // closing of a closed one.
    let (status, body) = checker
        .call("/Tickets/UnassignUserFromTicket", &pair, &as_alice)
        .await;
    assert_eq!((status, code(&body)), (422, "illegal-move"));
    let closed = json!({"ticket": ticket_id});
    let (status, body) = checker
        .call("/Tickets/CloseTicket", &closed, &as_alice)
        .await;
    assert_eq!((status, code(&body)), (422, "illegal-move"));
    // 413 and 415.
    let large = format!(r#"{{"name": "{}"}}"#, "x".repeat(2 << 20));
    let (status, body) = checker
        .send(
            "/Users/CreateUser",
            "application/json",
            large.into_bytes(),
            &[],
        )
        .await;
    assert_eq!((status, code(&body)), (413, "body-too-large"));
    let (status, body) = checker
        .send("/Users/CreateUser", "text/plain", b"Dora".to_vec(), &[])
        .await;
    assert_eq!((status, code(&body)), (415, "unsupported-media-type"));
    // 503: a position the service does not reach in time.
    let ahead = [("goesgen-seen-position", "1000".to_owned())];
    let (status, body) = checker
        .call("/Users/GetUserByID", &json!(alice_id), &ahead)
        .await;
    assert_eq!((status, code(&body)), (503, "not-caught-up"));

    let statuses: Vec<u16> = checker.seen.iter().copied().collect();
    assert_eq!(statuses, [200, 400, 401, 403, 404, 409, 413, 415, 422, 503]);
}

impl Checker {
    /// POSTs `text` as JSON that the input's schema refuses.
    async fn call_raw_json(&mut self, path: &str, text: &str) -> (u16, Value) {
        self.send(path, "application/json", text.as_bytes().to_vec(), &[])
            .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_problems_of_a_failing_log_are_as_documented() {
    let faulty = FaultyLog::over(MemoryLog::shared());
    let log: SharedLog = faulty.clone();
    let (service, _faults) = counter::service(log, ServiceOptions::default().max_attempts(2));
    let router = service.router(|_: &goesgen::http::Parts| Ok(()), HttpOptions::default());
    let server = Server::start(router).await;
    let mut checker = Checker::new(counter::schema::counters::openapi(), &server);
    let (status, _) = checker.call("/Counters/Count", &json!("a"), &[]).await;
    assert_eq!(status, 200);
    faulty.set(INDETERMINATE);
    let (status, body) = checker.call("/Counters/Count", &json!("a"), &[]).await;
    assert_eq!((status, code(&body)), (500, "indeterminate"));
    faulty.set(UNAVAILABLE);
    let (status, body) = checker.call("/Counters/Count", &json!("b"), &[]).await;
    assert_eq!((status, code(&body)), (503, "log-unavailable"));
    assert!(body["retry_after"].is_u64());
}
