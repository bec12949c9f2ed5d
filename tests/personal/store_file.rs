//! The store's own database after a forget: a name the `forget_user` hook
//! dropped from an SQLite store kit's table survives neither in the
//! database file nor in its WAL once the sync that forgot returns: the kit
//! deletes securely (`PRAGMA secure_delete`, so that a deleted row's bytes
//! do not linger in free space) and truncates the WAL after committing a
//! sync in which a forget hook ran (without that, the page without the
//! name is in the WAL and the file keeps the page with it). The log's own
//! files are the runtime's tests.

use std::path::Path;

use goesgen::personal::Subject;

use crate::id::User;
use crate::people::{USERS_TABLE, UserTables, logs, new_user, service};
use crate::scratch::sqlite_path;

const NAME: &[u8] = b"Ada Lovelace";

/// The files of the SQLite database at `path` that hold `needle`.
fn files_holding(path: &Path, needle: &[u8]) -> Vec<String> {
    ["", "-wal"]
        .into_iter()
        .map(|suffix| format!("{}{suffix}", path.display()))
        .filter(|file| {
            std::fs::read(file)
                .is_ok_and(|bytes| bytes.windows(needle.len()).any(|window| window == needle))
        })
        .collect()
}

#[tokio::test]
async fn a_forgotten_name_leaves_the_store_files_after_the_sync() {
    for (backend, log) in logs("store-file").await {
        let path = sqlite_path("personal", "store");
        let store = goesgen::SqliteStore::open(&path, "users", UserTables)
            .and_then(|store| store.with_schema(USERS_TABLE))
            .expect("an SQLite store");
        let users = service(store, &log);
        let checkpoint = || {
            users
                .store()
                .setup(|db| db.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())))
        };
        let ada = new_user("u-1", "Ada Lovelace", None);
        users.create_user(&(), ada).await.unwrap();
        // The name in the database file itself, not only in the WAL.
        checkpoint().await.expect("a checkpoint");
        assert_eq!(files_holding(&path, NAME), [path.display().to_string()]);

        let subject = Subject::new("User", &User("u-1".into())).unwrap();
        log.forget(&subject).await.unwrap();
        users.sync().await.unwrap();
        // No checkpoint by hand: the kit's own, after the sync's commit.
        assert_eq!(
            files_holding(&path, NAME),
            Vec::<String>::new(),
            "on a {backend}"
        );
    }
}
