//! The fingerprint a generated service gives its store: the schema's part
//! (`SCHEMA_FINGERPRINT`, computed at compile time) is the number
//! goesgen-schema computes for the same file, and the revision is the one
//! the user's store trait sets (`REVISION`), forwarded by the kits' glue
//! to `ServiceStore::fingerprint()`, which the engine checks a store
//! against.

use goesgen::service::{Dispatched, ServiceStore};
use goesgen::{MemoryStore, Recorded, StoreError, StoreFingerprint};

pub mod schema {
    goesgen::include_schema!("fixtures/doors.yml");
}
use schema::doors::{DoorsInMemory, Subscriptions};
use schema::events::{DoorClosed, DoorInstalled, DoorLocked, DoorOpened};

/// What `Look` answers (unused here: the methods are not run).
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DoorView {
    /// The door's state.
    pub state: schema::projections::DoorState,
}

/// A projection whose apply functions keep nothing: what matters here is
/// its revision, `R` (`Doors<0>` declares none and has the default, 0).
#[derive(Debug, Clone, Default)]
pub struct Doors<const R: u32>;

/// `DoorsInMemory` for `$ty`, with `REVISION` set to `$revision` if given.
macro_rules! in_memory {
    ($ty:ty $(, $revision:expr)?) => {
        impl DoorsInMemory for $ty {
            $(const REVISION: u32 = $revision;)?
            fn apply_door_installed(&mut self, _: &Recorded, _: &DoorInstalled) -> Result<(), StoreError> {
                Ok(())
            }
            fn apply_door_opened(&mut self, _: &Recorded, _: &DoorOpened) -> Result<(), StoreError> {
                Ok(())
            }
            fn apply_door_closed(&mut self, _: &Recorded, _: &DoorClosed) -> Result<(), StoreError> {
                Ok(())
            }
            fn apply_door_locked(&mut self, _: &Recorded, _: &DoorLocked) -> Result<(), StoreError> {
                Ok(())
            }
        }
    };
}
in_memory!(Doors<0>);
in_memory!(Doors<3>, 3);

/// The fingerprint the engine sees for the store `S` of the doors service.
fn seen<S: schema::doors::DoorsStore>() -> StoreFingerprint {
    <Dispatched<Subscriptions<S>> as ServiceStore>::fingerprint()
}

/// What goesgen-schema computes for `tests/fixtures/doors.yml`.
fn computed() -> u64 {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/doors.yml");
    let source = std::fs::read_to_string(path).expect("the doors schema");
    let schema = goesgen_schema::parse(&source, "doors.yml").expect("a valid schema");
    goesgen_schema::fingerprint(&schema, &schema.services[0])
}

#[test]
fn the_generated_schema_fingerprint_is_the_one_goesgen_schema_computes() {
    assert_eq!(schema::doors::SCHEMA_FINGERPRINT, computed());
    assert_eq!(
        <Dispatched<Subscriptions<MemoryStore<Doors<0>>>> as ServiceStore>::SCHEMA_FINGERPRINT,
        computed()
    );
}

#[test]
fn the_user_s_revision_reaches_the_store_s_fingerprint() {
    let schema = schema::doors::SCHEMA_FINGERPRINT;
    assert_eq!(
        seen::<MemoryStore<Doors<0>>>(),
        StoreFingerprint {
            schema,
            revision: 0
        },
        "a projection that sets no REVISION is at revision 0"
    );
    assert_eq!(
        seen::<MemoryStore<Doors<3>>>(),
        StoreFingerprint {
            schema,
            revision: 3
        }
    );
    assert_eq!(
        seen::<MemoryStore<Doors<3>>>().to_string(),
        format!("{schema:016x}-3")
    );
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use goesgen::rusqlite::Connection;
    use goesgen::{Recorded, SqliteStore, StoreError, StoreFingerprint};

    use super::schema::doors::DoorsInSqlite;
    use super::schema::events::{DoorClosed, DoorInstalled, DoorLocked, DoorOpened};

    /// Tables whose apply functions write nothing, at revision 5.
    struct Tables;

    impl DoorsInSqlite for Tables {
        const REVISION: u32 = 5;
        fn apply_door_installed(
            &self,
            _: &Connection,
            _: &Recorded,
            _: &DoorInstalled,
        ) -> Result<(), StoreError> {
            Ok(())
        }
        fn apply_door_opened(
            &self,
            _: &Connection,
            _: &Recorded,
            _: &DoorOpened,
        ) -> Result<(), StoreError> {
            Ok(())
        }
        fn apply_door_closed(
            &self,
            _: &Connection,
            _: &Recorded,
            _: &DoorClosed,
        ) -> Result<(), StoreError> {
            Ok(())
        }
        fn apply_door_locked(
            &self,
            _: &Connection,
            _: &Recorded,
            _: &DoorLocked,
        ) -> Result<(), StoreError> {
            Ok(())
        }
    }

    #[test]
    fn the_sqlite_kit_forwards_the_tables_revision() {
        assert_eq!(
            super::seen::<SqliteStore<Tables>>(),
            StoreFingerprint {
                schema: super::computed(),
                revision: 5
            }
        );
    }
}
