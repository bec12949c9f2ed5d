//! The `Ticket` state machine as the business rules use it, decided only by
//! the table the schema declares (through the generated, checked
//! `TicketState::transition`), so that an undeclared move is an error,
//! never a silent change.
//!
//! The rules want: assigning moves a ticket to `InProgress`, unassigning its
//! last assignee moves it to `Stalled`, closing closes it, and comments and
//! edits leave the state as it is. goesgen's table declares, for
//! `UserAssignedToTicket`, only `New -> New`, `InProgress -> InProgress` and
//! `Stalled -> InProgress`; for `UserUnassignedFromTicket` only moves out of
//! `InProgress`. So an assignment goes to `InProgress` where the table
//! allows that move and otherwise stays where the table allows it to stay
//! (a `New` ticket stays `New`), and an unassignment asks for `Stalled` or
//! `InProgress` and is refused where the table has no such move. A
//! consequence of the table as written: a ticket leaves `New` only for
//! `Closed`, so `InProgress` and `Stalled` are never reached from a created
//! ticket, and unassigning is refused on every ticket events can produce.
//! The functions below still implement every path the table declares.
//!
//! The methods call these functions to decide (and refuse before emitting
//! anything); the store calls them again to apply, so that an event someone
//! else appended cannot put a ticket in a state the schema forbids.

use goesgen::TransitionError;

use crate::schema::events::EventKind;
use crate::schema::projections::TicketState;

/// The state `UserAssignedToTicket` moves a ticket in `from` to:
/// `InProgress` where declared, else staying in `from` where declared.
pub fn assigned(from: TicketState) -> Result<TicketState, TransitionError> {
    let kind = EventKind::UserAssignedToTicket;
    from.transition(kind, TicketState::InProgress)
        .or_else(|_| from.transition(kind, from))
}

/// The state `UserUnassignedFromTicket` moves a ticket in `from` to, with
/// `remaining` assignees left after it: `Stalled` when none are left,
/// `InProgress` otherwise; an error where the table does not declare it.
pub fn unassigned(from: TicketState, remaining: usize) -> Result<TicketState, TransitionError> {
    let to = if remaining == 0 {
        TicketState::Stalled
    } else {
        TicketState::InProgress
    };
    from.transition(EventKind::UserUnassignedFromTicket, to)
}

/// The state `TicketClosed` moves a ticket in `from` to: `Closed`.
pub fn closed(from: TicketState) -> Result<TicketState, TransitionError> {
    from.transition(EventKind::TicketClosed, TicketState::Closed)
}

/// The state after an event that leaves the state as it is (a comment, a
/// new title or description): `from`, where the table declares that.
pub fn unchanged(from: TicketState, kind: EventKind) -> Result<TicketState, TransitionError> {
    from.transition(kind, from)
}
