//! Two handles and two processes on one SQLite file: appends interleave
//! without gaps, subscriptions see the other's commits, and a writer killed
//! mid-stream leaves no torn batch. The writer processes are this test
//! binary re-executed for the ignored test `processes::child_process`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use goesgen_runtime::{NewEvent, Position, SqliteLog, SqliteOptions};
use serde_json::json;

use super::{conformance, fresh_path, open};

/// Two handles on one file behave like two processes: appends through both
/// interleave without gaps, and each handle's subscription sees the other's
/// commits (through the watcher).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_handles_on_one_file_share_the_log() {
    let path = fresh_path("two-handles");
    let one = open(&path).await;
    let other = open(&path).await;
    let mut follower = other.subscribe();
    conformance::append(&one, vec![conformance::event("A", json!({}))]).await;
    let seen = tokio::time::timeout(conformance::PATIENCE, follower.wait_for(1))
        .await
        .expect("the other handle saw the append")
        .expect("subscription");
    assert_eq!(seen, 1);

    let writers: Vec<_> = [Arc::clone(&one), Arc::clone(&other)]
        .into_iter()
        .cycle()
        .take(8)
        .enumerate()
        .map(|(writer, log)| {
            tokio::spawn(async move {
                let mut acked = Vec::new();
                for n in 0..20 {
                    let events = vec![
                        conformance::event("B", json!({"w": writer, "n": n, "i": 0})),
                        conformance::event("B", json!({"w": writer, "n": n, "i": 1})),
                    ];
                    acked.push(conformance::append(&log, events).await);
                }
                acked
            })
        })
        .collect();
    let mut positions = BTreeSet::new();
    for writer in writers {
        for appended in writer.await.expect("writer") {
            assert_eq!(appended.len(), 2);
            for position in appended.positions() {
                assert!(positions.insert(position), "{position} given twice");
            }
        }
    }
    assert_eq!(positions.len(), 320);
    assert_eq!(positions.last(), Some(&321));
    for log in [&one, &other] {
        let records = conformance::read_all(log).await;
        assert_eq!(records.len(), 321);
        assert!(
            records
                .iter()
                .enumerate()
                .all(|(i, r)| r.position == i as u64 + 1)
        );
    }
    let seen = tokio::time::timeout(conformance::PATIENCE, follower.wait_for(321))
        .await
        .expect("the subscription caught up")
        .expect("subscription");
    assert_eq!(seen, 321);
}

/// The environment variable that turns `child_process` into a writer.
const CHILD: &str = "GOESGEN_SQLITE_TEST_CHILD";

/// A writer process for the tests below (ignored: only they run it, and
/// it does nothing unless they started it). `append <path> <id> <batches>`
/// appends that many batches of 1 to 3 events from 4 tasks; `flood <path>`
/// appends batches of 10 until killed. Each acknowledged batch is printed
/// as `ACK <id> <batch> <first> <last>`.
#[test]
#[ignore = "a writer process of the tests below, which run it"]
fn child_process() {
    let task = std::env::var(CHILD)
        .unwrap_or_else(|_| panic!("run by its parent tests, which set {CHILD}"));
    let words: Vec<String> = task.split('\u{1f}').map(str::to_owned).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let log = open(Path::new(&words[1])).await;
        match words[0].as_str() {
            "append" => {
                let id = words[2].clone();
                let batches: u64 = words[3].parse().expect("batches");
                let tasks: Vec<_> = (0..4u64)
                    .map(|task| {
                        let log = Arc::clone(&log);
                        let id = id.clone();
                        tokio::spawn(async move {
                            for batch in (task..batches).step_by(4) {
                                let events = (0..1 + batch % 3)
                                    .map(|item| child_event(&id, batch, item))
                                    .collect();
                                let appended = conformance::append(&log, events).await;
                                println!("ACK {id} {batch} {} {}", appended.first, appended.last);
                            }
                        })
                    })
                    .collect();
                for task in tasks {
                    task.await.expect("task");
                }
            }
            "flood" => {
                for batch in 0u64.. {
                    let events = (0..10)
                        .map(|item| child_event("flood", batch, item))
                        .collect();
                    let appended = conformance::append(&log, events).await;
                    println!("ACK flood {batch} {} {}", appended.first, appended.last);
                }
            }
            other => panic!("unknown child task {other}"),
        }
    });
}

fn child_event(id: &str, batch: u64, item: u64) -> NewEvent {
    conformance::event(
        "ChildEvent",
        json!({"child": id, "batch": batch, "item": item}),
    )
}

fn start_child(words: &[&str]) -> Child {
    crate::rerun::ignored_test("processes::child_process")
        .env(CHILD, words.join("\u{1f}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start a child process")
}

/// An acknowledged batch: (child, batch) -> (first, last).
type Acks = BTreeMap<(String, u64), (Position, Position)>;

fn parse_ack(line: &str, acks: &mut Acks) {
    // The test harness prints "test processes::child_process ... " without
    // a line break before the child's first line.
    let Some(start) = line.find("ACK ") else {
        return;
    };
    let words: Vec<&str> = line[start..].split_whitespace().collect();
    if let ["ACK", id, batch, first, last] = words[..] {
        let parse = |w: &str| w.parse::<u64>().expect("a number");
        let clash = acks.insert((id.to_owned(), parse(batch)), (parse(first), parse(last)));
        assert!(clash.is_none(), "acknowledged twice: {line}");
    }
}

/// Checks the file against the acknowledgements: positions 1..N without
/// gaps, every event exactly once, every batch whole, every acknowledged
/// batch at its positions. Returns N.
fn check_file(path: &Path, acks: &Acks, batch_len: impl Fn(u64) -> u64) -> Position {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let records = runtime.block_on(async {
        let log = open(path).await;
        let records = conformance::read_all(&log).await;
        assert_eq!(log.head().await.expect("head"), records.len() as Position);
        records
    });
    let mut batches: BTreeMap<(String, u64), Vec<(Position, u64)>> = BTreeMap::new();
    for (i, record) in records.iter().enumerate() {
        assert_eq!(record.position, i as Position + 1, "gap-free positions");
        let payload = conformance::payload(record);
        let key = (
            payload["child"].as_str().expect("child").to_owned(),
            payload["batch"].as_u64().expect("batch"),
        );
        let item = payload["item"].as_u64().expect("item");
        batches
            .entry(key)
            .or_default()
            .push((record.position, item));
    }
    for ((id, batch), events) in &batches {
        let items: Vec<u64> = events.iter().map(|(_, item)| *item).collect();
        let expected: Vec<u64> = (0..batch_len(*batch)).collect();
        assert_eq!(items, expected, "batch {id}/{batch} whole, in order, once");
        let positions: Vec<Position> = events.iter().map(|(p, _)| *p).collect();
        assert!(
            positions.windows(2).all(|w| w[1] == w[0] + 1),
            "{id}/{batch} consecutive"
        );
    }
    for (key, (first, last)) in acks {
        let events = batches
            .get(key)
            .unwrap_or_else(|| panic!("acknowledged {key:?} is lost"));
        assert_eq!(
            (events[0].0, events[events.len() - 1].0),
            (*first, *last),
            "{key:?}"
        );
    }
    records.len() as Position
}

#[test]
fn two_processes_append_to_one_file() {
    let path = fresh_path("two-processes");
    let path_text = path.to_str().expect("UTF-8 path");
    const BATCHES: u64 = 60;
    let children: Vec<Child> = ["a", "b"]
        .iter()
        .map(|id| start_child(&["append", path_text, id, &BATCHES.to_string()]))
        .collect();
    let mut acks = Acks::new();
    for mut child in children {
        let stdout = child.stdout.take().expect("stdout");
        for line in BufReader::new(stdout).lines() {
            parse_ack(&line.expect("a line"), &mut acks);
        }
        assert!(child.wait().expect("child").success(), "a child failed");
    }
    assert_eq!(acks.len() as u64, 2 * BATCHES, "every batch acknowledged");
    let total = check_file(&path, &acks, |batch| 1 + batch % 3);
    let expected: u64 = 2 * (0..BATCHES).map(|b| 1 + b % 3).sum::<u64>();
    assert_eq!(total, expected);
}

#[test]
fn killed_writer_leaves_no_torn_batch() {
    let path = fresh_path("killed");
    let mut child = start_child(&["flood", path.to_str().expect("UTF-8 path")]);
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut acks = Acks::new();
    let started = Instant::now();
    while acks.len() < 40 && started.elapsed() < Duration::from_secs(30) {
        match lines.next() {
            Some(line) => parse_ack(&line.expect("a line"), &mut acks),
            None => break,
        }
    }
    assert!(
        acks.len() >= 40,
        "the writer acknowledged only {}",
        acks.len()
    );
    child.kill().expect("SIGKILL the writer");
    // Acknowledgements already on their way count too.
    for line in lines {
        parse_ack(&line.expect("a line"), &mut acks);
    }
    child.wait().expect("reap the writer");
    let total = check_file(&path, &acks, |_| 10);
    assert!(total >= 400 && total % 10 == 0, "{total} events");

    // And the file takes appends again.
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let log = SqliteLog::open_with(&path, SqliteOptions::default())
            .await
            .expect("reopen");
        let appended =
            conformance::append(&log.shared(), vec![conformance::event("After", json!({}))]).await;
        assert_eq!(appended.first, total + 1);
    });
}
