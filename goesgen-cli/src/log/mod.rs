//! `goesgen log stat|tail|show|verify LOG`: inspect and verify an event log,
//! `sqlite:PATH` (an existing file; it is never created) or
//! `postgres:CONNINFO`.
//!
//! Output is JSON lines by default, a table for people with `--table`.
//! Only the log's public contract is used (`head`, `read` of every kind,
//! `subscribe`), so every backend is read the same way.
//!
//! - `stat`, `tail`, `show`, `verify`: the four subcommands.
//! - `scan`: reading a whole log in batches, stepping over damaged records.
//! - `records`: one record as output (a JSON object or a table row).
//! - `payload`: a payload checked against the schema's event properties
//!   (for `verify --schema`).
//! - `time`: record times as RFC 3339 text.

mod payload;
mod records;
mod scan;
mod show;
mod stat;
mod tail;
mod time;
mod verify;

use std::path::Path;

use goesgen_runtime::SharedLog;

use crate::Outcome;
use crate::cli::{LogArgs, LogCommand};
use crate::error::CliError;
use crate::output::Out;

/// Runs `goesgen log ...` on a runtime of its own.
pub fn run(args: LogArgs, out: &mut Out) -> Result<Outcome, CliError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CliError::Runtime)?;
    runtime.block_on(async move {
        match args.command {
            LogCommand::Stat(target) => {
                let log = open(&target.log).await?;
                stat::run(&*log, target.table, out).await
            }
            LogCommand::Tail {
                target,
                count,
                follow,
            } => {
                let log = open(&target.log).await?;
                tail::run(&*log, count, follow, target.table, out).await
            }
            LogCommand::Show { target, position } => {
                let log = open(&target.log).await?;
                show::run(&*log, position, target.table, out).await
            }
            LogCommand::Verify { target, schema } => {
                let shapes = match &schema {
                    Some(path) => Some(payload::EventShapes::read(path)?),
                    None => None,
                };
                let log = open(&target.log).await?;
                verify::run(&*log, shapes.as_ref(), target.table, out).await
            }
        }
    })
}

/// Opens the log `spec` names. An SQLite file must exist: inspecting a
/// mistyped path must not create an empty log there.
async fn open(spec: &str) -> Result<SharedLog, CliError> {
    let spec = spec.trim();
    if let Some(path) = spec.strip_prefix("sqlite:") {
        if !Path::new(path).is_file() {
            return Err(CliError::LogSpec(format!(
                "no SQLite log at `{path}` (the file does not exist)"
            )));
        }
    } else if !spec.starts_with("postgres:") {
        return Err(CliError::LogSpec(format!(
            "unknown event log `{spec}`: expected `sqlite:PATH` or `postgres:CONNINFO`"
        )));
    }
    Ok(goesgen::open_log(spec).await?)
}
