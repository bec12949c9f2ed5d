//! Every method of the tickets example's `Tickets` service, through
//! goesgen's test kit (`TicketsService::test`): given events, when a caller
//! calls a method, then it emits these events, refuses, or answers. The
//! service runs on the example's real store over an in-memory log, so the
//! store's apply functions are tested with the methods. Here, what the
//! files share: a board (two users and a ticket, given as events). The
//! behaviours, one file each:
//!
//! - `ticket`: creating, reading, closing, commenting on and editing a
//!   ticket;
//! - `assignments`: assigning users to a ticket and unassigning them;
//! - `table_and_rollback`: the `Ticket` state machine's paths as the
//!   schema's table declares them, and the in-memory store's rollback;
//! - `coverage`: the declared moves of the `Ticket` table these tests take,
//!   and those they leave out on purpose.

use super::*;
use crate::schema::events::{TicketClosed, TicketCreated};
use crate::schema::projections::TicketState;
use crate::schema::tickets::TicketsTest;
use crate::service::tickets::TicketsError;
use crate::service::tickets::io::{
    AssignUserToTicketIn, CreateCommentIn, GetTicketByIDOut, UnassignUserFromTicketIn,
};

mod assignments;
mod coverage;
mod table_and_rollback;
mod ticket;

/// The Tickets service under test, given users "User A" and "User B" and
/// a ticket A created.
struct Board {
    t: TicketsTest<Tickets>,
    a: id::User,
    b: id::User,
    ticket: id::Ticket,
}

/// The Tickets service under test, on a new store.
fn tickets() -> TicketsTest<Tickets> {
    TicketsService::test(Tickets, TicketsStore::default())
}

async fn board() -> Board {
    let t = tickets();
    let (a, user_a) = user_created("User A");
    let (b, user_b) = user_created("User B");
    let ticket = id::Ticket::new();
    let created = TicketCreated {
        id: ticket,
        title: TicketTitle::new("Example Ticket").unwrap(),
        description: TicketDescription::new("This is an example ticket").unwrap(),
        author: a,
    };
    t.given([user_a, user_b, created.into()]).await.unwrap();
    Board { t, a, b, ticket }
}

impl Board {
    fn assign(&self, user: id::User) -> AssignUserToTicketIn {
        AssignUserToTicketIn {
            user,
            ticket: self.ticket,
        }
    }

    fn unassign(&self, user: id::User) -> UnassignUserFromTicketIn {
        UnassignUserFromTicketIn {
            user,
            ticket: self.ticket,
        }
    }

    fn comment(&self, text: &str) -> CreateCommentIn {
        CreateCommentIn {
            ticket: self.ticket,
            message: TicketCommentMessage::new(text).unwrap(),
        }
    }

    /// The ticket as `board()` created it.
    fn created(&self) -> GetTicketByIDOut {
        GetTicketByIDOut {
            id: self.ticket,
            state: TicketState::New,
            title: TicketTitle::new("Example Ticket").unwrap(),
            description: TicketDescription::new("This is an example ticket").unwrap(),
            author: self.a,
            assignees: Vec::new(),
            comments: Vec::new(),
        }
    }

    /// The ticket now, as A reads it.
    async fn read(&self) -> GetTicketByIDOut {
        let caller = as_user(self.a);
        self.t
            .when(&caller)
            .get_ticket_by_id(self.ticket)
            .await
            .answer()
    }

    /// Given: B closed the ticket.
    async fn closed(&self) {
        let closed = TicketClosed {
            ticket: self.ticket,
            by: self.b,
        };
        self.t.given([closed.into()]).await.unwrap();
    }
}
