//! The business logic of the `Tickets` service: its seven methods. Each
//! checks what a user would expect (the caller is a known user, the ticket
//! and the user exist, no double assignment) and asks the `Ticket` state
//! machine (`lifecycle`) whether the move is declared, before it emits
//! anything. A refusal is a [`TicketsError`]; the service then appends
//! nothing.

use goesgen::{DomainError, MethodError, TransitionError};

use super::io::{
    AssignUserToTicketIn, CloseTicketIn, Comment, CreateCommentIn, CreateCommentOut,
    CreateTicketIn, CreateTicketOut, GetTicketByIDOut, UnassignUserFromTicketIn, UpdateTicketIn,
};
use super::lifecycle;
use super::store::{Projection, Read, Ticket, TicketsStore, Write};
use crate::auth::{Caller, Unauthenticated};
use crate::id;
use crate::schema::events::{
    EventKind, TicketClosed, TicketCommented, TicketCreated, TicketDescriptionChanged,
    TicketTitleChanged, UserAssignedToTicket, UserUnassignedFromTicket,
};
use crate::schema::tickets::{
    AssignUserToTicketEvent, CloseTicketEvent, CreateCommentEvent, CreateTicketEvent,
    TicketsMethods, UnassignUserFromTicketEvent, UpdateTicketEvent,
};

/// Why the `Tickets` service refused a call.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TicketsError {
    /// Nobody is signed in.
    #[error(transparent)]
    Unauthenticated(#[from] Unauthenticated),
    /// The caller is signed in as a user the service does not know.
    #[error("unknown caller: user {0} does not exist")]
    UnknownCaller(id::User),
    /// The user does not exist.
    #[error("user {0} not found")]
    UserNotFound(id::User),
    /// The ticket does not exist.
    #[error("ticket {0} not found")]
    TicketNotFound(id::Ticket),
    /// The user is assigned to the ticket already.
    #[error("user {user} is already assigned to ticket {ticket}")]
    AlreadyAssigned {
        /// The user.
        user: id::User,
        /// The ticket.
        ticket: id::Ticket,
    },
    /// The user is not assigned to the ticket.
    #[error("user {user} is not assigned to ticket {ticket}")]
    NotAssigned {
        /// The user.
        user: id::User,
        /// The ticket.
        ticket: id::Ticket,
    },
    /// The `Ticket` state machine does not declare the move.
    #[error("ticket {ticket}: {refused}")]
    IllegalMove {
        /// The ticket.
        ticket: id::Ticket,
        /// The move the schema's table does not declare.
        refused: TransitionError,
    },
}

impl DomainError for TicketsError {}

/// The `Tickets` service's methods.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tickets;

/// The caller, if signed in as a known user.
fn known_caller(ctx: &Caller, projection: &Projection) -> Result<id::User, TicketsError> {
    let user = ctx.user()?;
    if projection.has_user(&user) {
        Ok(user)
    } else {
        Err(TicketsError::UnknownCaller(user))
    }
}

fn existing_ticket<'p>(
    projection: &'p Projection,
    ticket: &id::Ticket,
) -> Result<&'p Ticket, TicketsError> {
    projection
        .ticket(ticket)
        .ok_or(TicketsError::TicketNotFound(*ticket))
}

fn existing_user(projection: &Projection, user: &id::User) -> Result<(), TicketsError> {
    if projection.has_user(user) {
        Ok(())
    } else {
        Err(TicketsError::UserNotFound(*user))
    }
}

/// A move of `ticket` the state machine allows, or the refusal.
fn allowed<S>(ticket: &Ticket, next: Result<S, TransitionError>) -> Result<S, TicketsError> {
    next.map_err(|refused| TicketsError::IllegalMove {
        ticket: ticket.id,
        refused,
    })
}

impl TicketsMethods for Tickets {
    type Store = TicketsStore;
    type Context = Caller;
    type Error = TicketsError;

    async fn get_ticket_by_id(
        &self,
        ctx: &Caller,
        txn: &mut Read,
        input: id::Ticket,
    ) -> Result<GetTicketByIDOut, MethodError<TicketsError>> {
        let projection: &Projection = txn;
        known_caller(ctx, projection)?;
        let ticket = existing_ticket(projection, &input)?;
        Ok(GetTicketByIDOut {
            id: ticket.id,
            state: ticket.state,
            title: ticket.title.clone(),
            description: ticket.description.clone(),
            author: ticket.author,
            assignees: ticket.assignees.clone(),
            comments: ticket.comments.clone(),
        })
    }

    async fn create_ticket(
        &self,
        ctx: &Caller,
        txn: &mut Write,
        input: CreateTicketIn,
    ) -> Result<(CreateTicketOut, Vec<CreateTicketEvent>), MethodError<TicketsError>> {
        let author = known_caller(ctx, txn)?;
        let out = CreateTicketOut {
            id: id::Ticket::new(),
            title: input.title,
            description: input.description,
            author,
        };
        let event = TicketCreated {
            id: out.id,
            title: out.title.clone(),
            description: out.description.clone(),
            author,
        };
        Ok((out, vec![event.into()]))
    }

    async fn assign_user_to_ticket(
        &self,
        ctx: &Caller,
        txn: &mut Write,
        input: AssignUserToTicketIn,
    ) -> Result<((), Vec<AssignUserToTicketEvent>), MethodError<TicketsError>> {
        let projection: &Projection = txn;
        let by = known_caller(ctx, projection)?;
        let ticket = existing_ticket(projection, &input.ticket)?;
        existing_user(projection, &input.user)?;
        if ticket.assignees.contains(&input.user) {
            return Err(TicketsError::AlreadyAssigned {
                user: input.user,
                ticket: input.ticket,
            }
            .into());
        }
        allowed(ticket, lifecycle::assigned(ticket.state))?;
        let event = UserAssignedToTicket {
            user: input.user,
            ticket: input.ticket,
            by,
        };
        Ok(((), vec![event.into()]))
    }

    async fn unassign_user_from_ticket(
        &self,
        ctx: &Caller,
        txn: &mut Write,
        input: UnassignUserFromTicketIn,
    ) -> Result<((), Vec<UnassignUserFromTicketEvent>), MethodError<TicketsError>> {
        let projection: &Projection = txn;
        let by = known_caller(ctx, projection)?;
        let ticket = existing_ticket(projection, &input.ticket)?;
        existing_user(projection, &input.user)?;
        if !ticket.assignees.contains(&input.user) {
            return Err(TicketsError::NotAssigned {
                user: input.user,
                ticket: input.ticket,
            }
            .into());
        }
        let remaining = ticket.assignees.len() - 1;
        allowed(ticket, lifecycle::unassigned(ticket.state, remaining))?;
        let event = UserUnassignedFromTicket {
            user: input.user,
            ticket: input.ticket,
            by,
        };
        Ok(((), vec![event.into()]))
    }

    async fn close_ticket(
        &self,
        ctx: &Caller,
        txn: &mut Write,
        input: CloseTicketIn,
    ) -> Result<((), Vec<CloseTicketEvent>), MethodError<TicketsError>> {
        let projection: &Projection = txn;
        let by = known_caller(ctx, projection)?;
        let ticket = existing_ticket(projection, &input.ticket)?;
        allowed(ticket, lifecycle::closed(ticket.state))?;
        let event = TicketClosed {
            ticket: input.ticket,
            by,
        };
        Ok(((), vec![event.into()]))
    }

    async fn create_comment(
        &self,
        ctx: &Caller,
        txn: &mut Write,
        input: CreateCommentIn,
    ) -> Result<(CreateCommentOut, Vec<CreateCommentEvent>), MethodError<TicketsError>> {
        let projection: &Projection = txn;
        let author = known_caller(ctx, projection)?;
        let ticket = existing_ticket(projection, &input.ticket)?;
        allowed(
            ticket,
            lifecycle::unchanged(ticket.state, EventKind::TicketCommented),
        )?;
        let comment = Comment {
            id: id::Comment::new(),
            message: input.message,
            author,
        };
        let event = TicketCommented {
            id: comment.id,
            ticket: input.ticket,
            message: comment.message.clone(),
            by: author,
        };
        let out = CreateCommentOut {
            id: comment.id,
            ticket: input.ticket,
            message: comment.message,
            author,
        };
        Ok((out, vec![event.into()]))
    }

    async fn update_ticket(
        &self,
        ctx: &Caller,
        txn: &mut Write,
        input: UpdateTicketIn,
    ) -> Result<((), Vec<UpdateTicketEvent>), MethodError<TicketsError>> {
        let projection: &Projection = txn;
        let by = known_caller(ctx, projection)?;
        let ticket = existing_ticket(projection, &input.ticket)?;
        let mut events = Vec::new();
        if let Some(title) = input.new_title {
            allowed(
                ticket,
                lifecycle::unchanged(ticket.state, EventKind::TicketTitleChanged),
            )?;
            if title != ticket.title {
                let event = TicketTitleChanged {
                    ticket: ticket.id,
                    new_title: title,
                    by,
                };
                events.push(event.into());
            }
        }
        if let Some(description) = input.new_description {
            allowed(
                ticket,
                lifecycle::unchanged(ticket.state, EventKind::TicketDescriptionChanged),
            )?;
            if description != ticket.description {
                let event = TicketDescriptionChanged {
                    ticket: ticket.id,
                    new_description: description,
                    by,
                };
                events.push(event.into());
            }
        }
        Ok(((), events))
    }
}
