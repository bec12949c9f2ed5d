//! Failing safe on SQLite (issue #9): idempotency keys, recorded times,
//! the write lock, errors classified by cause, limits, and damaged or
//! read-only files. Each test is a drill that failed before the backend
//! did these things. Included by `tests/sqlite.rs`, whose helpers it uses.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use goesgen_runtime::{
    Append, Appended, Condition, IdempotencyKey, KindFilter, LogError, LogLimits, LogReader,
    NewEvent, Position, SharedLog, SqliteLog, SqliteOptions,
};
use serde_json::json;

use super::{conformance, fresh_path, open};

fn key(text: &str) -> IdempotencyKey {
    IdempotencyKey::new(text).expect("a valid key")
}

fn event(kind: &str) -> NewEvent {
    conformance::event(kind, json!({"kind": kind}))
}

async fn open_with(path: &Path, options: SqliteOptions) -> SharedLog {
    SqliteLog::open_with(path, options)
        .await
        .expect("open the log")
        .shared()
}

fn raw(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).expect("raw connection")
}

/// Every level of an error's chain, joined.
fn chain(error: &LogError) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    parts.join(" <- ")
}

fn expect_corrupt<T: std::fmt::Debug>(result: Result<T, LogError>, what: &str) -> Position {
    match result {
        Err(error @ LogError::Corrupt { .. }) => {
            assert!(!error.is_retryable(), "{what}: {error}");
            let LogError::Corrupt { position, .. } = error else {
                unreachable!()
            };
            position
        }
        other => panic!("{what}: expected Corrupt, got {other:?}"),
    }
}

// ------------------------------------------------------------------ keys

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyed_append_twice_writes_once() {
    let log = open(&fresh_path("key-twice")).await;
    conformance::append(&log, vec![event("Before")]).await;
    let append = || Append::new(vec![event("A"), event("B")]).key(key("order-17"));
    let first = log
        .append_with(append().condition(Condition::HeadIs(1)))
        .await
        .expect("first");
    assert_eq!((first.first, first.last, first.replayed), (2, 3, false));
    // The same key again, on a condition that would now fail: a replay.
    let again = log
        .append_with(append().condition(Condition::HeadIs(1)))
        .await
        .expect("replay");
    assert_eq!(
        again,
        Appended {
            replayed: true,
            ..first
        }
    );
    assert_eq!(log.head().await.expect("head"), 3, "one copy");
    assert_eq!(conformance::read_all(&log).await.len(), 3);
    assert_eq!(
        log.find_key(&key("order-17"))
            .await
            .expect("find")
            .map(|record| record.appended),
        Some(again)
    );
    assert_eq!(log.find_key(&key("order-18")).await.expect("find"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_survive_reopening() {
    let path = fresh_path("key-reopen");
    let first = {
        let log = open(&path).await;
        log.append_with(Append::new(vec![event("A")]).key(key("k")))
            .await
            .expect("append")
    };
    let log = open(&path).await;
    let found = log
        .find_key(&key("k"))
        .await
        .expect("find")
        .map(|record| record.appended);
    assert_eq!(
        found,
        Some(Appended {
            replayed: true,
            ..first
        })
    );
    let again = log
        .append_with(Append::new(vec![event("A")]).key(key("k")))
        .await
        .expect("replay");
    assert!(again.replayed);
    assert_eq!((again.first, again.recorded_at), (1, first.recorded_at));
    assert_eq!(log.head().await.expect("head"), 1);
}

/// Two handles on one file (two writer threads, like two processes) and
/// many tasks on each race one key: one copy, everyone gets its positions.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_one_key_from_two_handles_writes_once() {
    let path = fresh_path("key-race");
    let handles = [open(&path).await, open(&path).await];
    const TASKS: usize = 16;
    let start = Arc::new(tokio::sync::Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|n| {
            let log = Arc::clone(&handles[n % 2]);
            let start = Arc::clone(&start);
            tokio::spawn(async move {
                start.wait().await;
                // Unkeyed appends in the same moment share the groups.
                conformance::append(&log, vec![event("Noise")]).await;
                log.append_with(Append::new(vec![event("Paid"), event("Paid")]).key(key("pay-1")))
                    .await
                    .expect("keyed append")
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.expect("task"));
    }
    let written: Vec<&Appended> = results.iter().filter(|a| !a.replayed).collect();
    assert_eq!(written.len(), 1, "exactly one append wrote: {results:?}");
    for result in &results {
        assert_eq!(
            (result.first, result.last),
            (written[0].first, written[0].last)
        );
        assert_eq!(result.recorded_at, written[0].recorded_at);
    }
    let records = conformance::read_all(&handles[0]).await;
    assert_eq!(records.iter().filter(|r| r.kind == "Paid").count(), 2);
    assert_eq!(records.len(), TASKS + 2);
}

/// Members of one group with the same key: the first writes, the others
/// replay it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_key_twice_in_a_group_is_a_replay() {
    let log = open(&fresh_path("key-group")).await;
    let start = Arc::new(tokio::sync::Barrier::new(24));
    let tasks: Vec<_> = (0..24)
        .map(|n| {
            let log = Arc::clone(&log);
            let start = Arc::clone(&start);
            tokio::spawn(async move {
                start.wait().await;
                let key = key(&format!("k{}", n % 3));
                log.append_with(Append::new(vec![event("A")]).key(key.clone()))
                    .await
                    .map(|appended| (key, appended))
                    .expect("keyed append")
            })
        })
        .collect();
    let mut by_key: std::collections::HashMap<IdempotencyKey, Vec<Appended>> = Default::default();
    for task in tasks {
        let (key, appended) = task.await.expect("task");
        by_key.entry(key).or_default().push(appended);
    }
    for (key, results) in &by_key {
        assert_eq!(results.iter().filter(|a| !a.replayed).count(), 1, "{key}");
        assert!(results.iter().all(|a| a.first == results[0].first));
    }
    assert_eq!(log.head().await.expect("head"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_recorded_is_the_time_asked() {
    let log = open(&fresh_path("recorded-at")).await;
    let asked = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789);
    let cut = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_000);
    let appended = log
        .append_with(
            Append::new(vec![event("A"), event("B")])
                .recorded_at(asked)
                .key(key("t")),
        )
        .await
        .expect("append");
    assert_eq!(appended.recorded_at, cut);
    // A replay answers with the first append's time, not the one it asks.
    let replay = log
        .append_with(
            Append::new(vec![event("A")])
                .recorded_at(SystemTime::now())
                .key(key("t")),
        )
        .await
        .expect("replay");
    assert_eq!(replay.recorded_at, cut);
    let records = conformance::read_all(&log).await;
    assert!(records.iter().all(|r| r.recorded_at == cut), "{records:?}");
    // Without a time asked: the commit's.
    let before = SystemTime::now() - Duration::from_secs(1);
    let now = conformance::append(&log, vec![event("C")]).await;
    assert!(now.recorded_at > before);
}

// ------------------------------------------------------------ write lock

/// While one handle holds the write lock, an append through another
/// handle on the same file cannot land: it lands after the lock's append.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_write_lock_holds_off_another_handle_until_it_appends() {
    let path = fresh_path("lock-append");
    let holder = open(&path).await;
    let other = open(&path).await;
    conformance::append(&holder, vec![event("A")]).await;
    let lock = holder.lock_writes().await.expect("lock");
    let waiting = {
        let other = Arc::clone(&other);
        tokio::spawn(async move { conformance::append(&other, vec![event("Other")]).await })
    };
    // Give the other append every chance to land if the lock let it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "the other append waits for the lock"
    );
    // Reads go on under the lock.
    let read = other.read(0, &KindFilter::All, 10).await.expect("read");
    assert_eq!(read.head, 1);
    let locked = lock
        .append(Append::new(vec![event("Locked")]).condition(Condition::HeadIs(1)))
        .await
        .expect("append under the lock");
    assert_eq!(locked.positions(), 2..=2);
    let landed = waiting.await.expect("other append");
    assert_eq!(landed.first, 3, "the other append came after the lock's");
    assert!(
        holder.subscribe().head() >= 2,
        "the lock published its head"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dropping_the_write_lock_releases_it() {
    let path = fresh_path("lock-drop");
    let holder = open(&path).await;
    let other = open(&path).await;
    let lock = holder.lock_writes().await.expect("lock");
    let waiting = {
        let other = Arc::clone(&other);
        tokio::spawn(async move { conformance::append(&other, vec![event("Other")]).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "the other append waits for the lock"
    );
    drop(lock);
    let landed = waiting.await.expect("other append");
    assert_eq!(
        landed.first, 1,
        "nothing was written under the dropped lock"
    );
    // A lock whose condition fails writes nothing and releases too.
    let lock = holder.lock_writes().await.expect("lock again");
    conformance::expect_conflict(
        lock.append(Append::new(vec![event("Late")]).condition(Condition::HeadIs(0)))
            .await,
    );
    let after = conformance::append(&other, vec![event("After")]).await;
    assert_eq!(after.first, 2);
}

/// The lock's append goes through the same checks: keys and limits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_write_lock_replays_keys_and_applies_limits() {
    let path = fresh_path("lock-checks");
    let options = SqliteOptions {
        limits: LogLimits::default().max_kind_bytes(8),
        ..Default::default()
    };
    let log = open_with(&path, options).await;
    let first = log
        .append_with(Append::new(vec![event("A")]).key(key("k")))
        .await
        .expect("append");
    let lock = log.lock_writes().await.expect("lock");
    let replay = lock
        .append(Append::new(vec![event("A")]).key(key("k")))
        .await
        .expect("replay under the lock");
    assert_eq!(
        replay,
        Appended {
            replayed: true,
            ..first
        }
    );
    let lock = log.lock_writes().await.expect("lock");
    match lock
        .append(Append::new(vec![event("A"), event("MuchTooLong")]))
        .await
    {
        Err(LogError::InvalidEvent { index: 1, .. }) => {}
        other => panic!("expected InvalidEvent at 1, got {other:?}"),
    }
    assert_eq!(log.head().await.expect("head"), 1);
    conformance::append(&log, vec![event("B")]).await;
}

// ----------------------------------------------------------------- errors

/// A failed group gives every member the same error, with SQLite's error
/// as its source.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_member_of_a_failed_group_keeps_the_cause() {
    let path = fresh_path("group-cause");
    let options = SqliteOptions {
        busy_timeout: Duration::from_millis(200),
        ..Default::default()
    };
    let log = open_with(&path, options).await;
    let blocker = raw(&path);
    blocker
        .execute_batch("BEGIN IMMEDIATE")
        .expect("take the write lock");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let log = Arc::clone(&log);
            tokio::spawn(async move { log.append(vec![event("A")], Condition::None).await })
        })
        .collect();
    for task in tasks {
        let error = task.await.expect("task").expect_err("locked out");
        assert!(matches!(error, LogError::Unavailable { .. }), "{error:?}");
        let cause = std::error::Error::source(&error).expect("a cause");
        assert!(
            cause.to_string().contains("locked") || cause.to_string().contains("busy"),
            "{}",
            chain(&error)
        );
        assert!(!error.to_string().contains(&cause.to_string()));
    }
    blocker.execute_batch("ROLLBACK").expect("release");
}

/// A log opened read-only (`SqliteOptions::read_only`, i.e.
/// `SQLITE_OPEN_READONLY`: tests run as root, where `chmod 0444` does not
/// stop writes) reads, and refuses appends and locks with `Denied`, naming
/// SQLITE_READONLY once in the whole chain, with SQLite's error as the
/// cause.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_file_is_denied_naming_sqlite_readonly_once() {
    let path = fresh_path("read-only");
    {
        let log = open(&path).await;
        conformance::append(&log, vec![event("A")]).await;
    }
    let options = SqliteOptions {
        read_only: true,
        ..Default::default()
    };
    let log = open_with(&path, options).await;
    assert_eq!(conformance::read_all(&log).await.len(), 1);
    let error = log
        .append(vec![event("B")], Condition::None)
        .await
        .expect_err("read-only");
    let lock_error = match log.lock_writes().await {
        Err(error) => error,
        Ok(_) => panic!("a read-only log gave a write lock"),
    };
    for error in [error, lock_error] {
        assert!(matches!(error, LogError::Denied { .. }), "{error:?}");
        assert!(!error.is_retryable());
        let text = chain(&error);
        assert_eq!(text.matches("SQLITE_READONLY").count(), 1, "{text}");
        // The message names the code; SQLite's own words are the cause's
        // (rusqlite repeats them one level further down, its own chain).
        let cause = std::error::Error::source(&error).expect("a cause");
        assert!(!error.to_string().contains(&cause.to_string()), "{text}");
        assert!(cause.to_string().contains("readonly"), "{text}");
    }
    assert_eq!(log.head().await.expect("head"), 1);
}

// ----------------------------------------------------------------- limits

/// Oversized kinds and payloads are refused alone, naming their index,
/// while the other appends sent at the same moment land.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oversized_events_are_refused_alone() {
    let options = SqliteOptions {
        limits: LogLimits::default()
            .max_kind_bytes(10)
            .max_payload_bytes(100),
        ..Default::default()
    };
    let log = open_with(&fresh_path("limits"), options).await;
    let big = conformance::event("Big", json!({"pad": "x".repeat(200)}));
    let start = Arc::new(tokio::sync::Barrier::new(30));
    let tasks: Vec<_> = (0..30)
        .map(|n| {
            let log = Arc::clone(&log);
            let start = Arc::clone(&start);
            let big = big.clone();
            tokio::spawn(async move {
                let events = match n % 3 {
                    0 => vec![event("Fine"), event("Fine")],
                    1 => vec![event("Fine"), event("KindFarTooLong")],
                    _ => vec![event("Fine"), event("Fine"), big],
                };
                start.wait().await;
                (n % 3, log.append(events, Condition::None).await)
            })
        })
        .collect();
    for task in tasks {
        match task.await.expect("task") {
            (0, result) => {
                result.expect("a fine append beside oversized ones");
            }
            (1, Err(LogError::InvalidEvent { index: 1, reason })) => {
                assert!(reason.contains("kind"), "{reason}")
            }
            (2, Err(LogError::InvalidEvent { index: 2, reason })) => {
                assert!(reason.contains("payload"), "{reason}")
            }
            (case, other) => panic!("case {case}: {other:?}"),
        }
    }
    let records = conformance::read_all(&log).await;
    assert_eq!(records.len(), 20);
    assert!(records.iter().all(|r| r.kind == "Fine"));
}

/// A read stops at its byte budget, and `through` lets the reader go on
/// without missing a record, filtered or not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_stops_at_its_byte_budget() {
    let options = SqliteOptions {
        limits: LogLimits::default().max_read_bytes(2500),
        ..Default::default()
    };
    let log = open_with(&fresh_path("budget"), options).await;
    for n in 0..5 {
        let kind = if n == 4 { "Other" } else { "Big" };
        let events = vec![conformance::event(
            kind,
            json!({"n": n, "pad": "x".repeat(1000)}),
        )];
        conformance::append(&log, events).await;
    }
    for filter in [KindFilter::All, KindFilter::kinds(["Big", "Other"])] {
        let mut after = 0;
        let mut seen = Vec::new();
        let mut reads = 0;
        loop {
            let batch = log.read(after, &filter, 100).await.expect("read");
            assert!(batch.records.len() < 5, "the budget cut the read");
            seen.extend(batch.records.iter().map(|r| r.position));
            reads += 1;
            if batch.through == batch.head {
                break;
            }
            assert!(batch.through > after, "progress");
            after = batch.through;
        }
        assert_eq!(seen, [1, 2, 3, 4, 5], "{filter:?}");
        assert!(reads >= 2);
    }
}

/// A bounded queue of one still takes a flood of appends.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_queue_of_one_takes_a_flood() {
    let options = SqliteOptions {
        queue_capacity: 1,
        ..Default::default()
    };
    let log = open_with(&fresh_path("queue"), options).await;
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let log = Arc::clone(&log);
            tokio::spawn(async move { conformance::append(&log, vec![event("A")]).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task");
    }
    assert_eq!(log.head().await.expect("head"), 64);
}

// ------------------------------------------------------------ bad files

/// A row at a position that leaves a gap, or at the highest position
/// SQLite stores, is `Corrupt` at the first missing position, on read and
/// on the next append, both on the open log and once reopened; the log
/// then refuses appends (rather than overflowing) and followers stop.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gap_and_top_rows_are_corrupt_on_read_and_append() {
    for bad in [7, i64::MAX] {
        let path = fresh_path("gap");
        let log = open(&path).await;
        for n in 1..=5 {
            conformance::append(&log, vec![conformance::event("A", json!({"n": n}))]).await;
        }
        raw(&path)
            .execute(
                "INSERT INTO goesgen_events (position, recorded_at, kind, payload) \
                 VALUES (?1, 0, 'A', '{}')",
                [bad],
            )
            .expect("insert a bad row");
        let what = format!("row at {bad}");
        let at = expect_corrupt(log.read(0, &KindFilter::All, 100).await, &what);
        assert_eq!(at, 6, "{what}");
        let at = expect_corrupt(log.read(5, &KindFilter::All, 100).await, &what);
        assert_eq!(at, 6, "{what}");
        let mut reader = LogReader::new(&*log, KindFilter::All, 0);
        for _ in 0..2 {
            // A follower gets the same error each time, never a retry.
            let mut result = reader.next_batch().await;
            while let Ok(Some(_)) = result {
                result = reader.next_batch().await;
            }
            expect_corrupt(result, &what);
        }
        let at = expect_corrupt(log.append(vec![event("A")], Condition::None).await, &what);
        assert_eq!(at, 6, "append with {what}");
        drop(log);
        let log = open(&path).await;
        let at = expect_corrupt(log.append(vec![event("A")], Condition::None).await, &what);
        assert_eq!(at, 6, "append after reopening with {what}");
        let records = raw(&path)
            .query_row("SELECT count(*) FROM goesgen_events", [], |row| {
                row.get::<_, i64>(0)
            })
            .expect("count");
        assert_eq!(records, 6, "nothing appended beside {what}");
    }
}

/// Builds a log of five events (the first keyed "k"), closes it and
/// checkpoints it into the main file, so that damage to the file's bytes
/// is what the next open sees.
async fn closed_log(name: &str) -> std::path::PathBuf {
    let path = fresh_path(name);
    {
        let log = open(&path).await;
        log.append_with(Append::new(vec![event("A")]).key(key("k")))
            .await
            .expect("keyed append");
        for n in 2..=5 {
            conformance::append(
                &log,
                vec![conformance::event(
                    "A",
                    json!({"n": n, "pad": "p".repeat(900)}),
                )],
            )
            .await;
        }
    }
    let raw = raw(&path);
    raw.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    path
}

/// Everything a program does with a log: open it, follow it to the end,
/// look up a key, append on a kind condition and with a key. The first
/// error.
async fn use_log(path: &Path) -> Result<(), LogError> {
    let log = SqliteLog::open(path).await?.shared();
    let mut reader = LogReader::new(&*log, KindFilter::All, 0);
    while reader.next_batch().await?.is_some() {}
    log.find_key(&key("k")).await?;
    let condition = Condition::NoneOfKindsAfter {
        kinds: vec!["A".into()].into(),
        after: Position::MAX,
    };
    log.append_with(Append::new(vec![event("A")]).condition(condition))
        .await?;
    log.append_with(Append::new(vec![event("A")]).key(key("k")))
        .await?;
    Ok(())
}

fn overwrite(path: &Path, offset: u64, bytes: &[u8]) {
    use std::io::{Seek, SeekFrom, Write};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("open the file");
    file.seek(SeekFrom::Start(offset)).expect("seek");
    file.write_all(bytes).expect("write");
}

fn page_of(path: &Path, table: &str) -> u64 {
    let raw = raw(path);
    let size: i64 = raw
        .query_row("PRAGMA page_size", [], |row| row.get(0))
        .expect("page size");
    let root: i64 = raw
        .query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = ?1",
            [table],
            |row| row.get(0),
        )
        .expect("root page");
    ((root - 1) * size) as u64
}

/// Damaged files, each found by a program using the log as `Corrupt`,
/// which is not retryable (so a follower stops rather than spinning).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_files_are_corrupt_and_not_retryable() {
    type Damage = fn(&Path);
    let damages: [(&str, Damage); 9] = [
        ("not a database", |path| {
            std::fs::write(
                path,
                "these are not the bytes you are looking for ".repeat(200),
            )
            .expect("write");
        }),
        ("header overwritten", |path| {
            overwrite(path, 0, &[0x5a; 100])
        }),
        ("events page overwritten", |path| {
            let offset = page_of(path, "goesgen_events");
            overwrite(path, offset, &[0xa5; 512]);
        }),
        ("keys page overwritten", |path| {
            let offset = page_of(path, "goesgen_keys");
            overwrite(path, offset, &[0xa5; 512]);
        }),
        ("a row deleted in the middle", |path| {
            raw(path)
                .execute("DELETE FROM goesgen_events WHERE position = 3", [])
                .expect("delete");
        }),
        ("a row beyond a gap", |path| {
            raw(path)
                .execute("INSERT INTO goesgen_events VALUES (9, 0, 'A', '{}')", [])
                .expect("insert");
        }),
        ("a row at the highest position", |path| {
            raw(path)
                .execute(
                    "INSERT INTO goesgen_events VALUES (9223372036854775807, 0, 'A', '{}')",
                    [],
                )
                .expect("insert");
        }),
        ("the newest position of a kind is text", |path| {
            raw(path)
                .execute("UPDATE goesgen_kinds SET last_position = 'x'", [])
                .expect("update");
        }),
        ("a key's positions damaged", |path| {
            raw(path)
                .execute("UPDATE goesgen_keys SET first = 0", [])
                .expect("update");
        }),
    ];
    for (what, damage) in damages {
        let path = closed_log("damaged-file").await;
        damage(&path);
        let result = use_log(&path).await;
        let error = result.expect_err(what);
        assert!(
            matches!(error, LogError::Corrupt { .. }),
            "{what}: expected Corrupt, got {error:?}"
        );
        assert!(!error.is_retryable(), "{what}");
    }
}

/// New files, and the `-wal` and `-shm` files SQLite makes beside them,
/// are readable by their owner only, or have the mode asked for.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    for (asked, expected) in [(None, 0o600), (Some(0o640), 0o640)] {
        let path = fresh_path("mode");
        let mut options = SqliteOptions::default();
        if let Some(mode) = asked {
            options.file_mode = mode;
        }
        let log = open_with(&path, options).await;
        conformance::append(&log, vec![event("A")]).await;
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{}{suffix}", path.display());
            let mode = std::fs::metadata(&file).expect(&file).permissions().mode() & 0o777;
            assert_eq!(mode, expected, "{suffix} has mode {mode:o}");
        }
    }
}
