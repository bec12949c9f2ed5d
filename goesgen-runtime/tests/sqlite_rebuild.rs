//! Rebuilding an `SqliteStore` (issue 23), the kit's side: the fingerprint
//! kept beside the version (and a database from before fingerprints),
//! rebuild in place (`clear`, which leaves other stores of a shared
//! database alone), and rebuild beside (`beside`, `swap_in`): under
//! concurrent writes and reads (`concurrent`), killed in the middle
//! (`killed`), and dropped at each await (`dropped`). The ledger fixture
//! (`ledger`) drives the store as a service's engine does.

#[path = "support/cancel.rs"]
mod cancel;
#[path = "sqlite_rebuild/concurrent.rs"]
mod concurrent;
#[path = "sqlite_rebuild/dropped.rs"]
mod dropped;
#[path = "sqlite_rebuild/killed.rs"]
mod killed;
#[path = "sqlite_rebuild/ledger.rs"]
mod ledger;
#[path = "../../tests/support/rerun.rs"]
mod rerun;
#[path = "../../tests/support/scratch.rs"]
mod scratch;

use goesgen_runtime::rusqlite::Connection;
use goesgen_runtime::{SqliteStore, Store, StoreErrorKind};

use ledger::{NEW, NEW_LEDGER, OLD, OLD_LEDGER, SCHEMA, balances_in, seen, seen_in};

/// A new database file for the test `name`.
fn fresh(name: &str) -> std::path::PathBuf {
    scratch::sqlite_path("rebuild", name)
}

#[tokio::test]
async fn the_fingerprint_is_kept_beside_the_version() {
    let path = fresh("fingerprint");
    let store = ledger::open(&path, "ledger", NEW_LEDGER);
    assert!(store.keeps_fingerprint());

    let mut txn = store.begin_write().await.unwrap();
    assert_eq!(
        store.fingerprint(&mut txn).await.unwrap(),
        None,
        "a new store"
    );
    store.set_fingerprint(&mut txn, OLD).await.unwrap();
    store.set_version(&mut txn, 3).await.unwrap();
    assert_eq!(store.fingerprint(&mut txn).await.unwrap(), Some(OLD));
    store.commit(txn).await.unwrap();

    let mut txn = store.begin_write().await.unwrap();
    store.set_fingerprint(&mut txn, NEW).await.unwrap();
    store.rollback(txn).await.unwrap();

    drop(store);
    let store = ledger::open(&path, "ledger", NEW_LEDGER);
    let mut txn = store.begin_write().await.unwrap();
    assert_eq!(store.fingerprint(&mut txn).await.unwrap(), Some(OLD));
    assert_eq!(store.version(&mut txn).await.unwrap(), 3);
    drop(txn);

    // Damaged text is an error naming the store, never a silent `None`.
    let other = Connection::open(&path).unwrap();
    other
        .execute(
            "UPDATE goesgen_projection SET fingerprint = 'not one' WHERE name = 'ledger'",
            [],
        )
        .unwrap();
    let mut txn = store.begin_write().await.unwrap();
    let error = store.fingerprint(&mut txn).await.unwrap_err();
    assert_eq!(error.kind(), StoreErrorKind::Corrupt);
    assert!(error.to_string().contains("`ledger`"), "{error}");
}

#[tokio::test]
async fn a_database_from_before_fingerprints_gains_the_column_and_keeps_its_version() {
    let path = fresh("before-fingerprints");
    {
        // What the kit made before issue 23.
        let old = Connection::open(&path).unwrap();
        old.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE goesgen_projection (name TEXT PRIMARY KEY, version INTEGER NOT NULL);
             INSERT INTO goesgen_projection VALUES ('ledger', 7), ('other', 9);",
        )
        .unwrap();
        old.execute_batch(SCHEMA).unwrap();
    }
    let store = ledger::open(&path, "ledger", NEW_LEDGER);
    let mut txn = store.begin_write().await.unwrap();
    assert_eq!(store.version(&mut txn).await.unwrap(), 7);
    assert_eq!(store.fingerprint(&mut txn).await.unwrap(), None);
    store.set_fingerprint(&mut txn, NEW).await.unwrap();
    store.commit(txn).await.unwrap();

    // A second store opening the same file finds the column there.
    let other = ledger::open(&path, "other", NEW_LEDGER);
    let mut txn = other.begin_write().await.unwrap();
    assert_eq!(other.version(&mut txn).await.unwrap(), 9);
    assert_eq!(other.fingerprint(&mut txn).await.unwrap(), None);
    drop(txn);

    let db = Connection::open(&path).unwrap();
    let columns: Vec<String> = db
        .prepare("SELECT name FROM pragma_table_info('goesgen_projection') ORDER BY cid")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(columns, ["name", "version", "fingerprint"]);
    let seen = seen_in(&db, "ledger");
    assert_eq!((seen.version, seen.fingerprint), (7, Some(NEW)));
}

/// Another store's DDL, in the same database as the ledger's.
const DOORS: &str = "CREATE TABLE IF NOT EXISTS doors (id INTEGER PRIMARY KEY, width INTEGER);
    CREATE INDEX IF NOT EXISTS doors_by_width ON doors (width);";

#[tokio::test]
async fn clear_empties_the_projection_and_leaves_another_stores_tables_alone() {
    let path = fresh("clear-shared");
    let doors = SqliteStore::open(&path, "doors", ())
        .and_then(|store| store.with_schema(DOORS))
        .unwrap();
    let mut txn = doors.begin_write().await.unwrap();
    txn.execute_batch("INSERT INTO doors (width) VALUES (80), (90)")
        .unwrap();
    doors.set_version(&mut txn, 2).await.unwrap();
    doors.set_fingerprint(&mut txn, OLD).await.unwrap();
    doors.commit(txn).await.unwrap();

    // The ledger, built by the old code, then opened by code whose DDL
    // gives the table one more column: clearing re-creates it.
    let store = ledger::open(&path, "ledger", OLD_LEDGER);
    let mut txn = store.begin_write().await.unwrap();
    for position in 1..=10 {
        store.tables().apply(&txn, position).unwrap();
    }
    store.set_version(&mut txn, 10).await.unwrap();
    store.set_fingerprint(&mut txn, OLD).await.unwrap();
    store.commit(txn).await.unwrap();
    drop(store);
    let wider = format!(
        "{SCHEMA}; CREATE TABLE IF NOT EXISTS notes (text TEXT);
         INSERT INTO notes VALUES ('made by the DDL');"
    );
    let store = SqliteStore::open(&path, "ledger", NEW_LEDGER)
        .and_then(|store| store.with_schema(&wider))
        .unwrap();

    let txn = store.begin_write().await.unwrap();
    txn.execute("INSERT INTO notes VALUES ('a note')", [])
        .unwrap();
    store.commit(txn).await.unwrap();

    let mut txn = store.begin_write().await.unwrap();
    store.clear(&mut txn).await.unwrap();
    assert_eq!(store.version(&mut txn).await.unwrap(), 0);
    assert_eq!(store.fingerprint(&mut txn).await.unwrap(), None);
    // Until it commits, readers see the old projection.
    assert_eq!(seen(&store).await.total, 2 * ledger::deposited(10));
    ledger::replay_in(&store, &mut txn, 4).await;
    store.set_fingerprint(&mut txn, NEW).await.unwrap();
    store.commit(txn).await.unwrap();

    let read = store.begin_read().await.unwrap();
    let seen = seen_in(&read, "ledger");
    assert_eq!((seen.version, seen.fingerprint), (4, Some(NEW)));
    assert_eq!(seen.total, ledger::deposited(4));
    let notes: Vec<String> = read
        .prepare("SELECT text FROM notes")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(notes, ["made by the DDL"], "the DDL's own rows, once");
    assert_eq!(balances_in(&read).len(), 4);
    assert_eq!(
        ledger::opened_in(&read),
        4,
        "the trigger's count starts again"
    );
    drop(read);

    let read = doors.begin_read().await.unwrap();
    let widths: Vec<i64> = read
        .prepare("SELECT width FROM doors ORDER BY id")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(widths, [80, 90], "the other store's rows");
    let index: i64 = read
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'doors_by_width'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(index, 1, "the other store's index");
    assert_eq!(read.version().unwrap(), 2);
    drop(read);
    let mut txn = doors.begin_write().await.unwrap();
    assert_eq!(doors.fingerprint(&mut txn).await.unwrap(), Some(OLD));
}

#[tokio::test]
async fn clear_re_creates_a_table_whose_shape_changed() {
    let path = fresh("clear-shape");
    {
        let old = Connection::open(&path).unwrap();
        old.execute_batch(
            "CREATE TABLE balances (account INTEGER PRIMARY KEY, balance INTEGER NOT NULL);
             INSERT INTO balances VALUES (1, 100);",
        )
        .unwrap();
    }
    let reshaped = "CREATE TABLE IF NOT EXISTS balances (
            account INTEGER PRIMARY KEY, balance INTEGER NOT NULL, currency TEXT DEFAULT 'EUR'
        );
        CREATE VIEW IF NOT EXISTS total AS SELECT coalesce(sum(balance), 0) AS total FROM balances;";
    let store = SqliteStore::open(&path, "ledger", NEW_LEDGER)
        .and_then(|store| store.with_schema(reshaped))
        .unwrap();
    let mut txn = store.begin_write().await.unwrap();
    store.clear(&mut txn).await.unwrap();
    store.tables().apply(&txn, 1).unwrap();
    let currency: String = txn
        .query_row("SELECT currency FROM balances", [], |row| row.get(0))
        .unwrap();
    assert_eq!(currency, "EUR");
    store.commit(txn).await.unwrap();
}

#[tokio::test]
async fn a_store_given_no_schema_cannot_be_rebuilt_and_says_why() {
    let store = SqliteStore::in_memory("bare", ()).unwrap();
    store
        .setup(|db| db.execute_batch("CREATE TABLE rows (x INTEGER)"))
        .await
        .unwrap();
    let mut txn = store.begin_write().await.unwrap();
    let error = store.clear(&mut txn).await.unwrap_err();
    assert!(error.to_string().contains("with_schema"), "{error}");
    drop(txn);
    let error = store.beside(NEW).await.unwrap_err();
    assert!(error.to_string().contains("with_schema"), "{error}");
}

#[tokio::test]
async fn a_schema_that_needs_tables_it_does_not_create_cannot_be_rebuilt() {
    let store = SqliteStore::in_memory("partial", ())
        .unwrap()
        .with_schema("CREATE TABLE IF NOT EXISTS base (x INTEGER)")
        .unwrap()
        .with_schema("CREATE INDEX IF NOT EXISTS base_x ON base (x)")
        .unwrap();
    // Both parts are kept: together they run on an empty database.
    let mut txn = store.begin_write().await.unwrap();
    store.clear(&mut txn).await.unwrap();
    store.rollback(txn).await.unwrap();

    let store = SqliteStore::in_memory("partial", ()).unwrap();
    store
        .setup(|db| db.execute_batch("CREATE TABLE base (x INTEGER)"))
        .await
        .unwrap();
    let store = store
        .with_schema("CREATE INDEX IF NOT EXISTS base_x ON base (x)")
        .unwrap();
    let mut txn = store.begin_write().await.unwrap();
    let error = store.clear(&mut txn).await.unwrap_err();
    assert!(
        error.to_string().contains("every table it refers to"),
        "{error}"
    );
}
