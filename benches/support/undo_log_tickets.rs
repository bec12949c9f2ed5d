//! The baseline of `benches/store_kits.rs`: the tickets example's
//! `Tickets` store as it was written by hand before the store kits (378
//! lines): std maps behind a lock and an undo log of what a write
//! transaction changed. Kept verbatim but for `read_version` and paths, to
//! measure the memory kit against it.

use std::collections::{HashMap, HashSet};
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
use crate::service::tickets::lifecycle;
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    version: Position,
    tickets: HashMap<id::Ticket, Ticket>,
    users: HashSet<id::User>,
}

impl Projection {
    /// The ticket `id`, if it exists.
    pub fn ticket(&self, id: &id::Ticket) -> Option<&Ticket> {
        self.tickets.get(id)
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
    AssigneePushed(id::Ticket),
    AssigneeRemoved(id::Ticket, usize, id::User),
    CommentPushed(id::Ticket),
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

impl Write {
    /// The projection as this transaction sees it.
    pub fn projection(&self) -> &Projection {
        &self.guard
    }

    fn ticket_mut(&mut self, id: &id::Ticket) -> Result<&mut Ticket, StoreError> {
        self.guard
            .tickets
            .get_mut(id)
            .ok_or_else(|| StoreError::new(format!("an event refers to unknown ticket {id}")))
    }

    /// Moves ticket `id` to the state `next` computes from its current one.
    fn set_state(
        &mut self,
        id: &id::Ticket,
        next: impl FnOnce(&Ticket) -> Result<TicketState, goesgen::TransitionError>,
    ) -> Result<(), StoreError> {
        let ticket = self.ticket_mut(id)?;
        let to = next(ticket)?;
        let from = std::mem::replace(&mut ticket.state, to);
        self.undo.push(Undo::State(*id, from));
        Ok(())
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
                Undo::AssigneePushed(id) => {
                    if let Some(t) = tickets.get_mut(&id) {
                        t.assignees.pop();
                    }
                }
                Undo::AssigneeRemoved(id, index, user) => {
                    if let Some(t) = tickets.get_mut(&id) {
                        t.assignees.insert(index.min(t.assignees.len()), user);
                    }
                }
                Undo::CommentPushed(id) => {
                    if let Some(t) = tickets.get_mut(&id) {
                        t.comments.pop();
                    }
                }
            }
        }
    }

    /// How many changes this transaction would undo on rollback.
    pub fn undo_len(&self) -> usize {
        self.undo.len()
    }
}

impl Drop for Write {
    fn drop(&mut self) {
        // Committed transactions leave an empty undo log; anything left
        // here belongs to one rolled back or cut off.
        self.rollback_in_place();
    }
}

impl TicketsStore {
    /// A new, empty store.
    pub fn new() -> Self {
        Self::default()
    }

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
        if txn.guard.users.insert(event.id) {
            txn.undo.push(Undo::UserAdded(event.id));
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
            id: event.id,
            state: TicketState::INITIAL,
            title: event.title.clone(),
            description: event.description.clone(),
            author: event.author,
            assignees: Vec::new(),
            comments: Vec::new(),
        };
        txn.guard.tickets.insert(event.id, ticket);
        txn.undo.push(Undo::TicketAdded(event.id));
        Ok(())
    }

    async fn apply_ticket_closed(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        event: &TicketClosed,
    ) -> Result<(), StoreError> {
        txn.set_state(&event.ticket, |t| lifecycle::closed(t.state))
    }

    async fn apply_ticket_commented(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        event: &TicketCommented,
    ) -> Result<(), StoreError> {
        txn.set_state(&event.ticket, |t| {
            lifecycle::unchanged(t.state, crate::schema::events::EventKind::TicketCommented)
        })?;
        let comment = Comment {
            id: event.id,
            message: event.message.clone(),
            author: event.by,
        };
        txn.ticket_mut(&event.ticket)?.comments.push(comment);
        txn.undo.push(Undo::CommentPushed(event.ticket));
        Ok(())
    }

    async fn apply_user_assigned_to_ticket(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        event: &UserAssignedToTicket,
    ) -> Result<(), StoreError> {
        if txn
            .ticket_mut(&event.ticket)?
            .assignees
            .contains(&event.user)
        {
            return Err(StoreError::new(format!(
                "user {} is assigned to ticket {} a second time",
                event.user, event.ticket
            )));
        }
        txn.set_state(&event.ticket, |t| lifecycle::assigned(t.state))?;
        txn.ticket_mut(&event.ticket)?.assignees.push(event.user);
        txn.undo.push(Undo::AssigneePushed(event.ticket));
        Ok(())
    }

    async fn apply_user_unassigned_from_ticket(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        event: &UserUnassignedFromTicket,
    ) -> Result<(), StoreError> {
        let ticket = txn.ticket_mut(&event.ticket)?;
        let Some(index) = ticket.assignees.iter().position(|u| *u == event.user) else {
            return Err(StoreError::new(format!(
                "user {} is unassigned from ticket {} but was not assigned",
                event.user, event.ticket
            )));
        };
        let remaining = ticket.assignees.len() - 1;
        txn.set_state(&event.ticket, |t| lifecycle::unassigned(t.state, remaining))?;
        txn.ticket_mut(&event.ticket)?.assignees.remove(index);
        txn.undo
            .push(Undo::AssigneeRemoved(event.ticket, index, event.user));
        Ok(())
    }

    async fn apply_ticket_description_changed(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        event: &TicketDescriptionChanged,
    ) -> Result<(), StoreError> {
        txn.set_state(&event.ticket, |t| {
            lifecycle::unchanged(
                t.state,
                crate::schema::events::EventKind::TicketDescriptionChanged,
            )
        })?;
        let ticket = txn.ticket_mut(&event.ticket)?;
        let previous = std::mem::replace(&mut ticket.description, event.new_description.clone());
        txn.undo.push(Undo::Description(event.ticket, previous));
        Ok(())
    }

    async fn apply_ticket_title_changed(
        &self,
        txn: &mut Write,
        _at: &Recorded,
        event: &TicketTitleChanged,
    ) -> Result<(), StoreError> {
        txn.set_state(&event.ticket, |t| {
            lifecycle::unchanged(
                t.state,
                crate::schema::events::EventKind::TicketTitleChanged,
            )
        })?;
        let ticket = txn.ticket_mut(&event.ticket)?;
        let previous = std::mem::replace(&mut ticket.title, event.new_title.clone());
        txn.undo.push(Undo::Title(event.ticket, previous));
        Ok(())
    }
}
