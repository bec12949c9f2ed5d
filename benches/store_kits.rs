//! The tickets example's in-memory store on goesgen's `MemoryStore` kit
//! (`Overlaid` mode: the kit's `Table` and `Set`, the apply functions
//! only) against the hand-written store (std maps behind a lock and an
//! undo log: `support/undo_log_tickets.rs`), through the store trait the
//! engine calls: each write transaction begins, applies one event, sets
//! the version and commits. (The kit's previous design, `imbl` maps cloned
//! by each write, was measured here too until it was replaced: see
//! docs/benchmarks.md.)
//!
//! - Tickets commands: N tickets created then assigned (2N transactions,
//!   one caller): transactions per second, latency p50 and p99.
//! - The cost of one write transaction (a ticket's title changed) when the
//!   projection holds 1,000, 100,000 and 1,000,000 tickets: it should not
//!   grow with the projection.
//! - Reads while writing (`reads.rs`): a read transaction opened, and a
//!   ticket looked up in it, while a writer on another thread holds
//!   transactions of 10,000 changes: p50 and p99.
//!
//! `cargo bench --all-features --bench store_kits`; each figure is the
//! median of rounds.

#![allow(dead_code, unused_imports)]

#[path = "../examples/tickets/auth.rs"]
mod auth;
#[path = "../examples/tickets/domain.rs"]
mod domain;
#[path = "../examples/tickets/id.rs"]
mod id;
#[path = "store_kits/reads.rs"]
mod reads;
#[path = "../examples/tickets/schema.rs"]
mod schema;
#[path = "../examples/tickets/service/mod.rs"]
mod service;
#[path = "support/stats.rs"]
mod stats;
#[path = "support/undo_log_tickets.rs"]
mod undo_log_tickets;

use stats::{median, percentile};

pub use domain::{InvalidValue, TicketCommentMessage, TicketDescription, TicketTitle, UserName};

use std::time::{Duration, Instant, SystemTime};

use goesgen::Recorded;
use schema::events::{TicketCreated, TicketTitleChanged, UserAssignedToTicket, UserCreated};
use schema::tickets::TicketsStore as Store;

/// Where the events of the benchmark are recorded: counted positions.
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

fn created(author: id::User) -> TicketCreated {
    TicketCreated {
        id: id::Ticket::new(),
        title: TicketTitle::new("A ticket").expect("title"),
        description: TicketDescription::new("What it is about").expect("description"),
        author,
    }
}

async fn user<S: Store>(store: &S, clock: &mut Clock) -> id::User {
    let event = UserCreated {
        id: id::User::new(),
        name: UserName::new(format!("User {}", clock.0)).expect("name"),
    };
    let mut txn = store.begin_write().await.expect("begin");
    let at = clock.next();
    store
        .apply_user_created(&mut txn, &at, &event)
        .await
        .expect("apply");
    store
        .set_version(&mut txn, at.position)
        .await
        .expect("version");
    store.commit(txn).await.expect("commit");
    event.id
}

/// One write transaction applying `apply`'s event.
macro_rules! transaction {
    ($store:expr, $clock:expr, $apply:ident, $event:expr) => {{
        let mut txn = $store.begin_write().await.expect("begin");
        let at = $clock.next();
        $store.$apply(&mut txn, &at, &$event).await.expect("apply");
        $store
            .set_version(&mut txn, at.position)
            .await
            .expect("version");
        $store.commit(txn).await.expect("commit");
    }};
}

/// N tickets created and assigned, one transaction each: the transactions
/// per second and each one's latency.
async fn commands<S: Store>(store: S, tickets: usize) -> (f64, Vec<Duration>) {
    let mut clock = Clock(0);
    let author = user(&store, &mut clock).await;
    let assignee = user(&store, &mut clock).await;
    let mut latencies = Vec::with_capacity(2 * tickets);
    let started = Instant::now();
    for _ in 0..tickets {
        let ticket = created(author);
        let assigned = UserAssignedToTicket {
            user: assignee,
            ticket: ticket.id,
            by: author,
        };
        let at = Instant::now();
        transaction!(store, clock, apply_ticket_created, ticket);
        latencies.push(at.elapsed());
        let at = Instant::now();
        transaction!(store, clock, apply_user_assigned_to_ticket, assigned);
        latencies.push(at.elapsed());
    }
    (
        latencies.len() as f64 / started.elapsed().as_secs_f64(),
        latencies,
    )
}

/// The store filled with `size` tickets by one author, in one
/// transaction: their ids and the author.
async fn filled<S: Store>(
    store: &S,
    clock: &mut Clock,
    size: usize,
) -> (Vec<id::Ticket>, id::User) {
    let author = user(store, clock).await;
    let mut ids = Vec::with_capacity(size);
    let mut txn = store.begin_write().await.expect("begin");
    for _ in 0..size {
        let ticket = created(author);
        ids.push(ticket.id);
        let at = clock.next();
        store
            .apply_ticket_created(&mut txn, &at, &ticket)
            .await
            .expect("apply");
    }
    store.set_version(&mut txn, clock.0).await.expect("version");
    store.commit(txn).await.expect("commit");
    (ids, author)
}

/// The median latency of a write transaction (a title changed) on a
/// projection of `size` tickets, filled in one transaction.
async fn one_transaction<S: Store>(store: S, size: usize, samples: usize) -> Duration {
    let mut clock = Clock(0);
    let (ids, author) = filled(&store, &mut clock, size).await;
    let title = TicketTitle::new("Renamed").expect("title");
    let mut latencies = Vec::with_capacity(samples);
    for n in 0..samples {
        let changed = TicketTitleChanged {
            ticket: ids[(n * 7919) % ids.len()],
            new_title: title.clone(),
            by: author,
        };
        let at = Instant::now();
        transaction!(store, clock, apply_ticket_title_changed, changed);
        latencies.push(at.elapsed());
    }
    percentile(&mut latencies, 0.5)
}

fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

async fn commands_row<S: Store>(label: &str, make: impl Fn() -> S, tickets: usize) {
    let (mut rates, mut latencies) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let (rate, mut lat) = commands(make(), tickets).await;
        rates.push(rate);
        latencies.append(&mut lat);
    }
    println!(
        "| {label} | {tickets} | {:.0} | {:.2} µs | {:.2} µs |",
        median(&mut rates),
        micros(percentile(&mut latencies, 0.5)),
        micros(percentile(&mut latencies, 0.99)),
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        println!("## Tickets commands on the store (created, then assigned; one transaction each)");
        println!();
        println!("| store | tickets | transactions/s (median of 5) | p50 | p99 |");
        println!("| --- | --- | --- | --- | --- |");
        commands_row(
            "MemoryStore kit, tables (Overlaid)",
            service::tickets::TicketsStore::default,
            50_000,
        )
        .await;
        commands_row(
            "hand-written undo log",
            undo_log_tickets::TicketsStore::new,
            50_000,
        )
        .await;
        println!();
        println!("## One write transaction (a title changed) by projection size");
        println!();
        println!("| store | 1,000 tickets | 100,000 tickets | 1,000,000 tickets |");
        println!("| --- | --- | --- | --- |");
        let (mut tables, mut undo) = (Vec::new(), Vec::new());
        for size in [1_000, 100_000, 1_000_000] {
            tables.push(
                one_transaction(service::tickets::TicketsStore::default(), size, 20_000).await,
            );
            undo.push(
                one_transaction(undo_log_tickets::TicketsStore::default(), size, 20_000).await,
            );
        }
        for (label, row) in [
            ("MemoryStore kit, tables (Overlaid)", tables),
            ("hand-written undo log", undo),
        ] {
            println!(
                "| {label} | {:.2} µs | {:.2} µs | {:.2} µs |",
                micros(row[0]),
                micros(row[1]),
                micros(row[2])
            );
        }
    });
    reads::report();
}
