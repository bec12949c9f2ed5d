// `Count` takes a `u64` (`in: u64`); calling it with a string does not compile.
include!("service_store.rs.in");

use schema::counters::{ClearEvent, CountEvent, CountersMethods, CountersService};

struct Methods;

impl CountersMethods for Methods {
    type Store = Store;
    type Context = ();
    type Error = std::convert::Infallible;

    async fn total(&self, _ctx: &(), txn: &mut u64) -> Result<u64, goesgen::MethodError<Self::Error>> {
        Ok(*txn)
    }

    async fn count(&self, _ctx: &(), txn: &mut u64, input: u64) -> Result<(u64, Vec<CountEvent>), goesgen::MethodError<Self::Error>> {
        Ok((*txn + input, vec![Counted { total: *txn + input }.into()]))
    }

    async fn clear(&self, _ctx: &(), _txn: &mut u64, input: String) -> Result<((), Vec<ClearEvent>), goesgen::MethodError<Self::Error>> {
        Ok(((), vec![Reset { reason: input }.into()]))
    }
}

async fn run(service: &CountersService<Methods>) {
    let _ = service.count(&(), "five".to_string()).await;
}

fn main() {
    let _ = run;
}
