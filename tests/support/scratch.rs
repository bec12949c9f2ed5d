//! Where the tests and benchmarks put their SQLite files: a new path under
//! cargo's scratch directory, with no file (nor `-wal`, `-shm`) left there.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

/// A new SQLite file path for the tests or benchmark `area`, named after
/// `name`.
pub fn sqlite_path(area: &str, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("goesgen-{area}"));
    std::fs::create_dir_all(&dir).expect("scratch directory");
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let path = dir.join(format!("{name}-{}-{n}.db", std::process::id()));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}
