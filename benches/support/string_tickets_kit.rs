//! The `Tickets` store for string ids on goesgen's memory kit: the tickets
//! (behind `Arc`s, as the example keeps them) and users in the kit's
//! `Table` and `Set` (`MemoryStore` in `Overlaid` mode), the apply
//! functions only: the twin, as a user writes it with the kit, of the
//! hand-written undo-log store (`string_tickets_store.rs`, with its state
//! rules). Its `Ticket` is that store's with the ids it holds shared
//! (`Arc<str>`, as the README advises for a table's values): the copy
//! `Arc::make_mut` makes of a ticket to change it is then reference counts
//! and one allocation, not one per string.

use std::sync::Arc;

use goesgen::kits::{MemoryRead, MemoryWrite, Overlaid, Set, Table};
use goesgen::{Recorded, StoreError};

use crate::id;
use crate::schema::events::{
    TicketClosed, TicketCommented, TicketCreated, TicketDescriptionChanged, TicketTitleChanged,
    UserAssignedToTicket, UserCreated, UserUnassignedFromTicket,
};
use crate::schema::projections::TicketState;
use crate::schema::tickets::TicketsInMemory;
use crate::service::tickets::io::Comment;
use crate::{TicketDescription, TicketTitle};

/// A ticket as the projection holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Its id.
    pub id: Arc<str>,
    /// Its state.
    pub state: TicketState,
    /// The title.
    pub title: TicketTitle,
    /// The description.
    pub description: TicketDescription,
    /// Who created it.
    pub author: Arc<str>,
    /// Who is assigned, in the order assigned.
    pub assignees: Vec<Arc<str>>,
    /// The comments, oldest first.
    pub comments: Vec<Comment>,
}

/// Everything the `Tickets` service knows.
#[derive(Debug, Default)]
pub struct Projection {
    tickets: Table<id::Ticket, Arc<Ticket>>,
    users: Set<id::User>,
}

goesgen::transactional!(Projection { tickets, users });

/// The store.
pub type TicketsStore = goesgen::MemoryStore<Projection, Overlaid>;
/// A write transaction.
pub type Write = MemoryWrite<Projection, Overlaid>;
/// A read transaction.
pub type Read = MemoryRead<Projection>;

impl Projection {
    /// The ticket `id`, if it exists.
    pub fn ticket(&self, id: &str) -> Option<&Ticket> {
        self.tickets.get(id).map(|ticket| &**ticket)
    }

    /// Whether the user `id` exists.
    pub fn has_user(&self, id: &str) -> bool {
        self.users.contains(id)
    }

    /// The tickets, in no order.
    pub fn tickets(&self) -> impl Iterator<Item = &Ticket> {
        self.tickets.values().map(|ticket| &**ticket)
    }

    fn open_ticket_mut(&mut self, id: &str) -> Result<&mut Ticket, StoreError> {
        let ticket =
            self.tickets.get_mut(id).map(Arc::make_mut).ok_or_else(|| {
                StoreError::new(format!("an event refers to unknown ticket {id}"))
            })?;
        if ticket.state == TicketState::Closed {
            return Err(StoreError::new(format!("ticket {id} is closed")));
        }
        Ok(ticket)
    }
}

impl TicketsInMemory for Projection {
    fn apply_user_created(&mut self, _: &Recorded, event: &UserCreated) -> Result<(), StoreError> {
        self.users.insert(event.id.clone());
        Ok(())
    }

    fn apply_ticket_created(
        &mut self,
        _: &Recorded,
        event: &TicketCreated,
    ) -> Result<(), StoreError> {
        if self.tickets.contains_key(&event.id) {
            return Err(StoreError::new(format!(
                "ticket {} is created a second time",
                event.id
            )));
        }
        let ticket = Ticket {
            id: event.id.as_str().into(),
            state: TicketState::INITIAL,
            title: event.title.clone(),
            description: event.description.clone(),
            author: event.author.as_str().into(),
            assignees: Vec::new(),
            comments: Vec::new(),
        };
        self.tickets.insert(event.id.clone(), Arc::new(ticket));
        Ok(())
    }

    fn apply_ticket_closed(
        &mut self,
        _: &Recorded,
        event: &TicketClosed,
    ) -> Result<(), StoreError> {
        self.open_ticket_mut(&event.ticket)?.state = TicketState::Closed;
        Ok(())
    }

    fn apply_ticket_commented(
        &mut self,
        _: &Recorded,
        event: &TicketCommented,
    ) -> Result<(), StoreError> {
        self.open_ticket_mut(&event.ticket)?.comments.push(Comment {
            id: event.id.clone(),
            message: event.message.clone(),
            author: event.by.clone(),
        });
        Ok(())
    }

    fn apply_user_assigned_to_ticket(
        &mut self,
        _: &Recorded,
        event: &UserAssignedToTicket,
    ) -> Result<(), StoreError> {
        let ticket = self.open_ticket_mut(&event.ticket)?;
        if ticket.assignees.iter().any(|u| **u == *event.user) {
            return Err(StoreError::new(format!(
                "user {} is assigned to ticket {} a second time",
                event.user, event.ticket
            )));
        }
        ticket.assignees.push(event.user.as_str().into());
        ticket.state = TicketState::InProgress;
        Ok(())
    }

    fn apply_user_unassigned_from_ticket(
        &mut self,
        _: &Recorded,
        event: &UserUnassignedFromTicket,
    ) -> Result<(), StoreError> {
        let ticket = self.open_ticket_mut(&event.ticket)?;
        let Some(index) = ticket.assignees.iter().position(|u| **u == *event.user) else {
            return Err(StoreError::new(format!(
                "user {} is unassigned from ticket {} but was not assigned",
                event.user, event.ticket
            )));
        };
        ticket.assignees.remove(index);
        ticket.state = if ticket.assignees.is_empty() {
            TicketState::Stalled
        } else {
            TicketState::InProgress
        };
        Ok(())
    }

    fn apply_ticket_description_changed(
        &mut self,
        _: &Recorded,
        event: &TicketDescriptionChanged,
    ) -> Result<(), StoreError> {
        self.open_ticket_mut(&event.ticket)?.description = event.new_description.clone();
        Ok(())
    }

    fn apply_ticket_title_changed(
        &mut self,
        _: &Recorded,
        event: &TicketTitleChanged,
    ) -> Result<(), StoreError> {
        self.open_ticket_mut(&event.ticket)?.title = event.new_title.clone();
        Ok(())
    }
}
