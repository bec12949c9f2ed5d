//! The tickets example's `Tickets` service on goesgen's test kit: the `Ticket` state machine's paths as the schema's table declares
//! them; a batch from another writer holding an event the table forbids,
//! rolled back whole; and the in-memory store's rollback of a transaction
//! rolled back or dropped.

use goesgen::Store as _;

use super::*;
use crate::schema::events::{EventKind, UserAssignedToTicket, UserUnassignedFromTicket};
use crate::schema::tickets::TicketsStore as _;
use crate::service::tickets::lifecycle;

#[test]
fn the_state_machine_paths_the_table_declares() {
    use TicketState::*;
    // Assigning: to InProgress where declared, else staying where declared.
    assert_eq!(lifecycle::assigned(New), Ok(New));
    assert_eq!(lifecycle::assigned(InProgress), Ok(InProgress));
    assert_eq!(lifecycle::assigned(Stalled), Ok(InProgress));
    assert!(lifecycle::assigned(Closed).is_err());
    // Unassigning the last assignee stalls; another keeps it in progress.
    assert_eq!(lifecycle::unassigned(InProgress, 0), Ok(Stalled));
    assert_eq!(lifecycle::unassigned(InProgress, 1), Ok(InProgress));
    for from in [New, Stalled, Closed] {
        let error = lifecycle::unassigned(from, 0).unwrap_err();
        assert_eq!(
            (error.event, error.to),
            ("UserUnassignedFromTicket", "Stalled")
        );
    }
    // Closing closes, once.
    for from in [New, InProgress, Stalled] {
        assert_eq!(lifecycle::closed(from), Ok(Closed));
    }
    assert!(lifecycle::closed(Closed).is_err());
    // Comments and edits keep the state, except on a closed ticket.
    for kind in [
        EventKind::TicketCommented,
        EventKind::TicketTitleChanged,
        EventKind::TicketDescriptionChanged,
    ] {
        for from in [New, InProgress, Stalled] {
            assert_eq!(lifecycle::unchanged(from, kind), Ok(from));
        }
        assert!(lifecycle::unchanged(Closed, kind).is_err());
    }
}

#[tokio::test]
async fn an_event_the_table_forbids_rolls_the_whole_batch_back() {
    let board = board().await;
    let service = board.t.service();
    let version = service.projection_version().await.unwrap();
    // Another writer appends, in one batch, a valid assignment and an
    // unassignment the table forbids (out of New).
    let assigned = UserAssignedToTicket {
        user: board.b,
        ticket: board.ticket,
        by: board.a,
    };
    let unassigned = UserUnassignedFromTicket {
        user: board.b,
        ticket: board.ticket,
        by: board.a,
    };
    let error = board
        .t
        .given([assigned.into(), unassigned.into()])
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("UserUnassignedFromTicket"),
        "{error}"
    );
    // Nothing of the batch shows: the rollback took the assignment back.
    assert_eq!(service.projection_version().await.unwrap(), version);
    let ticket = board.read().await;
    assert!(ticket.assignees.is_empty());
    assert_eq!(ticket.state, TicketState::New);
}

#[tokio::test]
async fn a_rolled_back_or_dropped_transaction_changes_nothing() {
    let board = board().await;
    let store = board.t.service().store();
    // A read held open across the transactions below: it keeps its version.
    let before = store.begin_read().await.unwrap();
    let at = goesgen::Recorded {
        position: 99,
        recorded_at: std::time::SystemTime::now(),
    };
    {
        let mut txn = store.begin_write().await.unwrap();
        let (_, c) = user_created("User C");
        let Event::UserCreated(c) = c else {
            unreachable!()
        };
        store.apply_user_created(&mut txn, &at, &c).await.unwrap();
        let assigned = UserAssignedToTicket {
            user: c.id,
            ticket: board.ticket,
            by: board.a,
        };
        store
            .apply_user_assigned_to_ticket(&mut txn, &at, &assigned)
            .await
            .unwrap();
        store.set_version(&mut txn, 99).await.unwrap();
        assert!(txn.has_user(&c.id));
        store.rollback(txn).await.unwrap();
    }
    assert_eq!(*store.begin_read().await.unwrap(), *before);
    {
        // Dropped unfinished, as a cancelled future drops it.
        let mut txn = store.begin_write().await.unwrap();
        store.set_version(&mut txn, 77).await.unwrap();
    }
    assert_eq!(*store.begin_read().await.unwrap(), *before);
    assert_ne!(store.begin_read().await.unwrap().version(), 77);
}
