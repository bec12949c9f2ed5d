//! The schema as declared: the schema language's entries with their
//! located names and values, in file order, before any name is resolved or
//! rule checked. [`crate::shape`] builds it from the raw YAML tree;
//! [`crate::resolve`] turns it into the model.

use crate::raw::{Node, Spot, Text};

/// The whole schema file.
#[derive(Debug, Default)]
pub(crate) struct Decl {
    /// Where `events` is written, if it is.
    pub events_key: Option<Spot>,
    /// The events, in order.
    pub events: Vec<EventDecl>,
    /// The projections, in order.
    pub projections: Vec<ProjectionDecl>,
    /// Where `services` is written, if it is.
    pub services_key: Option<Spot>,
    /// The services, in order.
    pub services: Vec<ServiceDecl>,
}

/// An event.
#[derive(Debug)]
pub(crate) struct EventDecl {
    /// Its name (the key).
    pub name: Text,
    /// Its properties.
    pub properties: Vec<PropertyDecl>,
    /// `was: [OldName, ...]`: the names its records were written under.
    pub was: Vec<Text>,
    /// `upcast: crate::path::to_fn`: the function that turns old records
    /// into this event's current shape.
    pub upcast: Option<Text>,
}

/// A property of an event or projection.
#[derive(Debug)]
pub(crate) struct PropertyDecl {
    /// Its name (the key).
    pub name: Text,
    /// Its type reference; `None` when the value is missing (reported).
    pub ty: Option<Text>,
    /// Whether it is written in the long form `{type: X, ...}`.
    pub long_form: bool,
    /// `default: <JSON>` (long form): the value of records that lack it.
    pub default: Option<Node>,
    /// `was: oldName` (long form): the names it was written under.
    pub was: Vec<Text>,
    /// `personal: true` (long form): where the key is written.
    pub personal: Option<Spot>,
    /// `subject: true` (long form): where the key is written.
    pub subject: Option<Spot>,
}

/// A projection.
#[derive(Debug)]
pub(crate) struct ProjectionDecl {
    /// Its name (the key).
    pub name: Text,
    /// Where `states` is written, if it is.
    pub states_key: Option<Spot>,
    /// Its states.
    pub states: Vec<Text>,
    /// Its properties.
    pub properties: Vec<PropertyDecl>,
    /// Its `createOn` event, if given.
    pub create_on: Option<Text>,
    /// Its transitions, per event.
    pub transitions: Vec<TransitionsDecl>,
    /// Whether its value is a mapping (else it is reported, and its missing
    /// parts are not).
    pub shaped: bool,
}

/// The transitions one event causes.
#[derive(Debug)]
pub(crate) struct TransitionsDecl {
    /// The event (the key).
    pub event: Text,
    /// The `From -> To` moves as written.
    pub moves: Vec<Text>,
}

/// A service.
#[derive(Debug)]
pub(crate) struct ServiceDecl {
    /// Its name (the key).
    pub name: Text,
    /// The projections it keeps.
    pub projections: Vec<Text>,
    /// Where `methods` is written, if it is.
    pub methods_key: Option<Spot>,
    /// Its methods.
    pub methods: Vec<MethodDecl>,
    /// Whether its value is a mapping (else it is reported, and its missing
    /// parts are not).
    pub shaped: bool,
}

/// A method of a service.
#[derive(Debug)]
pub(crate) struct MethodDecl {
    /// Its name (the key).
    pub name: Text,
    /// `in`.
    pub input: Option<Text>,
    /// `out`.
    pub output: Option<Text>,
    /// `type`.
    pub kind: Option<Text>,
    /// Where `emits` is written, if it is.
    pub emits_key: Option<Spot>,
    /// `emits`.
    pub emits: Vec<Text>,
}
