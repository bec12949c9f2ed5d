//! The tickets services over HTTP (feature `http`): who calls (a bearer
//! token naming the user), how the services' own errors become problems
//! (status and code), and `serve`, which runs Users and Tickets behind one
//! router until Ctrl-C.
//!
//! ```text
//! cargo run --example tickets --features http -- serve --log sqlite:tickets.db --addr 127.0.0.1:8080
//! ```
//!
//! The token is the user's id (`Authorization: Bearer <user id>`; the
//! scheme's name in any case, as HTTP has it): a stand-in for a real
//! session or signed token, which an `Authenticate` implementation would
//! check the same way. The Users methods serve anonymous callers, the
//! Tickets methods need a signed-in user: the OpenAPI document says so
//! ([`security`], [`openapi`]), and each router serves its service's at
//! `GET /<Service>/openapi.json`.

use std::future::Future;
use std::sync::Arc;

use goesgen::SharedLog;
use goesgen::http::openapi::{Security, WithSecurity};
use goesgen::http::{
    Authenticate, HttpOptions, MethodProblem, Parts, Problem, Router, WithKeyScope,
};

use crate::auth::Caller;
use crate::id;
use crate::service::tickets::{TicketsError, TicketsService};
use crate::service::users::{UsersError, UsersService};

/// The caller of a request: `Authorization: Bearer <user id>` is that
/// user (the scheme's name in any case: `bearer`, `BEARER`), no header is
/// anonymous, anything else is refused (401).
pub fn bearer_caller(parts: &Parts) -> Result<Caller, Problem> {
    let Some(value) = parts.headers.get("authorization") else {
        return Ok(Caller::Anonymous);
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|text| text.trim_start().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token)
        .ok_or_else(|| Problem::unauthenticated("expected `Authorization: Bearer <user id>`"))?;
    let user = token
        .trim()
        .parse::<id::User>()
        .map_err(|_| Problem::unauthenticated("the bearer token is not a user id"))?;
    Ok(Caller::User(user))
}

impl MethodProblem for UsersError {
    fn problem(&self) -> Problem {
        match self {
            UsersError::NameTaken { by, .. } => {
                Problem::new(409, "name-taken", "the name is taken")
                    .extension("user", by.to_string())
            }
            UsersError::NotFound(_) => Problem::new(404, "user-not-found", "no such user"),
        }
        .detail(self.to_string())
    }
}

impl MethodProblem for TicketsError {
    fn problem(&self) -> Problem {
        let (status, code, title) = match self {
            TicketsError::Unauthenticated(_) => (401, "unauthenticated", "not authenticated"),
            TicketsError::UnknownCaller(_) => (403, "unknown-caller", "the caller is not a user"),
            TicketsError::UserNotFound(_) => (404, "user-not-found", "no such user"),
            TicketsError::TicketNotFound(_) => (404, "ticket-not-found", "no such ticket"),
            TicketsError::AlreadyAssigned { .. } => {
                (409, "already-assigned", "the user is assigned already")
            }
            TicketsError::NotAssigned { .. } => (422, "not-assigned", "the user is not assigned"),
            TicketsError::IllegalMove { .. } => (
                422,
                "illegal-move",
                "the ticket's state machine refuses the move",
            ),
        };
        Problem::new(status, code, title).detail(self.to_string())
    }
}

/// Who calls, as [`bearer_caller`] says, with each user's idempotency keys
/// kept apart from everyone else's (anonymous callers share theirs),
/// described by [`security`].
pub fn authenticate() -> impl Authenticate<Caller> {
    let scoped = WithKeyScope::new(bearer_caller, |caller: &Caller| match caller {
        Caller::User(user) => Some(user.to_string()),
        Caller::Anonymous => None,
    });
    WithSecurity::new(scoped, security())
}

/// The authenticator as OpenAPI describes it: a bearer token (the user's
/// id), needed by the Tickets methods, not by the Users methods.
pub fn security() -> Security {
    Security::bearer("bearer", "The signed-in user's id as the bearer token.")
        .anonymous_service("Users")
}

/// The OpenAPI 3.1 document of both services, with their security.
///
/// # Errors
/// Where the services define one type name differently.
pub fn openapi() -> Result<serde_json::Value, goesgen::http::openapi::MergeConflict> {
    let both = goesgen::http::openapi::merge(
        "tickets",
        env!("CARGO_PKG_VERSION"),
        &[UsersService::openapi(), TicketsService::openapi()],
    )?;
    Ok(goesgen::http::openapi::secure(both, &security()))
}

/// The router of the Users service.
pub fn users_router(users: Arc<UsersService>, options: HttpOptions) -> Router {
    users.router(authenticate(), options)
}

/// The router of the Tickets service.
pub fn tickets_router(tickets: Arc<TicketsService>, options: HttpOptions) -> Router {
    tickets.router(authenticate(), options)
}

/// Which services a server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Which {
    /// The Users service.
    pub users: bool,
    /// The Tickets service.
    pub tickets: bool,
}

impl Which {
    /// From `users`, `tickets` or `users,tickets`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut which = Which {
            users: false,
            tickets: false,
        };
        for word in text.split(',') {
            match word.trim() {
                "users" => which.users = true,
                "tickets" => which.tickets = true,
                other => return Err(format!("unknown service `{other}`")),
            }
        }
        Ok(which)
    }
}

/// Serves the chosen services of `log` on `listener` until `shutdown`,
/// keeping each one's projection current (`follow`) meanwhile, and prints
/// the address to stdout.
pub async fn serve(
    listener: tokio::net::TcpListener,
    log: SharedLog,
    users_store: crate::service::users::UsersStore,
    which: Which,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), crate::scenario::Error> {
    let mut router = Router::new();
    let mut followers = Vec::new();
    let options = HttpOptions::default().serve_openapi(true);
    let mut names = Vec::new();
    if which.users {
        let users = Arc::new(UsersService::new(
            crate::service::users::Users,
            users_store,
            log.clone(),
            goesgen::ServiceOptions::default(),
        ));
        users.sync().await?;
        followers.push(tokio::spawn({
            let users = users.clone();
            async move { users.follow().await.map(|_| ()).map_err(|e| e.to_string()) }
        }));
        router = router.merge(users_router(users, options).reset_fallback());
        names.push("Users");
    }
    if which.tickets {
        let tickets = Arc::new(TicketsService::new(
            crate::service::tickets::Tickets,
            crate::service::tickets::TicketsStore::default(),
            log.clone(),
            goesgen::ServiceOptions::default(),
        ));
        tickets.sync().await?;
        followers.push(tokio::spawn({
            let tickets = tickets.clone();
            async move {
                tickets
                    .follow()
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }));
        router = router.merge(tickets_router(tickets, options).reset_fallback());
        names.push("Tickets");
    }
    // Each service's router has the 404 fallback; merged, one is kept.
    let router = router.fallback(goesgen::http::unknown_method);
    println!(
        "Serving {} on http://{}",
        names.join(" and "),
        listener.local_addr()?
    );
    let served = goesgen::http::serve(listener, router, shutdown).await;
    for follower in followers {
        follower.abort();
    }
    served?;
    println!("Server stopped");
    Ok(())
}
