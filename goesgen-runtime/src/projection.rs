//! Projection state machines, written once for every schema: code generated
//! by `include_schema!` implements [`ProjectionState`] for each projection's
//! state enum (its states, initial state, `createOn` kind and transition
//! table) and calls [`transition`] for the checked move, which refuses an
//! undeclared one with a [`TransitionError`].

use std::fmt;
use std::hash::Hash;

use crate::codec::EventKindSet;

/// The state enum of one projection (`<Projection>State`).
pub trait ProjectionState: Copy + Eq + Hash + fmt::Debug + Send + Sync + 'static {
    /// The schema's event kinds (`EventKind`).
    type Kind: EventKindSet;
    /// The projection's name in the schema.
    const PROJECTION: &'static str;
    /// Every state, in schema order.
    const ALL: &'static [Self];
    /// The state an instance starts in (the first state listed).
    const INITIAL: Self;
    /// The event kind that creates an instance.
    const CREATE_ON: Self::Kind;
    /// The state's name in the schema.
    fn name(self) -> &'static str;
    /// The states an event of `kind` may move an instance in this state to,
    /// in schema order (empty: the event may not happen in this state).
    fn targets(self, kind: Self::Kind) -> &'static [Self];
}

/// An event would move a projection along a transition the schema does not
/// declare.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "projection {projection}: {event} does not move {from} -> {to}; {}",
    allowed_text(.event, .from, .allowed)
)]
pub struct TransitionError {
    /// The projection's name.
    pub projection: &'static str,
    /// The event's type name.
    pub event: &'static str,
    /// The state the instance is in.
    pub from: &'static str,
    /// The state it was asked to move to.
    pub to: &'static str,
    /// The states the schema allows from `from` on `event` (possibly none).
    pub allowed: Vec<&'static str>,
}

fn allowed_text(event: &str, from: &str, allowed: &[&'static str]) -> String {
    if allowed.is_empty() {
        format!(
            "the schema declares no transition from {from} on {event} (add `{from} -> ...` under its transitions to allow one)"
        )
    } else {
        format!(
            "from {from} the schema allows {event} to move to {} only",
            allowed.join(", ")
        )
    }
}

/// `to` if the schema declares the move `from -> to` on `kind`, else a
/// [`TransitionError`] naming projection, event, from, to and the allowed
/// targets.
pub fn transition<S: ProjectionState>(from: S, kind: S::Kind, to: S) -> Result<S, TransitionError> {
    let targets = from.targets(kind);
    if targets.contains(&to) {
        #[cfg(feature = "testing")]
        crate::testing::coverage::record(from, kind, to);
        Ok(to)
    } else {
        Err(TransitionError {
            projection: S::PROJECTION,
            event: kind.name(),
            from: from.name(),
            to: to.name(),
            allowed: targets.iter().map(|state| state.name()).collect(),
        })
    }
}

/// Whether `kind` moves instances of the projection at all (it is one of its
/// transition events).
pub fn is_transition_event<S: ProjectionState>(kind: S::Kind) -> bool {
    S::ALL.iter().any(|state| !state.targets(kind).is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    enum Kind {
        Opened,
        Closed,
    }

    impl EventKindSet for Kind {
        const ALL: &'static [Self] = &[Kind::Opened, Kind::Closed];
        fn name(self) -> &'static str {
            match self {
                Kind::Opened => "Opened",
                Kind::Closed => "Closed",
            }
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    enum Door {
        Open,
        Shut,
    }

    impl ProjectionState for Door {
        type Kind = Kind;
        const PROJECTION: &'static str = "Door";
        const ALL: &'static [Self] = &[Door::Open, Door::Shut];
        const INITIAL: Self = Door::Open;
        const CREATE_ON: Kind = Kind::Opened;
        fn name(self) -> &'static str {
            match self {
                Door::Open => "Open",
                Door::Shut => "Shut",
            }
        }
        fn targets(self, kind: Kind) -> &'static [Self] {
            match (self, kind) {
                (Door::Open, Kind::Closed) => &[Door::Shut],
                _ => &[],
            }
        }
    }

    #[test]
    fn declared_moves_pass_and_others_name_everything() {
        assert_eq!(
            transition(Door::Open, Kind::Closed, Door::Shut),
            Ok(Door::Shut)
        );
        let error = transition(Door::Open, Kind::Closed, Door::Open).unwrap_err();
        assert_eq!(
            (error.projection, error.event, error.from, error.to),
            ("Door", "Closed", "Open", "Open")
        );
        assert_eq!(error.allowed, vec!["Shut"]);
        assert!(
            error
                .to_string()
                .contains("Closed does not move Open -> Open")
        );
        let error = transition(Door::Shut, Kind::Closed, Door::Shut).unwrap_err();
        assert!(error.allowed.is_empty());
        assert!(
            error
                .to_string()
                .contains("no transition from Shut on Closed")
        );
    }

    #[test]
    fn transition_events_are_those_with_a_move() {
        assert!(is_transition_event::<Door>(Kind::Closed));
        assert!(!is_transition_event::<Door>(Kind::Opened));
    }
}
