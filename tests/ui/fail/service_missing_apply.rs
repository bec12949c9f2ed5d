// The `Counters` service subscribes to `Counted` and `Reset`; a store
// without `apply_reset` does not compile.
pub mod schema {
    goesgen::include_schema!("service_counter.yml");
}

use goesgen::{Position, Recorded, StoreError};
use schema::counters::CountersStore;
use schema::events::Counted;

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

impl CountersStore for Store {
    async fn apply_counted(&self, txn: &mut u64, _at: &Recorded, e: &Counted) -> Result<(), StoreError> {
        *txn = e.total;
        Ok(())
    }
}

fn main() {}
