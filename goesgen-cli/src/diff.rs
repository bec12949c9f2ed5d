//! `goesgen diff OLD NEW`: every change between two versions of a schema,
//! each classified for a log written under OLD (the rules are
//! goesgen-schema's `evolution`, shared with `include_schema!`'s
//! `baseline`).
//!
//! Text: one line per change, `breaking: FILE:LINE:COLUMN: MESSAGE in PATH`
//! (or `migrated: ...`, a change a declaration of NEW covers, or
//! `compatible: ...`), located in NEW where the changed entry (or the
//! one containing it) still is, else in OLD; `no changes` when there are
//! none. `--format json`: JSON lines, one object per change: `class`,
//! `kind`, `file`, `line`, `column`, `side` (`old`/`new`), `path`,
//! `message`, `hint`. Exit status 1 when a change is breaking.
//!
//! Then the services whose stores the change makes stale (goesgen-schema's
//! `evolution::stale`): in text, per service a line with its schema
//! fingerprint under OLD and NEW, `stale: SERVICE: schema fingerprint
//! OLD -> NEW`, and a line per reason, `stale: SERVICE: REASON`; in JSON,
//! an object per service: `stale` (the service), `old`, `new` (the
//! fingerprints, 16 hex digits) and `reasons`. A stale store is no problem
//! for the log: it changes no exit status (the service rebuilds it, as its
//! policy says).

use goesgen_schema::evolution::{Side, StaleService, stale};
use goesgen_schema::{Change, diff};
use serde_json::{Value, json};

use crate::Outcome;
use crate::cli::{DiffArgs, ReportFormat};
use crate::error::CliError;
use crate::output::Out;
use crate::schema_file::SchemaFile;

/// Runs `goesgen diff`.
pub fn run(args: &DiffArgs, out: &mut Out) -> Result<Outcome, CliError> {
    let old = SchemaFile::read(&args.old)?;
    let new = SchemaFile::read(&args.new)?;
    let (old, new) = (old.valid()?, new.valid()?);
    let changes = diff(&old, &new);
    let stale = stale(&old, &new);
    match args.format {
        ReportFormat::Text if changes.is_empty() && stale.is_empty() => out.line("no changes")?,
        ReportFormat::Text => {
            for change in &changes {
                out.line(format!(
                    "{}: {}:{}:{}: {} in {}",
                    change.class,
                    change.file,
                    change.at.line,
                    change.at.column,
                    change.message,
                    change.path
                ))?;
            }
            for service in &stale {
                let name = &service.service;
                out.line(format!(
                    "stale: {name}: schema fingerprint {:016x} -> {:016x}",
                    service.old, service.new
                ))?;
                for reason in &service.reasons {
                    out.line(format!("stale: {name}: {reason}"))?;
                }
            }
        }
        ReportFormat::Json => {
            for change in &changes {
                out.json(&change_json(change))?;
            }
            for service in &stale {
                out.json(&stale_json(service))?;
            }
        }
    }
    Ok(if changes.iter().any(Change::is_breaking) {
        Outcome::Problems
    } else {
        Outcome::Clean
    })
}

/// One change as a JSON object.
fn change_json(change: &Change) -> Value {
    json!({
        "class": change.class.as_str(),
        "kind": change.kind.as_str(),
        "file": change.file,
        "line": change.at.line,
        "column": change.at.column,
        "side": match change.side {
            Side::Old => "old",
            Side::New => "new",
        },
        "path": change.path,
        "message": change.message,
        "hint": change.hint,
    })
}

/// One stale service as a JSON object.
fn stale_json(service: &StaleService) -> Value {
    json!({
        "stale": service.service,
        "old": format!("{:016x}", service.old),
        "new": format!("{:016x}", service.new),
        "reasons": service.reasons.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}
