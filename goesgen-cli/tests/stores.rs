//! `goesgen stores`, run as a process on SQLite databases laid out as the
//! SQLite store kit lays them out (`goesgen_projection (name, version,
//! fingerprint)`), and as databases from before fingerprints lay them out
//! (no `fingerprint` column): the list, the comparison with a schema, the
//! exit statuses, and the errors for a file without stores.

mod common;

use std::path::{Path, PathBuf};

use common::{Run, fingerprint_of, goesgen, scratch, tickets};
use serde_json::json;

/// A database at `name` in a scratch directory, made by `sql`.
fn database(name: &str, sql: &str) -> PathBuf {
    let path = scratch(name).join("stores.db");
    let db = rusqlite::Connection::open(&path).expect("a new database");
    db.execute_batch(sql).expect("the tables");
    path
}

/// The table as the SQLite store kit writes it.
const TABLE: &str = "CREATE TABLE goesgen_projection (
    name TEXT PRIMARY KEY, version INTEGER NOT NULL, fingerprint TEXT);";

fn stores(args: &[&str], file: &Path) -> Run {
    let mut all: Vec<std::ffi::OsString> = vec!["stores".into(), file.into()];
    all.extend(args.iter().map(Into::into));
    goesgen(all)
}

#[test]
fn lists_each_store_with_its_version_and_fingerprint() {
    let path = database(
        "list",
        &format!(
            "{TABLE}
             INSERT INTO goesgen_projection VALUES ('users', 7, '00000000000000ff-2');
             INSERT INTO goesgen_projection VALUES ('tickets', 12, NULL);"
        ),
    );
    let run = stores(&[], &path);
    assert_eq!(run.status, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.json_lines(),
        [
            json!({"name": "tickets", "version": 12, "fingerprint": null}),
            json!({"name": "users", "version": 7, "fingerprint": "00000000000000ff-2"}),
        ]
    );
    let run = stores(&["--table"], &path);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        "NAME        VERSION  FINGERPRINT\n\
         tickets          12  none\n\
         users             7  00000000000000ff-2\n"
    );
    // The log's own argument form works too.
    let run = stores(&[], Path::new(&format!("sqlite:{}", path.display())));
    assert_eq!(run.lines_count(), 2, "{}", run.stderr);
}

#[test]
fn with_a_schema_says_which_stores_are_current_and_which_stale() {
    let tickets_fp = fingerprint_of(&tickets(), "Tickets");
    let users_fp = fingerprint_of(&tickets(), "Users");
    let path = database(
        "schema",
        &format!(
            "{TABLE}
             INSERT INTO goesgen_projection VALUES ('tickets', 12, '{tickets_fp}-3');
             INSERT INTO goesgen_projection VALUES ('USERS', 7, '0123456789abcdef-0');
             INSERT INTO goesgen_projection VALUES ('audit', 4, NULL);"
        ),
    );
    let schema = tickets().display().to_string();
    let run = stores(&["--schema", &schema], &path);
    assert_eq!(
        run.status,
        Some(1),
        "a stale store is a problem: {}",
        run.stderr
    );
    assert_eq!(
        run.json_lines(),
        [
            json!({"name": "USERS", "version": 7, "fingerprint": "0123456789abcdef-0",
                   "service": "Users", "status": "stale", "expected": users_fp}),
            json!({"name": "audit", "version": 4, "fingerprint": null,
                   "service": null, "status": "no service", "expected": null}),
            json!({"name": "tickets", "version": 12, "fingerprint": format!("{tickets_fp}-3"),
                   "service": "Tickets", "status": "current", "expected": tickets_fp}),
        ]
    );
    let run = stores(&["--schema", &schema, "--table"], &path);
    assert_eq!(
        run.stdout,
        format!(
            "NAME        VERSION  FINGERPRINT               SCHEMA\n\
             USERS             7  0123456789abcdef-0        stale (Users: {users_fp})\n\
             audit             4  none                      no service\n\
             tickets          12  {tickets_fp}-3        current (Tickets)\n"
        )
    );

    // Only current stores: all is well.
    let path = database(
        "current",
        &format!(
            "{TABLE}
             INSERT INTO goesgen_projection VALUES ('tickets', 12, '{tickets_fp}-0');
             INSERT INTO goesgen_projection VALUES ('users', 0, NULL);"
        ),
    );
    let run = stores(&["--schema", &schema], &path);
    assert_eq!(run.status, Some(0), "{}{}", run.stdout, run.stderr);
    let statuses: Vec<_> = run
        .json_lines()
        .iter()
        .map(|s| s["status"].clone())
        .collect();
    assert_eq!(statuses, [json!("current"), json!("new")]);
}

#[test]
fn reads_a_database_from_before_fingerprints() {
    let path = database(
        "before",
        "CREATE TABLE goesgen_projection (name TEXT PRIMARY KEY, version INTEGER NOT NULL);
         INSERT INTO goesgen_projection VALUES ('tickets', 3);",
    );
    let run = stores(&[], &path);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(
        run.json_lines(),
        [json!({"name": "tickets", "version": 3, "fingerprint": null})]
    );
    let schema = tickets().display().to_string();
    let run = stores(&["--schema", &schema], &path);
    assert_eq!(
        run.status,
        Some(1),
        "projections without a fingerprint are refused by the service"
    );
    assert_eq!(run.json_lines()[0]["status"], "none kept");
}

#[test]
fn a_file_without_stores_is_an_error_that_says_so() {
    let path = database("no-table", "CREATE TABLE other (x INTEGER);");
    let run = stores(&[], &path);
    assert_eq!(run.status, Some(2));
    assert_eq!(
        run.stderr,
        format!(
            "goesgen: `{}` holds no stores: it has no `goesgen_projection` table \
             (the table of goesgen's SQLite store kit)\n",
            path.display()
        )
    );

    let text = scratch("not-a-database").join("notes.txt");
    std::fs::write(
        &text,
        "these are not the stores you are looking for\n".repeat(40),
    )
    .unwrap();
    let run = stores(&[], &text);
    assert_eq!(run.status, Some(2));
    assert!(run.stderr.contains("not a database"), "{}", run.stderr);

    let missing = scratch("missing").join("nothing.db");
    let run = stores(&[], &missing);
    assert_eq!(run.status, Some(2));
    assert!(
        run.stderr.starts_with("goesgen: cannot read the stores of"),
        "{}",
        run.stderr
    );
    assert!(!missing.exists(), "a missing file is not created");
}

#[test]
fn reads_a_database_a_running_service_holds_open() {
    let path = scratch("live").join("stores.db");
    let writer = rusqlite::Connection::open(&path).expect("a new database");
    writer
        .execute_batch(&format!(
            "PRAGMA journal_mode = WAL; {TABLE}
             INSERT INTO goesgen_projection VALUES ('users', 1, NULL);"
        ))
        .expect("the table");
    // Committed to the write-ahead log, not yet checkpointed into the file,
    // while the writer stays open.
    writer
        .execute(
            "UPDATE goesgen_projection SET version = 2 WHERE name = 'users'",
            [],
        )
        .expect("an update");
    let run = stores(&[], &path);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(
        run.json_lines(),
        [json!({"name": "users", "version": 2, "fingerprint": null})]
    );
    drop(writer);
}
