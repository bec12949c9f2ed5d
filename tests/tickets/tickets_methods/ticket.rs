//! The tickets example's `Tickets` service on goesgen's test kit: creating
//! a ticket (and who may), reading it, closing it once, commenting on it
//! and editing its title and description, each with what it emits and its
//! refusals.

use super::*;
use crate::schema::events::{TicketCommented, TicketDescriptionChanged, TicketTitleChanged};
use crate::service::tickets::io::{CloseTicketIn, Comment, CreateTicketIn, UpdateTicketIn};

#[tokio::test]
async fn create_ticket_needs_a_known_caller() {
    let t = tickets();
    let (a, user_a) = user_created("User A");
    t.given([user_a]).await.unwrap();
    let input = || CreateTicketIn {
        title: TicketTitle::new("T").unwrap(),
        description: TicketDescription::new("").unwrap(),
    };
    let out = t
        .when(&as_user(a))
        .create_ticket(input())
        .await
        .then_emits_with(|out| {
            [TicketCreated {
                id: out.id,
                title: out.title.clone(),
                description: out.description.clone(),
                author: a,
            }]
        });
    assert_eq!((out.author, out.title.as_str()), (a, "T"));

    t.when(&Caller::Anonymous)
        .create_ticket(input())
        .await
        .then_refuses(|e| matches!(e, TicketsError::Unauthenticated(_)));
    let stranger = id::User::new();
    t.when(&as_user(stranger))
        .create_ticket(input())
        .await
        .then_refuses(|e| *e == TicketsError::UnknownCaller(stranger));
}

#[tokio::test]
async fn get_ticket_by_id_returns_the_ticket_or_refuses() {
    let board = board().await;
    let t = &board.t;
    t.when(&as_user(board.b))
        .get_ticket_by_id(board.ticket)
        .await
        .then_answers(board.created());
    let missing = id::Ticket::new();
    t.when(&as_user(board.a))
        .get_ticket_by_id(missing)
        .await
        .then_refuses(|e| *e == TicketsError::TicketNotFound(missing));
    t.when(&Caller::Anonymous)
        .get_ticket_by_id(board.ticket)
        .await
        .then_refuses(|e| matches!(e, TicketsError::Unauthenticated(_)));
}

#[tokio::test]
async fn close_ticket_closes_once() {
    let board = board().await;
    let (t, b) = (&board.t, as_user(board.b));
    let close = CloseTicketIn {
        ticket: board.ticket,
    };
    t.when(&b)
        .close_ticket(close.clone())
        .await
        .then_emits([TicketClosed {
            ticket: board.ticket,
            by: board.b,
        }]);
    assert_eq!(board.read().await.state, TicketState::Closed);
    t.when(&b).close_ticket(close).await.then_refuses(|e| {
        matches!(e, TicketsError::IllegalMove { refused, .. }
            if refused.event == "TicketClosed" && refused.from == "Closed")
    });
    let missing = id::Ticket::new();
    t.when(&b)
        .close_ticket(CloseTicketIn { ticket: missing })
        .await
        .then_refuses(|e| *e == TicketsError::TicketNotFound(missing));
}

#[tokio::test]
async fn create_comment_and_no_comment_on_a_closed_ticket() {
    let board = board().await;
    let (t, b) = (&board.t, as_user(board.b));
    let out = t
        .when(&b)
        .create_comment(board.comment("Looks good"))
        .await
        .then_emits_with(|out| {
            [TicketCommented {
                id: out.id,
                ticket: board.ticket,
                message: out.message.clone(),
                by: board.b,
            }]
        });
    assert_eq!((out.ticket, out.author), (board.ticket, board.b));
    assert_eq!(out.message.as_str(), "Looks good");
    let comment = Comment {
        id: out.id,
        message: out.message,
        author: board.b,
    };
    t.when(&b)
        .get_ticket_by_id(board.ticket)
        .await
        .then_answers(GetTicketByIDOut {
            comments: vec![comment],
            ..board.created()
        });

    assert!(TicketCommentMessage::new("").is_err());
    board.closed().await;
    t.when(&b)
        .create_comment(board.comment("One more thing"))
        .await
        .then_refuses(|e| {
            matches!(e, TicketsError::IllegalMove { ticket, refused }
                if *ticket == board.ticket && refused.event == "TicketCommented")
        });
    t.when(&as_user(id::User::new()))
        .create_comment(board.comment("Hi"))
        .await
        .then_refuses(|e| matches!(e, TicketsError::UnknownCaller(_)));
}

#[tokio::test]
async fn update_ticket_emits_what_changed_and_nothing_else() {
    let board = board().await;
    let t = &board.t;
    let (a, b) = (as_user(board.a), as_user(board.b));
    let title = TicketTitle::new("Renamed").unwrap();
    let description = TicketDescription::new("Now with details").unwrap();
    let update =
        |title: Option<&TicketTitle>, description: Option<&TicketDescription>| UpdateTicketIn {
            ticket: board.ticket,
            new_title: title.cloned(),
            new_description: description.cloned(),
        };

    t.when(&a)
        .update_ticket(update(Some(&title), None))
        .await
        .then_emits([TicketTitleChanged {
            ticket: board.ticket,
            new_title: title.clone(),
            by: board.a,
        }]);
    // The same title again and a new description: only the description.
    t.when(&b)
        .update_ticket(update(Some(&title), Some(&description)))
        .await
        .then_emits([TicketDescriptionChanged {
            ticket: board.ticket,
            new_description: description.clone(),
            by: board.b,
        }]);
    let ticket = board.read().await;
    assert_eq!((&ticket.title, &ticket.description), (&title, &description));

    // Nothing to change: a no-op that appends nothing.
    for input in [update(None, None), update(Some(&title), Some(&description))] {
        t.when(&a).update_ticket(input).await.then_appends_nothing();
    }

    // An empty new title does not even deserialise.
    let json = format!(r#"{{"ticket": "{}", "new_title": ""}}"#, board.ticket);
    assert!(serde_json::from_str::<UpdateTicketIn>(&json).is_err());

    // A closed ticket is not edited.
    board.closed().await;
    let reopened = TicketTitle::new("Reopened?").unwrap();
    t.when(&a)
        .update_ticket(update(Some(&reopened), None))
        .await
        .then_refuses(|e| {
            matches!(e, TicketsError::IllegalMove { refused, .. }
                if refused.event == "TicketTitleChanged")
        });
}
