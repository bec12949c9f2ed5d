//! The parts of an append: each caller's share of a batch under its own key
//! ([`AppendPart`]), what each got ([`KeyRecord`], [`AppendedParts`]). How
//! the positions written are split among parts is the crate's `parts`
//! module, shared by the backends.

use super::{Appended, Fingerprint, IdempotencyKey};

/// One caller's share of an append: the next `len` events of
/// [`Append::events`](super::Append::events), under its own key.
///
/// ```
/// use goesgen_runtime::{Append, AppendPart, Fingerprint, IdempotencyKey, NewEvent};
///
/// let events = vec![NewEvent::new("Opened", "{}"), NewEvent::new("Paid", "{}")];
/// let append = Append::new(events).parts(vec![
///     AppendPart::new(1),
///     AppendPart::new(1)
///         .key(IdempotencyKey::new("pay-17").unwrap())
///         .fingerprint(Fingerprint::new("sha256:0f3a").unwrap()),
/// ]);
/// assert_eq!(append.parts.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AppendPart {
    /// How many events of the append are this part's.
    pub len: usize,
    /// The part's idempotency key: if it is already in the log (or used by
    /// an earlier part of the same append), the part writes nothing and
    /// gets the first use's [`KeyRecord`].
    pub key: Option<IdempotencyKey>,
    /// The digest of the caller's request, kept with the key (ignored
    /// without a key).
    pub fingerprint: Option<Fingerprint>,
    /// Whether the part was decided on the state that includes the parts
    /// before it (a batch of calls, each deciding after the ones before
    /// it): if one of those is replayed with events, this part's decision
    /// rests on an effect that is not written again, so nothing of the
    /// append is written ([`AppendedParts::held_back`]) and its caller
    /// decides again without the replayed parts.
    pub depends: bool,
}

impl AppendPart {
    /// A part of `len` events, without key.
    pub fn new(len: usize) -> Self {
        Self {
            len,
            key: None,
            fingerprint: None,
            depends: false,
        }
    }

    /// Marks the part as decided on the state that includes the parts
    /// before it (see [`AppendPart::depends`]).
    pub fn depends(mut self) -> Self {
        self.depends = true;
        self
    }

    /// The part's idempotency key.
    pub fn key(mut self, key: IdempotencyKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The digest of the request, kept with the key.
    pub fn fingerprint(mut self, fingerprint: Fingerprint) -> Self {
        self.fingerprint = Some(fingerprint);
        self
    }
}

/// What the log keeps for an idempotency key: where the part (or append)
/// that first used it was written, and the fingerprint it carried. Also
/// what each part of an append gets ([`AppendedParts::parts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// The part's positions (an empty range, `last == first - 1`, for a
    /// part without events) and time. [`Appended::replayed`] is set when
    /// the record is the first use's: from
    /// [`EventLog::find_key`](super::EventLog::find_key), or for a part
    /// that was replayed.
    pub appended: Appended,
    /// The fingerprint the first use carried.
    pub fingerprint: Option<Fingerprint>,
}

/// What one part of an append got: its own positions, or the first use of
/// its key (see [`AppendedParts::parts`]).
pub type PartAppended = KeyRecord;

/// The outcome of [`EventLog::append_parts`](super::EventLog::append_parts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendedParts {
    /// The events written, at consecutive positions `first..=last` (for
    /// none: the empty range after the head the append was judged
    /// against). `replayed` is never set here: see the parts.
    pub appended: Appended,
    /// Per part, in order: its own sub-range of `appended` (not
    /// replayed), or, when its key was already in the log or used by an
    /// earlier part of the same append, the [`KeyRecord`] of the first use
    /// (replayed): that part wrote nothing, and the parts after it moved
    /// up.
    pub parts: Vec<PartAppended>,
    /// Whether nothing was written because a replayed part came before a
    /// part that [`depends`](AppendPart::depends) on it: then `appended`
    /// and the parts that are not replays are the empty range after the
    /// head, and the append may be decided again without the replays.
    pub held_back: bool,
}

impl AppendedParts {
    /// The outcome as
    /// [`EventLog::append_with`](super::EventLog::append_with) reports it:
    /// with one part, that part's (the first use's when it was replayed);
    /// else the events written.
    pub fn single(&self) -> Appended {
        match self.parts.as_slice() {
            [one] => one.appended,
            _ => self.appended,
        }
    }
}
