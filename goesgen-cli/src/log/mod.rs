//! `goesgen log stat|tail|show|verify LOG`: inspect and verify an event log,
//! `sqlite:PATH` (an existing file; it is never created) or
//! `postgres:CONNINFO`.
//!
//! Output is JSON lines by default, a table for people with `--table`.
//! Only the log's public contract is used (`head`, `read` of every kind,
//! `subscribe`, and `data_keys` to open personal values), so every backend
//! is read the same way. Given the master key (`--master-key-file` or
//! `GOESGEN_MASTER_KEY`), personal values are shown and checked in the
//! clear (or as forgotten); without it they are shown sealed.
//!
//! - `stat`, `tail`, `show`, `verify`: the four reading subcommands.
//! - `compact`: an SQLite log rewritten into a new file with the values
//!   of its personal properties sealed.
//! - `scan`: reading a whole log in batches, stepping over damaged records,
//!   opening personal values.
//! - `records`: one record as output (a JSON object or a table row).
//! - `payload`: a payload checked against the schema's event properties
//!   (for `verify --schema`).
//! - `time`: record times as RFC 3339 text.

mod compact;
mod payload;
mod records;
mod scan;
mod show;
mod stat;
mod tail;
mod time;
mod verify;

use std::path::Path;
use std::sync::Arc;

use goesgen_runtime::personal::MasterKey;
use goesgen_runtime::{SharedLog, SqliteLog, SqliteOptions};

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
                // Counts stored bytes: nothing to open.
                let log = open(&target.log, target.master_key.load()?).await?;
                stat::run(&*log, target.table, out).await
            }
            LogCommand::Tail {
                target,
                count,
                follow,
            } => {
                let master = target.master_key.load()?;
                let opens = master.is_some();
                let log = open(&target.log, master).await?;
                tail::run(&*log, count, follow, opens, target.table, out).await
            }
            LogCommand::Show { target, position } => {
                let master = target.master_key.load()?;
                let opens = master.is_some();
                let log = open(&target.log, master).await?;
                show::run(&*log, position, opens, target.table, out).await
            }
            LogCommand::Verify { target, schema } => {
                let shapes = match &schema {
                    Some(path) => Some(payload::EventShapes::read(path)?),
                    None => None,
                };
                let master = target.master_key.load()?;
                let opens = master.is_some();
                let log = open(&target.log, master).await?;
                verify::run(&*log, shapes.as_ref(), opens, target.table, out).await
            }
            LogCommand::Compact(args) => compact::run(&args, out).await,
        }
    })
}

/// Opens the log `spec` names, with the master key if one is given (then
/// checked against the log's: a wrong one is an error here). An SQLite
/// file must exist: inspecting a mistyped path must not create an empty
/// log there.
pub async fn open(spec: &str, master: Option<MasterKey>) -> Result<SharedLog, CliError> {
    let spec = spec.trim();
    if let Some(path) = spec.strip_prefix("sqlite:") {
        let options = SqliteOptions {
            master_key: master,
            ..SqliteOptions::default()
        };
        return Ok(SqliteLog::open_with(existing_sqlite(path)?, options)
            .await?
            .shared());
    }
    if let Some(conninfo) = spec.strip_prefix("postgres:") {
        let mut options = goesgen::PostgresOptions::new(conninfo);
        if let Some(master) = master {
            options = options.master_key(master);
        }
        return Ok(Arc::new(options.connect().await?));
    }
    Err(CliError::LogSpec(format!(
        "unknown event log `{spec}`: expected `sqlite:PATH` or `postgres:CONNINFO`"
    )))
}

/// The path of `sqlite:PATH`, which must be an existing file.
fn existing_sqlite(path: &str) -> Result<&Path, CliError> {
    let path = Path::new(path);
    if path.is_file() {
        Ok(path)
    } else {
        Err(CliError::LogSpec(format!(
            "no SQLite log at `{}` (the file does not exist)",
            path.display()
        )))
    }
}
