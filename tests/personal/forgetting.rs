//! Forgetting a user: `forget` on the log deletes their data key and
//! appends a `SubjectForgotten` record; the service hears of it on its
//! next sync and its table drops the name through the `forget_user`
//! hook (the hook alone: no event of the user is applied again), other
//! users keep theirs, and a fresh store synced from the log (a rebuild)
//! reads the name as forgotten.

use goesgen::personal::Subject;
use goesgen::{KindFilter, LogReader, Personal, SharedLog, Store};

use crate::id::User;
use crate::people::{
    MemoryStore, Names, Row, logs, new_user, schema::events::Event, schema::users::UsersStore,
    service, sqlite_store,
};

fn user(id: &str) -> User {
    User(id.to_owned())
}

fn known(name: &str) -> Option<Personal<String>> {
    Some(Personal::Known(name.to_owned()))
}

/// The names `store` holds of `ids`.
async fn names<S: Store>(store: &S, ids: &[&str]) -> Vec<Option<Personal<String>>>
where
    S::Read: Names,
{
    let mut read = store.begin_read().await.expect("a read transaction");
    ids.iter()
        .map(|id| read.name(&user(id)).expect("a name"))
        .collect()
}

async fn forgetting_drops_the_name<S>(kit: &str, make: impl Fn() -> S)
where
    S: UsersStore,
    S::Write: Names,
    S::Read: Names,
{
    for (backend, log) in logs(&format!("forget-{kit}")).await {
        println!("{kit} on a {backend}");
        drops_the_name(&make, &log).await;
    }
}

async fn drops_the_name<S>(make: &impl Fn() -> S, log: &SharedLog)
where
    S: UsersStore,
    S::Write: Names,
    S::Read: Names,
{
    let users = service(make(), log);
    let ada = new_user("u-1", "Ada Lovelace", Some("ada@example.org"));
    users.create_user(&(), ada).await.unwrap();
    users
        .create_user(&(), new_user("u-2", "Grace Hopper", None))
        .await
        .unwrap();
    users
        .rename_user(&(), new_user("u-1", "Ada King", None))
        .await
        .unwrap();
    assert_eq!(
        names(users.store(), &["u-1", "u-2"]).await,
        [known("Ada King"), known("Grace Hopper")]
    );

    let subject = Subject::new("User", &user("u-1")).unwrap();
    let forgot = log.forget(&subject).await.expect("forgotten");
    assert!(forgot.had_key);
    // The store hears of it through the log, on its next sync.
    assert_eq!(names(users.store(), &["u-1"]).await, [known("Ada King")]);
    users.sync().await.expect("a sync after the forget");
    assert_eq!(
        names(users.store(), &["u-1", "u-2"]).await,
        [Some(Personal::Forgotten), known("Grace Hopper")]
    );
    let greeting = users.greet(&(), user("u-1")).await.unwrap();
    assert_eq!(greeting, "Hello, whoever you were.");

    // A rebuild: a fresh store synced from the whole log.
    let rebuilt = service(make(), log);
    rebuilt.sync().await.expect("a rebuild after the forget");
    assert_eq!(
        names(rebuilt.store(), &["u-1", "u-2"]).await,
        [Some(Personal::Forgotten), known("Grace Hopper")]
    );

    // Every event of the forgotten user reads forgotten; the others do not.
    let mut reader = LogReader::new(&**log, KindFilter::All, 0);
    let records = reader.next_batch().await.unwrap().expect("records");
    let names: Vec<(u64, Personal<String>)> = records
        .iter()
        .filter_map(
            |record| match Event::from_record(&record.kind, &record.payload) {
                Ok(Event::UserCreated(event)) => Some((record.position, event.name)),
                Ok(Event::UserRenamed(event)) => Some((record.position, event.name)),
                Err(_) => None,
            },
        )
        .collect();
    assert_eq!(
        names,
        [
            (1, Personal::Forgotten),
            (2, Personal::Known("Grace Hopper".to_owned())),
            (3, Personal::Forgotten),
        ]
    );
    assert_eq!(records[3].kind, "goesgen.SubjectForgotten");
}

#[tokio::test]
async fn forgetting_drops_the_name_on_the_memory_kit() {
    forgetting_drops_the_name("memory", MemoryStore::default).await;
}

#[tokio::test]
async fn forgetting_drops_the_name_on_the_sqlite_kit() {
    forgetting_drops_the_name("sqlite", sqlite_store).await;
}

#[tokio::test]
async fn an_absent_value_stays_absent_and_a_present_one_is_forgotten() {
    for (_, log) in logs("absent").await {
        absent_stays_absent(&log).await;
    }
}

async fn absent_stays_absent(log: &SharedLog) {
    let users = service(MemoryStore::default(), log);
    let ada = new_user("u-1", "Ada Lovelace", Some("ada@example.org"));
    users.create_user(&(), ada).await.unwrap();
    users
        .create_user(&(), new_user("u-2", "Alan Turing", None))
        .await
        .unwrap();
    for id in ["u-1", "u-2"] {
        let subject = Subject::new("User", &user(id)).unwrap();
        log.forget(&subject).await.unwrap();
    }
    let rebuilt = service(MemoryStore::default(), log);
    for users in [&users, &rebuilt] {
        users.sync().await.unwrap();
        let read = users.store().begin_read().await.unwrap();
        let forgotten = |email| Row {
            name: Personal::Forgotten,
            email,
        };
        assert_eq!(
            read.rows.values().cloned().collect::<Vec<_>>(),
            [forgotten(Some(Personal::Forgotten)), forgotten(None)]
        );
    }
}

#[tokio::test]
async fn forgetting_nobody_changes_nothing() {
    for (_, log) in logs("nobody").await {
        nobody(&log).await;
    }
}

async fn nobody(log: &SharedLog) {
    let users = service(MemoryStore::default(), log);
    users
        .create_user(&(), new_user("u-1", "Ada Lovelace", None))
        .await
        .unwrap();
    let stranger = Subject::new("User", &user("u-9")).unwrap();
    let forgot = log.forget(&stranger).await.unwrap();
    assert!(!forgot.had_key);
    users.sync().await.unwrap();
    assert_eq!(
        names(users.store(), &["u-1", "u-9"]).await,
        [known("Ada Lovelace"), None]
    );
}
