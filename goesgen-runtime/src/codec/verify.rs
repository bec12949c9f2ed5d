//! Proof against a real log: [`verify_log`] decodes every record of a log
//! as the events of a schema, with its migration declarations applied
//! (defaults, renames and upcasters: this runs in Rust, so the upcasters
//! run too), and lists each record that would fail, by position. It is
//! what `goesgen log verify LOG --schema NEW` does without the generated
//! code, and what a test runs before a new schema version ships:
//! `Event::verify_log(&*log)` in generated code.

use super::{DecodeError, EventSet};
use crate::error::LogError;
use crate::log::{EventLog, KindFilter};
use crate::reader::LogReader;
use crate::record::Position;

/// A record of the log that does not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// Its position.
    pub position: Position,
    /// The kind it was written under.
    pub kind: String,
    /// Why it does not decode.
    pub error: DecodeError,
}

/// What [`verify_log`] found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogVerdict {
    /// How many records were read.
    pub records: u64,
    /// The records that do not decode, in log order.
    pub unreadable: Vec<Unreadable>,
}

impl LogVerdict {
    /// Whether every record decodes.
    pub fn is_clean(&self) -> bool {
        self.unreadable.is_empty()
    }
}

/// Decodes every record of `log` as an `E` (the schema's `Event`), in
/// batches, and lists those that fail (but for the runtime's
/// `SubjectForgotten` records, which no schema defines). Sealed personal
/// values are opened first (see [`LogReader::next_batch`]), so a log with
/// personal data needs its master key. Reading stops at the head the last
/// read saw; a log error stops it (the records already read are lost with
/// it: run it again).
///
/// Holds nothing but the verdict between reads: dropping the future at any
/// await drops the reader and leaves the log as it was.
pub async fn verify_log<E: EventSet>(log: &dyn EventLog) -> Result<LogVerdict, LogError> {
    let mut verdict = LogVerdict::default();
    let mut reader = LogReader::new(log, KindFilter::All, 0);
    while let Some(batch) = reader.next_batch().await? {
        for record in batch {
            verdict.records += 1;
            // The runtime's own record of a forget is no schema event.
            if record.kind == crate::personal::SUBJECT_FORGOTTEN {
                continue;
            }
            if let Err(error) = E::decode_payload(&record.kind, &record.payload) {
                verdict.unreadable.push(Unreadable {
                    position: record.position,
                    kind: record.kind,
                    error,
                });
            }
        }
    }
    Ok(verdict)
}
