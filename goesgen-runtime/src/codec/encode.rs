//! Encoding: events to the wire format (one envelope, or an array of them)
//! and to the log's [`NewEvent`] (kind and payload apart). Payloads are
//! written by the `compact` writer, serde_json's output byte for byte.

use super::compact;
use super::{EncodeError, EventKindSet, EventPayload, EventSet};
use crate::record::NewEvent;

/// Encodes `event` in the wire format: `{"type":...,"payload":{...}}`.
pub fn encode<E: EventSet>(event: &E) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(128);
    encode_into(event, &mut out)?;
    Ok(out)
}

/// Appends the wire form of `event` to `out` (leaving `out` as it was on
/// error).
pub fn encode_into<E: EventSet>(event: &E, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    out.extend_from_slice(b"{\"type\":");
    compact::write_str(out, event.kind().name());
    out.extend_from_slice(b",\"payload\":");
    if let Err(error) = event.write_payload(out) {
        out.truncate(start);
        return Err(error);
    }
    out.push(b'}');
    Ok(())
}

/// Encodes several events as one JSON array, as goesgen writes the events of
/// one call.
pub fn encode_batch<E: EventSet>(events: &[E]) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(2 + 128 * events.len());
    out.push(b'[');
    for (index, event) in events.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        encode_into(event, &mut out)?;
    }
    out.push(b']');
    Ok(out)
}

/// Encodes the payload of `payload` into `out`: what generated
/// [`EventSet::write_payload`] calls. The JSON is serde_json's compact
/// form, byte for byte, written faster (see the `compact` module).
pub fn write_payload<P: EventPayload>(out: &mut Vec<u8>, payload: &P) -> Result<(), EncodeError> {
    let start = out.len();
    compact::to_writer(out, payload).map_err(|source| {
        out.truncate(start);
        EncodeError::serialize(P::KIND, source)
    })
}

/// The event as the event log stores it: kind and payload apart.
///
/// The payload is written into a buffer kept per thread and copied out at
/// its exact size: one allocation, no regrowth, and no spare capacity kept
/// with every record a log holds in memory.
pub fn to_new_event<E: EventSet>(event: &E) -> Result<NewEvent, EncodeError> {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    /// A scratch buffer grown past this is given back rather than kept.
    const KEEP: usize = 64 * 1024;
    let payload = SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut scratch) => {
            scratch.clear();
            let written = event.write_payload(&mut scratch).map(|()| scratch.to_vec());
            if scratch.capacity() > KEEP {
                *scratch = Vec::new();
            }
            written
        }
        // Only reachable if a payload's `Serialize` encodes an event itself.
        Err(_) => {
            let mut payload = Vec::new();
            event.write_payload(&mut payload).map(|()| payload)
        }
    })?;
    Ok(NewEvent {
        kind: event.kind().name().to_string(),
        payload,
    })
}
