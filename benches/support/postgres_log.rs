//! A PostgreSQL log for the benches, in a new table of the database
//! `GOESGEN_TEST_POSTGRES` names (a connection string), so that runs do
//! not share records. Without the `postgres` feature it panics, saying so.

use goesgen::SharedLog;

/// A new log in the table `<prefix>_<name>_<microseconds since the epoch>`.
#[cfg(feature = "postgres")]
pub async fn open_postgres(prefix: &str, name: &str) -> SharedLog {
    let conninfo = std::env::var("GOESGEN_TEST_POSTGRES").expect("GOESGEN_TEST_POSTGRES");
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_micros();
    let table = format!("{prefix}_{}_{stamp}", name.replace('-', "_"));
    std::sync::Arc::new(
        goesgen::PostgresOptions::new(conninfo)
            .table(table)
            .connect()
            .await
            .expect("connect"),
    )
}

/// Without the `postgres` feature: a panic saying so.
#[cfg(not(feature = "postgres"))]
pub async fn open_postgres(_: &str, _: &str) -> SharedLog {
    panic!("PostgreSQL needs --features postgres")
}
