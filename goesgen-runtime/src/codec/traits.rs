//! The traits generated code implements for each schema: [`EventPayload`]
//! for an event struct (with its [`FieldSpec`]s, to name a failing field),
//! [`EventKindSet`] for its `EventKind` and [`EventSet`] for its `Event`.
//! Everything else in the codec is generic over them.

use std::fmt;
use std::hash::Hash;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::{DecodeError, EncodeError};
use crate::personal::PersonalSpec;

/// An event struct generated from the schema: its type name on the wire and
/// its payload fields.
pub trait EventPayload: Serialize + DeserializeOwned {
    /// The event's type name, as in the schema and on the wire.
    const KIND: &'static str;
    /// Its payload fields in schema order, to name the one that failed when a
    /// payload does not decode.
    const FIELDS: &'static [FieldSpec];
    /// Its personal properties and their subject, if it has any (the
    /// schema's `personal: true` / `subject: true`); `None` by default.
    const PERSONAL: Option<&'static PersonalSpec> = None;
}

/// One payload field of an event: its wire name and a check that a JSON
/// value decodes to the field's type.
#[derive(Clone, Copy)]
pub struct FieldSpec {
    /// The property name as on the wire (`newDescription`).
    pub name: &'static str,
    /// Decodes a JSON value as the field's type (usually
    /// [`check_field::<T>`](check_field)).
    pub check: fn(&Value) -> Result<(), serde_json::Error>,
}

impl fmt::Debug for FieldSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldSpec")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Whether `value` decodes as a `T`: the check of a [`FieldSpec`].
pub fn check_field<T: DeserializeOwned>(value: &Value) -> Result<(), serde_json::Error> {
    T::deserialize(value).map(drop)
}

/// The field-less enum of a schema's event types (`EventKind`).
pub trait EventKindSet: Copy + Eq + Ord + Hash + fmt::Debug + Send + Sync + 'static {
    /// Every kind, in schema order.
    const ALL: &'static [Self];
    /// The kind's type name, as in the schema and on the wire.
    fn name(self) -> &'static str;
    /// The names records of this kind were written under before the event
    /// was renamed (the schema's `was: [..]`): readers take them as this
    /// kind. None by default.
    fn former_names(self) -> &'static [&'static str] {
        &[]
    }
}

/// The enum of all events of a schema (`Event`).
pub trait EventSet: Sized {
    /// Its kinds.
    type Kind: EventKindSet;
    /// The kind of this event.
    fn kind(&self) -> Self::Kind;
    /// Appends the JSON payload of this event (without the envelope) to
    /// `out`.
    fn write_payload(&self, out: &mut Vec<u8>) -> Result<(), EncodeError>;
    /// Decodes a payload of the event type `kind`.
    fn decode_payload(kind: &str, payload: &[u8]) -> Result<Self, DecodeError>;
    /// The personal properties of events of `kind` and their subject, if
    /// it has any (its payload's
    /// [`EventPayload::PERSONAL`]): the engine asks the log to seal them
    /// on append. `None` by default.
    fn personal(kind: Self::Kind) -> Option<&'static PersonalSpec> {
        let _ = kind;
        None
    }
    /// Deserialises a payload of the event type `kind` straight from
    /// `deserializer`: the fast path of [`decode`](super::decode) and
    /// [`decode_batch`](super::decode_batch), its errors never shown (on
    /// failure the precise path runs and names the field). `None` for an
    /// unknown kind. The default takes no fast path.
    fn deserialize_payload<'de, D: serde::Deserializer<'de>>(
        kind: &str,
        deserializer: D,
    ) -> Option<Result<Self, D::Error>> {
        let _ = (kind, deserializer);
        None
    }
}
