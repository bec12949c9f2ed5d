//! What the engine adds to a command: the tickets example's Tickets service
//! (generated code, the example's methods, its `MemoryStore` projection)
//! on `MemoryLog`, one caller, against the same methods and store driven
//! by hand over a bare log (a mutex around a vector of encoded events):
//! per command a write transaction, the method, its events applied and
//! encoded, the version set, the commit.
//!
//! - Tickets: N tickets created, then each assigned (2N commands).
//! - A hot ticket: one ticket's title changed again and again, measured
//!   after 5,000 and after 500,000 changes of history (the example's
//!   lifecycle does not let a ticket's only assignee be unassigned back
//!   and forth from `New`).
//!
//! `cargo bench --bench engine_overhead`; each figure is the median of
//! rounds. The store is the example's (the methods are written against
//! it), not the hand-written undo-log store of `store_kits`.

#![allow(dead_code, unused_imports)]

#[path = "../examples/tickets/auth.rs"]
mod auth;
#[path = "../examples/tickets/domain.rs"]
mod domain;
#[path = "../examples/tickets/id.rs"]
mod id;
#[path = "../examples/tickets/schema.rs"]
mod schema;
#[path = "../examples/tickets/service/mod.rs"]
mod service;
#[path = "support/stats.rs"]
mod stats;

pub use domain::{InvalidValue, TicketCommentMessage, TicketDescription, TicketTitle, UserName};

use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use goesgen::{Condition, EventLog, MemoryLog, NewEvent, Recorded, ServiceOptions, SharedLog};
use schema::events::{Event, UserCreated};
use schema::tickets::{
    AssignUserToTicketEvent, CreateTicketEvent, TicketsMethods, TicketsStore as Store,
    UpdateTicketEvent,
};
use service::tickets::io::{AssignUserToTicketIn, CreateTicketIn, UpdateTicketIn};
use service::tickets::{Tickets, TicketsService, TicketsStore};
use stats::median;

use auth::Caller;

fn new_ticket() -> CreateTicketIn {
    CreateTicketIn {
        title: TicketTitle::new("A ticket").expect("title"),
        description: TicketDescription::new("What it is about").expect("description"),
    }
}

/// A new title for `ticket`, different from the one before (`n` counts
/// the changes).
fn retitled(ticket: id::Ticket, n: u64) -> UpdateTicketIn {
    let title = if n.is_multiple_of(2) {
        "Title A"
    } else {
        "Title B"
    };
    UpdateTicketIn {
        ticket,
        new_title: Some(TicketTitle::new(title).expect("title")),
        new_description: None,
    }
}

fn user_created(n: u64) -> UserCreated {
    UserCreated {
        id: id::User::new(),
        name: UserName::new(format!("User {n}")).expect("name"),
    }
}

fn encode(event: impl Into<Event>) -> NewEvent {
    goesgen::codec::to_new_event(&event.into()).expect("encode")
}

// ---- through the engine ----------------------------------------------------

struct Engine {
    tickets: TicketsService,
    author: Caller,
    assignee: id::User,
}

async fn engine() -> Engine {
    let log: SharedLog = MemoryLog::shared();
    let (author, assignee) = (user_created(1), user_created(2));
    let (author_id, assignee_id) = (author.id, assignee.id);
    log.append(vec![encode(author), encode(assignee)], Condition::None)
        .await
        .expect("users");
    let tickets = TicketsService::new(
        Tickets,
        TicketsStore::default(),
        log,
        ServiceOptions::default(),
    );
    tickets.sync().await.expect("sync");
    Engine {
        tickets,
        author: Caller::User(author_id),
        assignee: assignee_id,
    }
}

impl Engine {
    async fn create(&self) -> id::Ticket {
        let done = self
            .tickets
            .create_ticket(&self.author, new_ticket())
            .await
            .expect("create");
        done.output.id
    }

    async fn assign(&self, ticket: id::Ticket) {
        let input = AssignUserToTicketIn {
            user: self.assignee,
            ticket,
        };
        self.tickets
            .assign_user_to_ticket(&self.author, input)
            .await
            .expect("assign");
    }

    async fn retitle(&self, ticket: id::Ticket, n: u64) {
        self.tickets
            .update_ticket(&self.author, retitled(ticket, n))
            .await
            .expect("retitle");
    }
}

// ---- by hand, over a bare log ------------------------------------------------

struct Bare {
    store: TicketsStore,
    log: Mutex<Vec<NewEvent>>,
    author: Caller,
    assignee: id::User,
}

async fn bare() -> Bare {
    let store = TicketsStore::default();
    let (author, assignee) = (user_created(1), user_created(2));
    let bare = Bare {
        store,
        log: Mutex::new(Vec::new()),
        author: Caller::User(author.id),
        assignee: assignee.id,
    };
    let mut txn = bare.store.begin_write().await.expect("begin");
    for user in [author, assignee] {
        let at = bare.next_at();
        bare.store
            .apply_user_created(&mut txn, &at, &user)
            .await
            .expect("apply");
        bare.log.lock().expect("log").push(encode(user));
    }
    bare.store.set_version(&mut txn, 2).await.expect("version");
    Store::commit(&bare.store, txn).await.expect("commit");
    bare
}

impl Bare {
    fn next_at(&self) -> Recorded {
        Recorded {
            position: self.log.lock().expect("log").len() as u64 + 1,
            recorded_at: SystemTime::now(),
        }
    }

    async fn create(&self) -> id::Ticket {
        let mut txn = self.store.begin_write().await.expect("begin");
        let (out, events) = Tickets
            .create_ticket(&self.author, &mut txn, new_ticket())
            .await
            .expect("create");
        for event in events {
            let at = self.next_at();
            match &event {
                CreateTicketEvent::TicketCreated(e) => {
                    self.store.apply_ticket_created(&mut txn, &at, e).await
                }
            }
            .expect("apply");
            self.log.lock().expect("log").push(encode(event));
        }
        let version = self.log.lock().expect("log").len() as u64;
        self.store
            .set_version(&mut txn, version)
            .await
            .expect("version");
        Store::commit(&self.store, txn).await.expect("commit");
        out.id
    }

    async fn assign(&self, ticket: id::Ticket) {
        let mut txn = self.store.begin_write().await.expect("begin");
        let input = AssignUserToTicketIn {
            user: self.assignee,
            ticket,
        };
        let ((), events) = Tickets
            .assign_user_to_ticket(&self.author, &mut txn, input)
            .await
            .expect("assign");
        for event in events {
            let at = self.next_at();
            match &event {
                AssignUserToTicketEvent::UserAssignedToTicket(e) => {
                    self.store
                        .apply_user_assigned_to_ticket(&mut txn, &at, e)
                        .await
                }
            }
            .expect("apply");
            self.log.lock().expect("log").push(encode(event));
        }
        let version = self.log.lock().expect("log").len() as u64;
        self.store
            .set_version(&mut txn, version)
            .await
            .expect("version");
        Store::commit(&self.store, txn).await.expect("commit");
    }

    async fn retitle(&self, ticket: id::Ticket, n: u64) {
        let mut txn = self.store.begin_write().await.expect("begin");
        let ((), events) = Tickets
            .update_ticket(&self.author, &mut txn, retitled(ticket, n))
            .await
            .expect("retitle");
        for event in events {
            let at = self.next_at();
            match &event {
                UpdateTicketEvent::TicketTitleChanged(e) => {
                    self.store
                        .apply_ticket_title_changed(&mut txn, &at, e)
                        .await
                }
                UpdateTicketEvent::TicketDescriptionChanged(e) => {
                    self.store
                        .apply_ticket_description_changed(&mut txn, &at, e)
                        .await
                }
            }
            .expect("apply");
            self.log.lock().expect("log").push(encode(event));
        }
        let version = self.log.lock().expect("log").len() as u64;
        self.store
            .set_version(&mut txn, version)
            .await
            .expect("version");
        Store::commit(&self.store, txn).await.expect("commit");
    }
}

// ---- the scenarios -------------------------------------------------------------

macro_rules! tickets_rate {
    ($driver:expr, $n:expr) => {{
        let driver = $driver;
        let started = Instant::now();
        let mut ids = Vec::with_capacity($n);
        for _ in 0..$n {
            ids.push(driver.create().await);
        }
        for id in ids {
            driver.assign(id).await;
        }
        (2 * $n) as f64 / started.elapsed().as_secs_f64()
    }};
}

/// Commands/s of title changes of one ticket after `history` changes of
/// it, over `measured` commands.
macro_rules! hot_rate {
    ($driver:expr, $history:expr, $measured:expr) => {{
        let driver = $driver;
        let ticket = driver.create().await;
        for n in 0..$history {
            driver.retitle(ticket, n).await;
        }
        let started = Instant::now();
        for n in $history..$history + $measured {
            driver.retitle(ticket, n).await;
        }
        $measured as f64 / started.elapsed().as_secs_f64()
    }};
}

fn row(label: &str, engine: &mut [f64], bare: &mut [f64]) {
    let (engine, bare) = (median(engine), median(bare));
    let overhead = (1.0 / engine - 1.0 / bare) * 1e6;
    println!(
        "| {label} | {engine:.0} | {bare:.0} | {:.2} | {overhead:.2} µs |",
        engine / bare
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let scale = if quick { 10 } else { 1 };
    let rounds = 5;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        println!("## Engine overhead: one caller, MemoryLog, the Tickets service");
        println!();
        println!("| scenario | engine: commands/s | bare log: commands/s | ratio | overhead per command |");
        println!("| --- | --- | --- | --- | --- |");
        let n = 50_000 / scale;
        let (mut e, mut b) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            e.push(tickets_rate!(engine().await, n));
            b.push(tickets_rate!(bare().await, n));
        }
        row(&format!("{n} tickets created, then assigned"), &mut e, &mut b);
        let measured = 50_000 / scale as u64;
        for history in [5_000 / scale, 500_000 / scale] {
            let history = history as u64;
            let (mut e, mut b) = (Vec::new(), Vec::new());
            for _ in 0..rounds {
                e.push(hot_rate!(engine().await, history, measured));
                b.push(hot_rate!(bare().await, history, measured));
            }
            row(
                &format!("hot ticket, {measured} commands after {history} of history"),
                &mut e,
                &mut b,
            );
        }
    });
}
