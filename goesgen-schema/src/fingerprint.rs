//! The schema's part of a store's fingerprint: what the schema says about
//! one service's projections, in a canonical form ([`ProjectionsShape`]),
//! and a hash of it that every platform and compiler computes alike
//! ([`fingerprint`], FNV-1a 64 over the canonical text, [`fnv1a64`]).
//!
//! A store built by a service's apply functions is stale when what it was
//! built from changes: the events the service subscribes to (the
//! `createOn` and transition events of its projections) and how their
//! records decode (each property's name, Rust type, optional-ness,
//! personal and subject flags, default and former names; the event's
//! former names and upcaster), and the projections the service keeps
//! (their initial state, states, `createOn` event, transitions and
//! properties). Nothing else enters: not the order of entries in the file,
//! not comments, not locations, not events the service does not subscribe
//! to, not methods, not the service's name. `include_schema!` writes the
//! hash into the generated code (`SCHEMA_FINGERPRINT`); `goesgen stores`
//! and `goesgen diff` compute it from a schema file.
//!
//! The hash is written out here, never `std::hash`: std's hashers may
//! change between compiler versions and a fingerprint is kept on disk.

use std::collections::BTreeMap;

use crate::evolution::is_optional;
use crate::model::{Event, Projection, Property, Schema, Service};

/// The first line of every canonical text: a change of the text's format
/// changes this line, and so every fingerprint, on purpose.
const FORMAT: &str = "goesgen projection fingerprint 1";

/// Facts about one entry (an event or a projection), by what they are
/// about (`property title`, `states`): each a line of the canonical text.
pub type Facts = BTreeMap<String, String>;

/// What the schema says about one service's projections, independent of
/// the order of the file: the events it subscribes to and the projections
/// it keeps, each by name, each with its [`Facts`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProjectionsShape {
    /// The events the service subscribes to, by name.
    pub events: BTreeMap<String, Facts>,
    /// The projections the service keeps, by name.
    pub projections: BTreeMap<String, Facts>,
}

impl ProjectionsShape {
    /// The shape of `service`'s projections in `schema`.
    pub fn of(schema: &Schema, service: &Service) -> Self {
        let events = service
            .subscriptions
            .iter()
            .map(|&index| {
                let event = &schema.events[index];
                (event.name.text.clone(), event_facts(event))
            })
            .collect();
        let projections = service
            .projections
            .iter()
            .map(|reference| {
                let projection = schema.projection(reference);
                (
                    projection.name.text.clone(),
                    projection_facts(schema, projection),
                )
            })
            .collect();
        Self {
            events,
            projections,
        }
    }

    /// The canonical text: the format line, then each event and each
    /// projection (by name) with its facts (by what they are about), one a
    /// line, indented.
    ///
    /// ```text
    /// goesgen projection fingerprint 1
    /// event TicketCreated
    ///   property title: crate::TicketTitle; required
    /// projection Ticket
    ///   createOn: TicketCreated
    ///   initial: New
    ///   states: Closed, New
    ///   transition TicketClosed: New -> Closed
    /// ```
    pub fn text(&self) -> String {
        let mut text = String::from(FORMAT);
        text.push('\n');
        let entries = [("event", &self.events), ("projection", &self.projections)];
        for (kind, entries) in entries {
            for (name, facts) in entries {
                text.push_str(&format!("{kind} {name}\n"));
                for (about, value) in facts {
                    text.push_str(&format!("  {about}: {value}\n"));
                }
            }
        }
        text
    }

    /// The hash of [`text`](Self::text): FNV-1a 64.
    pub fn hash(&self) -> u64 {
        fnv1a64(self.text().as_bytes())
    }
}

/// The schema's part of the fingerprint of `service`'s store: the hash of
/// [`ProjectionsShape::text`]. The generated `SCHEMA_FINGERPRINT` of the
/// service is this number.
///
/// ```
/// let schema = goesgen_schema::parse("\
/// events:
///   Opened: {by: String}
/// projections:
///   Door: {states: [Open], createOn: Opened}
/// services:
///   Doors:
///     projections: [Door]
///     methods:
///       Open: {emits: [Opened]}
/// ", "schema.yml")?;
/// let hash = goesgen_schema::fingerprint(&schema, &schema.services[0]);
/// let shape = goesgen_schema::ProjectionsShape::of(&schema, &schema.services[0]);
/// assert_eq!(hash, goesgen_schema::fnv1a64(shape.text().as_bytes()));
/// # Ok::<(), goesgen_schema::SchemaErrors>(())
/// ```
pub fn fingerprint(schema: &Schema, service: &Service) -> u64 {
    ProjectionsShape::of(schema, service).hash()
}

/// FNV-1a, 64 bits (offset basis `0xcbf29ce484222325`, prime
/// `0x100000001b3`): the same number for the same bytes on every platform
/// and compiler.
pub const fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// An event's facts: its properties, former names and upcaster (what
/// decides how its records decode).
fn event_facts(event: &Event) -> Facts {
    let mut facts: Facts = event
        .properties
        .iter()
        .map(|p| (format!("property {}", p.name), event_property(p)))
        .collect();
    if !event.was.is_empty() {
        facts.insert("was".to_string(), sorted(event.was.iter().map(|n| &n.text)));
    }
    if let Some(upcast) = &event.upcast {
        facts.insert("upcast".to_string(), upcast.path.clone());
    }
    facts
}

/// An event property's fact: its Rust type, whether it is optional, and
/// its flags and declarations.
fn event_property(property: &Property) -> String {
    let mut fact = format!(
        "{}; {}",
        property.ty.rust,
        if is_optional(&property.ty) {
            "optional"
        } else {
            "required"
        }
    );
    if property.personal {
        fact.push_str("; personal");
    }
    if property.subject {
        fact.push_str("; subject");
    }
    if let Some(default) = &property.default {
        fact.push_str(&format!("; default {}", default.json));
    }
    if !property.was.is_empty() {
        fact.push_str(&format!(
            "; was {}",
            sorted(property.was.iter().map(|n| &n.text))
        ));
    }
    fact
}

/// A projection's facts: its initial state, states, `createOn` event,
/// transitions (each event's moves, sorted) and properties.
fn projection_facts(schema: &Schema, projection: &Projection) -> Facts {
    let state = |index: usize| projection.states[index].name.text.as_str();
    let mut facts = Facts::new();
    facts.insert("initial".to_string(), state(0).to_string());
    facts.insert(
        "states".to_string(),
        sorted(projection.states.iter().map(|s| &s.name.text)),
    );
    facts.insert(
        "createOn".to_string(),
        schema.event(&projection.create_on).name.text.clone(),
    );
    for transitions in &projection.transitions {
        let moves: Vec<String> = transitions
            .moves
            .iter()
            .map(|m| format!("{} -> {}", state(m.from), state(m.to)))
            .collect();
        facts.insert(
            format!("transition {}", schema.event(&transitions.event).name),
            sorted(moves.iter()),
        );
    }
    for property in &projection.properties {
        facts.insert(
            format!("property {}", property.name),
            property.ty.rust.clone(),
        );
    }
    facts
}

/// `items` sorted and joined with `, `.
fn sorted<'a>(items: impl Iterator<Item = &'a String>) -> String {
    let mut items: Vec<&str> = items.map(String::as_str).collect();
    items.sort_unstable();
    items.join(", ")
}

#[cfg(test)]
mod tests;
