//! The SQLite kit's write transaction, as the engine runs one for a call:
//! `begin_write` (`BEGIN IMMEDIATE` on the blocking pool), one event
//! applied (a ticket's title changed: its state read and the title
//! updated, `support/sqlite_tickets.rs`), the version set, `commit` (on the
//! blocking pool). Timed when the `tickets` table holds 1,000, 100,000 and
//! 1,000,000 rows (a random ticket each time), in a database file:
//!
//! - `FULL`: the kit as it opens a file (WAL, `synchronous = FULL`: every
//!   commit waits for an fsync);
//! - `NORMAL`: the same after `PRAGMA synchronous = NORMAL` (through
//!   `SqliteStore::setup`): WAL commits without an fsync, which a
//!   projection may choose, since after a crash it catches up from the log.
//!
//! Then the apply function's statement alone, inside one open transaction,
//! through the connection's statement cache (`prepare_cached`) and parsed
//! each time (`Connection::execute`).
//!
//! `cargo bench --bench sqlite_kit` (harness-less: prints tables). Each
//! figure is the median of the transactions' (or statements') times.
//! `-- --quick` stops at 100,000 rows.

#![allow(dead_code, unused_imports)]

#[path = "../examples/tickets/auth.rs"]
mod auth;
#[path = "../examples/tickets/domain.rs"]
mod domain;
#[path = "../examples/tickets/id.rs"]
mod id;
#[path = "../examples/tickets/schema.rs"]
mod schema;
#[path = "../tests/support/scratch.rs"]
mod scratch;
#[path = "../examples/tickets/service/mod.rs"]
mod service;
#[path = "support/sqlite_tickets.rs"]
mod sqlite_tickets;
#[path = "support/stats.rs"]
mod stats;

pub use domain::{InvalidValue, TicketCommentMessage, TicketDescription, TicketTitle, UserName};

use std::time::{Duration, Instant, SystemTime};

use goesgen::{Recorded, Store};
use schema::events::{TicketCreated, TicketTitleChanged};
use schema::tickets::TicketsStore as _;
use sqlite_tickets::SqlTicketsStore;
use stats::percentile;

/// Rows inserted per transaction while the table is filled.
const FILL: usize = 10_000;

/// Counted positions, as the log would give them.
struct Clock(u64);

impl Clock {
    fn next(&mut self) -> Recorded {
        self.0 += 1;
        Recorded {
            position: self.0,
            recorded_at: SystemTime::now(),
        }
    }
}

/// A cheap, seeded random index (splitmix64).
struct Picker(u64);

impl Picker {
    fn pick(&mut self, below: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) % below as u64) as usize
    }
}

/// Fills the store up to `rows` tickets, [`FILL`] per transaction.
async fn fill(
    store: &SqlTicketsStore,
    clock: &mut Clock,
    tickets: &mut Vec<id::Ticket>,
    rows: usize,
) {
    let author = id::User::new();
    let title = TicketTitle::new("A ticket").expect("title");
    let description = TicketDescription::new("What it is about").expect("description");
    while tickets.len() < rows {
        let mut txn = store.begin_write().await.expect("begin");
        for _ in 0..FILL.min(rows - tickets.len()) {
            let event = TicketCreated {
                id: id::Ticket::new(),
                title: title.clone(),
                description: description.clone(),
                author,
            };
            store
                .apply_ticket_created(&mut txn, &clock.next(), &event)
                .await
                .expect("create");
            tickets.push(event.id);
        }
        store.set_version(&mut txn, clock.0).await.expect("version");
        store.commit(txn).await.expect("commit");
    }
}

/// `count` write transactions, each changing a random ticket's title: the
/// time of each.
async fn transactions(
    store: &SqlTicketsStore,
    clock: &mut Clock,
    tickets: &[id::Ticket],
    picker: &mut Picker,
    count: usize,
) -> Vec<Duration> {
    let by = id::User::new();
    let title = TicketTitle::new("Retitled").expect("title");
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let event = TicketTitleChanged {
            ticket: tickets[picker.pick(tickets.len())],
            new_title: title.clone(),
            by,
        };
        let at = clock.next();
        let started = Instant::now();
        let mut txn = store.begin_write().await.expect("begin");
        store
            .apply_ticket_title_changed(&mut txn, &at, &event)
            .await
            .expect("apply");
        store
            .set_version(&mut txn, at.position)
            .await
            .expect("version");
        store.commit(txn).await.expect("commit");
        times.push(started.elapsed());
    }
    times
}

/// The apply function's `UPDATE` alone, `count` times in one open
/// transaction, cached or parsed each time: the time of each.
async fn statements(
    store: &SqlTicketsStore,
    tickets: &[id::Ticket],
    picker: &mut Picker,
    count: usize,
    cached: bool,
) -> Vec<Duration> {
    let picks: Vec<[u8; 16]> = (0..count)
        .map(|_| *tickets[picker.pick(tickets.len())].uuid().as_bytes())
        .collect();
    let txn = store.begin_write().await.expect("begin");
    let sql = "UPDATE tickets SET title = ?2 WHERE id = ?1";
    let mut times = Vec::with_capacity(count);
    for id in &picks {
        let started = Instant::now();
        let params = goesgen::rusqlite::params![&id[..], "Retitled again"];
        if cached {
            txn.prepare_cached(sql)
                .expect("prepare")
                .execute(params)
                .expect("update");
        } else {
            txn.execute(sql, params).expect("update");
        }
        times.push(started.elapsed());
    }
    store.rollback(txn).await.expect("rollback");
    times
}

fn micros(mut times: Vec<Duration>) -> String {
    let p50 = percentile(&mut times, 0.5);
    let p99 = percentile(&mut times, 0.99);
    format!(
        "{:.2} µs | {:.2} µs",
        p50.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let levels: &[usize] = if quick {
        &[1_000, 100_000]
    } else {
        &[1_000, 100_000, 1_000_000]
    };
    let path = scratch::sqlite_path("sqlite-kit-bench", "tickets");
    let store = sqlite_tickets::open(&path);
    let mut clock = Clock(0);
    let mut tickets = Vec::new();
    let mut picker = Picker(7);
    let mut rows = Vec::new();
    for &level in levels {
        fill(&store, &mut clock, &mut tickets, level).await;
        store
            .setup(|db| db.execute_batch("PRAGMA synchronous = FULL"))
            .await
            .expect("FULL");
        let full = transactions(&store, &mut clock, &tickets, &mut picker, 300).await;
        store
            .setup(|db| db.execute_batch("PRAGMA synchronous = NORMAL"))
            .await
            .expect("NORMAL");
        let normal = transactions(&store, &mut clock, &tickets, &mut picker, 5_000).await;
        let cached = statements(&store, &tickets, &mut picker, 5_000, true).await;
        let parsed = statements(&store, &tickets, &mut picker, 5_000, false).await;
        rows.push((level, full, normal, cached, parsed));
    }
    println!("One write transaction (begin, one title changed, version, commit), p50 | p99:");
    println!();
    println!("| tickets | FULL (the kit's default) p50 | p99 | NORMAL p50 | p99 |");
    println!("| ---: | ---: | ---: | ---: | ---: |");
    let mut apply_rows = Vec::new();
    for (level, full, normal, cached, parsed) in rows {
        println!("| {level} | {} | {} |", micros(full), micros(normal));
        apply_rows.push((level, cached, parsed));
    }
    println!();
    println!("The apply function's UPDATE alone, inside a transaction, p50 | p99:");
    println!();
    println!("| tickets | prepare_cached p50 | p99 | execute (parsed each time) p50 | p99 |");
    println!("| ---: | ---: | ---: | ---: | ---: |");
    for (level, cached, parsed) in apply_rows {
        println!("| {level} | {} | {} |", micros(cached), micros(parsed));
    }
    drop(store);
    sqlite_tickets::remove(&path);
}
