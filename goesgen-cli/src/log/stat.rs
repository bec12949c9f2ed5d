//! `goesgen log stat LOG`: the head, the number of records and payload
//! bytes per kind (sorted by kind) and in all, the time span (first and
//! last `recorded_at`), and the positions of corrupt records. JSON: one
//! object, `head`, `records`, `bytes`, `first_recorded_at`,
//! `last_recorded_at` (null for an empty log), `kinds` (`kind`, `count`,
//! `bytes`), `corrupt` (positions).

use std::collections::BTreeMap;
use std::time::SystemTime;

use goesgen_runtime::{EventLog, Position};
use serde_json::json;

use super::scan::{Item, scan};
use super::time::rfc3339;
use crate::Outcome;
use crate::error::CliError;
use crate::output::Out;

/// Runs `goesgen log stat`.
pub async fn run(log: &dyn EventLog, table: bool, out: &mut Out) -> Result<Outcome, CliError> {
    let mut kinds: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut span: Option<(SystemTime, SystemTime)> = None;
    let mut corrupt: Vec<Position> = Vec::new();
    let head = scan(log, 0, false, |item| {
        match item {
            Item::Record { record, .. } => {
                let entry = kinds.entry(record.kind).or_default();
                entry.0 += 1;
                entry.1 += record.payload.len() as u64;
                let at = record.recorded_at;
                span = Some(match span {
                    None => (at, at),
                    Some((first, last)) => (first.min(at), last.max(at)),
                });
            }
            Item::Corrupt { position, .. } => corrupt.push(position),
        }
        Ok(())
    })
    .await?;
    let records: u64 = kinds.values().map(|(count, _)| count).sum();
    let bytes: u64 = kinds.values().map(|(_, bytes)| bytes).sum();
    let first = span.map(|(first, _)| rfc3339(first));
    let last = span.map(|(_, last)| rfc3339(last));
    if table {
        out.line(format!("head       {head}"))?;
        out.line(format!("first      {}", first.as_deref().unwrap_or("-")))?;
        out.line(format!("last       {}", last.as_deref().unwrap_or("-")))?;
        if !corrupt.is_empty() {
            let list: Vec<String> = corrupt.iter().map(u64::to_string).collect();
            out.line(format!("corrupt    {}", list.join(", ")))?;
        }
        out.line("")?;
        out.line(format!(
            "{:<32}  {:>10}  {:>14}",
            "KIND", "RECORDS", "PAYLOAD BYTES"
        ))?;
        for (kind, (count, bytes)) in &kinds {
            out.line(format!("{kind:<32}  {count:>10}  {bytes:>14}"))?;
        }
        out.line(format!("{:<32}  {records:>10}  {bytes:>14}", "total"))?;
    } else {
        let kinds: Vec<_> = kinds
            .iter()
            .map(|(kind, (count, bytes))| json!({"kind": kind, "count": count, "bytes": bytes}))
            .collect();
        out.json(&json!({
            "head": head,
            "records": records,
            "bytes": bytes,
            "first_recorded_at": first,
            "last_recorded_at": last,
            "kinds": kinds,
            "corrupt": corrupt,
        }))?;
    }
    Ok(Outcome::Clean)
}
