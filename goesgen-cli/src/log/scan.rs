//! Reading a whole log in batches, stepping over damaged records: a record
//! the log reports as corrupt is handed on as [`Item::Corrupt`] and the scan
//! goes on after it (the records before it in the same batch are read
//! again with a smaller limit, so none is skipped).
//!
//! Personal values: each record comes with the names of its properties
//! stored sealed, and, when the scan opens them (the command was given the
//! master key), with those values in the clear or as the forgotten marker
//! ([`open_records`], the runtime's one opening). A record whose sealed
//! value does not open (tampered with, or not a sealed value) is handed on
//! as corrupt; a wrong master key stops the scan.

use goesgen_runtime::personal::{PersonalError, SEALED_MARKER, may_be_sealed, open_records};
use goesgen_runtime::{EventLog, KindFilter, LogError, Position, Record};
use serde_json::{Map, Value};

use crate::error::CliError;

/// Records read per call.
pub const BATCH: usize = 512;

/// One position of the log as the scan met it.
pub enum Item {
    /// A record that reads (its personal values opened, if the scan opens
    /// them).
    Record {
        /// The record.
        record: Record,
        /// The names of its properties stored sealed.
        sealed: Vec<String>,
    },
    /// A record the log reports as corrupt, or whose sealed values do not
    /// open.
    Corrupt {
        /// Its position.
        position: Position,
        /// Why it cannot be read.
        reason: String,
    },
}

/// Reads every record after `after`, in order, handing each to `visit`,
/// its personal values opened if `opens`; returns the head the last read
/// saw. Stops at the first error of `visit`.
pub async fn scan(
    log: &dyn EventLog,
    mut after: Position,
    opens: bool,
    mut visit: impl FnMut(Item) -> Result<(), CliError>,
) -> Result<Position, CliError> {
    let mut limit = BATCH;
    loop {
        match log.read(after, &KindFilter::All, limit).await {
            Ok(batch) => {
                if batch.records.is_empty() {
                    return Ok(batch.head);
                }
                for item in open_batch(log, batch.records, opens).await? {
                    after = match &item {
                        Item::Record { record, .. } => record.position,
                        Item::Corrupt { position, .. } => *position,
                    };
                    visit(item)?;
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

/// The items of a batch: each record with its sealed properties, opened if
/// `opens` (the whole batch at once; if a value does not open, record by
/// record, so that only the damaged ones are handed on as corrupt).
pub async fn open_batch(
    log: &dyn EventLog,
    mut records: Vec<Record>,
    opens: bool,
) -> Result<Vec<Item>, CliError> {
    let sealed: Vec<Vec<String>> = records
        .iter()
        .map(|record| sealed_fields(&record.payload))
        .collect();
    if !opens || sealed.iter().all(Vec::is_empty) {
        return Ok(items(records, sealed));
    }
    match open_records(log, &mut records).await {
        Ok(()) => return Ok(items(records, sealed)),
        Err(error) if !is_damage(&error) => return Err(error.into()),
        Err(_) => {}
    }
    let mut items = Vec::with_capacity(records.len());
    for (record, sealed) in records.into_iter().zip(sealed) {
        let position = record.position;
        let mut one = [record];
        match open_records(log, &mut one).await {
            Ok(()) => {
                let [record] = one;
                items.push(Item::Record { record, sealed });
            }
            Err(error) if is_damage(&error) => items.push(Item::Corrupt {
                position,
                reason: error.to_string(),
            }),
            Err(error) => return Err(error.into()),
        }
    }
    Ok(items)
}

fn items(records: Vec<Record>, sealed: Vec<Vec<String>>) -> Vec<Item> {
    records
        .into_iter()
        .zip(sealed)
        .map(|(record, sealed)| Item::Record { record, sealed })
        .collect()
}

/// Whether `error` is about one record's sealed values (damage to report
/// at its position), not about the log or the master key.
fn is_damage(error: &LogError) -> bool {
    matches!(
        error,
        LogError::Personal(PersonalError::Tampered { .. } | PersonalError::Malformed { .. })
    )
}

/// The names of the properties of `payload` (a JSON object) stored sealed,
/// in the payload's order; none for a payload that holds no sealed value
/// or is not an object.
pub fn sealed_fields(payload: &[u8]) -> Vec<String> {
    if !may_be_sealed(payload) {
        return Vec::new();
    }
    let Ok(map) = serde_json::from_slice::<Map<String, Value>>(payload) else {
        return Vec::new();
    };
    map.into_iter()
        .filter(|(_, value)| value.get(SEALED_MARKER).is_some())
        .map(|(name, _)| name)
        .collect()
}
