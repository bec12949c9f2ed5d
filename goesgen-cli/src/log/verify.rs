//! `goesgen log verify LOG [--schema SCHEMA]`: reads the whole log and
//! reports every problem, naming the record's position:
//!
//! - `corrupt`: the log itself cannot read the record (the scan goes on
//!   after it);
//! - `gap`: positions are not 1, 2, 3, ... (a missing or repeated one), or
//!   the head is beyond the last record;
//! - `kind`: an empty kind, or one with whitespace or control characters;
//! - `payload`: not one JSON object;
//! - with `--schema`: `unknown_kind` (no such event in the schema, under
//!   its name or a former one) and `payload` (the payload does not match
//!   the event's properties once the schema's renames and defaults are
//!   applied; see `payload` for what is checked and what cannot be), and
//!   `personal` (a property the schema marks personal is stored in the
//!   clear, where it must be sealed: `goesgen log compact` rewrites the
//!   log with it sealed).
//!
//! With the master key, sealed values are opened first and checked in the
//! clear (a forgotten one stands in for any value); one that does not open
//! (tampered with) is `corrupt`, and a wrong master key stops the command.
//! Without it, a sealed value stands in for any value of a personal
//! property. The runtime's `goesgen.SubjectForgotten` records must name a
//! subject.
//!
//! A record that would need its event's upcaster (a Rust function, which
//! this command cannot run) is listed as `unchecked`: not a problem, but
//! not proven either; `Event::verify_log` runs the upcasters from Rust.
//!
//! JSON: one line per problem or unchecked record (`position`, `problem`,
//! `message`), then one summary line (`records`, `corrupt`, `head`,
//! `problems`, `unchecked`, `ok`). Exit status 1 when there is a problem.

use goesgen_runtime::personal::{SUBJECT_FORGOTTEN, forgotten_subject};
use goesgen_runtime::{EventLog, Position, Record};
use serde_json::json;

use super::payload::{Checked, EventShapes};
use super::records;
use super::scan::{Item, scan};
use crate::Outcome;
use crate::error::CliError;
use crate::output::Out;

/// One problem found.
struct Problem {
    position: Position,
    problem: &'static str,
    message: String,
}

/// Runs `goesgen log verify`.
pub async fn run(
    log: &dyn EventLog,
    shapes: Option<&EventShapes>,
    opens: bool,
    table: bool,
    out: &mut Out,
) -> Result<Outcome, CliError> {
    let mut expected: Position = 1;
    let mut records = 0u64;
    let mut corrupt = 0u64;
    let mut problems = 0u64;
    let mut unchecked = 0u64;
    if table {
        out.line(format!("{:>10}  {:<14}  MESSAGE", "POSITION", "PROBLEM"))?;
    }
    let mut report = |out: &mut Out, problem: Problem| -> Result<(), CliError> {
        if problem.problem == UNCHECKED {
            unchecked += 1;
        } else {
            problems += 1;
        }
        if table {
            out.line(format!(
                "{:>10}  {:<14}  {}",
                problem.position, problem.problem, problem.message
            ))?;
        } else {
            out.json(&records::problem(
                problem.position,
                problem.problem,
                &problem.message,
            ))?;
        }
        Ok(())
    };
    let head = scan(log, 0, opens, |item| {
        let position = match &item {
            Item::Record { record, .. } => record.position,
            Item::Corrupt { position, .. } => *position,
        };
        if position != expected {
            let message = if position > expected {
                format!("positions {expected} to {} are missing", position - 1)
            } else {
                format!("position {position} comes again after {}", expected - 1)
            };
            report(
                out,
                Problem {
                    position,
                    problem: "gap",
                    message,
                },
            )?;
        }
        expected = position.max(expected.saturating_sub(1)) + 1;
        match item {
            Item::Corrupt { position, reason } => {
                corrupt += 1;
                report(
                    out,
                    Problem {
                        position,
                        problem: "corrupt",
                        message: reason,
                    },
                )?;
            }
            Item::Record { record, sealed } => {
                records += 1;
                for (problem, message) in check(&record, &sealed, shapes) {
                    report(
                        out,
                        Problem {
                            position,
                            problem,
                            message,
                        },
                    )?;
                }
            }
        }
        Ok(())
    })
    .await?;
    if head >= expected {
        report(
            out,
            Problem {
                position: expected,
                problem: "gap",
                message: format!("the head is {head} but the records end at {}", expected - 1),
            },
        )?;
    }
    if table {
        out.line(format!(
            "verified {records} records and {corrupt} corrupt ones up to head {head}: {problems} problem{}, {unchecked} unchecked (needing an upcaster)",
            if problems == 1 { "" } else { "s" }
        ))?;
    } else {
        out.json(&json!({
            "records": records,
            "corrupt": corrupt,
            "head": head,
            "problems": problems,
            "unchecked": unchecked,
            "ok": problems == 0,
        }))?;
    }
    Ok(if problems == 0 {
        Outcome::Clean
    } else {
        Outcome::Problems
    })
}

/// The problems of one readable record, whose `sealed` properties were
/// stored sealed.
fn check(
    record: &Record,
    sealed: &[String],
    shapes: Option<&EventShapes>,
) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    if record.kind.is_empty() {
        problems.push(("kind", "the kind is empty".to_string()));
    } else if record
        .kind
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        problems.push((
            "kind",
            format!(
                "the kind {:?} has whitespace or control characters",
                record.kind
            ),
        ));
    }
    let payload = match serde_json::from_slice::<serde_json::Value>(&record.payload) {
        Ok(value) if value.is_object() => value,
        Ok(_) => {
            problems.push(("payload", "the payload is not a JSON object".to_string()));
            return problems;
        }
        Err(error) => {
            problems.push(("payload", format!("the payload is not JSON: {error}")));
            return problems;
        }
    };
    if record.kind == SUBJECT_FORGOTTEN {
        if let Err(error) = forgotten_subject(&record.payload) {
            problems.push(("payload", error.to_string()));
        }
        return problems;
    }
    if let Some(shapes) = shapes {
        for name in shapes.clear_personal(&record.kind, &payload, sealed) {
            problems.push((
                "personal",
                format!(
                    "{} property `{name}` is personal data stored in the clear \
                     (`goesgen log compact` rewrites the log with it sealed)",
                    record.kind
                ),
            ));
        }
        match shapes.check(&record.kind, &payload) {
            Checked::UnknownKind => problems.push((
                "unknown_kind",
                format!("the schema defines no event `{}`", record.kind),
            )),
            Checked::Problems(found) => problems.extend(
                found
                    .into_iter()
                    .map(|message| ("payload", format!("{} payload: {message}", record.kind))),
            ),
            Checked::NeedsUpcaster(why) => problems.push((UNCHECKED, why)),
        }
    }
    problems
}

/// The `problem` of a record that needs an upcaster: listed, not counted
/// as a problem.
const UNCHECKED: &str = "unchecked";
