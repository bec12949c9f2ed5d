//! `goesgen log show LOG POSITION`: one record. Exit status 1 when there is
//! no record there, or the log reports it as corrupt (the reason is
//! printed, as `{"position", "problem": "corrupt", "message"}` in JSON),
//! which includes a sealed value that does not open. Personal values are
//! shown in the clear (or forgotten) with the master key, else sealed.

use goesgen_runtime::{EventLog, KindFilter, LogError, Position};

use super::records;
use super::scan::{Item, open_batch};
use crate::Outcome;
use crate::error::CliError;
use crate::output::Out;

/// Runs `goesgen log show`.
pub async fn run(
    log: &dyn EventLog,
    position: Position,
    opens: bool,
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
    let found = match found {
        Ok(batch) if batch.records.first().map(|r| r.position) == Some(position) => {
            let head = batch.head;
            match open_batch(log, batch.records, opens)
                .await?
                .into_iter()
                .next()
            {
                Some(Item::Record { record, .. }) => Ok((Some(record), head)),
                Some(Item::Corrupt { position, reason }) => {
                    Err(LogError::Corrupt { position, reason })
                }
                None => Ok((None, head)),
            }
        }
        Ok(batch) => Ok((None, batch.head)),
        Err(error) => Err(error),
    };
    match found {
        Ok((found, head)) => match found {
            Some(record) => {
                if table {
                    out.line(records::header())?;
                    out.line(records::row(&record))?;
                } else {
                    out.json(&records::json(&record))?;
                }
                Ok(Outcome::Clean)
            }
            _ => {
                let message = format!("no record at position {position} (the head is {head})");
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
