//! `goesgen forget LOG SUBJECT`: forgets a data subject for good, through
//! the log's own [`forget`](goesgen_runtime::EventLog::forget): its data
//! key is deleted (SQLite: securely, with the write-ahead log checkpointed;
//! PostgreSQL: the row deleted, see the README on VACUUM and backups), so
//! every value sealed with it reads as forgotten, and the runtime's
//! `goesgen.SubjectForgotten` record is appended in the same transaction,
//! so that services drop what their stores hold of the subject.
//!
//! The subject is `Kind:id` (`User:u-1`, or `User:"u-1"`: an id that is not
//! JSON is taken as a string). The master key is optional (nothing is
//! unwrapped); given, it is checked against the log's.
//!
//! JSON: one object, `subject`, `position` (of the record), `had_key`
//! (false: the subject had no key, or was forgotten before; the record is
//! appended anyway).

use goesgen_runtime::personal::Subject;
use serde_json::json;

use crate::Outcome;
use crate::cli::ForgetArgs;
use crate::error::CliError;
use crate::log::open;
use crate::output::Out;

/// Runs `goesgen forget`.
pub fn run(args: &ForgetArgs, out: &mut Out) -> Result<Outcome, CliError> {
    let subject: Subject = args.subject.parse()?;
    let master = args.master_key.load()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    let forgot = runtime.block_on(async {
        let log = open(&args.log, master).await?;
        Ok::<_, CliError>(log.forget(&subject).await?)
    })?;
    if args.table {
        out.line(format!(
            "forgot {subject} at position {}{}",
            forgot.record.first,
            if forgot.had_key {
                ": its data key is deleted"
            } else {
                " (it had no data key)"
            }
        ))?;
    } else {
        out.json(&json!({
            "subject": subject.to_string(),
            "position": forgot.record.first,
            "had_key": forgot.had_key,
        }))?;
    }
    Ok(Outcome::Clean)
}
