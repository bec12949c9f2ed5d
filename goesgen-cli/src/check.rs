//! `goesgen check [SCHEMA]`: every error of a schema, rendered as the
//! `include_schema!` macro renders them (file:line:column, the line, a
//! caret, the hint), or with `--format json` as JSON lines, one object per
//! error: `file`, `line`, `column`, `rule` (snake_case, e.g.
//! `unused_event`), `rule_number` (its number in `docs/schema.md`, or null),
//! `path`, `message`, `hint` (or null). A valid schema prints one `ok`
//! line in text and nothing in JSON; with `--go`, then what the Go
//! original would refuse in it (see `go_check`).

use goesgen_schema::SchemaError;
use serde_json::{Value, json};

use crate::Outcome;
use crate::cli::{CheckArgs, ReportFormat};
use crate::error::CliError;
use crate::go_check;
use crate::output::Out;
use crate::schema_file::SchemaFile;

/// Runs `goesgen check`.
pub fn run(args: &CheckArgs, out: &mut Out) -> Result<Outcome, CliError> {
    let file = SchemaFile::read(&args.schema)?;
    match file.parse() {
        Ok(schema) => {
            if args.format == ReportFormat::Text {
                out.line(format!(
                    "{}: ok ({} events, {} projections, {} services)",
                    file.name(),
                    schema.events.len(),
                    schema.projections.len(),
                    schema.services.len()
                ))?;
            }
            if args.go {
                return go_check::run(&schema, args.format, out);
            }
            Ok(Outcome::Clean)
        }
        Err(errors) => {
            match args.format {
                ReportFormat::Text => {
                    out.line(errors.to_string())?;
                    out.line(format!(
                        "\n{}: {} error{}",
                        file.name(),
                        errors.len(),
                        if errors.len() == 1 { "" } else { "s" }
                    ))?;
                }
                ReportFormat::Json => {
                    for error in &errors {
                        out.json(&error_json(error))?;
                    }
                }
            }
            Ok(Outcome::Problems)
        }
    }
}

/// One schema error as a JSON object.
pub fn error_json(error: &SchemaError) -> Value {
    json!({
        "file": error.file,
        "line": error.at.line,
        "column": error.at.column,
        "rule": goesgen_schema::naming::snake_case(&format!("{:?}", error.rule)),
        "rule_number": error.rule.number(),
        "path": error.path,
        "message": error.message,
        "hint": error.hint,
    })
}
