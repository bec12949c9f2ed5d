//! Which services' stores a schema change makes stale ([`stale`]), and why
//! ([`StaleReason`]): a service present in both schemas whose
//! [`ProjectionsShape`] (what its fingerprint hashes) differs. Its store,
//! built by the old schema's events and projections, no longer matches
//! what a replay under the new one would build.
//!
//! This is another question than the rest of `evolution`'s: a change can
//! be compatible for the log (an optional property added to a subscribed
//! event, a new state) and still make a store stale; and a breaking change
//! to an event no service subscribes to makes none stale. A new service
//! has no store yet and a removed one no longer runs: neither is listed.

use std::collections::BTreeMap;
use std::fmt;

use crate::fingerprint::{Facts, ProjectionsShape};
use crate::model::Schema;

/// A service whose store a change makes stale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleService {
    /// The service's name.
    pub service: String,
    /// Its schema fingerprint under the old schema (what its store keeps).
    pub old: u64,
    /// Its schema fingerprint under the new one.
    pub new: u64,
    /// What changed, one reason each, events first (by name), then
    /// projections.
    pub reasons: Vec<StaleReason>,
}

/// Why a service's store is stale: one difference between what the old
/// and the new schema say about its projections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaleReason {
    /// The service subscribes to an event it did not (a transition or a
    /// projection on it added).
    EventSubscribed(String),
    /// The service no longer subscribes to an event.
    EventUnsubscribed(String),
    /// The service keeps a projection it did not.
    ProjectionKept(String),
    /// The service no longer keeps a projection.
    ProjectionDropped(String),
    /// A fact of a subscribed event (a property's type, optional-ness or
    /// flags, a former name, the upcaster) or of a kept projection (its
    /// states, initial state, `createOn`, an event's transitions, a
    /// property) changed, appeared or went.
    Changed {
        /// `event` or `projection`.
        entry: &'static str,
        /// The event's or projection's name.
        name: String,
        /// What the fact is about (`property title`, `states`).
        about: String,
        /// Its value under the old schema, if it had one.
        old: Option<String>,
        /// Its value under the new schema, if it has one.
        new: Option<String>,
    },
}

impl fmt::Display for StaleReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StaleReason::EventSubscribed(event) => write!(f, "event `{event}` subscribed to"),
            StaleReason::EventUnsubscribed(event) => {
                write!(f, "event `{event}` no longer subscribed to")
            }
            StaleReason::ProjectionKept(projection) => write!(f, "projection `{projection}` kept"),
            StaleReason::ProjectionDropped(projection) => {
                write!(f, "projection `{projection}` no longer kept")
            }
            StaleReason::Changed {
                entry,
                name,
                about,
                old,
                new,
            } => {
                let about = match about.split_once(' ') {
                    Some((what, which)) => format!("{what} `{which}`"),
                    None => about.clone(),
                };
                write!(f, "{entry} `{name}`: {about}")?;
                match (old, new) {
                    (Some(old), Some(new)) => write!(f, ": `{new}` (was `{old}`)"),
                    (None, Some(new)) => write!(f, " added: `{new}`"),
                    (Some(old), None) => write!(f, " removed (was `{old}`)"),
                    (None, None) => write!(f, " unchanged"),
                }
            }
        }
    }
}

/// The services present in both schemas (by name, in the new schema's
/// order) whose stores the change from `old` to `new` makes stale, each
/// with its reasons.
pub fn stale(old: &Schema, new: &Schema) -> Vec<StaleService> {
    new.services
        .iter()
        .filter_map(|service| {
            let before = old
                .services
                .iter()
                .find(|s| s.name.text == service.name.text)?;
            let (was, is) = (
                ProjectionsShape::of(old, before),
                ProjectionsShape::of(new, service),
            );
            let mut reasons = Vec::new();
            entries(
                "event",
                &was.events,
                &is.events,
                StaleReason::EventSubscribed,
                StaleReason::EventUnsubscribed,
                &mut reasons,
            );
            entries(
                "projection",
                &was.projections,
                &is.projections,
                StaleReason::ProjectionKept,
                StaleReason::ProjectionDropped,
                &mut reasons,
            );
            (!reasons.is_empty()).then(|| StaleService {
                service: service.name.text.clone(),
                old: was.hash(),
                new: is.hash(),
                reasons,
            })
        })
        .collect()
}

/// The reasons one kind of entry (events or projections) gives: each
/// entry added, removed, or with facts that differ.
fn entries(
    entry: &'static str,
    was: &BTreeMap<String, Facts>,
    is: &BTreeMap<String, Facts>,
    added: fn(String) -> StaleReason,
    removed: fn(String) -> StaleReason,
    reasons: &mut Vec<StaleReason>,
) {
    for name in union(was, is) {
        match (was.get(name), is.get(name)) {
            (None, Some(_)) => reasons.push(added(name.clone())),
            (Some(_), None) => reasons.push(removed(name.clone())),
            (Some(was), Some(is)) => {
                for about in union(was, is) {
                    let (old, new) = (was.get(about), is.get(about));
                    if old != new {
                        reasons.push(StaleReason::Changed {
                            entry,
                            name: name.clone(),
                            about: about.clone(),
                            old: old.cloned(),
                            new: new.cloned(),
                        });
                    }
                }
            }
            (None, None) => {}
        }
    }
}

/// The keys of `a` and `b`, sorted, each once.
fn union<'m, V>(a: &'m BTreeMap<String, V>, b: &'m BTreeMap<String, V>) -> Vec<&'m String> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    const OLD: &str = "\
events:
  TicketOpened: {title: String}
  TicketClosed: {by: String}
  Pinged: {at: u64}
projections:
  Ticket:
    states: [Open, Closed]
    createOn: TicketOpened
    transitions:
      TicketClosed: [Open -> Closed]
services:
  Tickets:
    projections: [Ticket]
    methods:
      Open: {emits: [TicketOpened]}
      Close: {emits: [TicketClosed]}
  Pings:
    methods:
      Ping: {emits: [Pinged]}
";

    fn stale_of(new: &str) -> Vec<StaleService> {
        let old = parse(OLD, "old.yml").unwrap();
        let new = parse(new, "new.yml").unwrap_or_else(|e| panic!("{e}"));
        stale(&old, &new)
    }

    fn reasons(new: &str) -> Vec<String> {
        stale_of(new)
            .iter()
            .flat_map(|s| s.reasons.iter().map(move |r| format!("{}: {r}", s.service)))
            .collect()
    }

    #[test]
    fn an_unchanged_service_is_not_stale() {
        assert_eq!(stale_of(OLD), []);
        // An event only Pings emits changes no projection.
        assert_eq!(stale_of(&OLD.replace("at: u64", "at: String")), []);
    }

    #[test]
    fn each_change_to_the_projections_says_why() {
        let new = OLD
            .replace("{title: String}", "{title: u64, tag: Option<u8>}")
            .replace("[Open, Closed]", "[Open, Closed, Gone]")
            .replace(
                "      TicketClosed: [Open -> Closed]\n",
                "      TicketClosed: [Open -> Closed]\n      Pinged: [Closed -> Gone]\n",
            )
            .replace("  TicketClosed: {by: String}", "  TicketClosed: {}");
        assert_eq!(
            reasons(&new),
            [
                "Tickets: event `Pinged` subscribed to",
                "Tickets: event `TicketClosed`: property `by` removed (was `String; required`)",
                "Tickets: event `TicketOpened`: property `tag` added: `Option<u8>; optional`",
                "Tickets: event `TicketOpened`: property `title`: `u64; required` \
                 (was `String; required`)",
                "Tickets: projection `Ticket`: states: `Closed, Gone, Open` (was `Closed, Open`)",
                "Tickets: projection `Ticket`: transition `Pinged` added: `Closed -> Gone`",
            ]
        );
        let stale = stale_of(&new);
        let old = parse(OLD, "old.yml").unwrap();
        assert_eq!(
            stale[0].old,
            crate::fingerprint(&old, &old.services[0]),
            "the old fingerprint is the one the store keeps"
        );
        assert_ne!(stale[0].old, stale[0].new);
    }

    #[test]
    fn a_projection_kept_or_dropped_is_named() {
        let new = OLD.replace(
            "  Pings:\n    methods:",
            "  Pings:\n    projections: [Ticket]\n    methods:",
        );
        assert_eq!(
            reasons(&new),
            [
                "Pings: event `TicketClosed` subscribed to",
                "Pings: event `TicketOpened` subscribed to",
                "Pings: projection `Ticket` kept",
            ]
        );
        let old_with = parse(&new, "old.yml").unwrap();
        let dropped = stale(&old_with, &parse(OLD, "new.yml").unwrap());
        assert_eq!(dropped.len(), 1);
        assert_eq!(
            dropped[0].reasons.last().map(ToString::to_string),
            Some("projection `Ticket` no longer kept".to_string())
        );
    }
}
