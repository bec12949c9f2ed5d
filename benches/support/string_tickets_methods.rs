//! The `Tickets` service's methods as a user writes them against the
//! string-id store of the including module (`super::store`: the undo-log
//! store `string_tickets_store.rs`, or the memory kit's
//! `string_tickets_kit.rs`; both read the same way): each checks what a user
//! would expect (the caller is a known user, the ticket exists and is not
//! closed, the user exists, no double assignment, no unassigning who is not
//! assigned) before it emits anything. The context is the caller's user id.

use goesgen::{DomainError, MethodError};

use super::store::{Projection, Read, Ticket, TicketsStore, Write};
use crate::id;
use crate::schema::events::{
    TicketClosed, TicketCommented, TicketCreated, TicketDescriptionChanged, TicketTitleChanged,
    UserAssignedToTicket, UserUnassignedFromTicket,
};
use crate::schema::projections::TicketState;
use crate::schema::tickets::{
    AssignUserToTicketEvent, CloseTicketEvent, CreateCommentEvent, CreateTicketEvent,
    TicketsMethods, UnassignUserFromTicketEvent, UpdateTicketEvent,
};
use crate::service::tickets::io::{
    AssignUserToTicketIn, CloseTicketIn, CreateCommentIn, CreateCommentOut, CreateTicketIn,
    CreateTicketOut, GetTicketByIDOut, UnassignUserFromTicketIn, UpdateTicketIn,
};

/// Why a method refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TicketsError {
    /// The caller is not a user the service knows.
    #[error("unknown caller: user {0} does not exist")]
    UnknownCaller(id::User),
    /// The user does not exist.
    #[error("user {0} not found")]
    UserNotFound(id::User),
    /// The ticket does not exist.
    #[error("ticket {0} not found")]
    TicketNotFound(id::Ticket),
    /// The ticket is closed.
    #[error("ticket {0} is closed")]
    TicketClosed(id::Ticket),
    /// The user is assigned to the ticket already.
    #[error("user {0} is already assigned to ticket {1}")]
    AlreadyAssigned(id::User, id::Ticket),
    /// The user is not assigned to the ticket.
    #[error("user {0} is not assigned to ticket {1}")]
    NotAssigned(id::User, id::Ticket),
}

impl DomainError for TicketsError {}

/// The methods (they keep nothing of their own).
#[derive(Debug, Clone, Copy, Default)]
pub struct Tickets;

fn known_caller(caller: &id::User, projection: &Projection) -> Result<id::User, TicketsError> {
    if projection.has_user(caller) {
        Ok(caller.clone())
    } else {
        Err(TicketsError::UnknownCaller(caller.clone()))
    }
}

fn existing_ticket<'p>(projection: &'p Projection, id: &str) -> Result<&'p Ticket, TicketsError> {
    projection
        .ticket(id)
        .ok_or_else(|| TicketsError::TicketNotFound(id.to_owned()))
}

fn open_ticket<'p>(projection: &'p Projection, id: &str) -> Result<&'p Ticket, TicketsError> {
    let ticket = existing_ticket(projection, id)?;
    if ticket.state == TicketState::Closed {
        return Err(TicketsError::TicketClosed(id.to_owned()));
    }
    Ok(ticket)
}

fn existing_user(projection: &Projection, user: &str) -> Result<(), TicketsError> {
    if projection.has_user(user) {
        Ok(())
    } else {
        Err(TicketsError::UserNotFound(user.to_owned()))
    }
}

/// Whether `user` is assigned to `ticket` (whether the store keeps its ids
/// as `String`s or as shared `Arc<str>`s).
fn is_assigned(ticket: &Ticket, user: &str) -> bool {
    ticket.assignees.iter().any(|assignee| **assignee == *user)
}

type Emitted<O, E> = Result<(O, Vec<E>), MethodError<TicketsError>>;

impl TicketsMethods for Tickets {
    type Store = TicketsStore;
    type Context = id::User;
    type Error = TicketsError;

    async fn get_ticket_by_id(
        &self,
        caller: &id::User,
        txn: &mut Read,
        input: id::Ticket,
    ) -> Result<GetTicketByIDOut, MethodError<TicketsError>> {
        known_caller(caller, txn)?;
        let ticket = existing_ticket(txn, &input)?;
        Ok(GetTicketByIDOut {
            id: ticket.id.to_string(),
            state: ticket.state,
            title: ticket.title.clone(),
            description: ticket.description.clone(),
            author: ticket.author.to_string(),
            assignees: ticket.assignees.iter().map(|u| u.to_string()).collect(),
            comments: ticket.comments.clone(),
        })
    }

    async fn create_ticket(
        &self,
        caller: &id::User,
        txn: &mut Write,
        input: CreateTicketIn,
    ) -> Emitted<CreateTicketOut, CreateTicketEvent> {
        let author = known_caller(caller, txn)?;
        let event = TicketCreated {
            id: id::new(),
            title: input.title,
            description: input.description,
            author,
        };
        let out = CreateTicketOut {
            id: event.id.clone(),
            title: event.title.clone(),
            description: event.description.clone(),
            author: event.author.clone(),
        };
        Ok((out, vec![event.into()]))
    }

    async fn assign_user_to_ticket(
        &self,
        caller: &id::User,
        txn: &mut Write,
        input: AssignUserToTicketIn,
    ) -> Emitted<(), AssignUserToTicketEvent> {
        let by = known_caller(caller, txn)?;
        let ticket = open_ticket(txn, &input.ticket)?;
        existing_user(txn, &input.user)?;
        if is_assigned(ticket, &input.user) {
            return Err(TicketsError::AlreadyAssigned(input.user, input.ticket).into());
        }
        let event = UserAssignedToTicket {
            user: input.user,
            ticket: input.ticket,
            by,
        };
        Ok(((), vec![event.into()]))
    }

    async fn unassign_user_from_ticket(
        &self,
        caller: &id::User,
        txn: &mut Write,
        input: UnassignUserFromTicketIn,
    ) -> Emitted<(), UnassignUserFromTicketEvent> {
        let by = known_caller(caller, txn)?;
        let ticket = open_ticket(txn, &input.ticket)?;
        existing_user(txn, &input.user)?;
        if !is_assigned(ticket, &input.user) {
            return Err(TicketsError::NotAssigned(input.user, input.ticket).into());
        }
        let event = UserUnassignedFromTicket {
            user: input.user,
            ticket: input.ticket,
            by,
        };
        Ok(((), vec![event.into()]))
    }

    async fn close_ticket(
        &self,
        caller: &id::User,
        txn: &mut Write,
        input: CloseTicketIn,
    ) -> Emitted<(), CloseTicketEvent> {
        let by = known_caller(caller, txn)?;
        open_ticket(txn, &input.ticket)?;
        let event = TicketClosed {
            ticket: input.ticket,
            by,
        };
        Ok(((), vec![event.into()]))
    }

    async fn create_comment(
        &self,
        caller: &id::User,
        txn: &mut Write,
        input: CreateCommentIn,
    ) -> Emitted<CreateCommentOut, CreateCommentEvent> {
        let author = known_caller(caller, txn)?;
        open_ticket(txn, &input.ticket)?;
        let event = TicketCommented {
            id: id::new(),
            ticket: input.ticket,
            message: input.message,
            by: author,
        };
        let out = CreateCommentOut {
            id: event.id.clone(),
            ticket: event.ticket.clone(),
            message: event.message.clone(),
            author: event.by.clone(),
        };
        Ok((out, vec![event.into()]))
    }

    async fn update_ticket(
        &self,
        caller: &id::User,
        txn: &mut Write,
        input: UpdateTicketIn,
    ) -> Emitted<(), UpdateTicketEvent> {
        let by = known_caller(caller, txn)?;
        let ticket = open_ticket(txn, &input.ticket)?;
        let mut events = Vec::new();
        if let Some(new_title) = input.new_title.filter(|t| *t != ticket.title) {
            events.push(
                TicketTitleChanged {
                    ticket: input.ticket.clone(),
                    new_title,
                    by: by.clone(),
                }
                .into(),
            );
        }
        if let Some(new_description) = input.new_description.filter(|d| *d != ticket.description) {
            events.push(
                TicketDescriptionChanged {
                    ticket: input.ticket,
                    new_description,
                    by,
                }
                .into(),
            );
        }
        Ok(((), events))
    }
}
