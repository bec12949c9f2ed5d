//! Every error of the server as a request, with its status, its problem's
//! code, and what it appended (nothing, except where the error says the
//! events are in the log).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use goesgen::http::{HttpOptions, PROBLEM_JSON, Problem};
use goesgen::{KindFilter, ServiceOptions, SharedLog};

use super::Server;
use super::counter::{self, FaultyLog, INDETERMINATE, NORMAL, UNAVAILABLE};

/// A counter server on a faulty memory log.
struct Env {
    server: Server,
    log: SharedLog,
    faulty: Arc<FaultyLog>,
    faults: Arc<counter::Faults>,
    http: reqwest::Client,
}

impl Env {
    async fn new() -> Self {
        let faulty = FaultyLog::over(goesgen::MemoryLog::shared());
        let log: SharedLog = faulty.clone();
        let (service, faults) =
            counter::service(log.clone(), ServiceOptions::default().max_attempts(2));
        let options = HttpOptions::default()
            .body_limit(64)
            .catch_up_timeout(Duration::from_millis(200));
        let router = service.router(|_: &goesgen::http::Parts| Ok(()), options);
        Self {
            server: Server::start(router).await,
            log,
            faulty,
            faults,
            http: reqwest::Client::new(),
        }
    }

    fn post(&self, path: &str, body: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}{path}", self.server.url))
            .header("content-type", "application/json")
            .body(body.to_owned())
    }

    async fn head(&self) -> u64 {
        self.log.head().await.unwrap()
    }

    /// How many `Counted` events of `counter` the log holds.
    async fn counted(&self, counter: &str) -> usize {
        let batch = self.log.read(0, &KindFilter::All, 10_000).await.unwrap();
        batch
            .records
            .iter()
            .filter(|r| {
                String::from_utf8_lossy(&r.payload).contains(&format!("\"counter\":\"{counter}\""))
            })
            .count()
    }
}

/// Sends `request`, checks the status, the problem's media type and code;
/// returns the problem and the response headers.
async fn expect(
    request: reqwest::RequestBuilder,
    status: u16,
    code: &str,
) -> (Problem, reqwest::header::HeaderMap) {
    let response = request.send().await.unwrap();
    let headers = response.headers().clone();
    let got = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    let problem: Problem = serde_json::from_slice(&body)
        .unwrap_or_else(|e| panic!("not a problem ({e}): {}", String::from_utf8_lossy(&body)));
    assert_eq!((got, problem.code.as_str()), (status, code), "{problem}");
    assert_eq!(problem.status, status);
    assert_eq!(headers["content-type"], PROBLEM_JSON);
    assert_eq!(problem.type_uri, format!("urn:goesgen:problem:{code}"));
    (problem, headers)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_errors_answer_their_status_and_code_and_append_nothing() {
    let env = Env::new().await;
    env.post("/Counters/Count", "\"a\"").send().await.unwrap();
    let head = env.head().await;
    assert_eq!(head, 1);

    let (problem, _) = expect(env.post("/Counters/Count", "\"abc"), 400, "invalid-json").await;
    assert!(problem.detail.contains("EOF"), "{problem}");
    expect(env.post("/Counters/Count", "7"), 400, "invalid-json").await;
    expect(env.post("/Counters/Count", "\"a\" 7"), 400, "invalid-json").await;
    let plain = |content_type: &str| {
        env.http
            .post(format!("{}/Counters/Count", env.server.url))
            .header("content-type", content_type)
            .body("\"a\"")
    };
    expect(plain("text/plain"), 415, "unsupported-media-type").await;
    expect(
        plain("application/x-www-form-urlencoded"),
        415,
        "unsupported-media-type",
    )
    .await;
    let unlabelled = env
        .http
        .post(format!("{}/Counters/Count", env.server.url))
        .body("\"a\"");
    expect(unlabelled, 415, "unsupported-media-type").await;
    // Two content types, one of them not JSON.
    let twice = env
        .post("/Counters/Count", "\"a\"")
        .header("content-type", "text/plain");
    expect(twice, 415, "unsupported-media-type").await;
    let long = format!("\"{}\"", "x".repeat(100));
    expect(env.post("/Counters/Count", &long), 413, "body-too-large").await;
    expect(env.post("/Counters/Nope", "\"a\""), 404, "unknown-method").await;
    expect(env.post("/Nope/Count", "\"a\""), 404, "unknown-method").await;
    let get = env.http.get(format!("{}/Counters/Count", env.server.url));
    let (_, headers) = expect(get, 405, "method-not-allowed").await;
    assert_eq!(headers["allow"], "POST");
    expect(
        env.post("/Counters/Count", "\"a\"")
            .header("idempotency-key", "k".repeat(201)),
        400,
        "invalid-header",
    )
    .await;
    expect(
        env.post("/Counters/Total", "\"a\"")
            .header("goesgen-seen-position", "first"),
        400,
        "invalid-header",
    )
    .await;
    assert_eq!(env.head().await, head, "a refused request appended");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_errors_answer_their_status_and_code() {
    let env = Env::new().await;

    // The method's own error: the default mapping.
    let (problem, _) = expect(
        env.post("/Counters/Count", "\"refused\""),
        422,
        "method-error",
    )
    .await;
    assert!(problem.detail.contains("refuses to count"), "{problem}");
    assert_eq!(env.head().await, 0);

    // A conflict on each of the 2 attempts: only the rival's 2 events.
    expect(
        env.post("/Counters/Count", "\"contended\""),
        409,
        "conflict",
    )
    .await;
    assert_eq!((env.head().await, env.counted("contended").await), (2, 0));

    // The log unavailable: 503 with Retry-After, nothing written.
    env.faulty.set(UNAVAILABLE);
    let (problem, headers) =
        expect(env.post("/Counters/Count", "\"a\""), 503, "log-unavailable").await;
    assert_eq!(headers["retry-after"], "1");
    assert_eq!(problem.members.retry_after, Some(1));
    env.faulty.set(NORMAL);
    assert_eq!(env.counted("a").await, 0);

    // The store unavailable.
    env.faults.begin.store(true, Ordering::SeqCst);
    let (_, headers) = expect(
        env.post("/Counters/Count", "\"a\""),
        503,
        "store-unavailable",
    )
    .await;
    assert_eq!(headers["retry-after"], "1");
    expect(
        env.post("/Counters/Total", "\"a\""),
        503,
        "store-unavailable",
    )
    .await;
    env.faults.begin.store(false, Ordering::SeqCst);
    assert_eq!(env.counted("a").await, 0);

    // An unknown outcome (the append did land): retried with the same key,
    // it is a duplicate naming the first call's positions.
    env.faulty.set(INDETERMINATE);
    let keyed = |key: &str| {
        env.post("/Counters/Count", "\"b\"")
            .header("idempotency-key", key)
    };
    expect(keyed("call-b"), 500, "indeterminate").await;
    env.faulty.set(NORMAL);
    let (problem, _) = expect(keyed("call-b"), 409, "duplicate").await;
    let head = env.head().await;
    let positions = problem.appended_at().unwrap();
    assert_eq!((positions.first, positions.last), (head, head));
    assert_eq!(env.counted("b").await, 1);

    // Appended but not applied: unsynced with the positions; the retry
    // with the same key is a duplicate of them.
    env.faults.commit.store(true, Ordering::SeqCst);
    let keyed = |key: &str| {
        env.post("/Counters/Count", "\"c\"")
            .header("idempotency-key", key)
    };
    let (unsynced, _) = expect(keyed("call-c"), 500, "unsynced").await;
    env.faults.commit.store(false, Ordering::SeqCst);
    let (duplicate, _) = expect(keyed("call-c"), 409, "duplicate").await;
    assert_eq!(unsynced.appended_at(), duplicate.appended_at());
    assert_eq!(env.counted("c").await, 1);

    // A position the log never reaches: 503 after the bounded wait.
    let head = env.head().await;
    let far = env
        .post("/Counters/Total", "\"a\"")
        .header("goesgen-seen-position", (head + 100).to_string());
    let (problem, headers) = expect(far, 503, "not-caught-up").await;
    assert_eq!(headers["retry-after"], "1");
    assert!(
        problem.detail.contains(&(head + 100).to_string()),
        "{problem}"
    );
    assert_eq!(env.head().await, head);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tickets_refuse_callers_and_name_the_failing_field() {
    let log = goesgen::MemoryLog::shared();
    let server = super::tickets_server(log.clone()).await;
    let http = reqwest::Client::new();
    let post = |path: &str, body: &str| {
        http.post(format!("{}{path}", server.url))
            .header("content-type", "application/json")
            .body(body.to_owned())
    };
    let ticket = r#"{"title":"T","description":""}"#;

    // A caller the authenticator refuses: 401, nothing appended.
    let basic = post("/Tickets/CreateTicket", ticket).header("authorization", "Basic dTpw");
    expect(basic, 401, "unauthenticated").await;
    let bad = post("/Tickets/CreateTicket", ticket).header("authorization", "Bearer nobody");
    expect(bad, 401, "unauthenticated").await;
    // Anonymous: the method's own refusal, mapped by the example to 401.
    expect(
        post("/Tickets/CreateTicket", ticket),
        401,
        "unauthenticated",
    )
    .await;
    // A signed-in user the service does not know: 403.
    let stranger = post("/Tickets/CreateTicket", ticket).header(
        "authorization",
        format!("Bearer {}", crate::id::User::new()),
    );
    expect(stranger, 403, "unknown-caller").await;

    // Bad input names the field; a domain check refuses through serde.
    let (problem, _) = expect(
        post("/Users/CreateUser", r#"{"name":7}"#),
        400,
        "invalid-json",
    )
    .await;
    assert_eq!(problem.members.field.as_deref(), Some("name"));
    let (problem, _) = expect(
        post("/Users/CreateUser", r#"{"name":"ab"}"#),
        400,
        "invalid-json",
    )
    .await;
    assert!(problem.detail.contains("at least 4"), "{problem}");
    assert_eq!(log.head().await.unwrap(), 0);

    // The method's errors through the example's mapping.
    let created = post("/Users/CreateUser", r#"{"name":"Alice"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    assert_eq!(created.headers()["goesgen-position"], "1");
    let (taken, _) = expect(
        post("/Users/CreateUser", r#"{"name":"Alice"}"#),
        409,
        "name-taken",
    )
    .await;
    assert!(taken.get("user").is_some(), "{taken}");
    let missing = format!("\"{}\"", crate::id::User::new());
    expect(post("/Users/GetUserByID", &missing), 404, "user-not-found").await;
    assert_eq!(log.head().await.unwrap(), 1);
}
