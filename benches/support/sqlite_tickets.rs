//! The tickets example's `Tickets` projection as a user would keep it on
//! goesgen's SQLite kit: a `tickets` table (its state, title, description
//! and author), `assignees`, `comments` and `users`, and one apply function
//! per subscribed event, each through a cached prepared statement
//! (`prepare_cached`: parsed once per connection, not once per event). Ids
//! are kept as their 16 bytes. The lifecycle is the schema's: an apply
//! reads the ticket's state and moves it through the generated
//! `TicketState::transition`, refusing an undeclared move, as the example's
//! memory store does.
//!
//! Used by the benches of the SQLite kit (`sqlite_kit.rs`: one write
//! transaction at 1k, 100k and 1M rows) and of catch-up (`catch_up.rs`).

use goesgen::rusqlite::{Connection, OptionalExtension, params};
use goesgen::{Recorded, StoreError};

use crate::schema::events::{
    EventKind, TicketClosed, TicketCommented, TicketCreated, TicketDescriptionChanged,
    TicketTitleChanged, UserAssignedToTicket, UserCreated, UserUnassignedFromTicket,
};
use crate::schema::projections::TicketState;
use crate::schema::tickets::TicketsInSqlite;

/// The tables.
pub const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS tickets (
        id          BLOB PRIMARY KEY,
        state       TEXT NOT NULL,
        title       TEXT NOT NULL,
        description TEXT NOT NULL,
        author      BLOB NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS assignees (
        ticket BLOB NOT NULL,
        user   BLOB NOT NULL,
        PRIMARY KEY (ticket, user)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS comments (
        id      BLOB PRIMARY KEY,
        ticket  BLOB NOT NULL,
        message TEXT NOT NULL,
        author  BLOB NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS users (id BLOB PRIMARY KEY) WITHOUT ROWID;
";

/// The apply functions (the tables are in the kit's database).
#[derive(Debug, Clone, Copy, Default)]
pub struct SqlTickets;

/// The Tickets projection on the SQLite kit.
pub type SqlTicketsStore = goesgen::SqliteStore<SqlTickets>;

/// The store in the database file at `path`, tables created.
pub fn open(path: &std::path::Path) -> SqlTicketsStore {
    SqlTicketsStore::open(path, "tickets", SqlTickets)
        .and_then(|store| store.with_schema(SCHEMA))
        .expect("open the SQLite tickets store")
}

/// Removes the database file at `path` and its `-wal` and `-shm` (the
/// store closed).
pub fn remove(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn state_named(name: &str) -> Result<TicketState, StoreError> {
    TicketState::ALL
        .iter()
        .copied()
        .find(|state| state.name() == name)
        .ok_or_else(|| StoreError::new(format!("unknown ticket state {name:?} in the database")))
}

/// The state of ticket `id`; a refusal if there is no such ticket.
fn state_of(db: &Connection, id: &[u8]) -> Result<TicketState, StoreError> {
    let name: Option<String> = db
        .prepare_cached("SELECT state FROM tickets WHERE id = ?1")?
        .query_row([id], |row| row.get(0))
        .optional()?;
    match name {
        Some(name) => state_named(&name),
        None => Err(StoreError::refused("an event refers to an unknown ticket")),
    }
}

/// Moves ticket `id` to the state `next` computes from its current one.
fn move_state(
    db: &Connection,
    id: &[u8],
    next: impl FnOnce(TicketState) -> Result<TicketState, goesgen::TransitionError>,
) -> Result<(), StoreError> {
    let from = state_of(db, id)?;
    let to = next(from)?;
    if to != from {
        db.prepare_cached("UPDATE tickets SET state = ?2 WHERE id = ?1")?
            .execute(params![id, to.name()])?;
    }
    Ok(())
}

fn unchanged(
    kind: EventKind,
) -> impl FnOnce(TicketState) -> Result<TicketState, goesgen::TransitionError> {
    move |from| from.transition(kind, from)
}

impl TicketsInSqlite for SqlTickets {
    fn apply_user_created(
        &self,
        db: &Connection,
        _at: &Recorded,
        event: &UserCreated,
    ) -> Result<(), StoreError> {
        db.prepare_cached("INSERT INTO users (id) VALUES (?1)")?
            .execute([&event.id.uuid().as_bytes()[..]])?;
        Ok(())
    }

    fn apply_ticket_created(
        &self,
        db: &Connection,
        _at: &Recorded,
        event: &TicketCreated,
    ) -> Result<(), StoreError> {
        // A second creation fails the primary key: a refusal.
        db.prepare_cached(
            "INSERT INTO tickets (id, state, title, description, author)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            &event.id.uuid().as_bytes()[..],
            TicketState::INITIAL.name(),
            event.title.as_str(),
            event.description.as_str(),
            &event.author.uuid().as_bytes()[..],
        ])?;
        Ok(())
    }

    fn apply_ticket_closed(
        &self,
        db: &Connection,
        _at: &Recorded,
        event: &TicketClosed,
    ) -> Result<(), StoreError> {
        move_state(db, event.ticket.uuid().as_bytes(), |from| {
            from.transition(EventKind::TicketClosed, TicketState::Closed)
        })
    }

    fn apply_ticket_commented(
        &self,
        db: &Connection,
        _at: &Recorded,
        event: &TicketCommented,
    ) -> Result<(), StoreError> {
        let ticket = event.ticket.uuid();
        move_state(db, ticket.as_bytes(), unchanged(EventKind::TicketCommented))?;
        db.prepare_cached(
            "INSERT INTO comments (id, ticket, message, author) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            &event.id.uuid().as_bytes()[..],
            &ticket.as_bytes()[..],
            event.message.as_str(),
            &event.by.uuid().as_bytes()[..],
        ])?;
        Ok(())
    }

    fn apply_user_assigned_to_ticket(
        &self,
        db: &Connection,
        _at: &Recorded,
        event: &UserAssignedToTicket,
    ) -> Result<(), StoreError> {
        let ticket = event.ticket.uuid();
        move_state(db, ticket.as_bytes(), |from| {
            let kind = EventKind::UserAssignedToTicket;
            from.transition(kind, TicketState::InProgress)
                .or_else(|_| from.transition(kind, from))
        })?;
        // Assigned twice fails the primary key: a refusal.
        db.prepare_cached("INSERT INTO assignees (ticket, user) VALUES (?1, ?2)")?
            .execute(params![
                &ticket.as_bytes()[..],
                &event.user.uuid().as_bytes()[..]
            ])?;
        Ok(())
    }

    fn apply_user_unassigned_from_ticket(
        &self,
        db: &Connection,
        _at: &Recorded,
        event: &UserUnassignedFromTicket,
    ) -> Result<(), StoreError> {
        let ticket = event.ticket.uuid();
        let removed = db
            .prepare_cached("DELETE FROM assignees WHERE ticket = ?1 AND user = ?2")?
            .execute(params![
                &ticket.as_bytes()[..],
                &event.user.uuid().as_bytes()[..]
            ])?;
        if removed == 0 {
            return Err(StoreError::refused(
                "unassigning a user who was not assigned",
            ));
        }
        let remaining: i64 = db
            .prepare_cached("SELECT count(*) FROM assignees WHERE ticket = ?1")?
            .query_row([&ticket.as_bytes()[..]], |row| row.get(0))?;
        move_state(db, ticket.as_bytes(), |from| {
            let to = if remaining == 0 {
                TicketState::Stalled
            } else {
                TicketState::InProgress
            };
            from.transition(EventKind::UserUnassignedFromTicket, to)
        })
    }

    fn apply_ticket_description_changed(
        &self,
        db: &Connection,
        _at: &Recorded,
        event: &TicketDescriptionChanged,
    ) -> Result<(), StoreError> {
        let ticket = event.ticket.uuid();
        move_state(
            db,
            ticket.as_bytes(),
            unchanged(EventKind::TicketDescriptionChanged),
        )?;
        db.prepare_cached("UPDATE tickets SET description = ?2 WHERE id = ?1")?
            .execute(params![
                &ticket.as_bytes()[..],
                event.new_description.as_str()
            ])?;
        Ok(())
    }

    fn apply_ticket_title_changed(
        &self,
        db: &Connection,
        _at: &Recorded,
        event: &TicketTitleChanged,
    ) -> Result<(), StoreError> {
        let ticket = event.ticket.uuid();
        move_state(
            db,
            ticket.as_bytes(),
            unchanged(EventKind::TicketTitleChanged),
        )?;
        db.prepare_cached("UPDATE tickets SET title = ?2 WHERE id = ?1")?
            .execute(params![&ticket.as_bytes()[..], event.new_title.as_str()])?;
        Ok(())
    }
}
