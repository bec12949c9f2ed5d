//! Personal data in an append-only log (crypto-shredding): a property the
//! schema marks personal is a [`Personal<T>`] in Rust and is stored
//! sealed, with an AEAD, under its subject's data key; forgetting the
//! subject ([`EventLog::forget`](crate::EventLog::forget)) deletes the key
//! for good, and every sealed value of the subject then reads as
//! [`Personal::Forgotten`], so syncs and rebuilds go on.
//!
//! One concept per file:
//!
//! - `value`: [`Personal<T>`], known or forgotten, never printed.
//! - `subject`: [`PersonalSpec`] (what the schema says about one event)
//!   and [`Subject`] (whose data it is).
//! - `keys`: [`DataKey`], its [`KeyId`], and [`DataKeys`] (those a read
//!   found).
//! - `master`: [`MasterKey`], which wraps the data keys, and its check
//!   value.
//! - `seal`: sealing an append's personal values, written once for
//!   every backend ([`Sealing`], [`seal_append`] over a [`KeyStore`]),
//!   and the wire form of a sealed value.
//! - `open`: opening the sealed values of records read back
//!   ([`Opening`], [`open_records`]).
//! - `forgotten`: the `SubjectForgotten` record a forget appends.
//! - `aead`: the one AEAD (ChaCha20-Poly1305, from `ring`).
//! - `error`: [`PersonalError`].
//!
//! The log's side: an [`Append`](crate::Append) names the events with
//! personal properties ([`Append::seal`](crate::Append::seal)); a log that
//! keeps personal data keys ([`EventLog::seals_personal`](crate::EventLog::seals_personal))
//! seals them in the append's own transaction, and hands the keys of a
//! read back through [`EventLog::data_keys`](crate::EventLog::data_keys).

mod aead;
mod error;
mod forgotten;
mod keys;
mod master;
mod open;
mod seal;
mod subject;
mod value;

pub use error::PersonalError;
pub use forgotten::{SUBJECT_FORGOTTEN, forgotten_event, forgotten_subject};
pub use keys::{DATA_KEY_LEN, DataKey, DataKeys, KEY_ID_LEN, KeyId, SubjectKeys};
pub use master::{MASTER_KEY_LEN, MasterKey};
pub use open::{Opening, may_be_sealed, open_opening, open_records};
pub use seal::{
    KeyStore, SEALED_MARKER, SEALED_VERSION, Sealing, seal_append, seal_payload, seal_value,
    subject_keys, unwrap_keys, verify_master,
};
pub use subject::{PersonalSpec, Subject};
pub use value::{FORGOTTEN_MARKER, Personal};

/// One event of an append whose personal properties the log must seal
/// ([`Append::seal`](crate::Append::seal)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seal {
    /// The event's index in the append.
    pub index: usize,
    /// Its personal properties and subject.
    pub spec: &'static PersonalSpec,
}

/// What [`EventLog::forget`](crate::EventLog::forget) did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forgot {
    /// Where the `SubjectForgotten` record was appended.
    pub record: crate::Appended,
    /// Whether the subject had a data key, now deleted (false: it had
    /// none, or was forgotten before; the record is appended anyway, so
    /// that stores drop what they hold of it).
    pub had_key: bool,
}
