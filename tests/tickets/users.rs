//! The `Users` service and its SQLite store: names are checked and unique,
//! users are found by id (on goesgen's test kit), a failing batch rolls the
//! SQL transaction back, and a store in a file keeps its projection and
//! version.

use goesgen::ServiceError;

use super::*;
use crate::schema::users::UsersTest;
use crate::service::users::UsersError;
use crate::service::users::io::{CreateUserIn, GetUserByIDOut};

fn named(name: &str) -> CreateUserIn {
    CreateUserIn {
        name: UserName::new(name).unwrap(),
    }
}

/// The Users service under test, on an SQLite store in memory.
fn users() -> UsersTest<Users> {
    UsersService::test(Users, crate::service::users::store::in_memory().unwrap())
}

#[tokio::test]
async fn create_user_then_get_it_by_id() {
    let t = users();
    let out = t
        .when(&Caller::Anonymous)
        .create_user(named("User A"))
        .await
        .then_emits_with(|out| {
            [UserCreated {
                id: out.id,
                name: out.name.clone(),
            }]
        });
    assert_eq!(out.name.as_str(), "User A");
    t.when(&Caller::Anonymous)
        .get_user_by_id(out.id)
        .await
        .then_answers(GetUserByIDOut {
            id: out.id,
            name: out.name,
        });
    let stranger = id::User::new();
    t.when(&Caller::Anonymous)
        .get_user_by_id(stranger)
        .await
        .then_refuses(|e| matches!(e, UsersError::NotFound(u) if *u == stranger));
}

#[tokio::test]
async fn a_taken_name_is_refused_and_nothing_appended() {
    let t = users();
    let (first, taken) = user_created("User A");
    t.given([taken]).await.unwrap();
    let refusal = t
        .when(&Caller::Anonymous)
        .create_user(named("User A"))
        .await
        .then_refuses(|e| matches!(e, UsersError::NameTaken { .. }));
    let UsersError::NameTaken { name, by } = refusal else {
        unreachable!("the refusal accepted is NameTaken");
    };
    assert_eq!((name.as_str(), by), ("User A", first));

    // A name another writer took, not applied yet, is seen too: the
    // transaction catches up with the log before it decides.
    let (_, taken) = user_created("User B");
    let new = vec![taken.to_new_event().unwrap()];
    let log = t.kit().log();
    log.append(new, goesgen::Condition::None).await.unwrap();
    t.when(&Caller::Anonymous)
        .create_user(named("User B"))
        .await
        .then_refuses(|e| matches!(e, UsersError::NameTaken { .. }));
}

#[test]
fn user_names_are_4_to_64_characters() {
    for ok in ["abcd", "User A", &"x".repeat(64), "Zoë Ünal"] {
        assert!(UserName::new(ok).is_ok(), "{ok:?}");
    }
    assert_eq!(
        UserName::new("abc").unwrap_err(),
        InvalidValue::TooShort {
            what: "user name",
            len: 3,
            min: 4
        }
    );
    assert!(matches!(
        UserName::new("x".repeat(65)),
        Err(InvalidValue::TooLong {
            len: 65,
            max: 64,
            ..
        })
    ));
    assert!(matches!(
        UserName::new("    "),
        Err(InvalidValue::Empty { .. })
    ));
    // Characters, not bytes: four two-byte letters are a valid name.
    assert!(UserName::new("ääää").is_ok());
    let error = serde_json::from_str::<CreateUserIn>(r#"{"name": "abc"}"#).unwrap_err();
    assert!(error.to_string().contains("at least 4"), "{error}");
}

#[tokio::test]
async fn the_sql_store_rolls_back_a_failing_batch() {
    let setup = Setup::memory();
    setup.user("User A").await;
    let version = setup.users.projection_version().await.unwrap();
    // Another writer appends two users with one name in one batch: the
    // second fails the UNIQUE constraint.
    let (first, one) = user_created("Same Name");
    let (_, two) = user_created("Same Name");
    let new = [one, two]
        .iter()
        .map(|e| e.to_new_event().unwrap())
        .collect();
    setup
        .log
        .append(new, goesgen::Condition::None)
        .await
        .unwrap();
    let error = setup.users.sync().await.unwrap_err();
    assert!(
        matches!(error, ServiceError::Apply { position: 3, ref kind, .. } if kind == "UserCreated"),
        "{error:?}"
    );
    // The SQL transaction was rolled back: neither the first user of the
    // batch nor a new version shows.
    assert_eq!(setup.users.projection_version().await.unwrap(), version);
    let error = setup
        .users
        .get_user_by_id(&Caller::Anonymous, first)
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        ServiceError::Method(UsersError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_store_in_a_file_keeps_its_users_and_version() {
    let path = fresh_path("users-store");
    let log = MemoryLog::shared();
    let service = |store| UsersService::new(Users, store, log.clone(), ServiceOptions::default());
    let users = service(crate::service::users::store::open(&path).unwrap());
    let a = users
        .create_user(&Caller::Anonymous, named("User A"))
        .await
        .unwrap()
        .output
        .id;
    drop(users);
    let reopened = service(crate::service::users::store::open(&path).unwrap());
    assert_eq!(reopened.projection_version().await.unwrap(), 1);
    let found = reopened
        .get_user_by_id(&Caller::Anonymous, a)
        .await
        .unwrap();
    assert_eq!(found.name.as_str(), "User A");
}
