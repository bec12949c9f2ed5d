//! The tickets example's `Tickets` service, end to end on an in-memory
//! log: assigning a user to a ticket and unassigning them, what each
//! appends, and their refusals (an unknown user or ticket, an anonymous
//! caller, a move the `Ticket` table does not declare).

use super::*;
use crate::schema::events::UserAssignedToTicket;

#[tokio::test]
async fn assign_user_to_ticket_and_its_refusals() {
    let board = board().await;
    let tickets = &board.setup.tickets;
    let head = board.setup.head().await;
    let committed = tickets
        .assign_user_to_ticket(&as_user(board.a), board.assign(board.b))
        .await
        .unwrap();
    let expected = UserAssignedToTicket {
        user: board.b,
        ticket: board.ticket,
        by: board.a,
    };
    assert_eq!(committed.events, vec![expected.clone().into()]);
    assert_eq!(board.setup.head().await, head + 1);
    assert_eq!(
        board.setup.events().await.last(),
        Some(&Event::UserAssignedToTicket(expected))
    );
    // The table declares only New -> New for an assignment.
    assert_eq!(board.state().await, TicketState::New);
    let ticket = tickets
        .get_ticket_by_id(&as_user(board.a), board.ticket)
        .await
        .unwrap();
    assert_eq!(ticket.assignees, vec![board.b]);

    let head = head + 1;
    let setup = &board.setup;
    let result = tickets
        .assign_user_to_ticket(&as_user(board.a), board.assign(board.b))
        .await;
    refused(
        setup,
        head,
        result,
        |e| matches!(e, TicketsError::AlreadyAssigned { user, .. } if *user == board.b),
    )
    .await;
    let nobody = id::User::new();
    let result = tickets
        .assign_user_to_ticket(&as_user(board.a), board.assign(nobody))
        .await;
    refused(setup, head, result, |e| {
        *e == TicketsError::UserNotFound(nobody)
    })
    .await;
    let missing = id::Ticket::new();
    let input = AssignUserToTicketIn {
        user: board.a,
        ticket: missing,
    };
    let result = tickets
        .assign_user_to_ticket(&as_user(board.a), input)
        .await;
    refused(setup, head, result, |e| {
        *e == TicketsError::TicketNotFound(missing)
    })
    .await;
    let result = tickets
        .assign_user_to_ticket(&Caller::Anonymous, board.assign(board.a))
        .await;
    refused(setup, head, result, |e| {
        matches!(e, TicketsError::Unauthenticated(_))
    })
    .await;

    // A closed ticket takes no assignment: the table has no move for it.
    board.close().await;
    let head = head + 1;
    let result = tickets
        .assign_user_to_ticket(&as_user(board.a), board.assign(board.a))
        .await;
    refused(setup, head, result, |e| {
        matches!(e, TicketsError::IllegalMove { refused, .. }
            if refused.event == "UserAssignedToTicket" && refused.from == "Closed")
    })
    .await;
}

#[tokio::test]
async fn unassign_user_from_ticket_follows_the_table() {
    let board = board().await;
    let tickets = &board.setup.tickets;
    let setup = &board.setup;
    let head = setup.head().await;
    // Not assigned: refused before the state machine is asked.
    let result = tickets
        .unassign_user_from_ticket(&as_user(board.a), board.unassign(board.b))
        .await;
    refused(
        setup,
        head,
        result,
        |e| matches!(e, TicketsError::NotAssigned { user, .. } if *user == board.b),
    )
    .await;
    let nobody = id::User::new();
    let result = tickets
        .unassign_user_from_ticket(&as_user(board.a), board.unassign(nobody))
        .await;
    refused(setup, head, result, |e| {
        *e == TicketsError::UserNotFound(nobody)
    })
    .await;

    // Assigned, but the ticket is New: goesgen's table declares
    // unassignments only out of InProgress, so the move is refused and the
    // assignment stays.
    tickets
        .assign_user_to_ticket(&as_user(board.a), board.assign(board.b))
        .await
        .unwrap();
    let head = head + 1;
    let result = tickets
        .unassign_user_from_ticket(&as_user(board.a), board.unassign(board.b))
        .await;
    refused(setup, head, result, |e| {
        matches!(e, TicketsError::IllegalMove { refused, .. }
            if refused.event == "UserUnassignedFromTicket"
                && refused.from == "New"
                && refused.allowed.is_empty())
    })
    .await;
    let ticket = tickets
        .get_ticket_by_id(&as_user(board.a), board.ticket)
        .await
        .unwrap();
    assert_eq!(ticket.assignees, vec![board.b]);
}
