//! The JSON codec of events, written once for every schema: code generated
//! by `include_schema!` implements [`EventPayload`] for each event struct,
//! [`EventKindSet`] for its `EventKind` and [`EventSet`] for its `Event`, and
//! calls the generic functions here.
//!
//! The wire format is goesgen's: one event is `{"type":"TicketCreated",
//! "payload":{...}}` (keys in either order on input), several events encoded
//! together are a JSON array of such objects. The event log stores the kind
//! and the payload apart ([`to_new_event`], [`decode_record`]).
//!
//! Decoding runs serde's derived code on the fast path; only when that fails
//! is the payload looked at field by field ([`EventPayload::FIELDS`]), so a
//! [`DecodeError`] names the event type and the field that is missing or
//! invalid, at no cost to inputs that decode. Payload fields the event does
//! not declare are ignored, as goesgen's decoder ignores them.

//!
//! One concept per file:
//!
//! - `traits`: what generated code implements ([`EventPayload`],
//!   [`FieldSpec`], [`EventKindSet`], [`EventSet`]).
//! - `kind`: an event type's name to its kind ([`parse_kind`],
//!   [`UnknownKind`]).
//! - `error`: [`EncodeError`], [`DecodeError`] and [`FieldProblem`].
//! - `encode`: events to the wire format and to the log's records.
//! - `decode`: the wire format and the log's records back to events, on a
//!   fast path first.
//! - `diagnose`: which field failed, once the fast path has.
//! - `compact`: the JSON writer of payloads, serde_json's output faster.
//! - `migrate`: records written under an older schema, read in the
//!   current shape ([`Migrated`], [`decode_migrated`], [`Upcaster`]).
//! - `verify`: every record of a log decoded under the current schema
//!   ([`verify_log`]).

mod compact;
mod decode;
mod diagnose;
mod encode;
mod error;
mod kind;
mod migrate;
mod traits;
mod verify;

pub use decode::{decode, decode_batch, decode_payload, decode_record};
pub use encode::{encode, encode_batch, encode_into, to_new_event, write_payload};
pub use error::{DecodeError, EncodeError, FieldProblem};
pub use kind::{UnknownKind, parse_kind, unknown_kind};
pub use migrate::{
    Defaulted, Migrated, Renamed, UpcastError, Upcaster, check_default, decode_migrated, migrate,
    rename_field,
};
pub use traits::{EventKindSet, EventPayload, EventSet, FieldSpec, check_field};
pub use verify::{LogVerdict, Unreadable, verify_log};

#[cfg(test)]
mod tests;
