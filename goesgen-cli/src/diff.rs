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

use goesgen_schema::evolution::Side;
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
    let changes = diff(&old.valid()?, &new.valid()?);
    match args.format {
        ReportFormat::Text if changes.is_empty() => out.line("no changes")?,
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
        }
        ReportFormat::Json => {
            for change in &changes {
                out.json(&change_json(change))?;
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
