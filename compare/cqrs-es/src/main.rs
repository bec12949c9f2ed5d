//! The cqrs-es 0.5 baseline of goesgen's `engine_overhead` benchmark: the
//! tickets commands as a user writes them, String ids, one caller, on
//! `cqrs_es::mem_store::MemStore` through `CqrsFramework` (no queries), on
//! a current-thread tokio runtime.
//!
//! - Tickets: N tickets created, then each assigned to a user (2N
//!   commands).
//! - A hot ticket assigned and unassigned alternately, after 5,000 and
//!   after 500,000 events of history on it.
//!
//! MemStore prints two lines to stdout on every command ("loading: …",
//! "storing: …"); while measuring, stdout is pointed at /dev/null and the
//! table is written to the original stdout. `cargo run --release`;
//! `--quick` runs a tenth of every size.

// The id generator of goesgen's bench, so that both sides pay the same
// for an id (random-looking v4-UUID-shaped text, from a seed here).
#[allow(dead_code)]
#[path = "../../../benches/support/string_ids.rs"]
mod string_ids;
mod ticket;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsFd, AsRawFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cqrs_es::event_sink::EventSink;
use cqrs_es::mem_store::MemStore;
use cqrs_es::{Aggregate, AggregateError, CqrsFramework, EventEnvelope, EventStore};

use string_ids::Ids;
use ticket::{Ticket, TicketCommand, TicketError, TicketEvent, TicketServices};

type Store = MemStore<Ticket>;
type Cqrs = CqrsFramework<Ticket, Store>;

/// Rounds of each scenario; the figures are their medians.
const ROUNDS: usize = 5;
/// Tickets of the first scenario.
const TICKETS: usize = 50_000;
/// (history, measured commands, rounds) of the hot ticket. MemStore loads
/// (and clones) all of a ticket's events on every command and clones them
/// again to commit, so a command costs time in proportion to the history:
/// the measured commands are kept few beside the history, so that it
/// hardly grows while measuring (the goesgen side measures 50,000).
const HOT: [(u64, u64, usize); 2] = [(5_000, 1_000, ROUNDS), (500_000, 200, 3)];

/// One round's framework, over a new MemStore, with two known users.
struct Setup {
    store: Store,
    cqrs: Cqrs,
    services: TicketServices,
    author: String,
    assignee: String,
    ids: Ids,
}

fn setup(seed: u64) -> Setup {
    let mut ids = Ids(seed);
    let (author, assignee) = (ids.next_id(), ids.next_id());
    let services = TicketServices {
        users: Arc::new(HashSet::from([author.clone(), assignee.clone()])),
    };
    let store = Store::default();
    let cqrs = CqrsFramework::new(store.clone(), vec![], services.clone());
    Setup {
        store,
        cqrs,
        services,
        author,
        assignee,
        ids,
    }
}

fn create(id: String, author: &str) -> TicketCommand {
    TicketCommand::CreateTicket {
        id,
        title: "A ticket".to_string(),
        description: "What it is about".to_string(),
        author: author.to_string(),
    }
}

/// The hot ticket's `n`th command after its creation: assign, then
/// unassign, alternately.
fn hot_command(n: u64, user: &str) -> TicketCommand {
    let user = user.to_string();
    if n.is_multiple_of(2) {
        TicketCommand::AssignUser { user }
    } else {
        TicketCommand::UnassignUser { user }
    }
}

/// Runs `count` hot commands from the `from`th on `ticket` through the
/// aggregate's own `handle`, as `CqrsFramework::execute` does, and commits
/// their events to the store at once. Committing them one by one would
/// cost time in proportion to the square of the history (MemStore clones
/// the ticket's events twice a command): hours for 500,000.
async fn append_history(setup: &Setup, ticket: &str, from: u64, count: u64) {
    let mut context = setup.store.load_aggregate(ticket).await.expect("load");
    let sink = EventSink::default();
    for n in from..from + count {
        context
            .aggregate
            .handle(hot_command(n, &setup.assignee), &setup.services, &sink)
            .await
            .expect("history command");
    }
    let events = sink.collect().await;
    assert_eq!(events.len() as u64, count, "one event a history command");
    setup
        .store
        .commit(events, context, HashMap::new())
        .await
        .expect("commit history");
}

async fn events_of(store: &Store, ticket: &str) -> Vec<EventEnvelope<Ticket>> {
    store.load_events(ticket).await.expect("load events")
}

/// Checks every event's sequence number (1, 2, …) and aggregate id.
fn check_sequence(events: &[EventEnvelope<Ticket>], ticket: &str) {
    for (i, envelope) in events.iter().enumerate() {
        assert_eq!(envelope.sequence, i + 1, "sequence");
        assert_eq!(envelope.aggregate_id, ticket, "aggregate id");
    }
}

fn user_error(result: Result<(), AggregateError<TicketError>>) -> TicketError {
    match result {
        Err(AggregateError::UserError(error)) => error,
        Err(other) => panic!("expected a TicketError, got {other}"),
        Ok(()) => panic!("expected a TicketError, the command succeeded"),
    }
}

/// The aggregate refuses what goesgen's Tickets service refuses, and a
/// history appended at once is the one the framework writes command by
/// command.
async fn self_check() {
    let mut s = setup(1);
    let ticket = s.ids.next_id();
    let stranger = s.ids.next_id();
    let assign = |user: &str| TicketCommand::AssignUser {
        user: user.to_string(),
    };
    let unassign = |user: &str| TicketCommand::UnassignUser {
        user: user.to_string(),
    };
    let e = user_error(s.cqrs.execute(&ticket, assign(&s.assignee)).await);
    assert_eq!(e, TicketError::NoSuchTicket);
    let e = user_error(
        s.cqrs
            .execute(&ticket, create(ticket.clone(), &stranger))
            .await,
    );
    assert!(matches!(e, TicketError::NoSuchUser { .. }));
    s.cqrs
        .execute(&ticket, create(ticket.clone(), &s.author))
        .await
        .expect("create");
    let e = user_error(
        s.cqrs
            .execute(&ticket, create(ticket.clone(), &s.author))
            .await,
    );
    assert!(matches!(e, TicketError::AlreadyExists { .. }));
    let e = user_error(s.cqrs.execute(&ticket, unassign(&s.assignee)).await);
    assert!(matches!(e, TicketError::NotAssigned { .. }));
    let e = user_error(s.cqrs.execute(&ticket, assign(&stranger)).await);
    assert!(matches!(e, TicketError::NoSuchUser { .. }));
    s.cqrs
        .execute(&ticket, assign(&s.assignee))
        .await
        .expect("assign");
    let e = user_error(s.cqrs.execute(&ticket, assign(&s.assignee)).await);
    assert!(matches!(e, TicketError::AlreadyAssigned { .. }));
    assert_eq!(
        events_of(&s.store, &ticket).await.len(),
        2,
        "refusals store nothing"
    );

    // The same 64 hot commands: through the framework in one store, at
    // once in another.
    let (one_by_one, at_once) = (setup(2), setup(2));
    let ticket = Ids(3).next_id();
    for s in [&one_by_one, &at_once] {
        s.cqrs
            .execute(&ticket, create(ticket.clone(), &s.author))
            .await
            .expect("create");
    }
    for n in 0..64 {
        one_by_one
            .cqrs
            .execute(&ticket, hot_command(n, &one_by_one.assignee))
            .await
            .expect("hot command");
    }
    append_history(&at_once, &ticket, 0, 64).await;
    let (a, b) = (
        events_of(&one_by_one.store, &ticket).await,
        events_of(&at_once.store, &ticket).await,
    );
    assert_eq!(a.len(), 65);
    check_sequence(&a, &ticket);
    check_sequence(&b, &ticket);
    let payloads = |events: &[EventEnvelope<Ticket>]| -> Vec<TicketEvent> {
        events.iter().map(|e| e.payload.clone()).collect()
    };
    assert_eq!(payloads(&a), payloads(&b), "history appended at once");
}

struct Round {
    rate: f64,
    p50: Duration,
}

fn round(commands: usize, elapsed: Duration, mut latencies: Vec<Duration>) -> Round {
    assert_eq!(latencies.len(), commands);
    latencies.sort_unstable();
    Round {
        rate: commands as f64 / elapsed.as_secs_f64(),
        p50: latencies[latencies.len() / 2],
    }
}

/// N tickets created, then each assigned: 2N commands.
async fn tickets_round(n: usize, seed: u64) -> Round {
    let mut s = setup(seed);
    let mut tickets = Vec::with_capacity(n);
    let mut latencies = Vec::with_capacity(2 * n);
    let started = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        let id = s.ids.next_id();
        s.cqrs
            .execute(&id, create(id.clone(), &s.author))
            .await
            .expect("create");
        latencies.push(t.elapsed());
        tickets.push(id);
    }
    for id in &tickets {
        let t = Instant::now();
        let command = TicketCommand::AssignUser {
            user: s.assignee.clone(),
        };
        s.cqrs.execute(id, command).await.expect("assign");
        latencies.push(t.elapsed());
    }
    let elapsed = started.elapsed();

    let mut stored = 0;
    for id in &tickets {
        let events = events_of(&s.store, id).await;
        check_sequence(&events, id);
        assert!(matches!(
            events[0].payload,
            TicketEvent::TicketCreated { .. }
        ));
        assert_eq!(
            events[1].payload,
            TicketEvent::UserAssignedToTicket {
                ticket: id.clone(),
                user: s.assignee.clone(),
            }
        );
        stored += events.len();
    }
    assert_eq!(stored, 2 * n, "events in the store");
    round(2 * n, elapsed, latencies)
}

/// The hot ticket: created, `history` commands appended, then `measured`
/// commands through the framework.
async fn hot_round(history: u64, measured: u64, seed: u64) -> Round {
    let mut s = setup(seed);
    let ticket = s.ids.next_id();
    s.cqrs
        .execute(&ticket, create(ticket.clone(), &s.author))
        .await
        .expect("create");
    append_history(&s, &ticket, 0, history).await;

    let mut latencies = Vec::with_capacity(measured as usize);
    let started = Instant::now();
    for n in history..history + measured {
        let t = Instant::now();
        s.cqrs
            .execute(&ticket, hot_command(n, &s.assignee))
            .await
            .expect("hot command");
        latencies.push(t.elapsed());
    }
    let elapsed = started.elapsed();

    let events = events_of(&s.store, &ticket).await;
    assert_eq!(
        events.len() as u64,
        1 + history + measured,
        "events in the store"
    );
    check_sequence(&events, &ticket);
    for (n, envelope) in events[1..].iter().enumerate() {
        let assigned = matches!(envelope.payload, TicketEvent::UserAssignedToTicket { .. });
        assert_eq!(assigned, n % 2 == 0, "assign and unassign alternate");
    }
    let ticket = s.store.load_aggregate(&ticket).await.expect("load");
    let assigned = (history + measured) % 2 == 1;
    assert_eq!(ticket.aggregate.assignees.len(), usize::from(assigned));
    round(measured as usize, elapsed, latencies)
}

/// The time MemStore's two log lines of a command take to print, with
/// stdout where it is while measuring.
fn log_lines_cost(ticket: &str) -> Duration {
    let lines = 100_000u32;
    let started = Instant::now();
    for n in 0..lines {
        println!("loading: {} events for aggregate ID '{}'", n, ticket);
        println!("storing: {} new events for aggregate ID '{}'", 1, ticket);
    }
    started.elapsed() / lines
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn median_duration(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    values[values.len() / 2]
}

/// A latency in µs, or in ms from 1 ms on.
fn latency(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1_000.0 {
        format!("{us:.2} µs")
    } else {
        format!("{:.2} ms", us / 1_000.0)
    }
}

/// Commands/s, whole from 100 on, digits grouped.
fn rate(per_second: f64) -> String {
    if per_second < 100.0 {
        format!("{per_second:.1}")
    } else {
        grouped(per_second.round() as u64)
    }
}

/// 1234567 as "1,234,567".
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Points stdout (fd 1) at /dev/null, where MemStore's per-command lines
/// go, and returns the original stdout for the table.
fn silence_stdout() -> File {
    io::stdout().flush().expect("flush stdout");
    let original = io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .expect("duplicate stdout");
    let null = File::options()
        .write(true)
        .open("/dev/null")
        .expect("open /dev/null");
    // SAFETY: dup2 on two file descriptors that are open (fd 1, and
    // `null`, alive until the end of this function); fd 1 then refers to
    // /dev/null, and `original` keeps the terminal or file it referred to.
    let done = unsafe { libc::dup2(null.as_raw_fd(), libc::STDOUT_FILENO) };
    assert!(done >= 0, "dup2: {}", io::Error::last_os_error());
    File::from(original)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let scale = if quick { 10 } else { 1 };
    let mut out = silence_stdout();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // The cqrs-es version is the one in Cargo.lock.
    writeln!(
        out,
        "## cqrs-es 0.5 MemStore: one caller, the tickets commands\n"
    )
    .expect("write");
    writeln!(out, "| scenario | commands/s | p50 latency per command |").expect("write");
    writeln!(out, "| --- | --- | --- |").expect("write");
    let mut row = |label: String, rounds: Vec<Round>| {
        let p50 = median_duration(rounds.iter().map(|r| r.p50).collect());
        let per_second = median(rounds.iter().map(|r| r.rate).collect());
        writeln!(out, "| {label} | {} | {} |", rate(per_second), latency(p50)).expect("write");
    };
    runtime.block_on(async {
        self_check().await;
        eprintln!("self-check passed");

        let n = TICKETS / scale;
        let mut rounds = Vec::new();
        for r in 0..ROUNDS {
            rounds.push(tickets_round(n, 100 + r as u64).await);
            eprintln!("tickets: round {} of {ROUNDS}", r + 1);
        }
        row(
            format!(
                "{} tickets created, then assigned ({} commands, {ROUNDS} rounds)",
                grouped(n as u64),
                grouped(2 * n as u64)
            ),
            rounds,
        );

        for (history, measured, count) in HOT {
            let history = history / scale as u64;
            let mut rounds = Vec::new();
            for r in 0..count {
                rounds.push(hot_round(history, measured, 200 + r as u64).await);
                eprintln!(
                    "hot ticket, {history} of history: round {} of {count}",
                    r + 1
                );
            }
            row(
                format!(
                    "hot ticket, {} commands after {} events of history ({count} rounds)",
                    grouped(measured),
                    grouped(history)
                ),
                rounds,
            );
        }
    });
    let cost = log_lines_cost("00000000-0000-4000-8000-000000000000");
    writeln!(
        out,
        "\nMemStore prints two lines to stdout per command (here to /dev/null): {} of each command above.",
        latency(cost)
    )
    .expect("write");
}
