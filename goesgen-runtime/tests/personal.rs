//! Personal data (issue 25) in the runtime, with a Users schema written
//! out by hand (`schema`), one behaviour per module:
//!
//! - `memory`: the engine seals on append and opens on sync and in
//!   `LogReader`; forgetting shows as forgotten and reaches the store's
//!   hook; a log that keeps no keys is refused.
//! - `sqlite`: the SQLite log's key store: neither the file nor its WAL
//!   keeps the plaintext, nor a forgotten key's bytes; a wrong master key
//!   and tampered ciphertext are typed errors.
//! - `processes`: two processes making the first key of the same subjects
//!   at once end with one key each.
//! - `cancellation`: the new futures dropped at each await point.
#![cfg(feature = "sqlite")]

#[path = "support/cancel.rs"]
mod cancel;
#[path = "personal/cancellation.rs"]
mod cancellation;
#[path = "personal/memory.rs"]
mod memory;
#[path = "personal/processes.rs"]
mod processes;
#[path = "../../tests/support/rerun.rs"]
mod rerun;
#[path = "personal/schema.rs"]
mod schema;
#[path = "../../tests/support/scratch.rs"]
mod scratch;
#[path = "personal/sqlite.rs"]
mod sqlite;

use std::path::{Path, PathBuf};

use goesgen_runtime::codec;
use goesgen_runtime::personal::MasterKey;
use goesgen_runtime::{KindFilter, LogReader, SharedLog, SqliteLog, SqliteOptions};

use schema::Event;

/// A path for a new log file under cargo's scratch directory for tests.
fn fresh_path(name: &str) -> PathBuf {
    scratch::sqlite_path("personal", name)
}

/// Registers the user `id` named `name` through the Users service (an
/// append method) on `log`.
async fn register(log: &SharedLog, id: &str, name: &str) {
    schema::engine(log.clone())
        .run_append(
            &schema::Register {
                id: id.into(),
                name: name.into(),
            },
            &goesgen_runtime::service::CallOptions::default(),
        )
        .await
        .expect("register");
}

/// The SQLite log at `path` with `master` as its master key.
async fn open_sqlite(path: &Path, master: &MasterKey) -> SharedLog {
    let options = SqliteOptions {
        master_key: Some(master.clone()),
        ..SqliteOptions::default()
    };
    SqliteLog::open_with(path, options)
        .await
        .expect("open the log")
        .shared()
}

/// Every schema event of the log, read through a `LogReader` (which opens
/// sealed values) and decoded.
async fn read_events(log: &SharedLog) -> Vec<Event> {
    let mut reader = LogReader::new(
        &**log,
        KindFilter::kinds(["UserRegistered", "UserRenamed"]),
        0,
    );
    let mut events = Vec::new();
    while let Some(batch) = reader.next_batch().await.expect("read") {
        for record in batch {
            events.push(
                <Event as codec::EventSet>::decode_payload(&record.kind, &record.payload)
                    .expect("decode"),
            );
        }
    }
    events
}
