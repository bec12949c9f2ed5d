//! The errors that stop a command (exit status 2). Problems a command is
//! looking for (schema errors, breaking changes, damaged records) are not
//! errors: they are its output.

use std::path::PathBuf;

/// Why a command could not do its work.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A schema that `graph` or `diff` needs is invalid.
    #[error("{errors}\n`{}` has {} error(s); `goesgen check` lists them", path.display(), errors.len())]
    InvalidSchema {
        /// The file.
        path: PathBuf,
        /// Its errors, rendered.
        errors: goesgen_schema::SchemaErrors,
    },
    /// `graph --projection` named no projection of the schema.
    #[error("no projection `{name}` in the schema; defined: {defined}")]
    NoSuchProjection {
        /// The name asked for.
        name: String,
        /// The projections the schema defines.
        defined: String,
    },
    /// The log argument is not `sqlite:PATH` or `postgres:CONNINFO`.
    #[error("{0}")]
    LogSpec(String),
    /// The log failed (unreachable, closed, misconfigured, a wrong master
    /// key).
    #[error("event log: {0}")]
    Log(#[from] goesgen_runtime::LogError),
    /// The master key given could not be read (`origin`: the option or
    /// variable that gave it).
    #[error("{origin}: {source}")]
    MasterKey {
        /// `--master-key-file FILE` or the environment variable.
        origin: String,
        /// Why.
        source: goesgen_runtime::personal::PersonalError,
    },
    /// A subject is not valid.
    #[error(transparent)]
    Personal(#[from] goesgen_runtime::personal::PersonalError),
    /// `log compact` could not write its new log.
    #[error("cannot compact `{log}` into `{}`: {reason}", output.display())]
    Compact {
        /// The log read.
        log: String,
        /// The file written.
        output: PathBuf,
        /// Why.
        reason: String,
    },
    /// An SQLite database of stores could not be read (missing, not a
    /// database, damaged).
    #[error("cannot read the stores of `{}`: {source}", path.display())]
    Database {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// An SQLite database has no `goesgen_projection` table.
    #[error(
        "`{}` holds no stores: it has no `goesgen_projection` table (the table of goesgen's \
         SQLite store kit)",
        path.display()
    )]
    NoStores {
        /// The file.
        path: PathBuf,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// Writing the output failed.
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}
