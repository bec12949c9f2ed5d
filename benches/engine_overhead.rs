//! What the engine adds to a command: the tickets commands as a user writes
//! them, run by the generated `TicketsService` on `MemoryLog`, against the
//! same methods and store driven by hand over a bare log.
//!
//! The schema is the tickets example's file, unchanged, generated here with
//! `String` ids (`support/string_ids.rs`). The store is a user's: std maps
//! behind a `tokio::sync` lock with an undo log
//! (`support/string_tickets_store.rs`); the methods are the bench's own
//! (`support/string_tickets_methods.rs`), with a user's checks. One caller,
//! `ServiceOptions::default()`, a current-thread runtime. Two users are
//! appended to the log first (the Tickets service subscribes to
//! `UserCreated`): one calls, the other is assigned.
//!
//! The bare log is a `std::sync::Mutex<Vec<NewEvent>>`: per command a write
//! transaction, the method, each event converted to the schema's `Event`,
//! applied and encoded (`goesgen::codec::to_new_event`) and pushed, the
//! version set, the commit.
//!
//! - Tickets: N = 50,000 tickets created, then each assigned (2N commands).
//! - A hot ticket: one ticket assigned and unassigned in turn, 50,000
//!   commands measured after 5,000 and after 500,000 events of history;
//!   the history is built with the same commands through the same driver
//!   (not prebuilt events), and not timed.
//!
//! The engine runs each scenario twice: on the hand-written undo-log store,
//! and on goesgen's memory kit with the same methods
//! (`support/string_tickets_kit.rs`: the kit's `Table` and `Set` in
//! `MemoryStore<_, Overlaid>`, the apply functions only), as a user who
//! follows the README writes it; the kit's column and its ratio to the
//! undo-log store's are per round too.
//!
//! Each run checks what it did: the tickets, their assignees and states,
//! the log's head and the projection's version.
//!
//! `cargo bench --all-features --bench engine_overhead` (`-- --quick`
//! scales every count down 10×; `-- --rounds N`, default 7; `-- --profile`
//! runs one driver once, see [`profile`]). A round runs
//! the engine then the bare loop; rates are medians over rounds, and the
//! ratio and the overhead (`1/engine − 1/bare` per command) are medians of
//! each round's, which a shared machine's drifting load disturbs less.

// The schema's types of methods the scenarios never call, and the stats
// helpers other benches use.
#![allow(dead_code)]

#[path = "../examples/tickets/domain.rs"]
mod domain;
#[path = "support/string_ids.rs"]
mod id;
#[path = "support/string_tickets_methods.rs"]
mod methods;
#[path = "support/tickets_schema.rs"]
mod schema;
#[path = "support/tickets_io.rs"]
mod service;
#[path = "support/stats.rs"]
mod stats;
#[path = "support/string_tickets_store.rs"]
mod store;

/// The same methods on the memory kit's tables.
#[path = "support"]
mod kit {
    // On purpose: the methods' file is compiled a second time, against
    // the kit's store (its `super::store`).
    #[allow(clippy::duplicate_mod)]
    #[path = "string_tickets_methods.rs"]
    pub mod methods;
    #[path = "string_tickets_kit.rs"]
    pub mod store;
}

pub use domain::{InvalidValue, TicketCommentMessage, TicketDescription, TicketTitle, UserName};

use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use goesgen::{
    Condition, MemoryLog, NewEvent, Recorded, ServiceOptions, SharedLog, Store as _, StoreError,
};
use methods::Tickets;
use schema::events::{Event, UserCreated};
use schema::projections::TicketState;
use schema::tickets::{TicketsMethods, TicketsService, TicketsStore as ServiceStore};
use service::tickets::io::{AssignUserToTicketIn, CreateTicketIn, UnassignUserFromTicketIn};
use stats::median;
use store::{TicketsStore, Write};

fn new_ticket() -> CreateTicketIn {
    CreateTicketIn {
        title: TicketTitle::new("A ticket").expect("title"),
        description: TicketDescription::new("What it is about").expect("description"),
    }
}

fn user_created(n: u64) -> UserCreated {
    UserCreated {
        id: id::new(),
        name: UserName::new(format!("User {n}")).expect("name"),
    }
}

fn encode(event: &Event) -> NewEvent {
    goesgen::codec::to_new_event(event).expect("encode")
}

/// What the checks read of a store: the version, how many tickets and
/// whether each is assigned once and in progress; one ticket's assignees
/// and state.
trait Inspect {
    async fn seen(&self) -> (u64, usize, bool);
    async fn ticket(&self, id: &id::Ticket) -> Option<(usize, TicketState)>;
}

/// [`Inspect`] for a store whose read transactions deref to a projection
/// with `tickets()` and `ticket(id)`.
macro_rules! inspect {
    ($store:ty) => {
        impl Inspect for $store {
            async fn seen(&self) -> (u64, usize, bool) {
                let mut read = self.begin_read().await.expect("read");
                let version = self.read_version(&mut read).await.expect("version");
                let once = read
                    .tickets()
                    .all(|t| t.assignees.len() == 1 && t.state == TicketState::InProgress);
                (version, read.tickets().count(), once)
            }

            async fn ticket(&self, id: &id::Ticket) -> Option<(usize, TicketState)> {
                let read = self.begin_read().await.expect("read");
                read.ticket(id).map(|t| (t.assignees.len(), t.state))
            }
        }
    };
}

inspect!(TicketsStore);
inspect!(kit::store::TicketsStore);

/// The commands of the scenarios, and what the checks read.
trait Driver {
    type Store: Inspect;
    async fn create(&self) -> id::Ticket;
    async fn assign(&self, ticket: &id::Ticket);
    async fn unassign(&self, ticket: &id::Ticket);
    /// The store the commands change.
    fn store(&self) -> &Self::Store;
    /// How many events the log holds.
    async fn head(&self) -> u64;
}

// ---- through the engine ----------------------------------------------------

struct Engine<M: TicketsMethods> {
    tickets: TicketsService<M>,
    store: M::Store,
    log: SharedLog,
    caller: id::User,
    assignee: id::User,
}

/// The engine on the undo-log store.
async fn engine() -> Engine<Tickets> {
    engine_on(Tickets).await
}

/// The engine on the memory kit's tables.
async fn engine_kit() -> Engine<kit::methods::Tickets> {
    engine_on(kit::methods::Tickets).await
}

async fn engine_on<M>(methods: M) -> Engine<M>
where
    M: TicketsMethods<Context = id::User>,
    M::Store: Default + Clone,
{
    let log: SharedLog = MemoryLog::shared();
    let (caller, assignee) = (user_created(1), user_created(2));
    let (caller_id, assignee_id) = (caller.id.clone(), assignee.id.clone());
    let users = vec![encode(&caller.into()), encode(&assignee.into())];
    log.append(users, Condition::None).await.expect("users");
    let store = M::Store::default();
    let tickets = TicketsService::new(
        methods,
        store.clone(),
        log.clone(),
        ServiceOptions::default(),
    );
    tickets.sync().await.expect("sync");
    Engine {
        tickets,
        store,
        log,
        caller: caller_id,
        assignee: assignee_id,
    }
}

impl<M> Driver for Engine<M>
where
    M: TicketsMethods<Context = id::User>,
    M::Store: Inspect,
{
    type Store = M::Store;

    async fn create(&self) -> id::Ticket {
        let done = self.tickets.create_ticket(&self.caller, new_ticket()).await;
        done.expect("create").output.id
    }

    async fn assign(&self, ticket: &id::Ticket) {
        let input = AssignUserToTicketIn {
            user: self.assignee.clone(),
            ticket: ticket.clone(),
        };
        let done = self
            .tickets
            .assign_user_to_ticket(&self.caller, input)
            .await;
        done.expect("assign");
    }

    async fn unassign(&self, ticket: &id::Ticket) {
        let input = UnassignUserFromTicketIn {
            user: self.assignee.clone(),
            ticket: ticket.clone(),
        };
        let done = self.tickets.unassign_user_from_ticket(&self.caller, input);
        done.await.expect("unassign");
    }

    fn store(&self) -> &M::Store {
        &self.store
    }

    async fn head(&self) -> u64 {
        self.log.head().await.expect("head")
    }
}

// ---- by hand, over a bare log ----------------------------------------------

struct Bare {
    store: TicketsStore,
    log: Mutex<Vec<NewEvent>>,
    caller: id::User,
    assignee: id::User,
}

async fn bare() -> Bare {
    let (caller, assignee) = (user_created(1), user_created(2));
    let bare = Bare {
        store: TicketsStore::default(),
        // Room for the largest scenario up front: the lower bound never
        // pays for a doubling (the engine's MemoryLog grows in chunks).
        log: Mutex::new(Vec::with_capacity(1 << 20)),
        caller: caller.id.clone(),
        assignee: assignee.id.clone(),
    };
    let txn = bare.store.begin_write().await.expect("begin");
    bare.commit(txn, vec![caller, assignee]).await;
    bare
}

/// `event` applied to the store, as the generated service's adapter
/// dispatches it (the Tickets service subscribes to every event).
async fn apply(
    store: &TicketsStore,
    txn: &mut Write,
    at: &Recorded,
    event: &Event,
) -> Result<(), StoreError> {
    match event {
        Event::TicketCreated(e) => store.apply_ticket_created(txn, at, e).await,
        Event::TicketClosed(e) => store.apply_ticket_closed(txn, at, e).await,
        Event::TicketCommented(e) => store.apply_ticket_commented(txn, at, e).await,
        Event::UserAssignedToTicket(e) => store.apply_user_assigned_to_ticket(txn, at, e).await,
        Event::UserUnassignedFromTicket(e) => {
            store.apply_user_unassigned_from_ticket(txn, at, e).await
        }
        Event::TicketDescriptionChanged(e) => {
            store.apply_ticket_description_changed(txn, at, e).await
        }
        Event::TicketTitleChanged(e) => store.apply_ticket_title_changed(txn, at, e).await,
        Event::UserCreated(e) => store.apply_user_created(txn, at, e).await,
    }
}

impl Bare {
    fn next_at(&self) -> Recorded {
        Recorded {
            position: self.log.lock().expect("log").len() as u64 + 1,
            recorded_at: SystemTime::now(),
        }
    }

    /// Applies, encodes and pushes `events`, sets the version and commits.
    async fn commit<E: Into<Event>>(&self, mut txn: Write, events: Vec<E>) {
        for event in events {
            let event: Event = event.into();
            let at = self.next_at();
            apply(&self.store, &mut txn, &at, &event)
                .await
                .expect("apply");
            self.log.lock().expect("log").push(encode(&event));
        }
        let version = self.log.lock().expect("log").len() as u64;
        self.store
            .set_version(&mut txn, version)
            .await
            .expect("version");
        self.store.commit(txn).await.expect("commit");
    }
}

impl Driver for Bare {
    type Store = TicketsStore;

    async fn create(&self) -> id::Ticket {
        let mut txn = self.store.begin_write().await.expect("begin");
        let (out, events) = Tickets
            .create_ticket(&self.caller, &mut txn, new_ticket())
            .await
            .expect("create");
        self.commit(txn, events).await;
        out.id
    }

    async fn assign(&self, ticket: &id::Ticket) {
        let mut txn = self.store.begin_write().await.expect("begin");
        let input = AssignUserToTicketIn {
            user: self.assignee.clone(),
            ticket: ticket.clone(),
        };
        let ((), events) = Tickets
            .assign_user_to_ticket(&self.caller, &mut txn, input)
            .await
            .expect("assign");
        self.commit(txn, events).await;
    }

    async fn unassign(&self, ticket: &id::Ticket) {
        let mut txn = self.store.begin_write().await.expect("begin");
        let input = UnassignUserFromTicketIn {
            user: self.assignee.clone(),
            ticket: ticket.clone(),
        };
        let ((), events) = Tickets
            .unassign_user_from_ticket(&self.caller, &mut txn, input)
            .await
            .expect("unassign");
        self.commit(txn, events).await;
    }

    fn store(&self) -> &TicketsStore {
        &self.store
    }

    async fn head(&self) -> u64 {
        self.log.lock().expect("log").len() as u64
    }
}

// ---- the scenarios ---------------------------------------------------------

/// Checks that the log holds `events` and the projection reflects them all.
async fn check_head(driver: &impl Driver, events: u64) {
    assert_eq!(driver.head().await, events, "log head");
    assert_eq!(driver.store().seen().await.0, events, "version");
}

/// Commands/s of `n` tickets created, then each assigned.
async fn tickets_rate(driver: impl Driver, n: usize) -> f64 {
    let started = Instant::now();
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        ids.push(driver.create().await);
    }
    for id in &ids {
        driver.assign(id).await;
    }
    let rate = (2 * n) as f64 / started.elapsed().as_secs_f64();
    let (_, tickets, once) = driver.store().seen().await;
    assert_eq!(tickets, n, "tickets");
    assert!(once, "every ticket assigned once");
    check_head(&driver, 2 + 2 * n as u64).await;
    rate
}

/// Assigns the hot ticket on even `n`, unassigns it on odd.
async fn toggle(driver: &impl Driver, ticket: &id::Ticket, n: u64) {
    if n.is_multiple_of(2) {
        driver.assign(ticket).await;
    } else {
        driver.unassign(ticket).await;
    }
}

/// Commands/s of one ticket assigned and unassigned in turn, `measured`
/// commands after `history` of them.
async fn hot_rate(driver: impl Driver, history: u64, measured: u64) -> f64 {
    let ticket = driver.create().await;
    for n in 0..history {
        toggle(&driver, &ticket, n).await;
    }
    let started = Instant::now();
    for n in history..history + measured {
        toggle(&driver, &ticket, n).await;
    }
    let rate = measured as f64 / started.elapsed().as_secs_f64();
    let assigned = !(history + measured).is_multiple_of(2);
    let (assignees, state) = driver.store().ticket(&ticket).await.expect("hot ticket");
    assert_eq!(assignees, usize::from(assigned), "assignees");
    let expected = if assigned {
        TicketState::InProgress
    } else {
        TicketState::Stalled
    };
    assert_eq!(state, expected, "state");
    check_head(&driver, 3 + history + measured).await;
    rate
}

/// One table row. Each round runs the engine and then the bare loop, so the
/// ratio and the overhead are taken per round (the two ran under the same
/// load) and their medians reported, beside the median rates.
fn row(label: &str, engine: &mut [f64], kit: &mut [f64], bare: &mut [f64]) {
    let mut kit_ratios: Vec<f64> = kit.iter().zip(engine.iter()).map(|(k, e)| k / e).collect();
    let (kit, kit_ratio) = (median(kit), median(&mut kit_ratios));
    let mut ratios: Vec<f64> = engine.iter().zip(bare.iter()).map(|(e, b)| e / b).collect();
    let mut overheads: Vec<f64> = engine
        .iter()
        .zip(bare.iter())
        .map(|(e, b)| (1.0 / e - 1.0 / b) * 1e6)
        .collect();
    let (ratio, overhead) = (median(&mut ratios), median(&mut overheads));
    let (engine, bare) = (median(engine), median(bare));
    println!(
        "| {label} | {engine:.0} | {kit:.0} | {kit_ratio:.2} | {bare:.0} | {ratio:.2} | {overhead:.2} µs |"
    );
}

/// The value after `flag` on the command line, if given.
fn arg(flag: &str) -> Option<String> {
    std::env::args().skip_while(|a| a != flag).nth(1)
}

/// `--profile <engine|bare>-<tickets|hot> [--count N]`: one run of one
/// driver, for a profiler or an instruction counter (run it at two counts
/// and divide the difference by theirs, so that setup and history cancel
/// out): N tickets created then assigned, or N hot-ticket commands after
/// 5,000 of history (default 50,000).
async fn profile(which: &str) {
    let count: u64 = arg("--count").map_or(50_000, |n| n.parse().expect("--count N"));
    let rate = match which {
        "engine-tickets" => tickets_rate(engine().await, count as usize).await,
        "bare-tickets" => tickets_rate(bare().await, count as usize).await,
        "engine-hot" => hot_rate(engine().await, 5_000, count).await,
        "bare-hot" => hot_rate(bare().await, 5_000, count).await,
        "kit-tickets" => tickets_rate(engine_kit().await, count as usize).await,
        "kit-hot" => hot_rate(engine_kit().await, 5_000, count).await,
        other => panic!(
            "--profile {other}: engine-tickets, bare-tickets, kit-tickets, engine-hot, bare-hot or kit-hot"
        ),
    };
    println!("{which}, {count}: {rate:.0} commands/s");
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let scale = if quick { 10 } else { 1 };
    let rounds = arg("--rounds").map_or(7, |n| n.parse().expect("--rounds N"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    if let Some(which) = arg("--profile") {
        runtime.block_on(profile(&which));
        return;
    }
    runtime.block_on(async {
        println!("## Engine overhead: one caller, MemoryLog, Tickets with String ids");
        println!();
        println!("Medians of {rounds} rounds (ratio and overhead: medians of each round's).");
        println!();
        println!(
            "| scenario | engine, undo-log store: commands/s | engine, memory kit (tables): commands/s | kit / undo log | bare log: commands/s | ratio | overhead per command |"
        );
        println!("| --- | --- | --- | --- | --- | --- | --- |");
        let n = 50_000 / scale;
        let (mut e, mut k, mut b) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            e.push(tickets_rate(engine().await, n).await);
            k.push(tickets_rate(engine_kit().await, n).await);
            b.push(tickets_rate(bare().await, n).await);
        }
        row(&format!("{n} tickets created, then assigned"), &mut e, &mut k, &mut b);
        let measured = 50_000 / scale as u64;
        for history in [5_000 / scale as u64, 500_000 / scale as u64] {
            let (mut e, mut k, mut b) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..rounds {
                e.push(hot_rate(engine().await, history, measured).await);
                k.push(hot_rate(engine_kit().await, history, measured).await);
                b.push(hot_rate(bare().await, history, measured).await);
            }
            row(
                &format!("hot ticket assigned/unassigned, {measured} commands after {history} of history"),
                &mut e,
                &mut k,
                &mut b,
            );
        }
    });
}
