//! The runtime's SQLite log (`SqliteLog`): the conformance suite, plus what
//! is particular to it, one behaviour per module:
//!
//! - `damage`: damaged rows and files are `Corrupt`, and latch the log.
//! - `files`: reopening, schema versions, the WAL, file modes.
//! - `processes`: two handles and two processes on one file, and a writer
//!   killed mid-stream.
//! - `keys`: idempotency keys and recorded times.
//! - `write_lock`: the write lock against other handles and connections.
//! - `errors`: errors classified by cause, read-only files.
//! - `reads`: filtered reads and the read's byte budget.
//! - `limits`: oversized events and a bounded queue.
//!
//! Failing safe (issue #9: keys, times, the write lock, errors, limits,
//! damaged or read-only files) is drilled here: each such test failed
//! before the backend did these things.

use goesgen_runtime::conformance;

#[path = "sqlite/damage.rs"]
mod damage;
#[path = "sqlite/errors.rs"]
mod errors;
#[path = "sqlite/files.rs"]
mod files;
#[path = "sqlite/keys.rs"]
mod keys;
#[path = "sqlite/limits.rs"]
mod limits;
#[path = "sqlite/processes.rs"]
mod processes;
#[path = "sqlite/reads.rs"]
mod reads;
#[path = "../../tests/support/rerun.rs"]
mod rerun;
#[path = "sqlite/write_lock.rs"]
mod write_lock;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use goesgen_runtime::{
    IdempotencyKey, LogError, NewEvent, Position, SharedLog, SqliteLog, SqliteOptions,
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

/// The SQLite log at `path`, opened with the default options.
async fn open(path: &Path) -> SharedLog {
    SqliteLog::open(path).await.expect("open the log").shared()
}

conformance::conformance_tests!(|| async { open(&fresh_path("conformance")).await });

/// The idempotency key `text`.
fn key(text: &str) -> IdempotencyKey {
    IdempotencyKey::new(text).expect("a valid key")
}

/// An event of `kind` whose payload names its kind.
fn event(kind: &str) -> NewEvent {
    conformance::event(kind, json!({"kind": kind}))
}

/// The SQLite log at `path`, opened with `options`.
async fn open_with(path: &Path, options: SqliteOptions) -> SharedLog {
    SqliteLog::open_with(path, options)
        .await
        .expect("open the log")
        .shared()
}

/// A connection of its own to the file at `path`, for raw SQL.
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

/// The damaged position `result` reports as `Corrupt` (which must not be
/// retryable); `what` names the step in the panic otherwise.
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
