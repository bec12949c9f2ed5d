//! Concurrent deposits into one account through one `Bank` service
//! instance: the round that `benches/services.rs` and `benches/batching.rs`
//! time, on the hand-written store or the memory kit (`bank_kit`). Needs
//! the `bank` and `bank_kit` support modules beside it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use goesgen::{CallOptions, IdempotencyKey, ServiceOptions, SharedLog};

use crate::bank::schema::bank::{BankMethods, BankService};
use crate::bank::{Bank, Store, Transfer};
use crate::bank_kit::{KitBank, KitStore};

/// Where the bank keeps its balances.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balances {
    /// `bank.rs`'s hand-written store (an undo log behind a tokio mutex).
    HandWritten,
    /// The memory kit (`MemoryStore` on a `Table`).
    Kit,
}

impl Balances {
    /// `hand` or `kit`.
    pub fn parse(name: &str) -> Self {
        match name {
            "hand" => Balances::HandWritten,
            "kit" => Balances::Kit,
            other => panic!("--store hand|kit, not {other}"),
        }
    }

    /// `-- --store hand|kit` of the bench's arguments (default `hand`).
    pub fn from_args() -> Self {
        std::env::args()
            .skip_while(|a| a != "--store")
            .nth(1)
            .map_or(Balances::HandWritten, |name| Self::parse(&name))
    }

    /// How the tables name it.
    pub fn name(self) -> &'static str {
        match self {
            Balances::HandWritten => "hand-written",
            Balances::Kit => "memory kit",
        }
    }
}

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
    balances: Balances,
    log: SharedLog,
    options: ServiceOptions,
    callers: usize,
    commands: usize,
    keyed: bool,
) -> (f64, Vec<Duration>) {
    match balances {
        Balances::HandWritten => {
            let bank = BankService::new(Bank, Store::default(), log, options);
            round_on(bank, callers, commands, keyed).await
        }
        Balances::Kit => {
            let bank = BankService::new(KitBank, KitStore::default(), log, options);
            round_on(bank, callers, commands, keyed).await
        }
    }
}

async fn round_on<M>(
    bank: BankService<M>,
    callers: usize,
    commands: usize,
    keyed: bool,
) -> (f64, Vec<Duration>)
where
    M: BankMethods<Context = ()> + Send + Sync + 'static,
{
    let bank = Arc::new(bank);
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
