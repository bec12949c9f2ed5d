//! The generated state machines of goesgen's tickets schema: every declared
//! transition is allowed, every other (state, event, target) triple is
//! refused with an error naming projection, event, from and to.

mod support;

use goesgen::projection::ProjectionState;
use support::schema::events::EventKind;
use support::schema::projections::{TicketState, UserState};
#[allow(unused_imports)]
use support::{TicketCommentMessage, TicketDescription, TicketTitle, UserName, id, service};

/// The `Ticket` projection's transitions as `schema.yml` declares them.
const TICKET: &[(EventKind, TicketState, TicketState)] = {
    use EventKind::*;
    use TicketState::*;
    &[
        (UserAssignedToTicket, New, New),
        (UserAssignedToTicket, InProgress, InProgress),
        (UserAssignedToTicket, Stalled, InProgress),
        (TicketClosed, New, Closed),
        (TicketClosed, InProgress, Closed),
        (TicketClosed, Stalled, Closed),
        (TicketCommented, InProgress, InProgress),
        (TicketCommented, New, New),
        (TicketCommented, Stalled, Stalled),
        (UserUnassignedFromTicket, InProgress, InProgress),
        (UserUnassignedFromTicket, InProgress, Stalled),
        (TicketDescriptionChanged, New, New),
        (TicketDescriptionChanged, InProgress, InProgress),
        (TicketDescriptionChanged, Stalled, Stalled),
        (TicketTitleChanged, New, New),
        (TicketTitleChanged, InProgress, InProgress),
        (TicketTitleChanged, Stalled, Stalled),
    ]
};

#[test]
fn ticket_states_initial_state_and_creation() {
    use TicketState::*;
    assert_eq!(TicketState::ALL, &[New, InProgress, Closed, Stalled]);
    assert_eq!(TicketState::INITIAL, New);
    assert_eq!(TicketState::CREATE_ON, EventKind::TicketCreated);
    assert_eq!(TicketState::PROJECTION, "Ticket");
    assert_eq!(InProgress.name(), "InProgress");
    assert_eq!(<TicketState as ProjectionState>::INITIAL, New);
    assert_eq!(UserState::ALL, &[UserState::New]);
    assert_eq!(UserState::CREATE_ON, EventKind::UserCreated);
}

#[test]
fn every_declared_transition_is_allowed() {
    for &(event, from, to) in TICKET {
        assert_eq!(from.transition(event, to), Ok(to), "{event} {from} -> {to}");
        assert!(from.targets(event).contains(&to));
    }
}

#[test]
fn every_other_triple_is_refused_and_named() {
    let mut refused = 0;
    for &event in EventKind::ALL {
        for &from in TicketState::ALL {
            for &to in TicketState::ALL {
                if TICKET.contains(&(event, from, to)) {
                    continue;
                }
                let error = from.transition(event, to).unwrap_err();
                assert_eq!(error.projection, "Ticket");
                assert_eq!(error.event, event.name());
                assert_eq!(error.from, from.name());
                assert_eq!(error.to, to.name());
                let text = error.to_string();
                for part in ["Ticket", event.name(), from.name(), to.name()] {
                    assert!(text.contains(part), "{text} lacks {part}");
                }
                refused += 1;
            }
        }
    }
    assert_eq!(refused, 8 * 4 * 4 - TICKET.len());
}

#[test]
fn targets_list_exactly_the_declared_moves_in_schema_order() {
    for &event in EventKind::ALL {
        for &from in TicketState::ALL {
            let declared: Vec<TicketState> = TICKET
                .iter()
                .filter(|(e, f, _)| *e == event && *f == from)
                .map(|(_, _, to)| *to)
                .collect();
            assert_eq!(
                from.targets(event),
                declared.as_slice(),
                "{event} from {from}"
            );
        }
    }
}

#[test]
fn unassigning_from_in_progress_has_two_targets() {
    use TicketState::*;
    assert_eq!(
        InProgress.targets(EventKind::UserUnassignedFromTicket),
        &[InProgress, Stalled]
    );
    let error = InProgress
        .transition(EventKind::UserUnassignedFromTicket, Closed)
        .unwrap_err();
    assert_eq!(error.allowed, vec!["InProgress", "Stalled"]);
    assert_eq!(
        error.to_string(),
        "projection Ticket: UserUnassignedFromTicket does not move InProgress -> Closed; \
         from InProgress the schema allows UserUnassignedFromTicket to move to InProgress, \
         Stalled only"
    );
}

#[test]
fn the_creating_event_moves_nothing() {
    for &from in TicketState::ALL {
        assert!(from.targets(EventKind::TicketCreated).is_empty());
    }
    assert!(!goesgen::projection::is_transition_event::<TicketState>(
        EventKind::TicketCreated
    ));
    assert!(goesgen::projection::is_transition_event::<TicketState>(
        EventKind::TicketClosed
    ));
}

#[test]
fn states_serialise_as_their_names() {
    let json = serde_json::to_string(&TicketState::InProgress).unwrap();
    assert_eq!(json, "\"InProgress\"");
    let state: TicketState = serde_json::from_str("\"Stalled\"").unwrap();
    assert_eq!(state, TicketState::Stalled);
    assert!(serde_json::from_str::<TicketState>("\"Open\"").is_err());
}
