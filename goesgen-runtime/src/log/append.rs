//! One append and its outcome: the [`Append`] (its events, its
//! [`Condition`], its key or parts, its time) and the [`Appended`] range it
//! wrote.

use std::fmt;
use std::ops::RangeInclusive;
use std::time::SystemTime;

use super::{AppendPart, IdempotencyKey, SortedKinds};
use crate::personal::{PersonalSpec, Seal, Subject};
use crate::record::{NewEvent, Position};

/// The condition under which an append may go ahead. It is checked in the
/// same atomic step as the write: a batch whose condition fails writes
/// nothing and returns [`LogError::Conflict`](crate::LogError::Conflict).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Condition {
    /// Append unconditionally.
    #[default]
    None,
    /// The head of the log is still this position (goesgen's strict rule:
    /// any append by anyone since is a conflict).
    HeadIs(Position),
    /// No event of any of these kinds was appended after this position (the
    /// default for transactions: only what the decision depended on counts).
    NoneOfKindsAfter {
        /// The kinds that must not have been appended (shared: a service
        /// appends on the same kinds every time; make them with
        /// `.into()` from a `Vec<String>` or `collect()`).
        kinds: SortedKinds,
        /// The position the decision was taken at.
        after: Position,
    },
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Condition::None => f.write_str("no condition"),
            Condition::HeadIs(head) => write!(f, "head {head}"),
            Condition::NoneOfKindsAfter { kinds, after } => {
                write!(f, "no event of [{}] after {after}", kinds.join(", "))
            }
        }
    }
}

/// What an append wrote: the positions of its events and when it was
/// committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Appended {
    /// The position of the batch's first event (for an empty batch: the head
    /// plus one).
    pub first: Position,
    /// The position of the batch's last event (for an empty batch: the head).
    pub last: Position,
    /// When the batch was recorded (the time the append asked for, or the
    /// time it was committed).
    pub recorded_at: SystemTime,
    /// Whether the idempotency key (of the append, or of the part this
    /// describes) was already in the log: then nothing was written, and
    /// the positions and time are those of the append (or part) that
    /// first used the key.
    pub replayed: bool,
}

impl Appended {
    /// The positions of the appended events, in order (empty for an empty
    /// batch).
    pub fn positions(&self) -> RangeInclusive<Position> {
        self.first..=self.last
    }

    /// How many events were appended.
    pub fn len(&self) -> usize {
        (self.last + 1).saturating_sub(self.first) as usize
    }

    /// Whether the batch was empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One append: the events, the [`Condition`] they are appended on, an
/// optional [`IdempotencyKey`] (or [`AppendPart`]s, each with its own key)
/// and an optional time to record.
///
/// ```
/// use goesgen_runtime::{Append, Condition, IdempotencyKey, NewEvent};
///
/// let append = Append::new(vec![NewEvent::new("Opened", "{}")])
///     .condition(Condition::HeadIs(0))
///     .key(IdempotencyKey::new("order-17").unwrap());
/// assert_eq!(append.events.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Append {
    /// The events, appended at consecutive positions in this order.
    pub events: Vec<NewEvent>,
    /// The condition under which they are appended.
    pub condition: Condition,
    /// The append's idempotency key: if an append with the same key is
    /// already in the log, this one writes nothing and returns the first
    /// one's positions (with [`Appended::replayed`] set), whatever its
    /// condition. The same as one part covering every event under this
    /// key; must be `None` when [`parts`](Self::parts) is not empty.
    pub key: Option<IdempotencyKey>,
    /// The callers' shares of the events, in order, each under its own
    /// key (see [`EventLog::append_parts`](super::EventLog::append_parts)).
    /// Empty: one part covering every event, under [`key`](Self::key).
    /// Otherwise their lengths must add up to the number of events
    /// ([`LogError::Config`](crate::LogError::Config) if not).
    pub parts: Vec<AppendPart>,
    /// The time to record (cut to microseconds); `None` for the time of
    /// the commit. A service sets it to the time its store saw when it
    /// applied the events before appending them.
    pub recorded_at: Option<SystemTime>,
    /// Whether the service engine encoded the payloads itself (serde's
    /// JSON of the schema's event structs): backends then skip parsing
    /// them again, and its `recorded_at` is already cut to microseconds.
    /// Only the engine can set it; appends from elsewhere are checked in
    /// full.
    pub(crate) encoded: bool,
    /// Its personal data work: the events to seal, the subject to
    /// forget (boxed: most appends have none, and an append is handed
    /// back by value).
    pub(crate) personal: Option<Box<PersonalWork>>,
}

impl Append {
    /// An unconditional append of `events`, without key.
    pub fn new(events: Vec<NewEvent>) -> Self {
        Self {
            events,
            ..Self::default()
        }
    }

    /// The condition under which the events are appended.
    pub fn condition(mut self, condition: Condition) -> Self {
        self.condition = condition;
        self
    }

    /// The append's idempotency key.
    pub fn key(mut self, key: IdempotencyKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The callers' shares of the events, each under its own key.
    pub fn parts(mut self, parts: Vec<AppendPart>) -> Self {
        self.parts = parts;
        self
    }

    /// The time to record.
    pub fn recorded_at(mut self, time: SystemTime) -> Self {
        self.recorded_at = Some(time);
        self
    }

    /// Event `index` of the append has the personal properties of `spec`:
    /// the log seals them with the data key of the subject the event
    /// names (created in the append's transaction on the subject's first
    /// use), so that only sealed values are stored.
    pub fn seal(mut self, index: usize, spec: &'static PersonalSpec) -> Self {
        self.personal
            .get_or_insert_default()
            .seals
            .push(Seal { index, spec });
        self
    }

    /// The events with personal properties, which the log seals with
    /// their subjects' data keys in the append's own transaction (see
    /// [`seal`](Self::seal)). A log that does not
    /// [seal personal data](super::EventLog::seals_personal) must refuse
    /// an append with seals.
    pub fn seals(&self) -> &[Seal] {
        self.personal.as_ref().map_or(&[], |work| &work.seals)
    }

    /// The subject a forget deletes the key of, taken out of the append.
    pub(crate) fn take_forgets(&mut self) -> Option<Subject> {
        self.personal.as_mut().and_then(|work| work.forgets.take())
    }

    /// The unconditional append of the `SubjectForgotten` record of
    /// `subject`, which deletes its data key in the same transaction.
    pub(crate) fn forgetting(subject: &Subject) -> Self {
        let mut append = Self::new(vec![crate::personal::forgotten_event(subject)]);
        append.personal.get_or_insert_default().forgets = Some(subject.clone());
        append
    }

    /// Marks the payloads as encoded by the service engine, whose
    /// `recorded_at` is already cut to microseconds.
    pub(crate) fn encoded(mut self) -> Self {
        self.encoded = true;
        self
    }
}

/// An append's personal data work (see [`Append::seal`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct PersonalWork {
    /// The events to seal.
    pub(crate) seals: Vec<Seal>,
    /// The subject whose data key a backend of this crate deletes in the
    /// append's transaction ([`EventLog::forget`](super::EventLog::forget)
    /// goes through the append path, so that it waits for a write lock as
    /// appends do).
    pub(crate) forgets: Option<Subject>,
}
