//! The tickets example (`examples/tickets/`), tested through its public
//! service API: goesgen's own two service tests ported (`ported`), every
//! `Tickets` method with its successes and refusals and the `Ticket` state
//! machine (`tickets_methods`, on goesgen's test kit), histories from the
//! `Ticket` table applied by its store (`histories`), the `Users` service and its SQL store
//! (`users`), the whole scenario on every log backend (`scenario_runs`), the
//! scenario after `--seed` filled the log (`seeded`), a rebuild as
//! `--rebuild` runs it (`rebuilt`), and the two services
//! as separate processes on one SQLite log (`processes`).
//!
//! The example's modules are compiled into this crate at its root, where
//! the schema's type references (`crate::id::User`, `crate::TicketTitle`,
//! `crate::service::tickets::io::...`) expect them.

#[path = "../examples/tickets/auth.rs"]
#[allow(dead_code)]
mod auth;
#[path = "../examples/tickets/domain.rs"]
#[allow(dead_code)]
mod domain;
#[path = "../examples/tickets/id.rs"]
#[allow(dead_code)]
mod id;
#[path = "../examples/tickets/rebuild.rs"]
mod rebuild;
#[path = "support/rerun.rs"]
mod rerun;
#[path = "../examples/tickets/scenario.rs"]
#[allow(dead_code)]
mod scenario;
#[path = "../examples/tickets/schema.rs"]
#[allow(dead_code)]
mod schema;
#[path = "support/scratch.rs"]
mod scratch;
#[path = "../examples/tickets/seed.rs"]
#[allow(dead_code)]
mod seed;
#[path = "../examples/tickets/service/mod.rs"]
#[allow(dead_code)]
mod service;

#[path = "tickets/histories.rs"]
mod histories;
#[path = "tickets/ported.rs"]
mod ported;
#[path = "tickets/processes.rs"]
mod processes;
#[path = "tickets/rebuilt.rs"]
mod rebuilt;
#[path = "tickets/scenario_runs.rs"]
mod scenario_runs;
#[path = "tickets/seeded.rs"]
mod seeded;
#[path = "tickets/tickets_methods/mod.rs"]
mod tickets_methods;
#[path = "tickets/users.rs"]
mod users;
#[path = "tickets/users_catch_up.rs"]
mod users_catch_up;

pub use domain::{InvalidValue, TicketCommentMessage, TicketDescription, TicketTitle, UserName};

use std::path::PathBuf;

use goesgen::{KindFilter, MemoryLog, ServiceOptions, SharedLog};

use auth::Caller;
use schema::events::{Event, UserCreated};
use service::tickets::{Tickets, TicketsService, TicketsStore};
use service::users::{Users, UsersService};

/// A Tickets and a Users service on one new in-memory log.
pub struct Setup {
    /// The log.
    pub log: SharedLog,
    /// The Users service (SQLite in memory).
    pub users: UsersService,
    /// The Tickets service (in memory).
    pub tickets: TicketsService,
}

impl Setup {
    /// Both services on a new MemoryLog.
    pub fn memory() -> Self {
        Self::on(MemoryLog::shared())
    }

    /// Both services on `log`.
    pub fn on(log: SharedLog) -> Self {
        let users = UsersService::new(
            Users,
            crate::service::users::store::in_memory().unwrap(),
            log.clone(),
            ServiceOptions::default(),
        );
        let tickets = TicketsService::new(
            Tickets,
            TicketsStore::default(),
            log.clone(),
            ServiceOptions::default(),
        );
        Self {
            log,
            users,
            tickets,
        }
    }

    /// Creates the user `name` through the Users service and lets the
    /// Tickets service see it.
    pub async fn user(&self, name: &str) -> id::User {
        let created = self
            .users
            .create_user(
                &Caller::Anonymous,
                service::users::io::CreateUserIn {
                    name: UserName::new(name).unwrap(),
                },
            )
            .await
            .unwrap();
        self.tickets.sync().await.unwrap();
        created.output.id
    }

    /// Appends `events` to the log as another writer would, then syncs the
    /// Tickets service.
    pub async fn append(&self, events: Vec<Event>) {
        let new = events.iter().map(|e| e.to_new_event().unwrap()).collect();
        self.log
            .append(new, goesgen::Condition::None)
            .await
            .unwrap();
        self.tickets.sync().await.unwrap();
    }

    /// The log's head.
    pub async fn head(&self) -> u64 {
        self.log.head().await.unwrap()
    }

    /// Every event in the log, decoded, in order.
    pub async fn events(&self) -> Vec<Event> {
        events_in(&self.log).await
    }
}

/// Every event in `log`, decoded, in order.
pub async fn events_in(log: &SharedLog) -> Vec<Event> {
    let batch = log.read(0, &KindFilter::All, 10_000).await.unwrap();
    batch
        .records
        .iter()
        .map(|r| Event::from_record(&r.kind, &r.payload).unwrap())
        .collect()
}

/// A `UserCreated` event for a new user named `name`.
pub fn user_created(name: &str) -> (id::User, Event) {
    let id = id::User::new();
    let event = UserCreated {
        id,
        name: UserName::new(name).unwrap(),
    };
    (id, event.into())
}

/// The caller signed in as `user`.
pub fn as_user(user: id::User) -> Caller {
    Caller::User(user)
}

/// A path for a new database file under cargo's scratch directory.
pub fn fresh_path(name: &str) -> PathBuf {
    scratch::sqlite_path("tickets", name)
}
