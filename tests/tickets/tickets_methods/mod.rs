//! Every method of the tickets example's `Tickets` service, end to end
//! through the generated service on an in-memory log: what it returns,
//! what it appends, and each refusal (with nothing appended). Here, what
//! the files share: a board (two users and a ticket) and the check of a
//! refusal. The behaviours, one file each:
//!
//! - `ticket`: creating, reading, closing, commenting on and editing a
//!   ticket;
//! - `assignments`: assigning users to a ticket and unassigning them;
//! - `table_and_rollback`: the `Ticket` state machine's paths as the
//!   schema's table declares them, and the in-memory store's rollback.

use goesgen::ServiceError;
use goesgen::Store as _;

use super::*;
use crate::schema::projections::TicketState;
use crate::service::tickets::TicketsError;
use crate::service::tickets::io::{
    AssignUserToTicketIn, CloseTicketIn, CreateCommentIn, CreateTicketIn, UnassignUserFromTicketIn,
};

mod assignments;
mod table_and_rollback;
mod ticket;

/// A setup with users "User A" and "User B" and a ticket created by A.
struct Board {
    setup: Setup,
    a: id::User,
    b: id::User,
    ticket: id::Ticket,
}

async fn board() -> Board {
    let setup = Setup::memory();
    let a = setup.user("User A").await;
    let b = setup.user("User B").await;
    let ticket = setup
        .tickets
        .create_ticket(
            &as_user(a),
            CreateTicketIn {
                title: TicketTitle::new("Example Ticket").unwrap(),
                description: TicketDescription::new("This is an example ticket").unwrap(),
            },
        )
        .await
        .unwrap()
        .output
        .id;
    Board {
        setup,
        a,
        b,
        ticket,
    }
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

    async fn state(&self) -> TicketState {
        let projection = self.setup.tickets.store().begin_read().await.unwrap();
        projection.ticket(&self.ticket).unwrap().state
    }

    async fn close(&self) {
        self.setup
            .tickets
            .close_ticket(
                &as_user(self.a),
                CloseTicketIn {
                    ticket: self.ticket,
                },
            )
            .await
            .unwrap();
    }
}

/// Asserts that `result` is the method's refusal `expected` and that the
/// log did not move.
async fn refused<T: std::fmt::Debug>(
    setup: &Setup,
    head: u64,
    result: Result<T, ServiceError<TicketsError>>,
    expected: impl FnOnce(&TicketsError) -> bool,
) {
    match result {
        Err(ServiceError::Method(error)) => assert!(expected(&error), "unexpected refusal {error}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(setup.head().await, head, "a refused call appended events");
}
