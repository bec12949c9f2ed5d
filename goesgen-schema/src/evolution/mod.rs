//! Schema evolution: what changed between an old and a new version of a
//! schema, and whether a log written under the old one still reads under
//! the new one.
//!
//! [`diff`] compares two validated models and returns every [`Change`], in
//! schema order (events, projections, services), each classified
//! [`Class::Breaking`], [`Class::Migrated`] or [`Class::Compatible`]. The
//! classification is about the data already stored, which outlives every
//! version of the code:
//!
//! - **Events** (the log's records): a removed or renamed event, a removed
//!   or renamed property, a property whose type changed, and a new property
//!   that is not optional (not `Option<..>`) break: records already written
//!   no longer decode, or a reader still on the old schema (a Go service, an
//!   instance not yet upgraded, sharing the log) cannot decode new ones. A
//!   new event and a new `Option<..>` property are compatible (a missing
//!   optional property decodes as `None`; unknown properties are ignored).
//!   The new schema's migration declarations turn some breaking changes
//!   into migrated ones, naming the declaration: an event's `was` covers
//!   its rename, a property's `was` its rename, its `default` a new
//!   required property, the event's `upcast` a new required property or a
//!   new type. A breaking change's hint names the declarations that would
//!   cover it. Personal data: a property made personal, or no longer
//!   personal, and another subject break (the records already written
//!   keep their values as they were written; `personal`).
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
//! A rename is declared with `was`, or guessed when exactly one removed and
//! one added entry match (an event with the same properties, a property of
//! the same type in the same event); a guessed one is still breaking, but
//! reported as one change.
//!
//! Each change is located in the new schema where the changed entry, or
//! the nearest entry containing it, is still there, else in the old one;
//! [`Change::to_error`] renders it like every other schema error.
//!
//! The pieces, one concept each:
//!
//! - `change`: the change model ([`Change`], [`ChangeKind`], [`Class`],
//!   [`Side`]).
//! - `render`: a change as a schema error ([`Change::to_error`]).
//! - `stale`: a question beside the log's: which services' stores the
//!   change makes stale, and why ([`stale()`]), from what their
//!   fingerprints hash (`crate::fingerprint`).
//! - `events`, `properties`, `projections`, `services`: the rules that
//!   find and classify the changes of each part of a schema (`properties`:
//!   an event's; `personal`: an event's personal data).
//!
//! This file holds the walk they share: [`diff`], the list the rules push
//! to, and where a change is located.

mod change;
mod events;
mod personal;
mod projections;
mod properties;
mod render;
mod services;
mod stale;

pub use change::{Change, ChangeKind, Class, Side};
pub use stale::{StaleReason, StaleService, stale};

use crate::model::{Location, Schema, TypeRef};
use crate::naming::Name;

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

impl<'a> Changes<'a> {
    /// The new schema's name of the old schema's event `name`: the event
    /// that declares it in its `was` when the new schema has no event of
    /// that name, else `name`.
    fn renamed<'n>(&self, name: &'n str) -> &'n str
    where
        'a: 'n,
    {
        if find(&self.new.events, name, |e| &e.name).is_some() {
            return name;
        }
        self.new
            .events
            .iter()
            .find(|e| e.was.iter().any(|former| former.text == name))
            .map_or(name, |e| e.name.as_str())
    }

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
}
