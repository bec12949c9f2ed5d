//! Histories from the `Ticket` table (goesgen's test kit): any history of
//! a ticket the table allows, with random users, titles and comments, is
//! applied by the example's store, and after each event the ticket is in
//! the state the table predicts.

use goesgen::testing::histories::{History, Step, check, histories};
use goesgen::testing::proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::schema::events::{
    EventKind, TicketClosed, TicketCommented, TicketCreated, TicketDescriptionChanged,
    TicketTitleChanged, UserAssignedToTicket, UserUnassignedFromTicket,
};
use crate::schema::projections::TicketState;
use crate::schema::tickets::Subscriptions;

fn user() -> impl Strategy<Value = id::User> {
    any::<u128>().prop_map(|n| id::User::from(Uuid::from_u128(n)))
}

fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9 ]{0,23}"
}

/// One event of a ticket's history for `step`, with random properties.
fn event(ticket: &id::Ticket, step: Step<TicketState>) -> BoxedStrategy<Event> {
    let ticket = *ticket;
    let by = user();
    match step.kind {
        EventKind::TicketCreated => (text(), text(), by)
            .prop_map(move |(title, description, author)| {
                let created = TicketCreated {
                    id: ticket,
                    title: TicketTitle::new(title).unwrap(),
                    description: TicketDescription::new(description).unwrap(),
                    author,
                };
                created.into()
            })
            .boxed(),
        EventKind::UserAssignedToTicket => (user(), by)
            .prop_map(move |(user, by)| UserAssignedToTicket { user, ticket, by }.into())
            .boxed(),
        EventKind::UserUnassignedFromTicket => (user(), by)
            .prop_map(move |(user, by)| UserUnassignedFromTicket { user, ticket, by }.into())
            .boxed(),
        EventKind::TicketClosed => by
            .prop_map(move |by| TicketClosed { ticket, by }.into())
            .boxed(),
        EventKind::TicketCommented => (any::<u128>(), text(), by)
            .prop_map(move |(n, message, by)| {
                let commented = TicketCommented {
                    id: id::Comment::from(Uuid::from_u128(n)),
                    ticket,
                    message: TicketCommentMessage::new(message).unwrap(),
                    by,
                };
                commented.into()
            })
            .boxed(),
        EventKind::TicketDescriptionChanged => (text(), by)
            .prop_map(move |(text, by)| {
                let new_description = TicketDescription::new(text).unwrap();
                TicketDescriptionChanged {
                    ticket,
                    new_description,
                    by,
                }
                .into()
            })
            .boxed(),
        EventKind::TicketTitleChanged => (text(), by)
            .prop_map(move |(text, by)| {
                let new_title = TicketTitle::new(text).unwrap();
                TicketTitleChanged {
                    ticket,
                    new_title,
                    by,
                }
                .into()
            })
            .boxed(),
        EventKind::UserCreated => unreachable!("UserCreated moves no ticket"),
    }
}

fn ticket_histories() -> impl Strategy<Value = History<TicketState, id::Ticket, Event>> {
    let ticket = any::<u128>().prop_map(|n| id::Ticket::from(Uuid::from_u128(n)));
    histories(12, ticket, event)
}

proptest! {
    #[test]
    fn the_store_follows_the_ticket_table(history in ticket_histories()) {
        let store = TicketsStore::default();
        check::<Subscriptions<TicketsStore>, _, _>(&store, &history, |read, ticket| {
            read.ticket(ticket).map(|ticket| ticket.state)
        })?;
    }
}
