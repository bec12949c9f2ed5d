//! The `Tickets` service's projections in memory, on goesgen's
//! `MemoryStore` kit: tickets with their assignees and comments, and the
//! set of known users, in the kit's transactional `Table` and `Set`, so
//! that a write transaction costs what it changes whatever the number of
//! tickets. Tickets are kept behind `Arc`s: a change copies the one ticket
//! it touches (`Arc::make_mut`), and the copy the kit's spare map needs at
//! the next commit is a reference count. That copy is cheap because the
//! ticket's fields are: UUID ids, and text types that share their text
//! (`Arc<str>`, in `domain.rs`). The kit does the rest:
//! transactions, rollback (also of a transaction cut off), the version,
//! readers that never wait. What is left here is the projection and one
//! apply function per event.

use std::sync::Arc;

use goesgen::kits::{MemoryRead, MemoryWrite, Overlaid, Set, Table};
use goesgen::{Recorded, StoreError};

use super::io::Comment;
use super::lifecycle;
use crate::schema::events::{
    EventKind, TicketClosed, TicketCommented, TicketCreated, TicketDescriptionChanged,
    TicketTitleChanged, UserAssignedToTicket, UserCreated, UserUnassignedFromTicket,
};
use crate::schema::projections::TicketState;
use crate::schema::tickets::TicketsInMemory;
use crate::{TicketDescription, TicketTitle, id};

/// A ticket as the projection holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Its id.
    pub id: id::Ticket,
    /// Its state.
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

/// Everything the `Tickets` service knows.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Projection {
    tickets: Table<id::Ticket, Arc<Ticket>>,
    users: Set<id::User>,
}

goesgen::transactional!(Projection { tickets, users });

/// The store: the projection in goesgen's memory kit, a write transaction
/// an overlay of its changes over the committed tables.
pub type TicketsStore = goesgen::MemoryStore<Projection, Overlaid>;
/// A write transaction: the projection as it changes (`Deref` to it).
pub type Write = MemoryWrite<Projection, Overlaid>;
/// A read transaction: the committed projection (`Deref` to it).
pub type Read = MemoryRead<Projection>;

impl Projection {
    /// The ticket `id`, if it exists.
    pub fn ticket(&self, id: &id::Ticket) -> Option<&Ticket> {
        self.tickets.get(id).map(|ticket| &**ticket)
    }

    /// Whether the user `id` exists.
    pub fn has_user(&self, id: &id::User) -> bool {
        self.users.contains(id)
    }

    /// How many tickets there are.
    pub fn ticket_count(&self) -> usize {
        self.tickets.len()
    }

    /// How many users there are.
    pub fn user_count(&self) -> usize {
        self.users.len()
    }

    fn ticket_mut(&mut self, id: &id::Ticket) -> Result<&mut Ticket, StoreError> {
        self.tickets
            .get_mut(id)
            .map(Arc::make_mut)
            .ok_or_else(|| StoreError::refused(format!("an event refers to unknown ticket {id}")))
    }

    /// Moves ticket `id` to the state `next` computes from its current one.
    fn set_state(
        &mut self,
        id: &id::Ticket,
        next: impl FnOnce(&Ticket) -> Result<TicketState, goesgen::TransitionError>,
    ) -> Result<(), StoreError> {
        let ticket = self.ticket_mut(id)?;
        ticket.state = next(ticket)?;
        Ok(())
    }
}

impl TicketsInMemory for Projection {
    fn apply_user_created(
        &mut self,
        _at: &Recorded,
        event: &UserCreated,
    ) -> Result<(), StoreError> {
        self.users.insert(event.id);
        Ok(())
    }

    fn apply_ticket_created(
        &mut self,
        _at: &Recorded,
        event: &TicketCreated,
    ) -> Result<(), StoreError> {
        if self.tickets.contains_key(&event.id) {
            return Err(StoreError::refused(format!(
                "ticket {} is created a second time",
                event.id
            )));
        }
        let ticket = Ticket {
            id: event.id,
            state: TicketState::INITIAL,
            title: event.title.clone(),
            description: event.description.clone(),
            author: event.author,
            assignees: Vec::new(),
            comments: Vec::new(),
        };
        self.tickets.insert(event.id, Arc::new(ticket));
        Ok(())
    }

    fn apply_ticket_closed(
        &mut self,
        _at: &Recorded,
        event: &TicketClosed,
    ) -> Result<(), StoreError> {
        self.set_state(&event.ticket, |t| lifecycle::closed(t.state))
    }

    fn apply_ticket_commented(
        &mut self,
        _at: &Recorded,
        event: &TicketCommented,
    ) -> Result<(), StoreError> {
        self.set_state(&event.ticket, |t| {
            lifecycle::unchanged(t.state, EventKind::TicketCommented)
        })?;
        self.ticket_mut(&event.ticket)?.comments.push(Comment {
            id: event.id,
            message: event.message.clone(),
            author: event.by,
        });
        Ok(())
    }

    fn apply_user_assigned_to_ticket(
        &mut self,
        _at: &Recorded,
        event: &UserAssignedToTicket,
    ) -> Result<(), StoreError> {
        if self
            .ticket_mut(&event.ticket)?
            .assignees
            .contains(&event.user)
        {
            return Err(StoreError::refused(format!(
                "user {} is assigned to ticket {} a second time",
                event.user, event.ticket
            )));
        }
        self.set_state(&event.ticket, |t| lifecycle::assigned(t.state))?;
        self.ticket_mut(&event.ticket)?.assignees.push(event.user);
        Ok(())
    }

    fn apply_user_unassigned_from_ticket(
        &mut self,
        _at: &Recorded,
        event: &UserUnassignedFromTicket,
    ) -> Result<(), StoreError> {
        let ticket = self.ticket_mut(&event.ticket)?;
        let Some(index) = ticket.assignees.iter().position(|u| *u == event.user) else {
            return Err(StoreError::refused(format!(
                "user {} is unassigned from ticket {} but was not assigned",
                event.user, event.ticket
            )));
        };
        let remaining = ticket.assignees.len() - 1;
        self.set_state(&event.ticket, |t| lifecycle::unassigned(t.state, remaining))?;
        self.ticket_mut(&event.ticket)?.assignees.remove(index);
        Ok(())
    }

    fn apply_ticket_description_changed(
        &mut self,
        _at: &Recorded,
        event: &TicketDescriptionChanged,
    ) -> Result<(), StoreError> {
        self.set_state(&event.ticket, |t| {
            lifecycle::unchanged(t.state, EventKind::TicketDescriptionChanged)
        })?;
        self.ticket_mut(&event.ticket)?.description = event.new_description.clone();
        Ok(())
    }

    fn apply_ticket_title_changed(
        &mut self,
        _at: &Recorded,
        event: &TicketTitleChanged,
    ) -> Result<(), StoreError> {
        self.set_state(&event.ticket, |t| {
            lifecycle::unchanged(t.state, EventKind::TicketTitleChanged)
        })?;
        self.ticket_mut(&event.ticket)?.title = event.new_title.clone();
        Ok(())
    }
}
