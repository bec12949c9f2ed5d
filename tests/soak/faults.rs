//! The drill's faults: the killer, which kills a server (SIGKILL) every 2
//! to 4 seconds and starts it again on its store, and the third writer,
//! which appends records every store refuses straight to the log.

use std::sync::Arc;
use std::time::Instant;

use goesgen::{Condition, SharedLog};

use crate::bank::schema::events::{AccountOpened, Event, MoneyDeposited};
use crate::child::ChildServer;
use crate::drill::{Addresses, Rng, SERVERS, Setup};

/// The account every store refuses (its table's constraint).
pub const FORBIDDEN: &str = "forbidden";

/// Kills one server (in turn) every 2 to 4 seconds and starts it again on
/// its store, until `stop_at`. Returns the servers and the kill count.
pub async fn kill_and_restart(
    setup: Arc<Setup>,
    mut servers: Vec<ChildServer>,
    addresses: Addresses,
    stop_at: Instant,
) -> (Vec<ChildServer>, u64) {
    let mut rng = Rng::new();
    let mut kills = 0;
    loop {
        let next = Instant::now() + rng.millis(2_000, 4_000);
        if next >= stop_at {
            break;
        }
        tokio::time::sleep_until(next.into()).await;
        let i = kills as usize % SERVERS;
        let victim = servers.remove(i);
        let setup = setup.clone();
        let restarted = tokio::task::spawn_blocking(move || {
            victim.kill();
            setup.start(i)
        })
        .await
        .unwrap();
        addresses.write().unwrap()[i] = restarted.url.clone();
        servers.insert(i, restarted);
        kills += 1;
    }
    (servers, kills)
}

/// The third writer: appends a record every store refuses every 100 to
/// 300 milliseconds until `stop_at`. Returns how many it appended and
/// its errors.
pub async fn append_refused(log: SharedLog, stop_at: Instant) -> (u64, Vec<String>) {
    let mut rng = Rng::new();
    let (mut appended, mut errors) = (0, Vec::new());
    while Instant::now() < stop_at {
        tokio::time::sleep(rng.millis(100, 300)).await;
        let account = FORBIDDEN.to_string();
        let event = if appended % 2 == 0 {
            Event::from(AccountOpened { account })
        } else {
            Event::from(MoneyDeposited {
                account,
                amount: 1,
                balance: 1,
            })
        };
        match log
            .append(vec![event.to_new_event().unwrap()], Condition::None)
            .await
        {
            Ok(_) => appended += 1,
            Err(error) => errors.push(error.to_string()),
        }
    }
    (appended, errors)
}
