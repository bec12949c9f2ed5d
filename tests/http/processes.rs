//! The tickets scenario over HTTP with Users and Tickets in two processes
//! on one SQLite log: the test re-executes its own binary, each child
//! serving one service on 127.0.0.1 (an ephemeral port) until its stdin
//! closes (`tests/support/child.rs`). The parent runs the scenario through the generated clients and
//! compares it with the same scenario in process; a third child, Tickets
//! again and never syncing by itself, reads a ticket the other Tickets
//! wrote only once the request names the position.

use std::sync::Arc;
use std::time::Duration;

use goesgen::http::{HttpClient, HttpOptions, RequestOptions};
use goesgen::{KindFilter, MemoryLog, ServiceOptions, SharedLog};

use super::fresh_path;
use crate::child::{ChildServer, serve_until_stdin_closes};
use crate::schema::events::{Event, EventKind};
use crate::schema::tickets::TicketsClient;
use crate::service::tickets::{Tickets, TicketsService, TicketsStore};
use crate::service::users::{Users, UsersService};

/// Names the child's service; unset in a normal test run.
const TASK: &str = "GOESGEN_HTTP_CHILD";
/// The SQLite log file the children share.
const LOG: &str = "GOESGEN_HTTP_LOG";
/// How long a child serves at most if its parent never closes its stdin.
const MAX_SERVE: Duration = Duration::from_secs(120);

/// Starts a child serving `service` on the log at `path`.
fn start(service: &str, path: &str) -> ChildServer {
    ChildServer::start("processes::child_server", &[(TASK, service), (LOG, path)])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scenario_over_http_in_two_processes_matches_the_one_in_process() {
    let path = fresh_path("processes");
    let shown = path.display().to_string();
    // Create the log file before the children open it.
    drop(goesgen::SqliteLog::open(&path).await.unwrap());
    let (tickets, users, reader) = tokio::task::spawn_blocking(move || {
        (
            start("tickets", &shown),
            start("users", &shown),
            start("tickets", &shown),
        )
    })
    .await
    .unwrap();

    let mut narration = Vec::new();
    let remote = crate::remote::run(&users.url, &tickets.url, &mut narration)
        .await
        .unwrap();
    let text = String::from_utf8(narration).unwrap();

    // The same steps in process.
    let memory = MemoryLog::shared();
    let local = crate::scenario::run(
        memory.clone(),
        crate::service::users::store::in_memory().unwrap(),
        &mut Vec::new(),
    )
    .await
    .unwrap();
    assert_eq!(remote.ticket.title, local.ticket.title);
    assert_eq!(remote.ticket.description, local.ticket.description);
    assert_eq!(remote.ticket.state, local.ticket.state);
    assert_eq!(remote.ticket.author, remote.user_a.0);
    assert_eq!(remote.ticket.assignees, vec![remote.user_b.0]);
    assert_eq!(local.ticket.assignees, vec![local.user_b.0]);
    assert_eq!(remote.names, ["User A", "User B"], "{text}");
    assert!(!remote.user_a.1 && !remote.user_b.1);
    use goesgen::http::MethodProblem;
    assert_eq!(remote.refused, local.refused.problem().code);
    assert_eq!(remote.refused, "illegal-move");

    // The same events, in the same order, as the scenario's first five.
    let log = goesgen::SqliteLog::open(&path).await.unwrap().shared();
    let kinds = |events: Vec<Event>| events.iter().map(Event::kind).collect::<Vec<_>>();
    let over_http = kinds(events_in(&log).await);
    let in_process = kinds(events_in(&memory).await);
    assert_eq!(over_http.len(), 5, "{over_http:?}");
    assert_eq!(over_http[..], in_process[..5]);
    assert_eq!(remote.last_position, 5);
    assert_eq!(
        over_http,
        [
            EventKind::UserCreated,
            EventKind::UserCreated,
            EventKind::TicketCreated,
            EventKind::UserAssignedToTicket,
            EventKind::TicketClosed,
        ]
    );

    // The third process, Tickets again, synced when it started (an empty
    // log) and not since: without the position it does not even know the
    // caller; told the position, it catches up before it answers.
    let as_a =
        TicketsClient::new(HttpClient::new(&reader.url).bearer(&remote.user_a.0.to_string()));
    let unknown = as_a.get_ticket_by_id(remote.ticket.id).await.unwrap_err();
    assert_eq!(unknown.code(), Some("unknown-caller"), "{unknown}");
    let seen = as_a
        .get_ticket_by_id_with(
            remote.ticket.id,
            RequestOptions::new().seen(remote.last_position),
        )
        .await
        .unwrap();
    assert_eq!(seen.id, remote.ticket.id);
    assert_eq!(seen.state, crate::schema::projections::TicketState::Closed);
    drop((tickets, users, reader));
}

async fn events_in(log: &SharedLog) -> Vec<Event> {
    let batch = log.read(0, &KindFilter::All, 10_000).await.unwrap();
    batch
        .records
        .iter()
        .map(|r| Event::from_record(&r.kind, &r.payload).unwrap())
        .collect()
}

/// Child: serves the service `GOESGEN_HTTP_CHILD` names on the log
/// `GOESGEN_HTTP_LOG` until its stdin closes (or [`MAX_SERVE`]). It syncs
/// once when it starts and never follows the log: only writes and the
/// seen position move its projection.
///
/// Ignored: the test above runs it, in a child process, with `--ignored
/// --exact` and its environment. Run any other way (`--ignored` alone) it
/// fails rather than pass without serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a child process of the test above, which runs it"]
async fn child_server() {
    let task = std::env::var(TASK).unwrap_or_else(|_| {
        panic!("{TASK} is unset: this is a child process's entry point, run by its parent test")
    });
    let path = std::env::var(LOG).unwrap();
    let log = goesgen::SqliteLog::open(path).await.unwrap().shared();
    let options = HttpOptions::default();
    let router = match task.as_str() {
        "users" => {
            let users = Arc::new(UsersService::new(
                Users,
                crate::service::users::store::in_memory().unwrap(),
                log,
                ServiceOptions::default(),
            ));
            users.sync().await.unwrap();
            crate::serve::users_router(users, options)
        }
        _ => {
            let tickets = Arc::new(TicketsService::new(
                Tickets,
                TicketsStore::default(),
                log,
                ServiceOptions::default(),
            ));
            tickets.sync().await.unwrap();
            crate::serve::tickets_router(tickets, options)
        }
    };
    serve_until_stdin_closes(router, MAX_SERVE).await;
    println!("@@ STOPPED");
}
