//! `goesgen check --go`: the parts of a valid schema the Go original would
//! refuse, the goesgen-for-Rust extensions (goesgen-schema's
//! `go_extensions`: the migration declarations). A schema shared with Go
//! services must have none.
//!
//! Text: one line per part, `FILE:LINE:COLUMN: the Go original would
//! refuse WHAT in PATH`, then a count; `go: ok` when there is none.
//! `--format json`: one object per part: `file`, `line`, `column`, `path`,
//! `what`. Exit status 1 when there is one.

use goesgen_schema::{Schema, go_extensions};
use serde_json::json;

use crate::Outcome;
use crate::cli::ReportFormat;
use crate::error::CliError;
use crate::output::Out;

/// Reports the extensions of `schema` (valid, already read).
pub fn run(schema: &Schema, format: ReportFormat, out: &mut Out) -> Result<Outcome, CliError> {
    let found = go_extensions(schema);
    for extension in &found {
        match format {
            ReportFormat::Text => out.line(format!(
                "{}:{}:{}: the Go original would refuse {} in {}",
                schema.file, extension.at.line, extension.at.column, extension.what, extension.path
            ))?,
            ReportFormat::Json => out.json(&json!({
                "file": schema.file,
                "line": extension.at.line,
                "column": extension.at.column,
                "path": extension.path,
                "what": extension.what,
            }))?,
        }
    }
    if format == ReportFormat::Text {
        match found.len() {
            0 => out.line("go: ok (the Go original reads this schema)")?,
            n => out.line(format!(
                "go: {n} part{} the Go original would refuse (goesgen-for-Rust extensions)",
                if n == 1 { "" } else { "s" }
            ))?,
        }
    }
    Ok(if found.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Problems
    })
}
