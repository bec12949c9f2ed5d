//! The inputs and outputs of the `Tickets` service's methods, as the schema
//! names them (`service.tickets.io.*`). Inputs deserialise through the
//! domain types' checks.

use serde::{Deserialize, Serialize};

use crate::schema::projections::TicketState;
use crate::{TicketCommentMessage, TicketDescription, TicketTitle, id};

/// The input of `CreateTicket`; the author is the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct CreateTicketIn {
    /// The title.
    pub title: TicketTitle,
    /// The description.
    pub description: TicketDescription,
}

/// The output of `CreateTicket`: the new ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct CreateTicketOut {
    /// The ticket's id.
    pub id: id::Ticket,
    /// The title.
    pub title: TicketTitle,
    /// The description.
    pub description: TicketDescription,
    /// Who created it.
    pub author: id::User,
}

/// A comment as `GetTicketByID` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct Comment {
    /// The comment's id.
    pub id: id::Comment,
    /// The text.
    pub message: TicketCommentMessage,
    /// Who wrote it.
    pub author: id::User,
}

/// The output of `GetTicketByID`: the ticket as the projection holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct GetTicketByIDOut {
    /// The ticket's id.
    pub id: id::Ticket,
    /// Its state in the `Ticket` state machine.
    pub state: TicketState,
    /// The title.
    pub title: TicketTitle,
    /// The description.
    pub description: TicketDescription,
    /// Who created it.
    pub author: id::User,
    /// Who is assigned, in the order assigned.
    pub assignees: Vec<id::User>,
    /// The comments, oldest first.
    pub comments: Vec<Comment>,
}

/// The input of `AssignUserToTicket`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct AssignUserToTicketIn {
    /// Who to assign.
    pub user: id::User,
    /// To which ticket.
    pub ticket: id::Ticket,
}

/// The input of `UnassignUserFromTicket`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct UnassignUserFromTicketIn {
    /// Who to unassign.
    pub user: id::User,
    /// From which ticket.
    pub ticket: id::Ticket,
}

/// The input of `CloseTicket`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct CloseTicketIn {
    /// The ticket to close.
    pub ticket: id::Ticket,
}

/// The input of `CreateComment`; the author is the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct CreateCommentIn {
    /// The ticket to comment on.
    pub ticket: id::Ticket,
    /// The text.
    pub message: TicketCommentMessage,
}

/// The output of `CreateComment`: the new comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct CreateCommentOut {
    /// The comment's id.
    pub id: id::Comment,
    /// The ticket.
    pub ticket: id::Ticket,
    /// The text.
    pub message: TicketCommentMessage,
    /// Who wrote it.
    pub author: id::User,
}

/// The input of `UpdateTicket`: what to change (`None`: leave as is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
pub struct UpdateTicketIn {
    /// The ticket to change.
    pub ticket: id::Ticket,
    /// A new title.
    #[serde(default)]
    pub new_title: Option<TicketTitle>,
    /// A new description.
    #[serde(default)]
    pub new_description: Option<TicketDescription>,
}
