//! The tickets example's `Tickets` service, end to end on an in-memory
//! log: creating a ticket (and who may), reading it, closing it once,
//! commenting on it and editing its title and description, each with what
//! it appends and its refusals.

use super::*;
use crate::schema::events::{
    TicketClosed, TicketCommented, TicketDescriptionChanged, TicketTitleChanged,
};
use crate::service::tickets::io::UpdateTicketIn;

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
