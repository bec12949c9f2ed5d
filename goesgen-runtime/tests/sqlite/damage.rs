//! Damage on SQLite: rows changed through raw SQL and bytes overwritten
//! in the file are `Corrupt` records (never a panic, never retryable), and
//! a handle that found damage, or opened a damaged file, takes no more
//! appends.

use std::path::Path;

use goesgen_runtime::{Append, Condition, KindFilter, LogError, LogReader, Position, SqliteLog};
use serde_json::json;

use super::{conformance, event, expect_corrupt, fresh_path, key, open, raw};

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
