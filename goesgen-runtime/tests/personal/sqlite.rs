//! The SQLite log's key store, scanned in the raw files: the plaintext
//! never reaches the file or its WAL, and a forgotten key's bytes survive
//! in neither; a wrong master key and tampered ciphertext are typed
//! errors; the log opened again still forgets.

use std::convert::Infallible;
use std::path::Path;

use goesgen_runtime::personal::{MasterKey, Personal, PersonalError, Subject};
use goesgen_runtime::service::{CallOptions, ServiceError};
use goesgen_runtime::{LogError, SqliteLog, SqliteOptions, SqliteStore, Store as _};

use super::schema::{self, Event, Register};
use super::{fresh_path, open_sqlite, read_events, register};

const SECRET: &str = "Ada-Lovelace-7f3a9c";

/// Whether `needle` occurs in the log file or its WAL: which files hold it.
fn files_holding(path: &Path, needle: &[u8]) -> Vec<String> {
    ["", "-wal"]
        .into_iter()
        .map(|suffix| format!("{}{suffix}", path.display()))
        .filter(|file| {
            std::fs::read(file)
                .map(|bytes| bytes.windows(needle.len()).any(|window| window == needle))
                .unwrap_or(false)
        })
        .collect()
}

/// The stored key of `subject`: its id and wrapped bytes.
fn stored_key(path: &Path, subject: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    let connection = rusqlite::Connection::open(path).expect("raw connection");
    connection
        .query_row(
            "SELECT key_id, wrapped FROM goesgen_personal_keys WHERE subject = ?1",
            [subject],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_forget_neither_the_file_nor_its_wal_holds_the_key_or_the_plaintext() {
    let path = fresh_path("forget");
    let master = MasterKey::generate().unwrap();
    let log = open_sqlite(&path, &master).await;
    register(&log, "u-1", SECRET).await;
    register(&log, "u-2", "Grace Hopper").await;
    let (id, wrapped) = stored_key(&path, r#"User:"u-1""#).expect("u-1 has a key");
    assert_eq!(id.len(), 16);
    // The scan can fail: the wrapped key is in the files before the forget.
    assert!(!files_holding(&path, &wrapped).is_empty());
    assert!(
        files_holding(&path, SECRET.as_bytes()).is_empty(),
        "the plaintext was stored"
    );

    let forgot = log
        .forget(&Subject::new("User", &"u-1").unwrap())
        .await
        .expect("forget");
    assert!(forgot.had_key);
    for needle in [&wrapped[..], &id[..], SECRET.as_bytes()] {
        assert_eq!(files_holding(&path, needle), Vec::<String>::new());
    }
    assert!(stored_key(&path, r#"User:"u-1""#).is_none());
    assert!(
        stored_key(&path, r#"User:"u-2""#).is_some(),
        "others keep theirs"
    );

    // Opened again (a new process): the rebuild succeeds and shows it.
    drop(log);
    let log = open_sqlite(&path, &master).await;
    let engine = schema::engine(log.clone());
    engine
        .sync::<Infallible>()
        .await
        .expect("sync after the forget");
    let users = engine.store().store().begin_read().await.unwrap();
    assert_eq!(users.forgotten, vec!["u-1"]);
    assert_eq!(
        users.names.get("u-2"),
        Some(&Personal::Known("Grace Hopper".into()))
    );
    assert!(!users.names.contains_key("u-1"));
    let events = read_events(&log).await;
    assert!(matches!(&events[0], Event::UserRegistered(e) if e.name.is_forgotten()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_missing_master_key_is_a_clear_error() {
    let path = fresh_path("wrong-key");
    let master = MasterKey::generate().unwrap();
    let log = open_sqlite(&path, &master).await;
    register(&log, "u-1", SECRET).await;
    drop(log);

    let wrong = SqliteOptions {
        master_key: Some(MasterKey::generate().unwrap()),
        ..SqliteOptions::default()
    };
    match SqliteLog::open_with(&path, wrong).await {
        Err(error @ LogError::Personal(PersonalError::WrongMasterKey)) => {
            assert!(error.to_string().contains("master key"), "{error}");
            assert!(!error.is_retryable());
        }
        other => panic!("expected WrongMasterKey, got {other:?}"),
    }

    // Without a key the log opens (for what is not personal), but does not
    // pretend: reading a sealed value says the key is missing.
    let keyless = SqliteLog::open(&path).await.expect("open").shared();
    let engine = schema::engine(keyless.clone());
    match engine.sync::<Infallible>().await {
        Err(ServiceError::Log(LogError::Personal(PersonalError::NoMasterKey))) => {}
        other => panic!("expected NoMasterKey, got {other:?}"),
    }
    let refused = engine
        .run_append(
            &Register {
                id: "u-2".into(),
                name: "Grace".into(),
            },
            &CallOptions::default(),
        )
        .await;
    assert!(
        matches!(
            refused,
            Err(ServiceError::Log(LogError::Personal(
                PersonalError::NoMasterKey
            )))
        ),
        "{refused:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_ciphertext_is_refused() {
    let path = fresh_path("tampered");
    let master = MasterKey::generate().unwrap();
    let log = open_sqlite(&path, &master).await;
    register(&log, "u-1", SECRET).await;
    register(&log, "u-2", "Grace Hopper").await;
    {
        // Change one character of u-1's ciphertext.
        let connection = rusqlite::Connection::open(&path).unwrap();
        let payload: String = connection
            .query_row(
                "SELECT payload FROM goesgen_events WHERE position = 1",
                [],
                |row| row.get(0),
            )
            .unwrap();
        let value: serde_json::Value = serde_json::from_str(&payload).unwrap();
        let data = value["name"]["data"].as_str().unwrap();
        let flipped = if data.starts_with('A') { "B" } else { "A" };
        let changed = payload.replacen(data, &format!("{flipped}{}", &data[1..]), 1);
        assert_ne!(changed, payload);
        connection
            .execute(
                "UPDATE goesgen_events SET payload = ?1 WHERE position = 1",
                [&changed],
            )
            .unwrap();
    }
    let engine = schema::engine(log.clone());
    match engine.sync::<Infallible>().await {
        Err(ServiceError::Log(LogError::Personal(PersonalError::Tampered {
            position,
            kind,
            field,
        }))) => {
            assert_eq!(
                (position, kind.as_str(), field.as_str()),
                (1, "UserRegistered", "name")
            );
        }
        other => panic!("expected Tampered, got {other:?}"),
    }
    // Nothing was applied.
    let users = engine.store().store().begin_read().await.unwrap();
    assert!(users.names.is_empty());
}

/// The SQLite store kit, told that a forget hook ran in a write
/// transaction (`Store::forgot`), leaves the deleted value in neither its
/// database file nor its WAL once that transaction commits: the deleted
/// cell is overwritten (`secure_delete`) and the WAL truncated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_kit_forgets_in_its_file_and_wal_once_committed() {
    let path = fresh_path("store-kit");
    let store = SqliteStore::open(&path, "users", ())
        .and_then(|store| store.with_schema("CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT)"))
        .unwrap();
    store
        .setup(|db| {
            db.execute(
                "INSERT INTO users VALUES ('u-1', ?1), ('u-2', 'Grace Hopper')",
                [SECRET],
            )?;
            db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        })
        .await
        .unwrap();
    // The scan can fail: the name is in the database file.
    assert_eq!(
        files_holding(&path, SECRET.as_bytes()),
        [path.display().to_string()]
    );

    let mut txn = store.begin_write().await.unwrap();
    txn.execute("DELETE FROM users WHERE id = 'u-1'", [])
        .unwrap();
    store.forgot(&mut txn);
    store.commit(txn).await.unwrap();
    assert_eq!(
        files_holding(&path, SECRET.as_bytes()),
        Vec::<String>::new()
    );
}
