//! A schema with personal data compiles, every generated item documented:
//! the personal property is a `goesgen::Personal<T>` (an `Option<..>` one
//! an `Option<goesgen::Personal<T>>`), and the store trait and the kits'
//! traits take a `forget_user` beside their apply functions.
#![deny(missing_docs)]

/// The schema's `id` module.
pub mod id {
    /// `id.User`.
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
    pub struct User(pub String);
}

/// The generated code.
pub mod schema {
    goesgen::include_schema!("personal.yml");
}

use goesgen::{Personal, Recorded, StoreError};
use schema::events::{UserCreated, UserRenamed};
use schema::users::UsersInMemory;

/// The users' names.
#[derive(Debug, Clone, Default)]
pub struct Names(Vec<(id::User, Personal<String>)>);

impl UsersInMemory for Names {
    fn apply_user_created(&mut self, _: &Recorded, e: &UserCreated) -> Result<(), StoreError> {
        self.0.push((e.id.clone(), e.name.clone()));
        Ok(())
    }
    fn apply_user_renamed(&mut self, _: &Recorded, e: &UserRenamed) -> Result<(), StoreError> {
        for (id, name) in &mut self.0 {
            if *id == e.id {
                *name = e.name.clone();
            }
        }
        Ok(())
    }
    fn forget_user(&mut self, _: &Recorded, forgotten: &id::User) -> Result<(), StoreError> {
        for (id, name) in &mut self.0 {
            if id == forgotten {
                *name = Personal::Forgotten;
            }
        }
        Ok(())
    }
}

fn main() {
    let created = UserCreated {
        id: id::User("u-1".into()),
        name: "Ada".to_owned().into(),
        email: None,
    };
    let email: Option<Personal<String>> = created.email.clone();
    assert!(email.is_none());
    assert_eq!(created.name.known().map(String::as_str), Some("Ada"));
    assert!(!format!("{created:?}").contains("Ada"));
    let spec = <UserCreated as goesgen::codec::EventPayload>::PERSONAL.expect("personal");
    assert_eq!((spec.subject, spec.subject_kind, spec.fields), ("id", "User", &["name", "email"][..]));
    let _store: goesgen::MemoryStore<Names> = goesgen::MemoryStore::default();
}
