//! Services over HTTP (feature `http`): the generated routers served on
//! 127.0.0.1 (ephemeral ports) and called through the generated clients.
//!
//! - `processes`: the tickets scenario with Users and Tickets in two
//!   processes on one SQLite log (the test binary re-executed), against
//!   the same scenario in process; a third process, Tickets again, reads a
//!   ticket the other wrote once it is told the position.
//! - `errors`: every error of the server as a request: status, problem
//!   code, and what was appended.
//! - `keys`: idempotency keys as the HTTP draft describes them: checked
//!   after the caller, scoped to the method and the caller, kept with the
//!   request's fingerprint.
//! - `retries`: a call whose response was lost, repeated with the same
//!   `Idempotency-Key`, appends once; a bounded load run of 64 concurrent
//!   callers loses and duplicates nothing.
//!
//! The example's modules are compiled into this crate at its root, where
//! the schema's type references expect them.

#[path = "../examples/tickets/auth.rs"]
#[allow(dead_code)]
mod auth;
#[path = "support/child.rs"]
mod child;
#[path = "../examples/tickets/domain.rs"]
#[allow(dead_code)]
mod domain;
#[path = "../examples/tickets/id.rs"]
#[allow(dead_code)]
mod id;
#[path = "../examples/tickets/remote.rs"]
#[allow(dead_code)]
mod remote;
#[path = "../examples/tickets/scenario.rs"]
#[allow(dead_code)]
mod scenario;
#[path = "../examples/tickets/schema.rs"]
#[allow(dead_code)]
mod schema;
#[path = "support/scratch.rs"]
mod scratch;
#[path = "../examples/tickets/serve.rs"]
#[allow(dead_code)]
mod serve;
#[path = "support/server.rs"]
mod server;
#[path = "../examples/tickets/service/mod.rs"]
#[allow(dead_code)]
mod service;

#[path = "http/counter.rs"]
mod counter;
#[path = "http/errors.rs"]
mod errors;
#[path = "http/keys.rs"]
mod keys;
#[path = "http/processes.rs"]
mod processes;
#[path = "http/retries.rs"]
mod retries;

pub use domain::{InvalidValue, TicketCommentMessage, TicketDescription, TicketTitle, UserName};
pub use server::Server;

use std::path::PathBuf;

/// The example's Users and Tickets services on `log`, behind one router.
pub async fn tickets_server(log: goesgen::SharedLog) -> Server {
    let options = goesgen::ServiceOptions::default();
    let users = std::sync::Arc::new(service::users::UsersService::new(
        service::users::Users,
        service::users::store::in_memory().unwrap(),
        log.clone(),
        options.clone(),
    ));
    let tickets = std::sync::Arc::new(service::tickets::TicketsService::new(
        service::tickets::Tickets,
        service::tickets::TicketsStore::default(),
        log,
        options,
    ));
    let http = goesgen::http::HttpOptions::default();
    let router = serve::users_router(users, http)
        .reset_fallback()
        .merge(serve::tickets_router(tickets, http));
    Server::start(router).await
}

/// A path for a new database file under cargo's scratch directory.
pub fn fresh_path(name: &str) -> PathBuf {
    scratch::sqlite_path("http", name)
}
