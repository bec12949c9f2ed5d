//! Safe retries: a call whose response was lost, repeated with the same
//! `Idempotency-Key`, appends once; a bounded load run through the
//! generated client (64 concurrent callers, 2,048 calls, loopback only)
//! fails nothing and loses or duplicates no event.

use std::collections::BTreeMap;
use std::time::Duration;

use goesgen::http::{HttpClient, HttpOptions, RequestOptions, RetryPolicy};
use goesgen::{IdempotencyKey, KindFilter, ServiceOptions, SharedLog};
use tokio::io::AsyncWriteExt;

use super::counter::schema::counters::CountersClient;
use super::counter::schema::events::Event;
use super::{Server, counter, fresh_path};

/// Every `(counter, total)` the log holds, in order.
async fn counted(log: &SharedLog) -> Vec<(String, u64)> {
    let batch = log.read(0, &KindFilter::All, 100_000).await.unwrap();
    batch
        .records
        .iter()
        .map(|r| match Event::from_record(&r.kind, &r.payload).unwrap() {
            Event::Counted(counted) => (counted.counter, counted.total),
        })
        .collect()
}

async fn sqlite_server() -> (Server, SharedLog) {
    let log = goesgen::SqliteLog::open(fresh_path("retries"))
        .await
        .unwrap()
        .shared();
    let (service, _) = counter::service(log.clone(), ServiceOptions::default());
    let router = service.router(|_: &goesgen::http::Parts| Ok(()), HttpOptions::default());
    (Server::start(router).await, log)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_whose_response_was_lost_appends_once_when_repeated_with_its_key() {
    let (server, log) = sqlite_server().await;
    let client = CountersClient::new(HttpClient::new(&server.url));

    // A raw client sends the request and hangs up without reading.
    let address = server.url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let body = "\"lost\"";
    let request = format!(
        "POST /Counters/Count HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\n\
         idempotency-key: lost-1\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap();
    drop(stream);

    // The caller repeats it with the same key: written now, or a
    // duplicate of the first (whose effect is there).
    let key = IdempotencyKey::new("lost-1").unwrap();
    match client
        .count_with("lost".into(), RequestOptions::new().key(key))
        .await
    {
        Ok(written) => assert_eq!(written.output, 1),
        Err(error) => assert_eq!(error.code(), Some("duplicate"), "{error}"),
    }
    let lost: Vec<_> = counted(&log)
        .await
        .into_iter()
        .filter(|(c, _)| c == "lost")
        .collect();
    assert_eq!(lost, [("lost".to_string(), 1)]);

    // A client that gives up before the answer, then the same key again.
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(1))
        .build()
        .unwrap();
    let impatient = CountersClient::new(
        HttpClient::with_client(&server.url, impatient).retry(RetryPolicy::none()),
    );
    let key = IdempotencyKey::new("timed-out-1").unwrap();
    let first = impatient
        .count_with("timed-out".into(), RequestOptions::new().key(key.clone()))
        .await;
    let again = client
        .count_with("timed-out".into(), RequestOptions::new().key(key))
        .await;
    match (&first, &again) {
        (Ok(_), Err(error)) => assert_eq!(error.code(), Some("duplicate"), "{error}"),
        (Err(_), Ok(_)) => {}
        (Err(_), Err(error)) => assert_eq!(error.code(), Some("duplicate"), "{error}"),
        (Ok(_), Ok(_)) => panic!("the same key was written twice"),
    }
    let timed_out = counted(&log)
        .await
        .into_iter()
        .filter(|(c, _)| c == "timed-out")
        .count();
    assert_eq!(timed_out, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_run_of_64_concurrent_callers_loses_and_duplicates_nothing() {
    const CALLERS: usize = 64;
    const CALLS: usize = 32;
    const COUNTERS: usize = 8;
    let log = goesgen::MemoryLog::shared();
    let (service, _) = counter::service(log.clone(), ServiceOptions::default());
    let router = service.router(|_: &goesgen::http::Parts| Ok(()), HttpOptions::default());
    let server = Server::start(router).await;
    let client = CountersClient::new(HttpClient::new(&server.url));

    let mut tasks = Vec::new();
    for caller in 0..CALLERS {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut totals = Vec::with_capacity(CALLS);
            for call in 0..CALLS {
                let name = format!("c{}", (caller + call) % COUNTERS);
                let written = client
                    .count(name.clone())
                    .await
                    .map_err(|e| e.to_string())?;
                totals.push((name, written.output));
            }
            Ok::<_, String>(totals)
        }));
    }
    let mut answered: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for task in tasks {
        for (name, total) in task.await.unwrap().unwrap() {
            answered.entry(name).or_default().push(total);
        }
    }
    // Every counter answered 1..=n, each total once; the log holds
    // exactly those events.
    let mut logged: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for (name, total) in counted(&log).await {
        logged.entry(name).or_default().push(total);
    }
    assert_eq!(
        answered.values().map(Vec::len).sum::<usize>(),
        CALLERS * CALLS
    );
    for (name, totals) in &mut answered {
        totals.sort_unstable();
        let expected: Vec<u64> = (1..=totals.len() as u64).collect();
        assert_eq!(*totals, expected, "{name}");
        assert_eq!(logged[name], expected, "{name} in the log");
    }
    assert_eq!(logged.len(), COUNTERS);
}
