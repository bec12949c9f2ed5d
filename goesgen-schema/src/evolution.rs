//! Schema evolution: what changed between an old and a new version of a
//! schema, and whether a log written under the old one still reads under
//! the new one.
//!
//! [`diff`] compares two validated models and returns every [`Change`], in
//! schema order (events, projections, services), each classified
//! [`Class::Breaking`] or [`Class::Compatible`]. The classification is about
//! the data already stored, which outlives every version of the code:
//!
//! - **Events** (the log's records): a removed or renamed event, a removed
//!   or renamed property, a property whose type changed, and a new property
//!   that is not optional (not `Option<..>`) break: records already written
//!   no longer decode, or a reader still on the old schema (a Go service, an
//!   instance not yet upgraded, sharing the log) cannot decode new ones. A
//!   new event and a new `Option<..>` property are compatible (a missing
//!   optional property decodes as `None`; unknown properties are ignored).
//! - **Projections** (rebuilt from the log by replaying it): a removed
//!   transition that stored events can take, a removed state they can lead
//!   to, a changed initial state or `createOn` event break: replaying the
//!   log would refuse events it accepted before. New states, transitions
//!   and projections are compatible, and so are removed projections and
//!   unreachable states or transitions, and projection property changes
//!   (projections hold no data of their own).
//! - **Services**: new, removed or changed services and methods are
//!   reported as compatible: they change a program's interface, not what
//!   the log holds.
//!
//! A rename is detected when exactly one removed and one added entry match
//! (an event with the same properties, a property of the same type in the
//! same event); it is still breaking, but reported as one change.
//!
//! Each change is located in the new schema where the changed entry, or
//! the nearest entry containing it, is still there, else in the old one;
//! [`Change::to_error`] renders it like every other schema error.

use std::collections::{BTreeSet, VecDeque};
use std::fmt;

use crate::error::{Rule, SchemaError};
use crate::model::{Location, Projection, Property, Schema, TypeRef};
use crate::naming::Name;

/// Whether a change keeps a log written under the old schema readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// Data already stored (or readers still on the old schema) would fail.
    Breaking,
    /// Everything stored still reads, and old readers read the new events.
    Compatible,
}

impl Class {
    /// `breaking` or `compatible`.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
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
    /// (breaking).
    EventRenamed,
    /// A new event property: compatible if optional, else breaking.
    PropertyAdded,
    /// An event property removed (breaking).
    PropertyRemoved,
    /// An event property renamed: one removed, one added of the same type
    /// (breaking).
    PropertyRenamed,
    /// An event property's type changed (breaking).
    PropertyTypeChanged,
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
    /// The file name of that schema (its [`Schema::file`]).
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

    /// The change as a [`SchemaError`] (rule [`Rule::Evolution`]), rendered
    /// like every other schema error: file, line and column, the line of
    /// `old_source` or `new_source` (the one the change is located in),
    /// a caret, and the hint. The message starts with the classification.
    pub fn to_error(&self, old_source: &str, new_source: &str) -> SchemaError {
        let source = match self.side {
            Side::Old => old_source,
            Side::New => new_source,
        };
        let line_text = source
            .lines()
            .nth(self.at.line.saturating_sub(1))
            .unwrap_or_default()
            .to_string();
        let width = if self.width > 0 {
            self.width
        } else {
            entry_width(&line_text, self.at.column)
        };
        SchemaError {
            file: self.file.clone(),
            at: self.at,
            path: self.path.clone(),
            message: format!("{} change: {}", self.class, self.message),
            hint: self.hint.clone(),
            line_text,
            width,
            rule: Rule::Evolution,
        }
    }
}

/// The width of what is written from `column` to the end of the line,
/// without a trailing comment or spaces.
fn entry_width(line: &str, column: usize) -> usize {
    let rest: String = line.chars().skip(column.saturating_sub(1)).collect();
    let rest = match rest.find(" #") {
        Some(comment) => &rest[..comment],
        None => &rest,
    };
    rest.trim_end().chars().count().max(1)
}

/// Every difference between `old` and `new`, in schema order: events (in
/// the new schema's order, then removed ones in the old schema's order),
/// projections, services. Two identical schemas give none; comments and
/// the order of entries are not changes.
pub fn diff(old: &Schema, new: &Schema) -> Vec<Change> {
    let mut changes = Changes {
        old,
        new,
        list: Vec::new(),
    };
    changes.events();
    changes.projections();
    changes.services();
    changes.list
}

/// Whether `ty` is an `Option<..>` (a property a record may lack: it
/// decodes as `None`).
pub fn is_optional(ty: &TypeRef) -> bool {
    let rust = ty.rust.trim_start_matches("::");
    ["Option<", "std::option::Option<", "core::option::Option<"]
        .iter()
        .any(|prefix| rust.starts_with(prefix))
}

struct Changes<'a> {
    old: &'a Schema,
    new: &'a Schema,
    list: Vec<Change>,
}

/// What a located change is about, before it is pushed.
struct At {
    side: Side,
    path: String,
    location: Location,
    /// The caret's width (0: to the end of the entry).
    width: usize,
}

impl At {
    /// At a name.
    fn name(side: Side, path: String, name: &Name) -> Self {
        At {
            side,
            path,
            location: name.at,
            width: name.text.chars().count(),
        }
    }

    /// At a type reference.
    fn ty(side: Side, path: String, ty: &TypeRef) -> Self {
        At {
            side,
            path,
            location: ty.at,
            width: ty.written.chars().count(),
        }
    }

    /// At an entry that runs to the end of its line (a transition move).
    fn place(side: Side, path: String, location: Location) -> Self {
        At {
            side,
            path,
            location,
            width: 0,
        }
    }
}

fn find<'s, T>(items: &'s [T], name: &str, key: impl Fn(&T) -> &Name) -> Option<&'s T> {
    items.iter().find(|item| key(item).as_str() == name)
}

fn same_properties(a: &[Property], b: &[Property]) -> bool {
    let set = |props: &[Property]| -> BTreeSet<(String, String)> {
        props
            .iter()
            .map(|p| (p.name.text.clone(), p.ty.rust.clone()))
            .collect()
    };
    a.len() == b.len() && set(a) == set(b)
}

impl<'a> Changes<'a> {
    fn push(
        &mut self,
        kind: ChangeKind,
        class: Class,
        at: At,
        message: String,
        hint: Option<&str>,
    ) {
        let file = match at.side {
            Side::Old => self.old.file.clone(),
            Side::New => self.new.file.clone(),
        };
        self.list.push(Change {
            kind,
            class,
            path: at.path,
            message,
            hint: hint.map(str::to_string),
            side: at.side,
            file,
            at: at.location,
            width: at.width,
        });
    }

    fn events(&mut self) {
        let (old, new) = (self.old, self.new);
        let removed: Vec<_> = old
            .events
            .iter()
            .filter(|e| find(&new.events, e.name.as_str(), |e| &e.name).is_none())
            .collect();
        let added: Vec<_> = new
            .events
            .iter()
            .filter(|e| find(&old.events, e.name.as_str(), |e| &e.name).is_none())
            .collect();
        // A rename: exactly one removed and one added event with the same
        // properties.
        let renamed_from = |event: &crate::model::Event| {
            let candidates: Vec<_> = removed
                .iter()
                .filter(|r| same_properties(&r.properties, &event.properties))
                .collect();
            let back = added
                .iter()
                .filter(|a| same_properties(&a.properties, &event.properties))
                .count();
            match candidates.as_slice() {
                [only] if back == 1 => Some(only.name.text.clone()),
                _ => None,
            }
        };
        let mut renamed = BTreeSet::new();
        for event in &new.events {
            let path = format!("events.{}", event.name);
            match find(&old.events, event.name.as_str(), |e| &e.name) {
                Some(before) => {
                    self.properties(&path, &event.name, &before.properties, &event.properties)
                }
                None => match renamed_from(event) {
                    Some(from) => {
                        self.push(
                            ChangeKind::EventRenamed,
                            Class::Breaking,
                            At::name(Side::New, path, &event.name),
                            format!(
                                "event `{from}` renamed to `{}`: the records of `{from}` already in the log no longer decode",
                                event.name
                            ),
                            Some("keep the old event (services may stop emitting it) and add the new one beside it"),
                        );
                        renamed.insert(from);
                    }
                    None => self.push(
                        ChangeKind::EventAdded,
                        Class::Compatible,
                        At::name(Side::New, path, &event.name),
                        format!("event `{}` added", event.name),
                        None,
                    ),
                },
            }
        }
        for event in removed {
            if renamed.contains(&event.name.text) {
                continue;
            }
            self.push(
                ChangeKind::EventRemoved,
                Class::Breaking,
                At::name(Side::Old, format!("events.{}", event.name), &event.name),
                format!(
                    "event `{}` removed: its records already in the log no longer decode",
                    event.name
                ),
                Some("keep the event in the schema; services may stop emitting it"),
            );
        }
    }

    /// The property changes of one event present in both schemas.
    fn properties(&mut self, path: &str, event: &Name, old: &[Property], new: &[Property]) {
        let removed: Vec<&Property> = old
            .iter()
            .filter(|p| find(new, p.name.as_str(), |p| &p.name).is_none())
            .collect();
        let added: Vec<&Property> = new
            .iter()
            .filter(|p| find(old, p.name.as_str(), |p| &p.name).is_none())
            .collect();
        let of_type = |list: &[&Property], ty: &str| -> usize {
            list.iter().filter(|p| p.ty.rust == ty).count()
        };
        let mut renamed = BTreeSet::new();
        for property in new {
            let at_path = format!("{path}.{}", property.name);
            if let Some(before) = find(old, property.name.as_str(), |p| &p.name) {
                if before.ty.rust != property.ty.rust {
                    self.push(
                        ChangeKind::PropertyTypeChanged,
                        Class::Breaking,
                        At::ty(Side::New, at_path, &property.ty),
                        format!(
                            "property `{}` changed type from `{}` to `{}`: records already in the log were written with the old type",
                            property.name, before.ty.written, property.ty.written
                        ),
                        Some("add a property with the new type (optional) beside the old one"),
                    );
                }
                continue;
            }
            let twin = removed
                .iter()
                .find(|r| r.ty.rust == property.ty.rust)
                .filter(|r| {
                    of_type(&removed, &r.ty.rust) == 1 && of_type(&added, &property.ty.rust) == 1
                });
            if let Some(from) = twin {
                renamed.insert(from.name.text.clone());
                self.push(
                    ChangeKind::PropertyRenamed,
                    Class::Breaking,
                    At::name(Side::New, at_path, &property.name),
                    format!(
                        "property `{}` renamed to `{}`: records already in the log carry `{}` and lack `{}`",
                        from.name, property.name, from.name, property.name
                    ),
                    Some("keep the old name (the wire name is the schema's); rename the Rust field instead"),
                );
            } else if is_optional(&property.ty) {
                self.push(
                    ChangeKind::PropertyAdded,
                    Class::Compatible,
                    At::name(Side::New, at_path, &property.name),
                    format!(
                        "optional property `{}` added: records without it read it as `None`",
                        property.name
                    ),
                    None,
                );
            } else {
                self.push(
                    ChangeKind::PropertyAdded,
                    Class::Breaking,
                    At::name(Side::New, at_path, &property.name),
                    format!(
                        "required property `{}` added: records already in the log lack it",
                        property.name
                    ),
                    Some(&format!(
                        "make it optional: `{}: Option<{}>`",
                        property.name, property.ty.written
                    )),
                );
            }
        }
        for property in removed {
            if renamed.contains(&property.name.text) {
                continue;
            }
            // Located at the event in the new schema (the property is gone).
            let at = At::name(Side::New, format!("{path}.{}", property.name), event);
            self.push(
                ChangeKind::PropertyRemoved,
                Class::Breaking,
                at,
                format!(
                    "property `{}` removed: readers still on the old schema cannot decode new records without it",
                    property.name
                ),
                Some("keep the property; make it optional (`Option<..>`) if new events may lack it"),
            );
        }
    }

    fn projections(&mut self) {
        let (old, new) = (self.old, self.new);
        for projection in &new.projections {
            let path = format!("projections.{}", projection.name);
            match find(&old.projections, projection.name.as_str(), |p| &p.name) {
                Some(before) => self.projection(&path, before, projection),
                None => self.push(
                    ChangeKind::ProjectionAdded,
                    Class::Compatible,
                    At::name(Side::New, path, &projection.name),
                    format!("projection `{}` added", projection.name),
                    None,
                ),
            }
        }
        for projection in &old.projections {
            if find(&new.projections, projection.name.as_str(), |p| &p.name).is_none() {
                self.push(
                    ChangeKind::ProjectionRemoved,
                    Class::Compatible,
                    At::name(
                        Side::Old,
                        format!("projections.{}", projection.name),
                        &projection.name,
                    ),
                    format!(
                        "projection `{}` removed (it holds no data of its own)",
                        projection.name
                    ),
                    None,
                );
            }
        }
    }

    /// The changes of one projection present in both schemas.
    fn projection(&mut self, path: &str, old: &Projection, new: &Projection) {
        let (old_schema, new_schema) = (self.old, self.new);
        let old_create = old_schema.event(&old.create_on);
        let new_create = new_schema.event(&new.create_on);
        if old_create.name.text != new_create.name.text {
            self.push(
                ChangeKind::CreateOnChanged,
                Class::Breaking,
                At::name(Side::New, format!("{path}.createOn"), &new.create_on.name),
                format!(
                    "`createOn` changed from `{}` to `{}`: instances created by `{}` in the log are no longer created on replay",
                    old_create.name, new_create.name, old_create.name
                ),
                Some("keep the `createOn` event; add a new projection for the new one"),
            );
        }
        let reachable = reachable(old);
        // The initial state.
        if let (Some(before), Some(after)) = (old.states.first(), new.states.first())
            && before.name.text != after.name.text
        {
            self.push(
                ChangeKind::InitialStateChanged,
                Class::Breaking,
                At::name(Side::New, format!("{path}.states"), &after.name),
                format!(
                    "the initial state changed from `{}` to `{}`: replaying the log starts stored instances elsewhere",
                    before.name, after.name
                ),
                Some("keep the first state first; list new states after it"),
            );
        }
        for state in &new.states {
            if find(&old.states, state.name.as_str(), |s| &s.name).is_none() {
                self.push(
                    ChangeKind::StateAdded,
                    Class::Compatible,
                    At::name(
                        Side::New,
                        format!("{path}.states.{}", state.name),
                        &state.name,
                    ),
                    format!("state `{}` added", state.name),
                    None,
                );
            }
        }
        for (index, state) in old.states.iter().enumerate() {
            if find(&new.states, state.name.as_str(), |s| &s.name).is_some() {
                continue;
            }
            let at = At::name(
                Side::New,
                format!("{path}.states.{}", state.name),
                &new.name,
            );
            if reachable[index] {
                self.push(
                    ChangeKind::StateRemoved,
                    Class::Breaking,
                    at,
                    format!(
                        "state `{}` removed: stored events can lead instances into it",
                        state.name
                    ),
                    Some("keep the state (and the transitions into it)"),
                );
            } else {
                self.push(
                    ChangeKind::StateRemoved,
                    Class::Compatible,
                    at,
                    format!(
                        "state `{}` removed (no event could lead into it)",
                        state.name
                    ),
                    None,
                );
            }
        }
        let old_moves = moves(old_schema, old);
        let new_moves = moves(new_schema, new);
        for (event, from, to, at) in &new_moves {
            if !old_moves
                .iter()
                .any(|(e, f, t, _)| (e, f, t) == (event, from, to))
            {
                self.push(
                    ChangeKind::TransitionAdded,
                    Class::Compatible,
                    At::place(Side::New, format!("{path}.transitions.{event}"), *at),
                    format!("transition `{from} -> {to}` on `{event}` added"),
                    None,
                );
            }
        }
        for (event, from, to, _) in &old_moves {
            if new_moves
                .iter()
                .any(|(e, f, t, _)| (e, f, t) == (event, from, to))
            {
                continue;
            }
            let path = format!("{path}.transitions.{event}");
            // At the event's transitions in the new schema if it still has
            // some, else at the projection.
            let at = match new.transitions.iter().find(|t| t.event.name.text == *event) {
                Some(transitions) => At::name(Side::New, path, &transitions.event.name),
                None => At::name(Side::New, path, &new.name),
            };
            let from_reachable = old
                .states
                .iter()
                .position(|s| s.name.text == *from)
                .is_some_and(|index| reachable[index]);
            if from_reachable {
                self.push(
                    ChangeKind::TransitionRemoved,
                    Class::Breaking,
                    at,
                    format!(
                        "transition `{from} -> {to}` on `{event}` removed: replaying the log would refuse `{event}` events it accepted"
                    ),
                    Some("keep the transition"),
                );
            } else {
                self.push(
                    ChangeKind::TransitionRemoved,
                    Class::Compatible,
                    at,
                    format!(
                        "transition `{from} -> {to}` on `{event}` removed (no stored instance could be in `{from}`)"
                    ),
                    None,
                );
            }
        }
        self.projection_properties(path, new, &old.properties, &new.properties);
    }

    /// A projection's properties: state built from events, so every change
    /// is compatible.
    fn projection_properties(
        &mut self,
        path: &str,
        projection: &Projection,
        old: &[Property],
        new: &[Property],
    ) {
        for property in new {
            let at = At::name(
                Side::New,
                format!("{path}.properties.{}", property.name),
                &property.name,
            );
            match find(old, property.name.as_str(), |p| &p.name) {
                None => self.push(
                    ChangeKind::ProjectionPropertyChanged,
                    Class::Compatible,
                    at,
                    format!("projection property `{}` added", property.name),
                    None,
                ),
                Some(before) if before.ty.rust != property.ty.rust => self.push(
                    ChangeKind::ProjectionPropertyChanged,
                    Class::Compatible,
                    At::ty(
                        Side::New,
                        format!("{path}.properties.{}", property.name),
                        &property.ty,
                    ),
                    format!(
                        "projection property `{}` changed type from `{}` to `{}`",
                        property.name, before.ty.written, property.ty.written
                    ),
                    None,
                ),
                Some(_) => {}
            }
        }
        for property in old {
            if find(new, property.name.as_str(), |p| &p.name).is_none() {
                self.push(
                    ChangeKind::ProjectionPropertyChanged,
                    Class::Compatible,
                    At::name(
                        Side::New,
                        format!("{path}.properties.{}", property.name),
                        &projection.name,
                    ),
                    format!("projection property `{}` removed", property.name),
                    None,
                );
            }
        }
    }

    fn services(&mut self) {
        let (old, new) = (self.old, self.new);
        for service in &new.services {
            let path = format!("services.{}", service.name);
            let Some(before) = find(&old.services, service.name.as_str(), |s| &s.name) else {
                self.push(
                    ChangeKind::ServiceAdded,
                    Class::Compatible,
                    At::name(Side::New, path, &service.name),
                    format!("service `{}` added", service.name),
                    None,
                );
                continue;
            };
            let kept = |schema: &Schema, s: &crate::model::Service| -> Vec<String> {
                s.projections
                    .iter()
                    .map(|p| schema.projection(p).name.text.clone())
                    .collect()
            };
            let (was, is) = (kept(old, before), kept(new, service));
            if was != is {
                self.push(
                    ChangeKind::ServiceChanged,
                    Class::Compatible,
                    At::name(Side::New, format!("{path}.projections"), &service.name),
                    format!(
                        "service `{}` keeps [{}] instead of [{}]",
                        service.name,
                        is.join(", "),
                        was.join(", ")
                    ),
                    None,
                );
            }
            for method in &service.methods {
                let path = format!("{path}.methods.{}", method.name);
                let Some(was) = find(&before.methods, method.name.as_str(), |m| &m.name) else {
                    self.push(
                        ChangeKind::MethodAdded,
                        Class::Compatible,
                        At::name(Side::New, path, &method.name),
                        format!("method `{}` added", method.name),
                        None,
                    );
                    continue;
                };
                let differences = method_differences(old, was, new, method);
                if !differences.is_empty() {
                    self.push(
                        ChangeKind::MethodChanged,
                        Class::Compatible,
                        At::name(Side::New, path, &method.name),
                        format!(
                            "method `{}` changed: {}",
                            method.name,
                            differences.join("; ")
                        ),
                        None,
                    );
                }
            }
            for method in &before.methods {
                if find(&service.methods, method.name.as_str(), |m| &m.name).is_none() {
                    self.push(
                        ChangeKind::MethodRemoved,
                        Class::Compatible,
                        At::name(
                            Side::New,
                            format!("{path}.methods.{}", method.name),
                            &service.name,
                        ),
                        format!("method `{}` removed", method.name),
                        None,
                    );
                }
            }
        }
        for service in &old.services {
            if find(&new.services, service.name.as_str(), |s| &s.name).is_none() {
                self.push(
                    ChangeKind::ServiceRemoved,
                    Class::Compatible,
                    At::name(
                        Side::Old,
                        format!("services.{}", service.name),
                        &service.name,
                    ),
                    format!("service `{}` removed", service.name),
                    None,
                );
            }
        }
    }
}

/// How a method present in both schemas differs, for people.
fn method_differences(
    old_schema: &Schema,
    old: &crate::model::Method,
    new_schema: &Schema,
    new: &crate::model::Method,
) -> Vec<String> {
    let mut out = Vec::new();
    let ty = |t: &Option<TypeRef>| t.as_ref().map(|t| t.rust.clone());
    let shown = |t: &Option<TypeRef>| {
        t.as_ref()
            .map_or("none".to_string(), |t| format!("`{}`", t.written))
    };
    if ty(&old.input) != ty(&new.input) {
        out.push(format!(
            "input {} -> {}",
            shown(&old.input),
            shown(&new.input)
        ));
    }
    if ty(&old.output) != ty(&new.output) {
        out.push(format!(
            "output {} -> {}",
            shown(&old.output),
            shown(&new.output)
        ));
    }
    if old.kind != new.kind {
        out.push(format!("type {:?} -> {:?}", old.kind, new.kind).to_lowercase());
    }
    let emits = |schema: &Schema, m: &crate::model::Method| -> Vec<String> {
        m.emits
            .iter()
            .map(|e| schema.event(e).name.text.clone())
            .collect()
    };
    let (was, is) = (emits(old_schema, old), emits(new_schema, new));
    if was != is {
        out.push(format!("emits [{}] -> [{}]", was.join(", "), is.join(", ")));
    }
    out
}

/// Which states of `projection` stored events can lead an instance into:
/// the initial state, and every state a transition reaches from one of
/// them.
fn reachable(projection: &Projection) -> Vec<bool> {
    let mut seen = vec![false; projection.states.len()];
    let mut queue = VecDeque::new();
    if !seen.is_empty() {
        seen[0] = true;
        queue.push_back(0);
    }
    while let Some(state) = queue.pop_front() {
        for transitions in &projection.transitions {
            for step in &transitions.moves {
                if step.from == state && !seen[step.to] {
                    seen[step.to] = true;
                    queue.push_back(step.to);
                }
            }
        }
    }
    seen
}

/// The moves of a projection by name: (event, from, to, where written).
fn moves(schema: &Schema, projection: &Projection) -> Vec<(String, String, String, Location)> {
    let state = |index: usize| projection.states[index].name.text.clone();
    projection
        .transitions
        .iter()
        .flat_map(|transitions| {
            let event = schema.event(&transitions.event).name.text.clone();
            transitions
                .moves
                .iter()
                .map(move |step| (event.clone(), state(step.from), state(step.to), step.at))
        })
        .collect()
}
