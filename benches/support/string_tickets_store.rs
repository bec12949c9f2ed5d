//! A `Tickets` store as a user writes one for string ids: std maps behind a
//! `tokio::sync` lock, a write transaction holding the owned write guard
//! and an undo log of what it changed; rollback (or dropping the
//! transaction unfinished) undoes it, newest first.
//!
//! The ticket states follow the rules the example's lifecycle describes
//! (assigning moves a ticket to `InProgress`, unassigning its last assignee
//! to `Stalled`, closing closes it), written directly rather than through
//! the schema's transition table: that table declares no way out of `New`
//! but `Closed`, so it refuses every unassignment a created ticket can see.

use std::collections::{HashMap, HashSet};
use std::ops::Deref;
use std::sync::Arc;

use goesgen::{Position, Recorded, StoreError};
use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};

use crate::schema::events::{
    TicketClosed, TicketCommented, TicketCreated, TicketDescriptionChanged, TicketTitleChanged,
    UserAssignedToTicket, UserCreated, UserUnassignedFromTicket,
};
use crate::schema::projections::TicketState;
use crate::schema::tickets::TicketsStore as Store;
use crate::service::tickets::io::Comment;
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
#[derive(Debug, Default)]
pub struct Projection {
    version: Position,
    tickets: HashMap<id::Ticket, Ticket>,
    users: HashSet<id::User>,
}

impl Projection {
    /// The ticket `id`, if it exists.
    pub fn ticket(&self, id: &str) -> Option<&Ticket> {
        self.tickets.get(id)
    }

    /// Whether the user `id` exists.
    pub fn has_user(&self, id: &str) -> bool {
        self.users.contains(id)
    }

    /// The tickets, in no order.
    pub fn tickets(&self) -> impl Iterator<Item = &Ticket> {
        self.tickets.values()
    }

    /// The log position the projection reflects.
    pub fn version(&self) -> Position {
        self.version
    }
}

/// One change a write transaction made, and how to undo it.
#[derive(Debug)]
enum Undo {
    Version(Position),
    UserAdded(id::User),
    TicketAdded(id::Ticket),
    State(id::Ticket, TicketState),
    Title(id::Ticket, TicketTitle),
    Description(id::Ticket, TicketDescription),
    Assigned(id::Ticket, TicketState),
    Unassigned(id::Ticket, usize, id::User, TicketState),
    Commented(id::Ticket, TicketState),
}

/// The store: the projection behind a lock.
#[derive(Debug, Clone, Default)]
pub struct TicketsStore {
    projection: Arc<RwLock<Projection>>,
}

/// A write transaction: the lock and the undo log.
pub struct Write {
    guard: OwnedRwLockWriteGuard<Projection>,
    undo: Vec<Undo>,
}

/// A read transaction.
pub type Read = OwnedRwLockReadGuard<Projection>;

impl Deref for Write {
    type Target = Projection;

    fn deref(&self) -> &Projection {
        &self.guard
    }
}

impl Write {
    fn ticket_mut(&mut self, id: &str) -> Result<&mut Ticket, StoreError> {
        self.guard
            .tickets
            .get_mut(id)
            .ok_or_else(|| StoreError::new(format!("an event refers to unknown ticket {id}")))
    }

    /// Ticket `id`, refusing a closed one.
    fn open_ticket_mut(&mut self, id: &str) -> Result<&mut Ticket, StoreError> {
        let ticket = self.ticket_mut(id)?;
        if ticket.state == TicketState::Closed {
            return Err(StoreError::new(format!("ticket {id} is closed")));
        }
        Ok(ticket)
    }

    fn rollback_in_place(&mut self) {
        let projection = &mut *self.guard;
        while let Some(undo) = self.undo.pop() {
            let tickets = &mut projection.tickets;
            match undo {
                Undo::Version(version) => projection.version = version,
                Undo::UserAdded(user) => {
                    projection.users.remove(&user);
                }
                Undo::TicketAdded(id) => {
                    tickets.remove(&id);
                }
                Undo::State(id, state) => {
                    if let Some(t) = tickets.get_mut(&id) {
                        t.state = state;
                    }
                }
                Undo::Title(id, title) => {
                    if let Some(t) = tickets.get_mut(&id) {
                        t.title = title;
                    }
                }
                Undo::Description(id, description) => {
                    if let Some(t) = tickets.get_mut(&id) {
                        t.description = description;
                    }
                }
                Undo::Assigned(id, state) => {
                    if let Some(t) = tickets.get_mut(&id) {
                        t.assignees.pop();
                        t.state = state;
                    }
                }
                Undo::Unassigned(id, index, user, state) => {
                    if let Some(t) = tickets.get_mut(&id) {
                        t.assignees.insert(index.min(t.assignees.len()), user);
                        t.state = state;
                    }
                }
                Undo::Commented(id, state) => {
                    if let Some(t) = tickets.get_mut(&id) {
                        t.comments.pop();
                        t.state = state;
                    }
                }
            }
        }
    }
}

impl Drop for Write {
    fn drop(&mut self) {
        // A committed transaction leaves an empty undo log; anything left
        // belongs to one rolled back or cut off.
        self.rollback_in_place();
    }
}

impl TicketsStore {
    /// Reads the projection (waits for an open write transaction).
    pub async fn read(&self) -> Read {
        self.projection.clone().read_owned().await
    }
}

impl goesgen::Store for TicketsStore {
    type Write = Write;
    type Read = Read;

    async fn begin_write(&self) -> Result<Write, StoreError> {
        Ok(Write {
            guard: self.projection.clone().write_owned().await,
            undo: Vec::new(),
        })
    }

    async fn begin_read(&self) -> Result<Read, StoreError> {
        Ok(self.read().await)
    }

    async fn commit(&self, mut txn: Write) -> Result<(), StoreError> {
        txn.undo.clear();
        Ok(())
    }

    async fn rollback(&self, txn: Write) -> Result<(), StoreError> {
        drop(txn);
        Ok(())
    }

    async fn read_version(&self, txn: &mut Read) -> Result<Position, StoreError> {
        Ok(txn.version)
    }

    async fn version(&self, txn: &mut Write) -> Result<Position, StoreError> {
        Ok(txn.guard.version)
    }

    async fn set_version(&self, txn: &mut Write, version: Position) -> Result<(), StoreError> {
        let previous = std::mem::replace(&mut txn.guard.version, version);
        txn.undo.push(Undo::Version(previous));
        Ok(())
    }
}

impl Store for TicketsStore {
    async fn apply_user_created(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        event: &UserCreated,
    ) -> Result<(), StoreError> {
        if txn.guard.users.insert(event.id.clone()) {
            txn.undo.push(Undo::UserAdded(event.id.clone()));
        }
        Ok(())
    }

    async fn apply_ticket_created(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        event: &TicketCreated,
    ) -> Result<(), StoreError> {
        if txn.guard.tickets.contains_key(&event.id) {
            return Err(StoreError::new(format!(
                "ticket {} is created a second time",
                event.id
            )));
        }
        let ticket = Ticket {
            id: event.id.clone(),
            state: TicketState::INITIAL,
            title: event.title.clone(),
            description: event.description.clone(),
            author: event.author.clone(),
            assignees: Vec::new(),
            comments: Vec::new(),
        };
        txn.guard.tickets.insert(event.id.clone(), ticket);
        txn.undo.push(Undo::TicketAdded(event.id.clone()));
        Ok(())
    }

    async fn apply_ticket_closed(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        event: &TicketClosed,
    ) -> Result<(), StoreError> {
        let ticket = txn.open_ticket_mut(&event.ticket)?;
        let from = std::mem::replace(&mut ticket.state, TicketState::Closed);
        txn.undo.push(Undo::State(event.ticket.clone(), from));
        Ok(())
    }

    async fn apply_ticket_commented(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        event: &TicketCommented,
    ) -> Result<(), StoreError> {
        let ticket = txn.open_ticket_mut(&event.ticket)?;
        ticket.comments.push(Comment {
            id: event.id.clone(),
            message: event.message.clone(),
            author: event.by.clone(),
        });
        let state = ticket.state;
        txn.undo.push(Undo::Commented(event.ticket.clone(), state));
        Ok(())
    }

    async fn apply_user_assigned_to_ticket(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        event: &UserAssignedToTicket,
    ) -> Result<(), StoreError> {
        let ticket = txn.open_ticket_mut(&event.ticket)?;
        if ticket.assignees.contains(&event.user) {
            return Err(StoreError::new(format!(
                "user {} is assigned to ticket {} a second time",
                event.user, event.ticket
            )));
        }
        ticket.assignees.push(event.user.clone());
        let from = std::mem::replace(&mut ticket.state, TicketState::InProgress);
        txn.undo.push(Undo::Assigned(event.ticket.clone(), from));
        Ok(())
    }

    async fn apply_user_unassigned_from_ticket(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        event: &UserUnassignedFromTicket,
    ) -> Result<(), StoreError> {
        let ticket = txn.open_ticket_mut(&event.ticket)?;
        let Some(index) = ticket.assignees.iter().position(|u| *u == event.user) else {
            return Err(StoreError::new(format!(
                "user {} is unassigned from ticket {} but was not assigned",
                event.user, event.ticket
            )));
        };
        let user = ticket.assignees.remove(index);
        let to = if ticket.assignees.is_empty() {
            TicketState::Stalled
        } else {
            TicketState::InProgress
        };
        let from = std::mem::replace(&mut ticket.state, to);
        txn.undo
            .push(Undo::Unassigned(event.ticket.clone(), index, user, from));
        Ok(())
    }

    async fn apply_ticket_description_changed(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        event: &TicketDescriptionChanged,
    ) -> Result<(), StoreError> {
        let ticket = txn.open_ticket_mut(&event.ticket)?;
        let previous = std::mem::replace(&mut ticket.description, event.new_description.clone());
        txn.undo
            .push(Undo::Description(event.ticket.clone(), previous));
        Ok(())
    }

    async fn apply_ticket_title_changed(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        event: &TicketTitleChanged,
    ) -> Result<(), StoreError> {
        let ticket = txn.open_ticket_mut(&event.ticket)?;
        let previous = std::mem::replace(&mut ticket.title, event.new_title.clone());
        txn.undo.push(Undo::Title(event.ticket.clone(), previous));
        Ok(())
    }
}
