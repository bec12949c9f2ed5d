//! The declared moves of the `Ticket` table the kit's tests of the
//! `Tickets` service take (`assignments`, `ticket`: run again in a child
//! process, so the check does not depend on the order tests run in), and
//! the moves they leave out on purpose.

use super::*;

/// The moves no event history reaches: the table lets a ticket leave `New`
/// only for `Closed` (an assignment keeps a `New` ticket `New`), so
/// `InProgress` and `Stalled` are never entered and their moves never
/// taken (see the example's `lifecycle`). `table_and_rollback` checks them
/// on the state enum itself.
const UNREACHABLE: &[&str] = &[
    "Ticket: UserAssignedToTicket InProgress -> InProgress",
    "Ticket: TicketClosed InProgress -> Closed",
    "Ticket: TicketCommented InProgress -> InProgress",
    "Ticket: UserUnassignedFromTicket InProgress -> InProgress",
    "Ticket: UserUnassignedFromTicket InProgress -> Stalled",
    "Ticket: TicketDescriptionChanged InProgress -> InProgress",
    "Ticket: TicketTitleChanged InProgress -> InProgress",
    "Ticket: UserAssignedToTicket Stalled -> InProgress",
    "Ticket: TicketClosed Stalled -> Closed",
    "Ticket: TicketCommented Stalled -> Stalled",
    "Ticket: TicketDescriptionChanged Stalled -> Stalled",
    "Ticket: TicketTitleChanged Stalled -> Stalled",
];

#[test]
fn the_kit_tests_take_every_reachable_move() {
    // Tracks the service's projections in this process too.
    drop(tickets());
    let coverage = goesgen::testing::coverage::of_tests(&[
        "tickets_methods::assignments::",
        "tickets_methods::ticket::",
    ])
    .unwrap();
    assert_eq!(coverage.declared.len(), 17, "{coverage}");
    coverage.assert_covered_except(UNREACHABLE);
}
