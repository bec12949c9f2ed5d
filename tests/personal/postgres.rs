//! The `Users` service over the PostgreSQL log (feature `postgres`, and a
//! database named by `GOESGEN_TEST_POSTGRES`; skipped, saying so,
//! without): the engine's appends are sealed in PostgreSQL's append
//! transaction (the events table holds no name), the service reads the
//! names back, a forget on the log reaches the store through its
//! `forget_user` hook, and a rebuild reads the name as forgotten. A
//! second handle on the same table (as another process has) sees the
//! same.

use goesgen::personal::Subject;
use goesgen::{MasterKey, Personal, PostgresOptions, SharedLog, Store};
use goesgen_postgres::testing::{conninfo, unique_table};

use crate::id::User;
use crate::people::{MemoryStore, Names, new_user, service};

async fn postgres_log(conninfo: &str, table: &str) -> SharedLog {
    let log = PostgresOptions::new(conninfo)
        .table(table)
        .master_key(MasterKey::from_bytes([9; 32]))
        .connect()
        .await
        .expect("open the PostgreSQL log");
    std::sync::Arc::new(log)
}

async fn names(store: &MemoryStore, ids: &[&str]) -> Vec<Option<Personal<String>>> {
    let mut read = store.begin_read().await.expect("a read transaction");
    ids.iter()
        .map(|id| read.name(&User((*id).to_owned())).expect("a name"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_seals_and_forgets_on_postgres() {
    let Some(conninfo) = conninfo() else {
        return;
    };
    let table = unique_table("people");
    let log = postgres_log(&conninfo, &table).await;
    let users = service(MemoryStore::default(), &log);
    users
        .create_user(
            &(),
            new_user("u-1", "Ada Lovelace", Some("ada@example.org")),
        )
        .await
        .expect("create Ada");
    users
        .create_user(&(), new_user("u-2", "Grace Hopper", None))
        .await
        .expect("create Grace");
    let known = |name: &str| Some(Personal::Known(name.to_owned()));
    assert_eq!(
        names(users.store(), &["u-1", "u-2"]).await,
        [known("Ada Lovelace"), known("Grace Hopper")]
    );

    // Behind the log's back: no name in the events table.
    let (raw, connection) = tokio_postgres::connect(&conninfo, tokio_postgres::NoTls)
        .await
        .expect("raw connection");
    tokio::spawn(connection);
    let stored: Vec<String> = raw
        .query(&format!("SELECT payload FROM public.\"{table}\""), &[])
        .await
        .expect("payloads")
        .iter()
        .map(|row| String::from_utf8_lossy(row.get::<_, &[u8]>(0)).into_owned())
        .collect();
    assert_eq!(stored.len(), 2);
    for payload in &stored {
        for plaintext in ["Ada", "Grace", "ada@example.org"] {
            assert!(!payload.contains(plaintext), "{payload}");
        }
    }

    let other = postgres_log(&conninfo, &table).await;
    let subject = Subject::new("User", &User("u-1".to_owned())).expect("subject");
    assert!(other.forget(&subject).await.expect("forget").had_key);
    users.sync().await.expect("a sync after the forget");
    assert_eq!(
        names(users.store(), &["u-1", "u-2"]).await,
        [Some(Personal::Forgotten), known("Grace Hopper")]
    );
    let rebuilt = service(MemoryStore::default(), &other);
    rebuilt.sync().await.expect("a rebuild after the forget");
    assert_eq!(
        names(rebuilt.store(), &["u-1", "u-2"]).await,
        [Some(Personal::Forgotten), known("Grace Hopper")]
    );
}
