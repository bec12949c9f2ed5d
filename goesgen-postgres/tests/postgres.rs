//! `PostgresLog` against a real PostgreSQL: the shared conformance suite,
//! then what only a database shared by processes can get wrong: positions
//! in commit order across writers and processes, a tailing reader that
//! never misses a late commit, reconnection after lost connections, name
//! validation, corruption, the plan of the condition check on a large
//! log, and personal data (sealing, the master key, forget).
//!
//! The database comes from `GOESGEN_TEST_POSTGRES` (a libpq connection
//! string); without it the tests skip, unless `GOESGEN_REQUIRE_POSTGRES=1`
//! makes that a failure (`goesgen_postgres::testing`). Every test works on
//! tables of its own. One module per behaviour, under `tests/postgres/`.

#[path = "postgres/commits.rs"]
mod commits;
#[path = "postgres/connections.rs"]
mod connections;
#[path = "postgres/corruption.rs"]
mod corruption;
#[path = "postgres/denied.rs"]
mod denied;
#[path = "postgres/keys.rs"]
mod keys;
#[path = "postgres/limits.rs"]
mod limits;
#[path = "postgres/listen.rs"]
mod listen;
#[path = "postgres/locks.rs"]
mod locks;
#[path = "postgres/names.rs"]
mod names;
#[path = "postgres/ordering.rs"]
mod ordering;
#[path = "postgres/personal.rs"]
mod personal;
#[path = "postgres/plans.rs"]
mod plans;
#[path = "postgres/processes.rs"]
mod processes;
#[path = "postgres/suite.rs"]
mod suite;
#[path = "postgres/tls.rs"]
mod tls;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, UNIX_EPOCH};

use goesgen_postgres::testing::{self, unique_table};
use goesgen_postgres::{MAX_TABLE_NAME_LEN, PostgresLog, PostgresOptions, SslMode};
use goesgen_runtime::conformance;
use goesgen_runtime::{
    Append, AppendPart, Appended, Condition, EventLog, Fingerprint, IdempotencyKey, KindFilter,
    LogError, LogLimits, NewEvent, Position, SharedLog,
};
use serde_json::{Value, json};

/// A fresh, empty log on a table of its own.
async fn fresh_log(conninfo: &str, prefix: &str) -> PostgresLog {
    open_log(conninfo, &unique_table(prefix), None).await
}

/// The log on `table`, its connections named `application_name`.
async fn open_log(conninfo: &str, table: &str, application_name: Option<&str>) -> PostgresLog {
    let mut options = PostgresOptions::new(conninfo).table(table);
    if let Some(name) = application_name {
        options = options.application_name(name);
    }
    options.connect().await.expect("open the PostgreSQL log")
}

/// A plain connection for doing things behind the log's back.
async fn raw_client(conninfo: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(conninfo, tokio_postgres::NoTls)
        .await
        .expect("raw connection");
    tokio::spawn(connection);
    client
}

fn event(kind: &str, payload: Value) -> NewEvent {
    conformance::event(kind, payload)
}

fn payload(record: &goesgen_runtime::Record) -> Value {
    conformance::payload(record)
}

fn key(text: &str) -> IdempotencyKey {
    IdempotencyKey::new(text).expect("valid key")
}

/// Creates `table`'s events, kinds and keys tables as an earlier version
/// of the log made them: the keys table with its `fingerprint` column or
/// without (before keys were kept per part), never the key store of
/// personal data.
async fn create_earlier_tables(raw: &tokio_postgres::Client, table: &str, fingerprint: bool) {
    let fingerprint = if fingerprint {
        ", fingerprint text"
    } else {
        ""
    };
    raw.batch_execute(&format!(
        "CREATE TABLE public.\"{table}\" (
             position bigint PRIMARY KEY CHECK (position > 0),
             recorded_at timestamptz NOT NULL,
             kind text NOT NULL,
             payload bytea NOT NULL
         );
         CREATE INDEX \"{table}_kind_pos\" ON public.\"{table}\" (kind, position);
         CREATE TABLE public.\"{table}_kinds\" (
             kind text PRIMARY KEY,
             last_position bigint NOT NULL
         );
         CREATE TABLE public.\"{table}_keys\" (
             key text PRIMARY KEY,
             first_position bigint NOT NULL,
             last_position bigint NOT NULL,
             recorded_at timestamptz NOT NULL{fingerprint}
         );"
    ))
    .await
    .expect("the tables of an earlier version");
}

/// Asserts that no error of a chain repeats the text of its cause.
fn assert_each_cause_once(error: &(dyn std::error::Error + 'static)) {
    let mut current = Some(error);
    let mut depth = 0;
    while let Some(error) = current {
        if let Some(cause) = error.source() {
            let cause_text = cause.to_string();
            assert!(
                cause_text.is_empty() || !error.to_string().contains(&cause_text),
                "{error} repeats its cause {cause_text}"
            );
        }
        current = error.source();
        depth += 1;
    }
    assert!(depth >= 2, "the error keeps its cause: {error}");
}

/// Waits until a connection named `application_name` waits on a lock.
async fn wait_until_blocked(admin: &tokio_postgres::Client, application_name: &str) {
    let deadline = Instant::now() + conformance::PATIENCE;
    loop {
        let waiting: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE application_name = $1 AND wait_event_type = 'Lock'",
                &[&application_name],
            )
            .await
            .expect("activity")
            .get(0);
        if waiting >= 1 {
            return;
        }
        assert!(Instant::now() < deadline, "{application_name} never waited");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The error chain of `error` as text, each level and the Debug form.
fn error_texts(error: &LogError) -> Vec<String> {
    let mut texts = vec![format!("{error:?}")];
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(level) = current {
        texts.push(level.to_string());
        texts.push(format!("{level:?}"));
        current = level.source();
    }
    texts
}
