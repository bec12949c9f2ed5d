//! The conformance suite on `SqliteLog`, plus what is particular to it:
//! damaged rows, reopening, two handles and two processes on one file, and a
//! writer killed mid-stream.

use goesgen_runtime::conformance;
mod sqlite_failsafe;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use goesgen_runtime::{
    Append, AppendPart, Condition, Fingerprint, IdempotencyKey, KindFilter, LogError, NewEvent,
    Position, SharedLog, SqliteLog, SqliteOptions,
};
use serde_json::json;

/// A path for a new log file under cargo's scratch directory for tests
/// (files of earlier runs with the same name are removed).
fn fresh_path(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("goesgen-sqlite-log");
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = dir.join(format!("{name}-{}-{n}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

async fn open(path: &Path) -> SharedLog {
    SqliteLog::open(path).await.expect("open the log").shared()
}

conformance::conformance_tests!(|| async { open(&fresh_path("conformance")).await });

/// Each kind of damage a row can take through raw SQL, on a fresh file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_rows_are_corrupt_records() {
    let damages = [
        "UPDATE goesgen_events SET payload = 'not json' WHERE position = ?1",
        "UPDATE goesgen_events SET payload = '[1, 2]' WHERE position = ?1",
        "UPDATE goesgen_events SET payload = CAST(x'7b22ff223a317d' AS TEXT) WHERE position = ?1",
        "UPDATE goesgen_events SET payload = x'7b7d' WHERE position = ?1",
        "UPDATE goesgen_events SET kind = '' WHERE position = ?1",
        "UPDATE goesgen_events SET kind = x'41' WHERE position = ?1",
        "UPDATE goesgen_events SET recorded_at = 'yesterday' WHERE position = ?1",
        "UPDATE goesgen_events SET recorded_at = 1.5 WHERE position = ?1",
    ];
    // A NULL kind or payload cannot be stored: the columns are NOT NULL.
    for damage in damages {
        let path = fresh_path("damaged");
        let log = open(&path).await;
        conformance::corrupt_record_is_reported(log, |position| {
            let path = path.clone();
            async move {
                let raw = rusqlite::Connection::open(&path).expect("raw connection");
                let changed = raw
                    .execute(damage, [position as i64])
                    .unwrap_or_else(|e| panic!("{damage}: {e}"));
                assert_eq!(changed, 1, "{damage}");
            }
        })
        .await;
    }
}

/// Shifts the rows at positions `from` to `to` up by one, through a
/// connection of its own (by way of positions far above, since SQLite
/// checks the primary key row by row).
fn shift_up(path: &Path, from: Position, to: Position) {
    let raw = rusqlite::Connection::open(path).expect("raw connection");
    let (from, to) = (from as i64, to as i64);
    raw.execute(
        "UPDATE goesgen_events SET position = position + 1000000 \
         WHERE position BETWEEN ?1 AND ?2",
        [from, to],
    )
    .expect("shift out");
    raw.execute(
        "UPDATE goesgen_events SET position = position - 999999 WHERE position > 1000000",
        [],
    )
    .expect("shift back");
}

/// Issue 19: rows 6 to 10 of a log of 10 shifted up by one behind an open
/// handle; a read finds the gap at 6, and the same handle then refuses
/// every append naming 6 (it appended at 12 before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_log_is_latched() {
    let path = fresh_path("latched");
    let log = open(&path).await;
    conformance::a_damaged_log_takes_no_appends(log, || async { shift_up(&path, 6, 10) }).await;
}

/// A key lookup that finds its key's row damaged latches the handle too
/// (the open check does not read keys): every append is then refused,
/// naming the position the lookup reported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_key_found_by_find_key_latches_the_log() {
    let path = fresh_path("latched-key");
    let log = open(&path).await;
    let key = goesgen_runtime::IdempotencyKey::new("k").expect("key");
    let event = || conformance::event("A", json!({}));
    log.append_with(goesgen_runtime::Append::new(vec![event()]).key(key.clone()))
        .await
        .expect("keyed append");
    conformance::append(&log, vec![event(), event()]).await;
    let raw = rusqlite::Connection::open(&path).expect("raw connection");
    raw.execute("UPDATE goesgen_keys SET last = -1", [])
        .expect("damage the key");
    match log.find_key(&key).await {
        Err(LogError::Corrupt { position: 1, .. }) => {}
        other => panic!("expected Corrupt at 1, got {other:?}"),
    }
    conformance::appends_are_refused(&log, 1, 3).await;
}

/// Damage deep below the newest rows (which the writer checks when it
/// starts) is found when the log is opened: the log opens for reading,
/// and refuses every append naming the first damaged position (0 for a
/// kind's stored newest position, which is not one record).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_damaged_log_latches_it() {
    type Damage = fn(&Path);
    let damages: [(&str, Damage, Position, Position); 4] = [
        (
            "a row deleted",
            |path| {
                let raw = rusqlite::Connection::open(path).expect("raw connection");
                raw.execute("DELETE FROM goesgen_events WHERE position = 6", [])
                    .expect("delete");
            },
            6,
            100,
        ),
        ("rows shifted up", |path| shift_up(path, 6, 100), 6, 101),
        (
            "the newest row copied past the head",
            |path| {
                let raw = rusqlite::Connection::open(path).expect("raw connection");
                raw.execute(
                    "INSERT INTO goesgen_events (position, recorded_at, kind, payload) \
                     SELECT 102, recorded_at, kind, payload FROM goesgen_events \
                     WHERE position = 100",
                    [],
                )
                .expect("copy");
            },
            101,
            102,
        ),
        (
            "a kind's newest position stale",
            |path| {
                let raw = rusqlite::Connection::open(path).expect("raw connection");
                raw.execute("UPDATE goesgen_kinds SET last_position = 50", [])
                    .expect("update");
            },
            0,
            100,
        ),
    ];
    for (what, damage, at, head) in damages {
        let path = fresh_path("open-check");
        {
            let log = open(&path).await;
            let events = (1..=100)
                .map(|n| conformance::event("A", json!({ "n": n })))
                .collect::<Vec<_>>();
            conformance::append(&log, events).await;
        }
        damage(&path);
        let log = open(&path).await;
        let before = log.read(0, &KindFilter::All, 5).await;
        let positions: Vec<Position> = before
            .unwrap_or_else(|e| panic!("{what}: read: {e}"))
            .records
            .iter()
            .map(|record| record.position)
            .collect();
        assert_eq!(positions, [1, 2, 3, 4, 5], "{what}");
        eprintln!("{what}");
        conformance::appends_are_refused(&log, at, head).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopened_file_holds_everything_acknowledged() {
    let path = fresh_path("reopen");
    let mut acknowledged = Vec::new();
    {
        let log = open(&path).await;
        for n in 0..50u64 {
            let events = (0..=n % 4)
                .map(|i| conformance::event(&format!("K{}", n % 3), json!({"n": n, "i": i})))
                .collect();
            acknowledged.push(conformance::append(&log, events).await);
        }
    }
    let log = open(&path).await;
    let last = acknowledged.last().expect("appended").last;
    assert_eq!(log.head().await.expect("head"), last);
    let records = conformance::read_all(&log).await;
    assert_eq!(records.len() as Position, last);
    for (n, appended) in acknowledged.iter().enumerate() {
        for (i, position) in appended.positions().enumerate() {
            let record = &records[(position - 1) as usize];
            assert_eq!(record.position, position);
            assert_eq!(record.recorded_at, appended.recorded_at);
            assert_eq!(conformance::payload(record), json!({"n": n, "i": i}));
        }
    }
    // The per-kind table survived too: a kind condition still sees K2.
    let conflict = conformance::expect_conflict(
        log.append(
            vec![conformance::event("X", json!({}))],
            Condition::NoneOfKindsAfter {
                kinds: vec!["K2".into()].into(),
                after: 0,
            },
        )
        .await,
    );
    assert_eq!(conflict.found.map(|(_, kind)| kind), Some("K2".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_of_another_schema_version_is_refused() {
    let path = fresh_path("version");
    drop(open(&path).await);
    let raw = rusqlite::Connection::open(&path).expect("raw connection");
    raw.execute(
        "UPDATE goesgen_meta SET value = 99 WHERE key = 'schema_version'",
        [],
    )
    .expect("update");
    match SqliteLog::open(&path).await {
        Err(LogError::Config(message)) => assert!(message.contains("99"), "{message}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

/// The tables of schema version 1, as that version created them (before
/// keys were kept per part of an append, with fingerprints).
const VERSION_1_TABLES: &str = "
CREATE TABLE goesgen_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE goesgen_events (
    position INTEGER PRIMARY KEY,
    recorded_at INTEGER NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX goesgen_events_by_kind ON goesgen_events (kind, position);
CREATE TABLE goesgen_kinds (kind TEXT PRIMARY KEY, last_position INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE goesgen_keys (
    key TEXT PRIMARY KEY,
    first INTEGER NOT NULL,
    last INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO goesgen_meta VALUES ('schema_version', 1);
INSERT INTO goesgen_events VALUES
    (1, 1700000000000000, 'A', '{}'), (2, 1700000000000000, 'A', '{}');
INSERT INTO goesgen_kinds VALUES ('A', 2);
INSERT INTO goesgen_keys VALUES ('old', 1, 2, 1700000000000000);
";

/// A file of schema version 1 is refused read-only, and upgraded by a
/// writable open: its keys are still found (without fingerprint) and
/// replayed, and new keys keep their fingerprints and empty ranges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_of_version_1_is_upgraded() {
    let path = fresh_path("version-1");
    let raw = rusqlite::Connection::open(&path).expect("raw connection");
    raw.pragma_update(None, "journal_mode", "wal")
        .expect("WAL mode");
    raw.execute_batch(VERSION_1_TABLES).expect("version 1");
    drop(raw);
    let read_only = SqliteOptions {
        read_only: true,
        ..SqliteOptions::default()
    };
    match SqliteLog::open_with(&path, read_only.clone()).await {
        Err(LogError::Config(message)) => assert!(message.contains("version 1"), "{message}"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
    let log = open(&path).await;
    let key = |text: &str| IdempotencyKey::new(text).expect("key");
    let old = log
        .find_key(&key("old"))
        .await
        .expect("find_key")
        .expect("the old key");
    assert_eq!(
        (old.appended.first, old.appended.last, &old.fingerprint),
        (1, 2, &None)
    );
    let parts = vec![
        AppendPart::new(1).key(key("old")),
        AppendPart::new(0)
            .key(key("new"))
            .fingerprint(Fingerprint::new("f").expect("fingerprint")),
    ];
    let appended = log
        .append_parts(Append::new(vec![conformance::event("A", json!({}))]).parts(parts))
        .await
        .expect("append parts");
    assert_eq!(appended.parts[0], old);
    assert_eq!(log.head().await.expect("head"), 2);
    drop(log);
    let raw = rusqlite::Connection::open(&path).expect("raw connection");
    let version: i64 = raw
        .query_row(
            "SELECT value FROM goesgen_meta WHERE key = 'schema_version'",
            [],
            |row| row.get(0),
        )
        .expect("version");
    assert_eq!(version, 2);
    drop(raw);
    let reopened = SqliteLog::open_with(&path, read_only)
        .await
        .expect("an upgraded file opens read-only")
        .shared();
    let new = reopened
        .find_key(&key("new"))
        .await
        .expect("find_key")
        .expect("the new key");
    assert_eq!((new.appended.first, new.appended.last), (3, 2));
    assert_eq!(new.fingerprint.as_ref().map(Fingerprint::as_str), Some("f"));
}

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

// ------------------------------------------------------ other processes

/// The environment variable that turns `child_process` into a writer.
const CHILD: &str = "GOESGEN_SQLITE_TEST_CHILD";

/// A writer process for the tests below (does nothing unless started by
/// them). `append <path> <id> <batches>` appends that many batches of 1 to 3
/// events from 4 tasks; `flood <path>` appends batches of 10 until killed.
/// Each acknowledged batch is printed as `ACK <id> <batch> <first> <last>`.
#[test]
fn child_process() {
    let Ok(task) = std::env::var(CHILD) else {
        return;
    };
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
    Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--exact",
            "child_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, words.join("\u{1f}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start a child process")
}

/// An acknowledged batch: (child, batch) -> (first, last).
type Acks = BTreeMap<(String, u64), (Position, Position)>;

fn parse_ack(line: &str, acks: &mut Acks) {
    // The test harness prints "test child_process ... " without a line
    // break before the child's first line.
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filtered_reads_of_a_rare_kind_in_a_long_log() {
    // Reading the rare kind of a long log is fast because each read goes
    // through the kind index; the check here is behaviour (what comes
    // back), timing is in the benches.
    let path = fresh_path("filtered");
    let log = open(&path).await;
    for chunk in 0..20u64 {
        let events = (0..500u64)
            .map(|i| {
                let n = chunk * 500 + i;
                let kind = if n % 1000 == 999 { "Rare" } else { "Common" };
                conformance::event(kind, json!({"n": n}))
            })
            .collect();
        conformance::append(&log, events).await;
    }
    let rare = KindFilter::kinds(["Rare", "Missing"]);
    let batch = log.read(0, &rare, 3).await.expect("read");
    let positions: Vec<Position> = batch.records.iter().map(|r| r.position).collect();
    assert_eq!(positions, [1000, 2000, 3000]);
    assert_eq!((batch.head, batch.through), (10_000, 3000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_of_many_kinds_read_like_few() {
    let log = open(&fresh_path("many-kinds")).await;
    let events = (0..300u64)
        .map(|n| conformance::event(&format!("K{}", n % 100), json!({"n": n})))
        .collect();
    conformance::append(&log, events).await;
    // 600 kinds, of which K0..K39 (even ones) are in the log.
    let many = KindFilter::kinds(
        (0..40)
            .step_by(2)
            .map(|k| format!("K{k}"))
            .chain((0..580).map(|k| format!("Absent{k}"))),
    );
    let few = KindFilter::kinds((0..40).step_by(2).map(|k| format!("K{k}")));
    for (after, limit) in [(0, 1000), (0, 7), (57, 11), (250, 1000)] {
        let got = log.read(after, &many, limit).await.expect("many kinds");
        let want = log.read(after, &few, limit).await.expect("few kinds");
        assert_eq!(got, want, "read({after}, _, {limit})");
    }
    let all = log.read(0, &many, 1000).await.expect("read");
    assert_eq!(all.records.len(), 60);
}

/// While another connection holds the write lock, reads go on, and an
/// append waits for the busy timeout and then fails as retryable, having
/// written nothing; once the lock is released appends go through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_write_lock_blocks_appends_not_reads() {
    let path = fresh_path("locked");
    let options = SqliteOptions {
        busy_timeout: Duration::from_millis(300),
        ..Default::default()
    };
    let log = SqliteLog::open_with(&path, options)
        .await
        .expect("open")
        .shared();
    conformance::append(&log, vec![conformance::event("A", json!({}))]).await;

    let raw = rusqlite::Connection::open(&path).expect("raw connection");
    raw.execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    let read = tokio::time::timeout(Duration::from_secs(2), log.read(0, &KindFilter::All, 10))
        .await
        .expect("a read does not wait for the writer")
        .expect("read");
    assert_eq!(read.records.len(), 1);
    let started = Instant::now();
    match log
        .append(vec![conformance::event("B", json!({}))], Condition::None)
        .await
    {
        Err(error @ LogError::Unavailable { .. }) => assert!(error.is_retryable()),
        other => panic!("expected Unavailable while locked, got {other:?}"),
    }
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "waited for the lock"
    );
    raw.execute_batch("ROLLBACK")
        .expect("release the write lock");

    assert_eq!(
        log.head().await.expect("head"),
        1,
        "the failed append wrote nothing"
    );
    let appended = conformance::append(&log, vec![conformance::event("B", json!({}))]).await;
    assert_eq!(appended.first, 2);
}

/// After appends stop, the watcher checkpoints and truncates the WAL file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_log_truncates_its_wal() {
    let path = fresh_path("checkpoint");
    let options = SqliteOptions {
        truncate_after_idle: Duration::from_millis(100),
        ..Default::default()
    };
    let log = SqliteLog::open_with(&path, options)
        .await
        .expect("open")
        .shared();
    for n in 0..20u64 {
        let events = (0..100)
            .map(|i| conformance::event("Filler", json!({"n": n, "i": i, "pad": "x".repeat(200)})))
            .collect();
        conformance::append(&log, events).await;
    }
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    let size = || std::fs::metadata(&wal).map_or(0, |m| m.len());
    assert!(size() > 0, "appends went through the WAL");
    let started = Instant::now();
    while size() > 0 && started.elapsed() < conformance::PATIENCE {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(size(), 0, "the WAL was truncated once idle");
    assert_eq!(conformance::read_all(&log).await.len(), 2000);
}
