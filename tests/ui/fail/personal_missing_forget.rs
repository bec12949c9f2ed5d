// The `Users` service keeps events with personal data of `id.User`
// subjects; a store without `forget_user` does not compile.
pub mod schema {
    goesgen::include_schema!("personal_users.yml");
}

pub mod id {
    #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
    #[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
    pub struct User(pub String);
}

use goesgen::{Position, Recorded, StoreError};
use schema::events::UserCreated;
use schema::users::UsersStore;

pub struct Store;

impl goesgen::Store for Store {
    type Write = u64;
    type Read = u64;
    async fn begin_write(&self) -> Result<u64, StoreError> { Ok(0) }
    async fn begin_read(&self) -> Result<u64, StoreError> { Ok(0) }
    async fn commit(&self, _txn: u64) -> Result<(), StoreError> { Ok(()) }
    async fn rollback(&self, _txn: u64) -> Result<(), StoreError> { Ok(()) }
    async fn read_version(&self, _txn: &mut u64) -> Result<Position, StoreError> { Ok(0) }
    async fn version(&self, _txn: &mut u64) -> Result<Position, StoreError> { Ok(0) }
    async fn set_version(&self, _txn: &mut u64, _v: Position) -> Result<(), StoreError> { Ok(()) }
}

impl UsersStore for Store {
    async fn apply_user_created(&self, txn: &mut u64, _at: &Recorded, _e: &UserCreated) -> Result<(), StoreError> {
        *txn += 1;
        Ok(())
    }
}

fn main() {}
