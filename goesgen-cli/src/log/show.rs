//! `goesgen log show LOG POSITION`: one record. Exit status 1 when there is
//! no record there, or the log reports it as corrupt (the reason is
//! printed, as `{"position", "problem": "corrupt", "message"}` in JSON).

use goesgen_runtime::{EventLog, KindFilter, LogError, Position};

use super::records;
use crate::Outcome;
use crate::error::CliError;
use crate::output::Out;

/// Runs `goesgen log show`.
pub async fn run(
    log: &dyn EventLog,
    position: Position,
    table: bool,
    out: &mut Out,
) -> Result<Outcome, CliError> {
    let found = match position.checked_sub(1) {
        Some(after) => log.read(after, &KindFilter::All, 1).await,
        None => {
            out.line("positions start at 1")?;
            return Ok(Outcome::Problems);
        }
    };
    match found {
        Ok(batch) => match batch.records.into_iter().next() {
            Some(record) if record.position == position => {
                if table {
                    out.line(records::header())?;
                    out.line(records::row(&record))?;
                } else {
                    out.json(&records::json(&record))?;
                }
                Ok(Outcome::Clean)
            }
            _ => {
                let message = format!(
                    "no record at position {position} (the head is {})",
                    batch.head
                );
                if table {
                    out.line(message)?;
                } else {
                    out.json(&records::problem(position, "missing", &message))?;
                }
                Ok(Outcome::Problems)
            }
        },
        Err(LogError::Corrupt { position, reason }) => {
            let message = format!("corrupt record at position {position}: {reason}");
            if table {
                out.line(message)?;
            } else {
                out.json(&records::problem(position, "corrupt", &message))?;
            }
            Ok(Outcome::Problems)
        }
        Err(error) => Err(error.into()),
    }
}
