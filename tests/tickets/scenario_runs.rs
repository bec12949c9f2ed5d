//! The example's whole scenario on each event log: MemoryLog, SqliteLog
//! (twice on one file: the second run finds the first run's users and
//! tickets) and PostgresLog (from `GOESGEN_TEST_POSTGRES`).

use super::*;
use crate::schema::projections::TicketState;
use crate::service::tickets::TicketsError;

/// Runs the scenario on `log` and checks what every run must show;
/// returns the outcome and the narration.
async fn run(log: SharedLog) -> (scenario::Outcome, String) {
    let mut out = Vec::new();
    let outcome = scenario::run(
        log,
        crate::service::users::store::in_memory().unwrap(),
        &mut out,
    )
    .await
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(outcome.ticket.title.as_str(), "Example Ticket");
    assert_eq!(outcome.ticket.author, outcome.user_a.0);
    assert_eq!(outcome.ticket.assignees, vec![outcome.user_b.0]);
    assert_eq!(outcome.ticket.state, TicketState::New);
    let (before, after) = outcome.versions;
    // Without sync_after_push the instance's own writes (the ticket and its
    // assignment) reach its projection only through the sync.
    assert_eq!(
        after,
        before + 2,
        "the sync applied the ticket and the assignment"
    );
    assert!(matches!(
        &outcome.refused,
        TicketsError::IllegalMove { refused, .. }
            if refused.event == "TicketCommented" && refused.from == "Closed"
    ));
    assert_eq!(outcome.attempts, 2, "one conflict, one retry");
    assert!(text.contains("Refused: ticket"), "{text}");
    assert!(text.contains("after 2 attempts"), "{text}");
    (outcome, text)
}

/// A first run on a new log: users created, 8 events.
async fn first_run(log: SharedLog) -> scenario::Outcome {
    let (outcome, _) = run(log).await;
    assert_eq!(outcome.head_at_start, 0);
    assert!(!outcome.user_a.1 && !outcome.user_b.1);
    assert_eq!(outcome.versions, (2, 4));
    assert_eq!(outcome.head_at_end, 8);
    assert_eq!(outcome.tickets_known, 2);
    outcome
}

#[tokio::test]
async fn the_scenario_on_memory_log() {
    first_run(MemoryLog::shared()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scenario_twice_on_one_sqlite_file() {
    let path = fresh_path("scenario");
    let log = goesgen::open_log(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    let first = first_run(log).await;
    // A second process's view: a new log handle, new stores.
    let log = goesgen::open_log(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    let (second, text) = run(log).await;
    assert_eq!(second.head_at_start, 8);
    assert_eq!(second.user_a, (first.user_a.0, true));
    assert_eq!(second.user_b, (first.user_b.0, true));
    assert_eq!(second.tickets_known, 4);
    assert_eq!(second.head_at_end, 14);
    assert!(
        text.contains("The log holds 8 events from earlier runs"),
        "{text}"
    );
    assert!(text.contains("exists from an earlier run"), "{text}");
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scenario_on_postgres_log() {
    if let Some(log) = goesgen_postgres::testing::fresh_log("tickets").await {
        first_run(std::sync::Arc::new(log)).await;
    }
}
