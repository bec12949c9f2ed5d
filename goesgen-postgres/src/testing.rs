//! The test database goesgen's own tests share (feature `testing`; not for
//! production code): one lookup of `GOESGEN_TEST_POSTGRES` for this crate's
//! tests and benches and the root package's.
//!
//! `GOESGEN_TEST_POSTGRES` holds a libpq connection string. Without it a
//! test skips (saying so on stderr), unless `GOESGEN_REQUIRE_POSTGRES=1`:
//! then a missing database fails the test, as in CI. The TLS tests read
//! `GOESGEN_TEST_POSTGRES_TLS` and `GOESGEN_TEST_POSTGRES_TLS_CA` the same
//! way (the project's `.ci/postgres-tls setup` prints them).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{MAX_TABLE_NAME_LEN, PostgresLog, PostgresOptions};

/// Whether `GOESGEN_REQUIRE_POSTGRES=1` makes a missing database a failure.
fn required() -> bool {
    std::env::var("GOESGEN_REQUIRE_POSTGRES").as_deref() == Ok("1")
}

/// The value of the environment variable `name`, if set and not blank.
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The connection string of `GOESGEN_TEST_POSTGRES`, or `None` where no
/// database is configured and none is required (saying so on stderr).
///
/// # Panics
///
/// When `GOESGEN_REQUIRE_POSTGRES=1` and no database is configured.
pub fn conninfo() -> Option<String> {
    let conninfo = var("GOESGEN_TEST_POSTGRES");
    if conninfo.is_none() {
        assert!(
            !required(),
            "GOESGEN_REQUIRE_POSTGRES=1 but GOESGEN_TEST_POSTGRES (a libpq connection \
             string) is not set"
        );
        eprintln!("skipping: GOESGEN_TEST_POSTGRES (a libpq connection string) is not set");
    }
    conninfo
}

/// The TLS-only login of the test cluster: a connection string without
/// host and sslmode (`GOESGEN_TEST_POSTGRES_TLS`), and the CA file that
/// signed the server's certificate, which names `localhost` only
/// (`GOESGEN_TEST_POSTGRES_TLS_CA`). `None` skips, saying so.
///
/// # Panics
///
/// When `GOESGEN_REQUIRE_POSTGRES=1` and either is missing.
pub fn tls() -> Option<(String, String)> {
    match (
        var("GOESGEN_TEST_POSTGRES_TLS"),
        var("GOESGEN_TEST_POSTGRES_TLS_CA"),
    ) {
        (Some(conninfo), Some(ca)) => Some((conninfo, ca)),
        _ => {
            assert!(
                !required(),
                "GOESGEN_REQUIRE_POSTGRES=1 but GOESGEN_TEST_POSTGRES_TLS and \
                 GOESGEN_TEST_POSTGRES_TLS_CA are not set (see .ci/postgres-tls)"
            );
            eprintln!("skipping: GOESGEN_TEST_POSTGRES_TLS(_CA) not set");
            None
        }
    }
}

/// A table name no other test (or earlier run) uses: `prefix`, the process,
/// the time and a counter.
///
/// # Panics
///
/// When the name would be longer than [`MAX_TABLE_NAME_LEN`].
pub fn unique_table(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .subsec_nanos();
    let name = format!(
        "{prefix}_{}_{nanos}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    assert!(name.len() <= MAX_TABLE_NAME_LEN, "{name} is too long");
    name
}

/// A [`PostgresLog`] on a table of its own (see [`unique_table`]) in the
/// database of `GOESGEN_TEST_POSTGRES`, or `None` where no database is
/// configured and none is required.
///
/// # Panics
///
/// As [`conninfo`], and when the log cannot be opened.
pub async fn fresh_log(prefix: &str) -> Option<PostgresLog> {
    let conninfo = conninfo()?;
    let log = PostgresOptions::new(conninfo)
        .table(unique_table(prefix))
        .connect()
        .await
        .expect("connect to GOESGEN_TEST_POSTGRES");
    Some(log)
}
