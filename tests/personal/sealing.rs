//! A created user's name is sealed in the log: the raw payload holds a
//! sealed object in place of each personal value, never the plaintext,
//! while the subject's id stays in the clear; the service, its methods
//! and a reader of the log see the names known. On each store kit, over
//! each log.

use goesgen::{KindFilter, LogReader, Personal, SharedLog};
use serde_json::Value;

use crate::id::User;
use crate::people::{
    MemoryStore, Names, logs, new_user, schema::events::Event, schema::users::UsersStore, service,
    sqlite_store,
};

/// The payloads of `log` as it stores them, as JSON.
async fn raw_payloads(log: &SharedLog) -> Vec<(String, String)> {
    let batch = log.read(0, &KindFilter::All, 100).await.expect("a read");
    batch
        .records
        .iter()
        .map(|record| {
            let text = String::from_utf8(record.payload.to_vec()).expect("UTF-8");
            (record.kind.clone(), text)
        })
        .collect()
}

/// Whether `value` is a sealed value's object.
fn is_sealed(value: &Value) -> bool {
    value["goesgen:sealed"] == 1
        && ["key", "nonce", "data"]
            .iter()
            .all(|field| value[field].as_str().is_some_and(|text| !text.is_empty()))
}

async fn names_are_sealed_and_known<S>(kit: &str, make: impl Fn() -> S)
where
    S: UsersStore,
    S::Write: Names,
    S::Read: Names,
{
    for (backend, log) in logs(&format!("sealed-{kit}")).await {
        println!("{kit} on a {backend}");
        sealed_and_known(make(), &log).await;
    }
}

async fn sealed_and_known<S>(store: S, log: &SharedLog)
where
    S: UsersStore,
    S::Write: Names,
    S::Read: Names,
{
    let users = service(store, log);
    let ada = new_user("u-1", "Ada Lovelace", Some("ada@example.org"));
    users.create_user(&(), ada).await.expect("Ada created");
    let grace = new_user("u-2", "Grace Hopper", None);
    users.create_user(&(), grace).await.expect("Grace created");

    let payloads = raw_payloads(log).await;
    assert_eq!(payloads.len(), 2);
    for (_, text) in &payloads {
        for plain in ["Ada", "Lovelace", "ada@example.org", "Grace", "Hopper"] {
            assert!(!text.contains(plain), "{plain} in the log: {text}");
        }
    }
    let ada: Value = serde_json::from_str(&payloads[0].1).unwrap();
    assert_eq!(payloads[0].0, "UserCreated");
    assert_eq!(ada["id"], "u-1", "the subject stays in the clear");
    assert!(is_sealed(&ada["name"]), "{ada}");
    assert!(is_sealed(&ada["email"]), "{ada}");
    // Grace gave no email: no value, nothing sealed.
    let grace: Value = serde_json::from_str(&payloads[1].1).unwrap();
    assert!(grace.get("email").is_none(), "{grace}");
    // Two subjects, two keys.
    assert_ne!(ada["name"]["key"], grace["name"]["key"]);
    // One subject, one key.
    assert_eq!(ada["name"]["key"], ada["email"]["key"]);

    // The service sees the names.
    let greeting = users.greet(&(), User("u-1".into())).await.unwrap();
    assert_eq!(greeting, "Hello, Ada Lovelace!");
    let mut read = users.store().begin_read().await.unwrap();
    assert_eq!(
        read.name(&User("u-2".into())).unwrap(),
        Some(Personal::Known("Grace Hopper".to_owned()))
    );
    drop(read);

    // So does a reader of the log, which opens what it reads.
    let mut reader = LogReader::new(&**log, KindFilter::All, 0);
    let records = reader.next_batch().await.unwrap().expect("records");
    let Event::UserCreated(created) =
        Event::from_record(&records[0].kind, &records[0].payload).expect("a decoded event")
    else {
        panic!("not a UserCreated: {:?}", records[0].kind);
    };
    assert_eq!(
        created.name.known().map(String::as_str),
        Some("Ada Lovelace")
    );
    assert_eq!(
        created.email,
        Some(Personal::Known("ada@example.org".to_owned()))
    );
    // Printed, the event shows no personal value.
    let printed = format!("{created:?}");
    assert!(!printed.contains("Ada"), "{printed}");
    assert!(printed.contains("Personal(<redacted>)"), "{printed}");
}

#[tokio::test]
async fn names_are_sealed_and_known_on_the_memory_kit() {
    names_are_sealed_and_known("memory", MemoryStore::default).await;
}

#[tokio::test]
async fn names_are_sealed_and_known_on_the_sqlite_kit() {
    names_are_sealed_and_known("sqlite", sqlite_store).await;
}
