//! What an SQLite file holds across opens: everything acknowledged after
//! reopening, files of other schema versions refused or upgraded, the WAL
//! truncated once idle, and the modes of new files.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use goesgen_runtime::{
    Append, AppendPart, Condition, Fingerprint, IdempotencyKey, LogError, Position, SqliteLog,
    SqliteOptions,
};
use serde_json::json;

use super::{conformance, event, fresh_path, open, open_with};

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
