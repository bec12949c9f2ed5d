//! `goesgen log tail LOG [-n N] [--follow]`: the last N records (10 by
//! default), oldest first; with `--follow`, then every new record as the
//! log's subscription announces it, until interrupted. Personal values
//! are shown in the clear (or forgotten) with the master key, else
//! sealed. A corrupt record is printed as `{"position", "problem":
//! "corrupt", "message"}` (a row in the table) and the tail goes on after
//! it.

use goesgen_runtime::{EventLog, LogError, Position};

use super::records;
use super::scan::{Item, scan};
use crate::Outcome;
use crate::error::CliError;
use crate::output::Out;

/// Runs `goesgen log tail`.
pub async fn run(
    log: &dyn EventLog,
    count: u64,
    follow: bool,
    opens: bool,
    table: bool,
    out: &mut Out,
) -> Result<Outcome, CliError> {
    // Subscribe before reading, so no append between the read and the
    // subscription goes unnoticed.
    let mut subscription = log.subscribe();
    let head = log.head().await?;
    if table {
        out.line(records::header())?;
    }
    let mut last = print_after(log, head.saturating_sub(count), opens, table, out).await?;
    if !follow {
        return Ok(Outcome::Clean);
    }
    loop {
        match subscription.changed().await {
            Ok(head) if head <= last => continue,
            Ok(_) => last = print_after(log, last, opens, table, out).await?,
            Err(LogError::Closed) => return Ok(Outcome::Clean),
            Err(error) => return Err(error.into()),
        }
    }
}

/// Prints every record after `after`; returns the last position printed
/// (or `after`).
async fn print_after(
    log: &dyn EventLog,
    after: Position,
    opens: bool,
    table: bool,
    out: &mut Out,
) -> Result<Position, CliError> {
    let mut last = after;
    scan(log, after, opens, |item| {
        match item {
            Item::Record { record, .. } => {
                last = record.position;
                if table {
                    out.line(records::row(&record))?;
                } else {
                    out.json(&records::json(&record))?;
                }
            }
            Item::Corrupt { position, reason } => {
                last = position;
                let message = format!("corrupt record: {reason}");
                if table {
                    out.line(format!("{position:>10}  {message}"))?;
                } else {
                    out.json(&records::problem(position, "corrupt", &message))?;
                }
            }
        }
        Ok(())
    })
    .await?;
    out.flush()?;
    Ok(last)
}
