//! Reading a whole log in batches, stepping over damaged records: a record
//! the log reports as corrupt is handed on as [`Item::Corrupt`] and the scan
//! goes on after it (the records before it in the same batch are read
//! again with a smaller limit, so none is skipped).

use goesgen_runtime::{EventLog, KindFilter, LogError, Position, Record};

use crate::error::CliError;

/// Records read per call.
pub const BATCH: usize = 512;

/// One position of the log as the scan met it.
pub enum Item {
    /// A record that reads.
    Record(Record),
    /// A record the log reports as corrupt.
    Corrupt {
        /// Its position.
        position: Position,
        /// Why it cannot be read.
        reason: String,
    },
}

/// Reads every record after `after`, in order, handing each to `visit`;
/// returns the head the last read saw. Stops at the first error of
/// `visit`.
pub async fn scan(
    log: &dyn EventLog,
    mut after: Position,
    mut visit: impl FnMut(Item) -> Result<(), CliError>,
) -> Result<Position, CliError> {
    let mut limit = BATCH;
    loop {
        match log.read(after, &KindFilter::All, limit).await {
            Ok(batch) => {
                if batch.records.is_empty() {
                    return Ok(batch.head);
                }
                for record in batch.records {
                    after = record.position;
                    visit(Item::Record(record))?;
                }
                limit = BATCH;
            }
            Err(LogError::Corrupt { position, reason }) if position == after + 1 => {
                visit(Item::Corrupt { position, reason })?;
                after = position;
                limit = BATCH;
            }
            Err(LogError::Corrupt { position, .. }) if position > after + 1 => {
                // Read the records before the damaged one first.
                limit = usize::try_from(position - after - 1)
                    .unwrap_or(BATCH)
                    .min(BATCH);
            }
            Err(error) => return Err(error.into()),
        }
    }
}
