//! `goesgen`: the command-line companion of the goesgen crates.
//!
//! - `goesgen check [SCHEMA] [--go]`: every error of a schema, as the
//!   `include_schema!` macro reports them ([`check`]); with `--go`, the
//!   parts the Go original would refuse ([`go_check`]).
//! - `goesgen graph [SCHEMA] --format mermaid|dot [--projection NAME]`: the
//!   system (services, methods, events, projections) or one projection's
//!   state machine as a Mermaid or Graphviz graph ([`graph`]).
//! - `goesgen diff OLD NEW`: every change between two versions of a schema,
//!   classified breaking, migrated or compatible for a log written under
//!   the old one ([`diff`]).
//! - `goesgen asyncapi [SCHEMA]`: the AsyncAPI 3.0 document of the
//!   schema's event log, payload properties typed by their Rust names
//!   where no JSON type is known ([`asyncapi`]).
//! - `goesgen log stat|tail|show|verify LOG`: inspect and verify an event
//!   log, `sqlite:PATH` or `postgres:CONNINFO`; `goesgen log compact`:
//!   rewrite an SQLite log with the values of its personal properties
//!   sealed ([`log`]).
//! - `goesgen stores FILE [--schema SCHEMA]`: the stores an SQLite
//!   database holds, each one's name, version and fingerprint, and with
//!   `--schema` whether it is current or stale ([`stores`]).
//! - `goesgen forget LOG SUBJECT`: forget a data subject for good
//!   ([`forget`]).
//!
//! Exit status: 0 when all is well; 1 when the command found what it looks
//! for (schema errors, a breaking change, a damaged log, a missing record,
//! a stale store);
//! 2 when it could not do its work (bad arguments, an unreadable file, an
//! invalid schema given to `graph` or `diff`, an unreachable log).
//!
//! What the commands share: `cli` (the arguments, clap derive), `error`
//! (what stops a command, exit status 2), `output` (standard output with
//! every write checked), `schema_file` (a schema file read and parsed) and
//! `master_key` (the master key of personal data, from a file or the
//! environment).
#![warn(missing_docs)]

mod asyncapi;
mod check;
mod cli;
mod diff;
mod error;
mod forget;
mod go_check;
mod graph;
mod log;
mod master_key;
mod output;
mod schema_file;
mod stores;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::CliError;
use crate::output::Out;

/// What a command concluded: whether it found problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report: exit status 0.
    Clean,
    /// Problems found (schema errors, breaking changes, a damaged log):
    /// exit status 1.
    Problems,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = Out::stdout();
    let result = match cli.command {
        Command::Check(args) => check::run(&args, &mut out),
        Command::Graph(args) => graph::run(&args, &mut out),
        Command::Diff(args) => diff::run(&args, &mut out),
        Command::Log(args) => log::run(args, &mut out),
        Command::Asyncapi(args) => asyncapi::run(&args, &mut out),
        Command::Stores(args) => stores::run(&args, &mut out),
        Command::Forget(args) => forget::run(&args, &mut out),
    };
    // What is still buffered goes out now, so that a failed write (a full
    // disk) is an error and not a silent success.
    let result = result.and_then(|outcome| out.flush().map(|()| outcome).map_err(CliError::from));
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Problems) => ExitCode::from(1),
        // A reader that stopped reading (`goesgen log tail | head`) is no
        // error of ours.
        Err(CliError::Output(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("goesgen: {error}");
            ExitCode::from(2)
        }
    }
}
