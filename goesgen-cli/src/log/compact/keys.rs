//! The idempotency keys of the log being compacted, copied into the new
//! file: the SQLite log keeps them in its table `goesgen_keys` (key, first
//! and last position, time, fingerprint) for as long as the log, and a
//! compacted log keeps its positions, so the rows stay true as they are.
//! Copied with SQL (the source attached read-only), as the log's contract
//! has no way to list keys.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

/// How long to wait for a lock on either file.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Copies every idempotency key of the SQLite log at `source` into the one
/// at `output` (which holds the same records); how many.
pub fn copy_keys(source: &Path, output: &Path) -> Result<usize, rusqlite::Error> {
    let connection = Connection::open_with_flags(
        output,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_URI,
    )?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    let uri = format!("file:{}?mode=ro", uri_path(source));
    connection.execute("ATTACH DATABASE ?1 AS source", [uri])?;
    let copied = connection.execute(
        "INSERT INTO main.goesgen_keys (key, first, last, recorded_at, fingerprint)
         SELECT key, first, last, recorded_at, fingerprint FROM source.goesgen_keys",
        [],
    )?;
    connection.execute("DETACH DATABASE source", [])?;
    Ok(copied)
}

/// `path` as the path of a `file:` URI: `%`, `?` and `#` escaped.
fn uri_path(path: &Path) -> String {
    let mut escaped = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '?' => escaped.push_str("%3f"),
            '#' => escaped.push_str("%23"),
            c => escaped.push(c),
        }
    }
    escaped
}
