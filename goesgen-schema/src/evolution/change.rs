//! The change model: what one difference between two schemas is (its
//! [`ChangeKind`]), whether it breaks a stored log ([`Class`]), and where it
//! is located ([`Side`], [`Change`]). The rules that find changes live in
//! the sibling files; this one only says what they report.

use std::fmt;

use crate::model::Location;

/// Whether a change keeps a log written under the old schema readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// Data already stored (or readers still on the old schema) would fail.
    Breaking,
    /// Data already stored would fail as it is, but a declaration of the
    /// new schema (a default, a former name, an upcaster) turns it into the
    /// new shape when it is read; the change's message names it. Readers
    /// still on the old schema do not read the new records.
    Migrated,
    /// Everything stored still reads, and old readers read the new events.
    Compatible,
}

impl Class {
    /// `breaking`, `migrated` or `compatible`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::Migrated => "migrated",
            Class::Compatible => "compatible",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChangeKind {
    /// A new event (compatible).
    EventAdded,
    /// An event removed (breaking).
    EventRemoved,
    /// An event renamed: one removed, one added with the same properties
    /// (breaking), or one added that declares the removed one's name in
    /// its `was` (migrated).
    EventRenamed,
    /// A new event property: compatible if optional, migrated if it has a
    /// default or the event an upcaster, else breaking.
    PropertyAdded,
    /// An event property removed (breaking).
    PropertyRemoved,
    /// An event property renamed: one removed, one added of the same type
    /// (breaking), or one added that declares the removed one's name in its
    /// `was` (migrated).
    PropertyRenamed,
    /// An event property's type changed: migrated if the event has an
    /// upcaster, else breaking.
    PropertyTypeChanged,
    /// An event property marked `personal: true` that was not (breaking:
    /// the records already in the log hold it in plain text).
    PropertyMadePersonal,
    /// An event property no longer marked `personal: true` (breaking: the
    /// records already in the log hold it sealed).
    PropertyNoLongerPersonal,
    /// An event's subject is another property (breaking: the records
    /// already in the log are sealed with the old subject's keys).
    SubjectChanged,
    /// A new projection (compatible).
    ProjectionAdded,
    /// A projection removed (compatible: it is rebuilt from the log).
    ProjectionRemoved,
    /// A projection's `createOn` event changed (breaking).
    CreateOnChanged,
    /// A projection's initial (first) state changed (breaking).
    InitialStateChanged,
    /// A new state (compatible).
    StateAdded,
    /// A state removed: breaking if stored events can lead to it.
    StateRemoved,
    /// A new transition move (compatible).
    TransitionAdded,
    /// A transition move removed: breaking if stored events can take it.
    TransitionRemoved,
    /// A projection property added, removed or retyped (compatible).
    ProjectionPropertyChanged,
    /// A new service (compatible).
    ServiceAdded,
    /// A service removed (compatible for the log).
    ServiceRemoved,
    /// A service keeps other projections (compatible).
    ServiceChanged,
    /// A new method (compatible).
    MethodAdded,
    /// A method removed (compatible for the log).
    MethodRemoved,
    /// A method's input, output, type or emitted events changed (compatible
    /// for the log).
    MethodChanged,
}

impl ChangeKind {
    /// The kind in kebab-case, as `goesgen diff --format json` writes it:
    /// `event-removed`, `property-added`...
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::EventAdded => "event-added",
            ChangeKind::EventRemoved => "event-removed",
            ChangeKind::EventRenamed => "event-renamed",
            ChangeKind::PropertyAdded => "property-added",
            ChangeKind::PropertyRemoved => "property-removed",
            ChangeKind::PropertyRenamed => "property-renamed",
            ChangeKind::PropertyTypeChanged => "property-type-changed",
            ChangeKind::PropertyMadePersonal => "property-made-personal",
            ChangeKind::PropertyNoLongerPersonal => "property-no-longer-personal",
            ChangeKind::SubjectChanged => "subject-changed",
            ChangeKind::ProjectionAdded => "projection-added",
            ChangeKind::ProjectionRemoved => "projection-removed",
            ChangeKind::CreateOnChanged => "create-on-changed",
            ChangeKind::InitialStateChanged => "initial-state-changed",
            ChangeKind::StateAdded => "state-added",
            ChangeKind::StateRemoved => "state-removed",
            ChangeKind::TransitionAdded => "transition-added",
            ChangeKind::TransitionRemoved => "transition-removed",
            ChangeKind::ProjectionPropertyChanged => "projection-property-changed",
            ChangeKind::ServiceAdded => "service-added",
            ChangeKind::ServiceRemoved => "service-removed",
            ChangeKind::ServiceChanged => "service-changed",
            ChangeKind::MethodAdded => "method-added",
            ChangeKind::MethodRemoved => "method-removed",
            ChangeKind::MethodChanged => "method-changed",
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which of the two schemas a change is located in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The old schema (the entry is gone from the new one).
    Old,
    /// The new schema.
    New,
}

/// One difference between two schemas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// What changed.
    pub kind: ChangeKind,
    /// Whether it breaks a log written under the old schema.
    pub class: Class,
    /// Where in the schema: `events.TicketCreated.title` (in the new schema
    /// where the entry is there, else in the old one).
    pub path: String,
    /// What changed and, for a breaking change, what it breaks.
    pub message: String,
    /// How to make a breaking change compatible, where there is a way.
    pub hint: Option<String>,
    /// The schema the location is in.
    pub side: Side,
    /// The file name of that schema (its [`Schema::file`](crate::model::Schema::file)).
    pub file: String,
    /// Line and column of the changed entry there.
    pub at: Location,
    /// How many characters the caret underlines (0: to the end of the
    /// written entry on its line).
    pub width: usize,
}

impl Change {
    /// Whether the change is [`Class::Breaking`].
    pub fn is_breaking(&self) -> bool {
        self.class == Class::Breaking
    }
}
