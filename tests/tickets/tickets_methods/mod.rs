//! Every method of the `Tickets` service through the generated service:
//! what it returns, what it appends, and each refusal (with nothing
//! appended); the `Ticket` state machine's paths as the schema's table
//! declares them; and the in-memory store's rollback.

use goesgen::ServiceError;
use goesgen::Store as _;

use super::*;
use crate::schema::events::{
    EventKind, TicketClosed, TicketCommented, TicketDescriptionChanged, TicketTitleChanged,
    UserAssignedToTicket, UserUnassignedFromTicket,
};
use crate::schema::projections::TicketState;
use crate::schema::tickets::TicketsStore as _;
use crate::service::tickets::TicketsError;
use crate::service::tickets::io::{
    AssignUserToTicketIn, CloseTicketIn, CreateCommentIn, CreateTicketIn, UnassignUserFromTicketIn,
    UpdateTicketIn,
};
use crate::service::tickets::lifecycle;

/// A setup with users "User A" and "User B" and a ticket created by A.
struct Board {
    setup: Setup,
    a: id::User,
    b: id::User,
    ticket: id::Ticket,
}

async fn board() -> Board {
    let setup = Setup::memory();
    let a = setup.user("User A").await;
    let b = setup.user("User B").await;
    let ticket = setup
        .tickets
        .create_ticket(
            &as_user(a),
            CreateTicketIn {
                title: TicketTitle::new("Example Ticket").unwrap(),
                description: TicketDescription::new("This is an example ticket").unwrap(),
            },
        )
        .await
        .unwrap()
        .output
        .id;
    Board {
        setup,
        a,
        b,
        ticket,
    }
}

impl Board {
    fn assign(&self, user: id::User) -> AssignUserToTicketIn {
        AssignUserToTicketIn {
            user,
            ticket: self.ticket,
        }
    }

    fn unassign(&self, user: id::User) -> UnassignUserFromTicketIn {
        UnassignUserFromTicketIn {
            user,
            ticket: self.ticket,
        }
    }

    fn comment(&self, text: &str) -> CreateCommentIn {
        CreateCommentIn {
            ticket: self.ticket,
            message: TicketCommentMessage::new(text).unwrap(),
        }
    }

    async fn state(&self) -> TicketState {
        let projection = self.setup.tickets.store().begin_read().await.unwrap();
        projection.ticket(&self.ticket).unwrap().state
    }

    async fn close(&self) {
        self.setup
            .tickets
            .close_ticket(
                &as_user(self.a),
                CloseTicketIn {
                    ticket: self.ticket,
                },
            )
            .await
            .unwrap();
    }
}

/// Asserts that `result` is the method's refusal `expected` and that the
/// log did not move.
async fn refused<T: std::fmt::Debug>(
    setup: &Setup,
    head: u64,
    result: Result<T, ServiceError<TicketsError>>,
    expected: impl FnOnce(&TicketsError) -> bool,
) {
    match result {
        Err(ServiceError::Method(error)) => assert!(expected(&error), "unexpected refusal {error}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(setup.head().await, head, "a refused call appended events");
}

#[tokio::test]
async fn create_ticket_needs_a_known_caller() {
    let setup = Setup::memory();
    let input = || CreateTicketIn {
        title: TicketTitle::new("T").unwrap(),
        description: TicketDescription::new("").unwrap(),
    };
    let result = setup
        .tickets
        .create_ticket(&Caller::Anonymous, input())
        .await;
    refused(&setup, 0, result, |e| {
        matches!(e, TicketsError::Unauthenticated(_))
    })
    .await;
    let stranger = id::User::new();
    let result = setup
        .tickets
        .create_ticket(&as_user(stranger), input())
        .await;
    refused(&setup, 0, result, |e| {
        *e == TicketsError::UnknownCaller(stranger)
    })
    .await;
}

#[tokio::test]
async fn get_ticket_by_id_returns_the_ticket_or_refuses() {
    let board = board().await;
    let tickets = &board.setup.tickets;
    let ticket = tickets
        .get_ticket_by_id(&as_user(board.b), board.ticket)
        .await
        .unwrap();
    assert_eq!(ticket.id, board.ticket);
    assert_eq!(ticket.state, TicketState::New);
    assert_eq!(ticket.title.as_str(), "Example Ticket");
    assert_eq!(ticket.description.as_str(), "This is an example ticket");
    assert_eq!(ticket.author, board.a);
    assert!(ticket.assignees.is_empty() && ticket.comments.is_empty());

    let missing = id::Ticket::new();
    let error = tickets
        .get_ticket_by_id(&as_user(board.a), missing)
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        ServiceError::Method(TicketsError::TicketNotFound(t)) if t == missing
    ));
    let error = tickets
        .get_ticket_by_id(&Caller::Anonymous, board.ticket)
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        ServiceError::Method(TicketsError::Unauthenticated(_))
    ));
}

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

#[tokio::test]
async fn close_ticket_closes_once() {
    let board = board().await;
    let tickets = &board.setup.tickets;
    let head = board.setup.head().await;
    let committed = tickets
        .close_ticket(
            &as_user(board.b),
            CloseTicketIn {
                ticket: board.ticket,
            },
        )
        .await
        .unwrap();
    let expected = TicketClosed {
        ticket: board.ticket,
        by: board.b,
    };
    assert_eq!(committed.events, vec![expected.into()]);
    assert_eq!(board.state().await, TicketState::Closed);
    let result = tickets
        .close_ticket(
            &as_user(board.b),
            CloseTicketIn {
                ticket: board.ticket,
            },
        )
        .await;
    refused(&board.setup, head + 1, result, |e| {
        matches!(e, TicketsError::IllegalMove { refused, .. }
            if refused.event == "TicketClosed" && refused.from == "Closed")
    })
    .await;
    let missing = id::Ticket::new();
    let result = tickets
        .close_ticket(&as_user(board.b), CloseTicketIn { ticket: missing })
        .await;
    refused(&board.setup, head + 1, result, |e| {
        *e == TicketsError::TicketNotFound(missing)
    })
    .await;
}

#[tokio::test]
async fn create_comment_and_no_comment_on_a_closed_ticket() {
    let board = board().await;
    let tickets = &board.setup.tickets;
    let committed = tickets
        .create_comment(&as_user(board.b), board.comment("Looks good"))
        .await
        .unwrap();
    let out = &committed.output;
    assert_eq!((out.ticket, out.author), (board.ticket, board.b));
    assert_eq!(out.message.as_str(), "Looks good");
    let expected = TicketCommented {
        id: out.id,
        ticket: board.ticket,
        message: out.message.clone(),
        by: board.b,
    };
    assert_eq!(committed.events, vec![expected.into()]);
    let ticket = tickets
        .get_ticket_by_id(&as_user(board.a), board.ticket)
        .await
        .unwrap();
    assert_eq!(ticket.comments.len(), 1);
    assert_eq!(ticket.comments[0].id, out.id);
    assert_eq!(ticket.state, TicketState::New);

    assert!(TicketCommentMessage::new("").is_err());
    board.close().await;
    let head = board.setup.head().await;
    let result = tickets
        .create_comment(&as_user(board.b), board.comment("One more thing"))
        .await;
    refused(&board.setup, head, result, |e| {
        matches!(e, TicketsError::IllegalMove { ticket, refused }
            if *ticket == board.ticket && refused.event == "TicketCommented")
    })
    .await;
    let result = tickets
        .create_comment(&as_user(id::User::new()), board.comment("Hi"))
        .await;
    refused(&board.setup, head, result, |e| {
        matches!(e, TicketsError::UnknownCaller(_))
    })
    .await;
}

#[tokio::test]
async fn update_ticket_emits_what_changed_and_nothing_else() {
    let board = board().await;
    let tickets = &board.setup.tickets;
    let title = TicketTitle::new("Renamed").unwrap();
    let description = TicketDescription::new("Now with details").unwrap();
    let update =
        |title: Option<&TicketTitle>, description: Option<&TicketDescription>| UpdateTicketIn {
            ticket: board.ticket,
            new_title: title.cloned(),
            new_description: description.cloned(),
        };

    let committed = tickets
        .update_ticket(&as_user(board.a), update(Some(&title), None))
        .await
        .unwrap();
    let renamed = TicketTitleChanged {
        ticket: board.ticket,
        new_title: title.clone(),
        by: board.a,
    };
    assert_eq!(committed.events, vec![renamed.into()]);

    // The same title again and a new description: only the description.
    let committed = tickets
        .update_ticket(&as_user(board.b), update(Some(&title), Some(&description)))
        .await
        .unwrap();
    let described = TicketDescriptionChanged {
        ticket: board.ticket,
        new_description: description.clone(),
        by: board.b,
    };
    assert_eq!(committed.events, vec![described.into()]);
    let ticket = tickets
        .get_ticket_by_id(&as_user(board.a), board.ticket)
        .await
        .unwrap();
    assert_eq!((&ticket.title, &ticket.description), (&title, &description));

    // Nothing to change: a no-op that appends nothing.
    let head = board.setup.head().await;
    for input in [update(None, None), update(Some(&title), Some(&description))] {
        let committed = tickets
            .update_ticket(&as_user(board.a), input)
            .await
            .unwrap();
        assert!(committed.events.is_empty());
        assert_eq!(board.setup.head().await, head);
    }

    // An empty new title does not even deserialise.
    let json = format!(r#"{{"ticket": "{}", "new_title": ""}}"#, board.ticket);
    assert!(serde_json::from_str::<UpdateTicketIn>(&json).is_err());

    // A closed ticket is not edited.
    board.close().await;
    let result = tickets
        .update_ticket(
            &as_user(board.a),
            update(Some(&TicketTitle::new("Reopened?").unwrap()), None),
        )
        .await;
    refused(&board.setup, head + 1, result, |e| {
        matches!(e, TicketsError::IllegalMove { refused, .. }
            if refused.event == "TicketTitleChanged")
    })
    .await;
}

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
    let version = board.setup.tickets.projection_version().await.unwrap();
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
    let events: Vec<Event> = vec![assigned.into(), unassigned.into()];
    let new = events.iter().map(|e| e.to_new_event().unwrap()).collect();
    board
        .setup
        .log
        .append(new, goesgen::Condition::None)
        .await
        .unwrap();
    let error = board.setup.tickets.sync().await.unwrap_err();
    assert!(
        error.to_string().contains("UserUnassignedFromTicket"),
        "{error}"
    );
    // Nothing of the batch shows: the rollback took the assignment back.
    assert_eq!(
        board.setup.tickets.projection_version().await.unwrap(),
        version
    );
    let projection = board.setup.tickets.store().begin_read().await.unwrap();
    let ticket = projection.ticket(&board.ticket).unwrap();
    assert!(ticket.assignees.is_empty());
    assert_eq!(ticket.state, TicketState::New);
}

#[tokio::test]
async fn a_rolled_back_or_dropped_transaction_changes_nothing() {
    let board = board().await;
    let store = board.setup.tickets.store();
    let before = (*store.begin_read().await.unwrap()).clone();
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
    assert_eq!(*store.begin_read().await.unwrap(), before);
    {
        // Dropped unfinished, as a cancelled future drops it.
        let mut txn = store.begin_write().await.unwrap();
        store.set_version(&mut txn, 77).await.unwrap();
    }
    assert_eq!(*store.begin_read().await.unwrap(), before);
    assert_ne!(store.begin_read().await.unwrap().version(), 77);
}
