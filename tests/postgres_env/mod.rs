//! The PostgreSQL database the root package's tests may use, shared by the
//! test crates that declare this module (`tests/services`, `tests/tickets`,
//! `tests/soak`).
//!
//! `GOESGEN_TEST_POSTGRES` holds a libpq connection string. Without it a
//! test skips (saying so), unless `GOESGEN_REQUIRE_POSTGRES=1`: then a
//! missing database fails the test, as in CI.

/// The connection string of `GOESGEN_TEST_POSTGRES`, or `None` where no
/// database is configured and none is required (saying so on stderr).
pub fn conninfo() -> Option<String> {
    match std::env::var("GOESGEN_TEST_POSTGRES") {
        Ok(conninfo) if !conninfo.trim().is_empty() => Some(conninfo),
        _ => {
            assert!(
                std::env::var("GOESGEN_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "GOESGEN_REQUIRE_POSTGRES=1 but GOESGEN_TEST_POSTGRES (a libpq connection \
                 string) is not set"
            );
            eprintln!("skipping: GOESGEN_TEST_POSTGRES (a libpq connection string) is not set");
            None
        }
    }
}

/// A `PostgresLog` on a table of its own (named from `prefix`, the process
/// and the time), or `None` where no database is configured and none is
/// required.
pub async fn fresh_log(prefix: &str) -> Option<goesgen::PostgresLog> {
    let conninfo = conninfo()?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970")
        .subsec_nanos();
    let table = format!("{prefix}_{}_{nanos}", std::process::id());
    let log = goesgen::PostgresOptions::new(conninfo)
        .table(table)
        .connect()
        .await
        .expect("connect to GOESGEN_TEST_POSTGRES");
    Some(log)
}
