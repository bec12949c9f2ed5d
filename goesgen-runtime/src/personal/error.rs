//! [`PersonalError`]: what sealing, opening and the keys of personal data
//! can fail with, kept in [`LogError::Personal`](crate::LogError::Personal).

use crate::record::Position;

/// What sealing or opening personal data, or loading a master key, can
/// fail with. None of these is fixed by retrying.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum PersonalError {
    /// The log's data keys were wrapped by another master key: nothing can
    /// be opened or sealed with this one. Supply the right key.
    #[error(
        "the master key does not match the one this log's personal data keys were wrapped with"
    )]
    WrongMasterKey,
    /// The log holds personal data (or is asked to seal some) but was
    /// given no master key.
    #[error("this log was opened without a master key, which its personal data needs")]
    NoMasterKey,
    /// A sealed value does not open with its key: it was changed after it
    /// was sealed, or moved to another record or property. Refused, never
    /// decoded.
    #[error(
        "the sealed value of property `{field}` of {kind} at position {position} does not open: \
         it was tampered with or damaged"
    )]
    Tampered {
        /// The record's position (0 before it has one).
        position: Position,
        /// The record's kind.
        kind: String,
        /// The property whose value does not open.
        field: String,
    },
    /// A stored data key does not unwrap with the (verified) master key:
    /// the key store was tampered with or damaged.
    #[error("the stored data key of {subject} does not unwrap: the key store is damaged")]
    DamagedKey {
        /// The subject whose key is damaged.
        subject: String,
    },
    /// A value marked sealed is not a sealed value of a known version.
    #[error(
        "property `{field}` of {kind} at position {position} is not a valid sealed value: {reason}"
    )]
    Malformed {
        /// The record's position (0 before it has one).
        position: Position,
        /// The record's kind.
        kind: String,
        /// The property.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An event with personal properties does not name its subject.
    #[error("event {index} ({kind}) of the append has no valid subject in `{field}`: {reason}")]
    NoSubject {
        /// The event's index in the append.
        index: usize,
        /// Its kind.
        kind: String,
        /// The subject's property.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A subject's text or id is not valid.
    #[error("not a data subject: {reason}")]
    BadSubject {
        /// Why.
        reason: String,
    },
    /// A master key could not be loaded or is not 32 bytes.
    #[error("invalid master key: {reason}")]
    BadMasterKey {
        /// Why.
        reason: String,
    },
    /// The system's random number generator failed (no key or nonce could
    /// be made); nothing was written.
    #[error("the system's random number generator failed")]
    Random,
}
