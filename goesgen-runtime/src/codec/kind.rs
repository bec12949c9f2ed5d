//! Kind lookup: an event type's name to its [`EventKindSet`] value, and the
//! [`UnknownKind`] error for a name the schema does not define.

use super::EventKindSet;

/// A name that is not one of a schema's event types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event type `{name}`: the schema defines {}", list_names(.known))]
pub struct UnknownKind {
    /// The name that was given.
    pub name: String,
    /// The event types the schema defines, in schema order.
    pub known: Vec<&'static str>,
}

pub(super) fn list_names(names: &[&str]) -> String {
    const SHOWN: usize = 12;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    if text.is_empty() {
        text.push_str("no events");
    }
    text
}

/// The kind named `name`, or [`UnknownKind`] listing the defined ones.
pub fn parse_kind<K: EventKindSet>(name: &str) -> Result<K, UnknownKind> {
    K::ALL
        .iter()
        .copied()
        .find(|kind| kind.name() == name)
        .ok_or_else(|| unknown_kind::<K>(name))
}

/// The [`UnknownKind`] error for `name` among the kinds `K`.
pub fn unknown_kind<K: EventKindSet>(name: &str) -> UnknownKind {
    UnknownKind {
        name: name.to_string(),
        known: K::ALL.iter().map(|kind| kind.name()).collect(),
    }
}
