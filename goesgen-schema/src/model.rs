//! The validated schema model: what code generation reads.
//!
//! Everything is kept in declaration order (generated code must be the same
//! for the same schema), every name and reference keeps its place in the
//! file, and references between entries are resolved to indices, so a
//! generator never looks a name up and never meets an undefined one.

use crate::naming::Name;

/// A place in the schema file: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
}

/// A doc comment: the `#` lines written directly above an entry, without the
/// `#` and one following space. An empty line is a paragraph break. For
/// properties and methods the first letter is capitalised (`# title is ...`
/// becomes `Title is ...`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Doc {
    /// The comment's lines, in order; `""` is a paragraph break.
    pub lines: Vec<String>,
}

impl Doc {
    /// Whether the schema gave no comment.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// A type named by a property, a method's `in` or its `out`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeRef {
    /// The reference as written in the schema (`id.User`, `u64`).
    pub written: String,
    /// The Rust type it stands for, as Rust source text: dotted goesgen
    /// references and bare names become paths from the crate root
    /// (`crate::id::User`, `crate::TicketTitle`); Rust paths, primitives,
    /// prelude types and generics stay as written (`u64`, `String`,
    /// `::uuid::Uuid`, `Vec<crate::id::User>`).
    pub rust: String,
    /// Where the reference is written.
    pub at: Location,
}

/// A reference to an event declared under `events`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRef {
    /// The event's name, located where it is referenced.
    pub name: Name,
    /// Its index in [`Schema::events`].
    pub index: usize,
}

/// A reference to a projection declared under `projections`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectionRef {
    /// The projection's name, located where it is referenced.
    pub name: Name,
    /// Its index in [`Schema::projections`].
    pub index: usize,
}

/// A validated schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schema {
    /// The file name the schema was read from, as given to the parser (used
    /// in messages).
    pub file: String,
    /// The events, in declaration order.
    pub events: Vec<Event>,
    /// The projections, in declaration order.
    pub projections: Vec<Projection>,
    /// The services, in declaration order.
    pub services: Vec<Service>,
}

/// An event: a named record of something that happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event's name (PascalCase), located at its key.
    pub name: Name,
    /// Its doc comment.
    pub doc: Doc,
    /// Its properties, in declaration order.
    pub properties: Vec<Property>,
    /// `was: [..]`: the names its records were written under before it
    /// was renamed (a goesgen-for-Rust extension); records of those kinds
    /// decode as this event.
    pub was: Vec<Name>,
    /// `upcast: crate::path`: the function that turns an old record's
    /// payload into this event's current one (a goesgen-for-Rust
    /// extension).
    pub upcast: Option<Upcast>,
    /// Whose personal data the event holds: set when one of its properties
    /// is `personal: true` (a goesgen-for-Rust extension, rule 19), which
    /// makes the event name exactly one subject.
    pub subject: Option<DataSubject>,
}

/// The data subject of an event holding personal data: the property that
/// names the person (`id: {type: id.User, subject: true}`), whose data
/// key seals the event's personal properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSubject {
    /// The subject property's index in [`Event::properties`].
    pub property: usize,
    /// The subject's kind: the name of its id type (`User` for `id.User`),
    /// located at the type reference.
    pub kind: Name,
}

/// A property of an event or of a projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    /// The property's name (camelCase, as on the wire), located at its key.
    pub name: Name,
    /// Its doc comment.
    pub doc: Doc,
    /// Its type.
    pub ty: TypeRef,
    /// Whether it is written in the long form `{type: X, ...}` (a
    /// goesgen-for-Rust extension).
    pub long_form: bool,
    /// `default: <JSON>`: the value of records that lack it (events only).
    pub default: Option<DefaultValue>,
    /// `was: oldName`: the names records carry it under from before it was
    /// renamed (events only).
    pub was: Vec<Name>,
    /// `personal: true`: the property holds personal data, sealed in the
    /// log with its subject's key (events only).
    pub personal: bool,
    /// `subject: true`: the property names the person the event's personal
    /// data is about (events only).
    pub subject: bool,
}

/// The default of a property: the value records that lack it read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultValue {
    /// The value as compact JSON text (`"unspecified"`, `0`, `[]`).
    pub json: String,
    /// Whether the schema could check it against the property's type (a
    /// standard type made of standard types); else generated code checks
    /// it in a test.
    pub checked: bool,
    /// Where it is written.
    pub at: Location,
}

/// An event's upcaster: the Rust function the schema names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upcast {
    /// Its path as written (`crate::migrations::ticket_closed`).
    pub path: String,
    /// Where it is written.
    pub at: Location,
}

impl Event {
    /// The properties marked `personal: true`, in schema order.
    pub fn personal_properties(&self) -> impl Iterator<Item = &Property> {
        self.properties.iter().filter(|p| p.personal)
    }

    /// The property naming the event's data subject, if it holds personal
    /// data.
    pub fn subject_property(&self) -> Option<&Property> {
        self.subject
            .as_ref()
            .and_then(|subject| self.properties.get(subject.property))
    }

    /// Whether records written under an older schema may need work to
    /// decode as this event: it declares a former name, a renamed or
    /// defaulted property, or an upcaster.
    pub fn has_migrations(&self) -> bool {
        !self.was.is_empty()
            || self.upcast.is_some()
            || self
                .properties
                .iter()
                .any(|p| p.default.is_some() || !p.was.is_empty())
    }
}

/// A projection: a state machine built from events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    /// The projection's name (PascalCase), located at its key.
    pub name: Name,
    /// Its doc comment.
    pub doc: Doc,
    /// Its states, in declaration order; the first is the initial state.
    pub states: Vec<State>,
    /// Its properties, in declaration order (may be empty).
    pub properties: Vec<Property>,
    /// The event that creates an instance.
    pub create_on: EventRef,
    /// Its transitions, grouped by event, in declaration order.
    pub transitions: Vec<Transitions>,
}

/// A state of a projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// The state's name (PascalCase), located where it is listed.
    pub name: Name,
}

/// The moves one event causes in a projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transitions {
    /// The event.
    pub event: EventRef,
    /// Its moves, in declaration order.
    pub moves: Vec<Move>,
}

/// One `From -> To` move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    /// The index of the state it leaves, in [`Projection::states`].
    pub from: usize,
    /// The index of the state it enters, in [`Projection::states`].
    pub to: usize,
    /// Where the move is written.
    pub at: Location,
}

/// A service: methods over the projections it keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The service's name (PascalCase), located at its key.
    pub name: Name,
    /// Its doc comment.
    pub doc: Doc,
    /// The projections it keeps, in the order listed.
    pub projections: Vec<ProjectionRef>,
    /// Its methods, in declaration order.
    pub methods: Vec<Method>,
    /// The events it subscribes to (the `createOn` and transition events of
    /// its projections): indices into [`Schema::events`], ascending (event
    /// declaration order), without duplicates.
    pub subscriptions: Vec<usize>,
}

/// How a method runs (see `docs/schema.md`, "Method types").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MethodKind {
    /// Reads the projection, emits nothing.
    Readonly,
    /// Emits events appended without a consistency check.
    Append,
    /// Emits events appended only if the projection it decided on is still
    /// current.
    Transaction,
}

/// A method of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method {
    /// The method's name (PascalCase), located at its key.
    pub name: Name,
    /// Its doc comment.
    pub doc: Doc,
    /// Its input type, if any.
    pub input: Option<TypeRef>,
    /// Its output type, if any.
    pub output: Option<TypeRef>,
    /// How it runs.
    pub kind: MethodKind,
    /// The events it may emit, in the order listed (empty for readonly).
    pub emits: Vec<EventRef>,
}

impl Schema {
    /// The event a reference points at.
    pub fn event(&self, reference: &EventRef) -> &Event {
        &self.events[reference.index]
    }

    /// The projection a reference points at.
    pub fn projection(&self, reference: &ProjectionRef) -> &Projection {
        &self.projections[reference.index]
    }
}
