//! The `Ticket` aggregate: the tickets example's create, assign and
//! unassign commands with the checks goesgen's Tickets service makes.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use serde::{Deserialize, Serialize};

/// A ticket's commands; the ticket is the aggregate id they are sent to.
#[derive(Debug, Clone, PartialEq)]
pub enum TicketCommand {
    CreateTicket {
        id: String,
        title: String,
        description: String,
        author: String,
    },
    AssignUser {
        user: String,
    },
    UnassignUser {
        user: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TicketEvent {
    TicketCreated {
        id: String,
        title: String,
        description: String,
        author: String,
    },
    UserAssignedToTicket {
        ticket: String,
        user: String,
    },
    UserUnassignedFromTicket {
        ticket: String,
        user: String,
    },
}

impl DomainEvent for TicketEvent {
    fn event_type(&self) -> String {
        match self {
            TicketEvent::TicketCreated { .. } => "TicketCreated",
            TicketEvent::UserAssignedToTicket { .. } => "UserAssignedToTicket",
            TicketEvent::UserUnassignedFromTicket { .. } => "UserUnassignedFromTicket",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketError {
    /// `CreateTicket` sent to a ticket that exists.
    AlreadyExists {
        ticket: String,
    },
    /// Assign or unassign sent to a ticket that was never created.
    NoSuchTicket,
    /// The author or the user is not a known user.
    NoSuchUser {
        user: String,
    },
    AlreadyAssigned {
        user: String,
        ticket: String,
    },
    NotAssigned {
        user: String,
        ticket: String,
    },
}

impl fmt::Display for TicketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TicketError::AlreadyExists { ticket } => write!(f, "ticket {ticket} already exists"),
            TicketError::NoSuchTicket => write!(f, "no such ticket"),
            TicketError::NoSuchUser { user } => write!(f, "no such user: {user}"),
            TicketError::AlreadyAssigned { user, ticket } => {
                write!(f, "user {user} is already assigned to ticket {ticket}")
            }
            TicketError::NotAssigned { user, ticket } => {
                write!(f, "user {user} is not assigned to ticket {ticket}")
            }
        }
    }
}

impl std::error::Error for TicketError {}

/// What the aggregate sees beyond its own events.
///
/// A cqrs-es aggregate sees only its own events, and users are not
/// tickets: goesgen's Tickets service checks authors and assignees in its
/// projection of the users' events, on the same log. Here the known users
/// are a shared set handed to every `handle` through the aggregate's
/// `Services`, filled before the run (no command adds users while
/// measuring, so it needs no lock).
#[derive(Debug, Clone, Default)]
pub struct TicketServices {
    pub users: Arc<HashSet<String>>,
}

impl TicketServices {
    fn known(&self, user: &str) -> Result<(), TicketError> {
        if self.users.contains(user) {
            Ok(())
        } else {
            Err(TicketError::NoSuchUser {
                user: user.to_string(),
            })
        }
    }
}

/// A ticket, rebuilt from its events; `id` is `None` until it is created.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Ticket {
    pub id: Option<String>,
    pub title: String,
    pub description: String,
    pub author: String,
    pub assignees: Vec<String>,
}

impl Ticket {
    fn existing(&self) -> Result<String, TicketError> {
        self.id.clone().ok_or(TicketError::NoSuchTicket)
    }
}

impl Aggregate for Ticket {
    const TYPE: &'static str = "ticket";
    type Command = TicketCommand;
    type Event = TicketEvent;
    type Error = TicketError;
    type Services = TicketServices;

    async fn handle(
        &mut self,
        command: TicketCommand,
        services: &TicketServices,
        sink: &EventSink<Self>,
    ) -> Result<(), TicketError> {
        match command {
            TicketCommand::CreateTicket {
                id,
                title,
                description,
                author,
            } => {
                if self.id.is_some() {
                    return Err(TicketError::AlreadyExists { ticket: id });
                }
                services.known(&author)?;
                let event = TicketEvent::TicketCreated {
                    id,
                    title,
                    description,
                    author,
                };
                sink.write(event, self).await;
            }
            TicketCommand::AssignUser { user } => {
                let ticket = self.existing()?;
                services.known(&user)?;
                if self.assignees.contains(&user) {
                    return Err(TicketError::AlreadyAssigned { user, ticket });
                }
                sink.write(TicketEvent::UserAssignedToTicket { ticket, user }, self)
                    .await;
            }
            TicketCommand::UnassignUser { user } => {
                let ticket = self.existing()?;
                services.known(&user)?;
                if !self.assignees.contains(&user) {
                    return Err(TicketError::NotAssigned { user, ticket });
                }
                sink.write(TicketEvent::UserUnassignedFromTicket { ticket, user }, self)
                    .await;
            }
        }
        Ok(())
    }

    fn apply(&mut self, event: TicketEvent) {
        match event {
            TicketEvent::TicketCreated {
                id,
                title,
                description,
                author,
            } => {
                self.id = Some(id);
                self.title = title;
                self.description = description;
                self.author = author;
            }
            TicketEvent::UserAssignedToTicket { user, .. } => self.assignees.push(user),
            TicketEvent::UserUnassignedFromTicket { user, .. } => {
                self.assignees.retain(|assignee| *assignee != user)
            }
        }
    }
}
