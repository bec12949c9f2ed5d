//! What the event log stores: a [`Record`] per event, numbered by its
//! [`Position`], and the [`NewEvent`] a writer hands to an append.

use std::time::SystemTime;

/// A position in the log: events are numbered 1, 2, 3, ... in commit order,
/// without gaps. 0 is the empty log (and "before the first event").
pub type Position = u64;

/// An event to append: its kind (the event's type name in the schema, as it
/// goes on the wire) and its JSON payload (the object under `"payload"` in
/// goesgen's wire format, without the `{"type", "payload"}` envelope).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The event's type name, e.g. `TicketCreated`.
    pub kind: String,
    /// The JSON payload, UTF-8 bytes of one JSON object.
    pub payload: Vec<u8>,
}

impl NewEvent {
    /// An event of `kind` with the JSON `payload`.
    pub fn new(kind: impl Into<String>, payload: impl Into<Vec<u8>>) -> Self {
        Self {
            kind: kind.into(),
            payload: payload.into(),
        }
    }
}

/// An event as the log recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Where the event stands in the log (1-based, gap-free, commit order).
    pub position: Position,
    /// When the append that wrote it was committed (all events of one batch
    /// share it). Stored with microsecond precision.
    pub recorded_at: SystemTime,
    /// The event's type name, e.g. `TicketCreated`.
    pub kind: String,
    /// The JSON payload as it was appended.
    pub payload: Vec<u8>,
}
