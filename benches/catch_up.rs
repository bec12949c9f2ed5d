//! Catching a fresh store up with a long log: 1,000,000 events of the
//! tickets example's schema (1,000 users created, then tickets each
//! created, assigned, commented, retitled and closed), in a `MemoryLog`
//! and in an SQLite log file, synced from position 0 into
//!
//! - the memory kit: the example's own `Tickets` service and store, as it
//!   stands (`examples/tickets/service/tickets/store.rs`);
//! - the SQLite kit: the same projection in tables
//!   (`support/sqlite_tickets.rs`, cached prepared statements), in a
//!   database file (WAL, `synchronous = FULL`, the kit's defaults).
//!
//! Reports events per second (events applied over the sync's wall time,
//! median of rounds; a fresh store each round), and the process's peak
//! resident memory during the syncs (the most of the rounds, reset before
//! each; Linux only), beside the size of the SQLite log's file: a
//! catch-up reads the log a few batches at a time, so the peak is what
//! the store holds plus that, not the log. `--read-batch` sets how many
//! records one read covers, `--sync-batch` how many one store
//! transaction of the sync covers; each may list several to compare.
//!
//! `cargo bench --bench catch_up` (harness-less: prints a table).
//! Options: `-- --events N` (default 1,000,000), `--rounds N` (default 3),
//! `--kit memory|sqlite|count|all` (`count`: a projection that only counts,
//! the cost beside the store), `--breakdown` (also time reading, and
//! reading and decoding, the whole log), `--log memory|sqlite|postgres|all`
//! (`postgres`: a new table in the database `GOESGEN_TEST_POSTGRES`
//! names, with `--features postgres`; not in `all`),
//! `--read-batch N[,N...]`, `--sync-batch N[,N...]` (default: the
//! engine's), `--store-pragma SQL`
//! (run on the SQLite kit's store before the sync, e.g. `PRAGMA
//! synchronous = NORMAL`).

#![allow(dead_code, unused_imports)]

#[path = "../examples/tickets/auth.rs"]
mod auth;
#[path = "../examples/tickets/domain.rs"]
mod domain;
#[path = "../examples/tickets/id.rs"]
mod id;
#[path = "support/peak_memory.rs"]
mod peak_memory;
#[path = "support/postgres_log.rs"]
mod postgres_log;
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

use std::convert::Infallible;
use std::time::Instant;

use goesgen::codec::EventSet;
use goesgen::log::KindFilter;
use goesgen::service::Runner;
use goesgen::{
    Condition, MemoryLog, MemoryStore, NewEvent, Position, Recorded, ServiceOptions, SharedLog,
    SqliteLog, Store, StoreError,
};

use auth::Caller;
use schema::events::{
    Event, TicketClosed, TicketCommented, TicketCreated, TicketDescriptionChanged,
    TicketTitleChanged, UserAssignedToTicket, UserCreated, UserUnassignedFromTicket,
};
use schema::projections::TicketState;
use service::tickets::{Tickets, TicketsService, TicketsStore};
use sqlite_tickets::SqlTicketsStore;
use stats::median;

/// The users created before the tickets.
const USERS: usize = 1_000;
/// Events per append while the log is built.
const APPEND: usize = 5_000;

struct Args {
    events: usize,
    rounds: usize,
    kits: Vec<&'static str>,
    logs: Vec<&'static str>,
    read_batches: Vec<Option<usize>>,
    sync_batches: Vec<Option<usize>>,
    breakdown: bool,
    store_pragma: Option<String>,
}

fn args() -> Args {
    let mut parsed = Args {
        events: 1_000_000,
        rounds: 3,
        kits: vec!["memory", "sqlite"],
        logs: vec!["memory", "sqlite"],
        read_batches: vec![None],
        sync_batches: vec![None],
        breakdown: false,
        store_pragma: None,
    };
    let mut args = std::env::args().skip(1);
    let both = |value: &str| -> Vec<&'static str> {
        match value {
            "memory" => vec!["memory"],
            "sqlite" => vec!["sqlite"],
            "postgres" => vec!["postgres"],
            "count" => vec!["count"],
            _ => vec!["memory", "sqlite"],
        }
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_default();
        match arg.as_str() {
            "--events" => parsed.events = value().parse().expect("--events N"),
            "--rounds" => parsed.rounds = value().parse().expect("--rounds N"),
            "--kit" => parsed.kits = both(&value()),
            "--log" => parsed.logs = both(&value()),
            "--read-batch" => {
                parsed.read_batches = value()
                    .split(',')
                    .map(|n| Some(n.parse().expect("--read-batch N[,N...]")))
                    .collect();
            }
            "--sync-batch" => {
                parsed.sync_batches = value()
                    .split(',')
                    .map(|n| Some(n.parse().expect("--sync-batch N[,N...]")))
                    .collect();
            }
            "--breakdown" => parsed.breakdown = true,
            "--store-pragma" => parsed.store_pragma = Some(value()),
            _ => {} // cargo bench passes --bench
        }
    }
    parsed
}

/// The history, in appends of [`APPEND`] events: [`USERS`] users, then
/// tickets each created, assigned, commented, retitled and closed, up to
/// `events` events in all. Returns the last ticket's id and its author.
fn history(events: usize, mut append: impl FnMut(Vec<NewEvent>)) -> (id::Ticket, id::User) {
    let users: Vec<id::User> = (0..USERS).map(|_| id::User::new()).collect();
    let description = TicketDescription::new("Seeded by the catch-up bench").expect("description");
    let title = TicketTitle::new("A ticket").expect("title");
    let retitled = TicketTitle::new("A ticket, retitled").expect("title");
    let message = TicketCommentMessage::new("Looking into it").expect("message");
    let mut batch = Vec::with_capacity(APPEND);
    let mut written = 0;
    let mut push = |event: Event, batch: &mut Vec<NewEvent>| {
        batch.push(event.to_new_event().expect("encode"));
        written += 1;
        if batch.len() == APPEND {
            append(std::mem::replace(batch, Vec::with_capacity(APPEND)));
        }
        written
    };
    for user in &users {
        let name = UserName::new(format!("user-{user}")).expect("name");
        push(UserCreated { id: *user, name }.into(), &mut batch);
    }
    let mut n = 0usize;
    let last = 'tickets: loop {
        let ticket = id::Ticket::new();
        let author = users[n % USERS];
        let assignee = users[(n * 7 + 1) % USERS];
        n += 1;
        let lifecycle: [Event; 5] = [
            TicketCreated {
                id: ticket,
                title: title.clone(),
                description: description.clone(),
                author,
            }
            .into(),
            UserAssignedToTicket {
                user: assignee,
                ticket,
                by: author,
            }
            .into(),
            TicketCommented {
                id: id::Comment::new(),
                ticket,
                message: message.clone(),
                by: assignee,
            }
            .into(),
            TicketTitleChanged {
                ticket,
                new_title: retitled.clone(),
                by: author,
            }
            .into(),
            TicketClosed { ticket, by: author }.into(),
        ];
        for event in lifecycle {
            if push(event, &mut batch) >= events {
                break 'tickets (ticket, author);
            }
        }
    };
    if !batch.is_empty() {
        append(batch);
    }
    last
}

/// A log of `events` events; returns it, the last ticket's id and its
/// author, and for an SQLite log its database file.
async fn build_log(
    kind: &str,
    events: usize,
) -> (
    SharedLog,
    (id::Ticket, id::User),
    Option<std::path::PathBuf>,
) {
    let (log, path): (SharedLog, _) = match kind {
        "memory" => (MemoryLog::shared(), None),
        "postgres" => (postgres_log::open_postgres("catch_up", "log").await, None),
        _ => {
            let path = scratch::sqlite_path("catch-up-bench", "log");
            let log = SqliteLog::open(&path)
                .await
                .expect("open the SQLite log")
                .shared();
            (log, Some(path))
        }
    };
    // Appended as they are made: the history is never whole in memory
    // beside the log.
    let last = {
        let (send, mut receive) = tokio::sync::mpsc::channel::<Vec<NewEvent>>(2);
        let appender = {
            let log = log.clone();
            tokio::spawn(async move {
                while let Some(batch) = receive.recv().await {
                    log.append(batch, Condition::None).await.expect("append");
                }
            })
        };
        let last = tokio::task::spawn_blocking(move || {
            history(events, |batch| {
                send.blocking_send(batch).expect("appender");
            })
        })
        .await
        .expect("history");
        appender.await.expect("appender");
        last
    };
    (log, last, path)
}

/// The bytes of the SQLite database at `path` with its write-ahead log.
fn database_bytes(path: &std::path::Path) -> u64 {
    ["", "-wal"]
        .iter()
        .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", path.display())).ok())
        .map(|metadata| metadata.len())
        .sum()
}

/// How a round reads and commits: the read batch and the sync batch
/// (`None`: the engine's default).
#[derive(Debug, Clone, Copy)]
struct Batches(Option<usize>, Option<usize>);

fn options(Batches(read, sync): Batches) -> ServiceOptions {
    let mut options = ServiceOptions::default();
    if let Some(records) = read {
        options = options.read_batch(records);
    }
    if let Some(records) = sync {
        options = options.sync_batch(records);
    }
    options
}

/// One sync of a fresh memory-kit store: events per second.
async fn memory_round(
    log: &SharedLog,
    (last, author): (id::Ticket, id::User),
    batches: Batches,
) -> f64 {
    let tickets = TicketsService::new(
        Tickets,
        TicketsStore::default(),
        log.clone(),
        options(batches),
    );
    let started = Instant::now();
    let version = tickets.sync().await.expect("sync");
    let elapsed = started.elapsed();
    assert_eq!(version, log.head().await.expect("head"), "caught up");
    let ticket = tickets
        .get_ticket_by_id(&Caller::User(author), last)
        .await
        .expect("the last ticket");
    assert!(
        matches!(ticket.state, TicketState::New | TicketState::Closed),
        "{:?}",
        ticket.state
    );
    version as f64 / elapsed.as_secs_f64()
}

/// A projection that only counts the events applied to it: what a
/// catch-up costs beside the store (reading, decoding, the engine).
#[derive(Debug, Clone, Default)]
struct Counted(u64);

impl schema::tickets::TicketsInMemory for Counted {
    fn apply_user_created(&mut self, _: &Recorded, _: &UserCreated) -> Result<(), StoreError> {
        self.0 += 1;
        Ok(())
    }
    fn apply_ticket_created(&mut self, _: &Recorded, _: &TicketCreated) -> Result<(), StoreError> {
        self.0 += 1;
        Ok(())
    }
    fn apply_ticket_closed(&mut self, _: &Recorded, _: &TicketClosed) -> Result<(), StoreError> {
        self.0 += 1;
        Ok(())
    }
    fn apply_ticket_commented(
        &mut self,
        _: &Recorded,
        _: &TicketCommented,
    ) -> Result<(), StoreError> {
        self.0 += 1;
        Ok(())
    }
    fn apply_user_assigned_to_ticket(
        &mut self,
        _: &Recorded,
        _: &UserAssignedToTicket,
    ) -> Result<(), StoreError> {
        self.0 += 1;
        Ok(())
    }
    fn apply_user_unassigned_from_ticket(
        &mut self,
        _: &Recorded,
        _: &UserUnassignedFromTicket,
    ) -> Result<(), StoreError> {
        self.0 += 1;
        Ok(())
    }
    fn apply_ticket_description_changed(
        &mut self,
        _: &Recorded,
        _: &TicketDescriptionChanged,
    ) -> Result<(), StoreError> {
        self.0 += 1;
        Ok(())
    }
    fn apply_ticket_title_changed(
        &mut self,
        _: &Recorded,
        _: &TicketTitleChanged,
    ) -> Result<(), StoreError> {
        self.0 += 1;
        Ok(())
    }
}

/// One sync of a fresh counting projection: events per second.
async fn count_round(log: &SharedLog, batches: Batches) -> f64 {
    let runner = Runner::<schema::tickets::Subscriptions<MemoryStore<Counted>>, Infallible>::new(
        MemoryStore::default(),
        log.clone(),
        options(batches),
    );
    let started = Instant::now();
    let version = runner.sync().await.expect("sync");
    let elapsed = started.elapsed();
    let read = runner.store().begin_read().await.expect("read");
    assert_eq!(read.0, version, "every event counted");
    version as f64 / elapsed.as_secs_f64()
}

/// One sync of a fresh SQLite-kit store (a new database file): events per
/// second.
async fn sqlite_round(log: &SharedLog, batches: Batches, pragma: Option<String>) -> f64 {
    let path = scratch::sqlite_path("catch-up-bench", "store");
    let store = sqlite_tickets::open(&path);
    if let Some(pragma) = pragma {
        store
            .setup(move |db| db.execute_batch(&pragma))
            .await
            .expect("--store-pragma");
    }
    let runner = Runner::<schema::tickets::Subscriptions<SqlTicketsStore>, Infallible>::new(
        store,
        log.clone(),
        options(batches),
    );
    let started = Instant::now();
    let version = runner.sync().await.expect("sync");
    let elapsed = started.elapsed();
    assert_eq!(version, log.head().await.expect("head"), "caught up");
    let tickets: i64 = runner
        .store()
        .setup(|db| db.query_row("SELECT count(*) FROM tickets", [], |row| row.get(0)))
        .await
        .expect("count");
    assert!(tickets > 0, "tickets applied");
    drop(runner);
    sqlite_tickets::remove(&path);
    version as f64 / elapsed.as_secs_f64()
}

/// What a catch-up costs before the store: the whole log read in batches
/// of `read_batch` records, then read and decoded; events per second.
async fn breakdown(log: &SharedLog, read_batch: usize) -> (f64, f64) {
    let mut rates = [0.0; 2];
    for (decode, rate) in rates.iter_mut().enumerate() {
        let started = Instant::now();
        let mut after = 0;
        let mut events = 0usize;
        loop {
            let batch = log
                .read(after, &KindFilter::All, read_batch)
                .await
                .expect("read");
            for record in &batch.records {
                if decode == 1 {
                    let event =
                        Event::decode_payload(&record.kind, &record.payload).expect("decode");
                    std::hint::black_box(&event);
                }
                events += 1;
            }
            after = batch.through;
            if after >= batch.head {
                break;
            }
        }
        *rate = events as f64 / started.elapsed().as_secs_f64();
    }
    (rates[0], rates[1])
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = args();
    println!(
        "Catch-up of {} tickets events from position 0, medians of {} rounds",
        args.events, args.rounds
    );
    println!();
    println!("| log | store kit | read / sync batch | events/s (median) | rounds | peak RSS MiB |");
    println!("| --- | --- | ---: | ---: | --- | ---: |");
    for log_kind in &args.logs {
        let (log, last, path) = build_log(log_kind, args.events).await;
        if let Some(path) = &path {
            println!(
                "| {log_kind} | (the log's file: {} MiB) | | | | |",
                peak_memory::mib(Some(database_bytes(path)))
            );
        }
        if args.breakdown {
            let batch = ServiceOptions::default().batch_records();
            let (mut read, mut decoded) = (Vec::new(), Vec::new());
            for _ in 0..args.rounds {
                let (r, d) = breakdown(&log, batch).await;
                read.push(r);
                decoded.push(d);
            }
            println!(
                "| {log_kind} | (read only) | {batch} | {:.0} | | |",
                median(&mut read)
            );
            println!(
                "| {log_kind} | (read, decode) | {batch} | {:.0} | | |",
                median(&mut decoded)
            );
        }
        for kit in &args.kits {
            let batches = args
                .read_batches
                .iter()
                .flat_map(|read| args.sync_batches.iter().map(|sync| Batches(*read, *sync)));
            for sizes in batches {
                let mut rates = Vec::with_capacity(args.rounds);
                let mut peak = Some(0);
                for _ in 0..args.rounds {
                    peak_memory::reset_peak();
                    let rate = match *kit {
                        "memory" => memory_round(&log, last, sizes).await,
                        "count" => count_round(&log, sizes).await,
                        _ => sqlite_round(&log, sizes, args.store_pragma.clone()).await,
                    };
                    rates.push(rate);
                    peak = peak
                        .zip(peak_memory::peak_resident())
                        .map(|(a, b)| a.max(b));
                }
                let shown: Vec<String> = rates.iter().map(|r| format!("{:.0}", r)).collect();
                let options = options(sizes);
                let (read, sync) = (options.batch_records(), options.sync_batch_records());
                println!(
                    "| {log_kind} | {kit} | {read} / {sync} | {:.0} | {} | {} |",
                    median(&mut rates),
                    shown.join(" / "),
                    peak_memory::mib(peak)
                );
            }
        }
    }
}
