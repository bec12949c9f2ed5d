//! The tickets example's `Tickets` service on goesgen's test kit:
//! assigning a user to a ticket and unassigning them, what each emits, and
//! their refusals (an unknown user or ticket, an anonymous caller, a move
//! the `Ticket` table does not declare).

use super::*;
use crate::schema::events::UserAssignedToTicket;

#[tokio::test]
async fn assign_user_to_ticket_and_its_refusals() {
    let board = board().await;
    let (t, a) = (&board.t, as_user(board.a));
    t.when(&a)
        .assign_user_to_ticket(board.assign(board.b))
        .await
        .then_emits([UserAssignedToTicket {
            user: board.b,
            ticket: board.ticket,
            by: board.a,
        }]);
    // The table declares only New -> New for an assignment.
    t.when(&a)
        .get_ticket_by_id(board.ticket)
        .await
        .then_answers(GetTicketByIDOut {
            assignees: vec![board.b],
            ..board.created()
        });

    t.when(&a)
        .assign_user_to_ticket(board.assign(board.b))
        .await
        .then_refuses(
            |e| matches!(e, TicketsError::AlreadyAssigned { user, .. } if *user == board.b),
        );
    let nobody = id::User::new();
    t.when(&a)
        .assign_user_to_ticket(board.assign(nobody))
        .await
        .then_refuses(|e| *e == TicketsError::UserNotFound(nobody));
    let missing = id::Ticket::new();
    let input = AssignUserToTicketIn {
        user: board.a,
        ticket: missing,
    };
    t.when(&a)
        .assign_user_to_ticket(input)
        .await
        .then_refuses(|e| *e == TicketsError::TicketNotFound(missing));
    t.when(&Caller::Anonymous)
        .assign_user_to_ticket(board.assign(board.a))
        .await
        .then_refuses(|e| matches!(e, TicketsError::Unauthenticated(_)));

    // A closed ticket takes no assignment: the table has no move for it.
    board.closed().await;
    t.when(&a)
        .assign_user_to_ticket(board.assign(board.a))
        .await
        .then_refuses(|e| {
            matches!(e, TicketsError::IllegalMove { refused, .. }
                if refused.event == "UserAssignedToTicket" && refused.from == "Closed")
        });
}

#[tokio::test]
async fn unassign_user_from_ticket_follows_the_table() {
    let board = board().await;
    let (t, a) = (&board.t, as_user(board.a));
    // Not assigned: refused before the state machine is asked.
    t.when(&a)
        .unassign_user_from_ticket(board.unassign(board.b))
        .await
        .then_refuses(|e| matches!(e, TicketsError::NotAssigned { user, .. } if *user == board.b));
    let nobody = id::User::new();
    t.when(&a)
        .unassign_user_from_ticket(board.unassign(nobody))
        .await
        .then_refuses(|e| *e == TicketsError::UserNotFound(nobody));

    // Assigned, but the ticket is New: goesgen's table declares
    // unassignments only out of InProgress, so the move is refused and the
    // assignment stays.
    let assigned = UserAssignedToTicket {
        user: board.b,
        ticket: board.ticket,
        by: board.a,
    };
    t.given([assigned.into()]).await.unwrap();
    t.when(&a)
        .unassign_user_from_ticket(board.unassign(board.b))
        .await
        .then_refuses(|e| {
            matches!(e, TicketsError::IllegalMove { refused, .. }
                if refused.event == "UserUnassignedFromTicket"
                    && refused.from == "New"
                    && refused.allowed.is_empty())
        });
    assert_eq!(board.read().await.assignees, vec![board.b]);
}
