//! The contracts, validated rather than only produced (features `http`,
//! which brings `contracts`, and `sqlite`): the documents of the tickets
//! example parsed by a JSON Schema validator (the crate `jsonschema`)
//! against the official meta-schemas checked in under `tests/contracts/`,
//! and real traffic checked against them.
//!
//! - `documents`: the OpenAPI document against the OpenAPI 3.1 schema,
//!   the AsyncAPI document against the AsyncAPI 3.0.0 schema, the events'
//!   JSON Schema and every schema the documents define against JSON
//!   Schema's own meta-schemas; what each says of the example.
//! - `routes`: every route the routers serve is in the document and every
//!   documented route is served.
//! - `responses`: real responses of the tickets services, successes and
//!   each problem, valid against their documented schemas (and the
//!   requests against theirs).
//! - `events`: every event of the example's scenario valid against the
//!   events' JSON Schema and against its AsyncAPI message.
//! - `validate`: the validators: a schema at a JSON pointer of a document.
//!
//! The example's modules are compiled into this crate at its root, where
//! the schema's type references expect them.

#[path = "../examples/tickets/auth.rs"]
#[allow(dead_code)]
mod auth;
#[path = "http/counter.rs"]
mod counter;
#[path = "../examples/tickets/domain.rs"]
#[allow(dead_code)]
mod domain;
#[path = "../examples/tickets/id.rs"]
#[allow(dead_code)]
mod id;
#[path = "../examples/tickets/scenario.rs"]
#[allow(dead_code)]
mod scenario;
#[path = "../examples/tickets/schema.rs"]
#[allow(dead_code)]
mod schema;
#[path = "../examples/tickets/serve.rs"]
#[allow(dead_code)]
mod serve;
#[path = "../examples/tickets/service/mod.rs"]
#[allow(dead_code)]
mod service;

#[path = "support/server.rs"]
mod server;

#[path = "contracts/documents.rs"]
mod documents;
#[path = "contracts/events.rs"]
mod events;
#[path = "contracts/responses.rs"]
mod responses;
#[path = "contracts/routes.rs"]
mod routes;
#[path = "contracts/validate.rs"]
mod validate;

pub use domain::{InvalidValue, TicketCommentMessage, TicketDescription, TicketTitle, UserName};
pub use server::Server;

use std::sync::Arc;

use goesgen::http::HttpOptions;
use goesgen::{ServiceOptions, SharedLog};

/// The example's Users and Tickets services on `log` behind one router,
/// with `http` (each serving its OpenAPI document if `http` asks).
pub async fn tickets_server(log: SharedLog, http: HttpOptions) -> Server {
    let users = Arc::new(service::users::UsersService::new(
        service::users::Users,
        service::users::store::in_memory().unwrap(),
        log.clone(),
        ServiceOptions::default(),
    ));
    let tickets = Arc::new(service::tickets::TicketsService::new(
        service::tickets::Tickets,
        service::tickets::TicketsStore::default(),
        log,
        ServiceOptions::default(),
    ));
    let router = serve::users_router(users, http)
        .reset_fallback()
        .merge(serve::tickets_router(tickets, http));
    Server::start(router).await
}
