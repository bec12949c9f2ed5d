//! Concurrent deposits into one account through one `Bank` service
//! instance: the round that `benches/services.rs` and `benches/batching.rs`
//! time. Needs the `bank` support module beside it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use goesgen::{CallOptions, IdempotencyKey, ServiceOptions, SharedLog};

use crate::bank::schema::bank::BankService;
use crate::bank::{Bank, Store, Transfer};

/// A deposit of 1 into the account `bench`.
pub fn deposit() -> Transfer {
    Transfer {
        account: "bench".into(),
        amount: 1,
    }
}

/// One round: `callers` tasks share `commands` deposits through one
/// service on `log`, each with a fresh idempotency key if `keyed`. Returns
/// commands per second and each command's latency as its caller saw it;
/// checks that no deposit was lost.
pub async fn round(
    log: SharedLog,
    options: ServiceOptions,
    callers: usize,
    commands: usize,
    keyed: bool,
) -> (f64, Vec<Duration>) {
    let bank = Arc::new(BankService::new(Bank, Store::default(), log, options));
    bank.open(&(), "bench".into()).await.expect("open");
    let each = commands / callers;
    let started = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let bank = bank.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(each);
                for _ in 0..each {
                    let at = Instant::now();
                    let options = if keyed {
                        CallOptions::new().key(IdempotencyKey::random())
                    } else {
                        CallOptions::new()
                    };
                    bank.deposit_with(&(), deposit(), options)
                        .await
                        .expect("deposit");
                    latencies.push(at.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(commands);
    for task in tasks {
        latencies.extend(task.await.expect("caller"));
    }
    let elapsed = started.elapsed();
    let balance = bank.balance(&(), "bench".into()).await.expect("balance");
    assert_eq!(balance as usize, each * callers, "lost updates");
    (latencies.len() as f64 / elapsed.as_secs_f64(), latencies)
}
