//! `goesgen log compact sqlite:OLD NEW --schema SCHEMA`: rewrites an SQLite
//! log into a new file with the values of the schema's personal properties
//! sealed, for properties that became personal after records were written.
//! An append-only log cannot seal them in place (its records are never
//! rewritten), so the new file replaces the old once verified
//! (`goesgen log verify sqlite:NEW --schema SCHEMA` reports any personal
//! value left in the clear).
//!
//! The new log has the same records at the same positions with the same
//! kinds and times, each payload as it was but for its personal values,
//! sealed with the subject's data key in the new file's key store (made on
//! the subject's first use, wrapped by the master key), and the same
//! idempotency keys (`keys`). Values the old log already holds sealed are
//! opened with its keys and sealed again in the new file; forgotten ones
//! stay forgotten, and so do the values in the clear of a subject the old
//! log forgot later (its `goesgen.SubjectForgotten` record comes after
//! them): what a forget could not erase in the old file is erased in the
//! new one. The records are appended through the log's own
//! `append` (the runtime seals them in the append's transaction, as it
//! does for a service), one append per run of records with the same time.
//!
//! The old file is only read. The new one must not exist; if the command
//! fails, what it wrote is removed (but a run that is killed leaves a
//! partial file, which `log verify` cannot tell from a whole one: use the
//! new file only after exit status 0). JSON: one object, `records`, `sealed`
//! (personal values sealed in the new file, including those the old one
//! held sealed already), `forgotten` (values of forgotten subjects written
//! as forgotten), `keys` (idempotency keys copied), `output`.
//!
//! - `specs`: the schema's personal properties as the runtime seals them.
//! - `keys`: the idempotency keys copied.

mod keys;
mod specs;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use goesgen_runtime::personal::{
    MasterKey, SUBJECT_FORGOTTEN, Subject, forgotten_subject, open_records,
};
use goesgen_runtime::{
    Append, Condition, EventLog, KindFilter, LogError, NewEvent, Position, Record, SqliteLog,
    SqliteOptions, Synchronous,
};
use serde_json::json;

use self::specs::{PersonalSpecs, forget_values, subject_of};
use super::existing_sqlite;
use super::scan::BATCH;
use crate::Outcome;
use crate::cli::CompactArgs;
use crate::error::CliError;
use crate::output::Out;
use crate::schema_file::SchemaFile;

/// What a compaction wrote.
struct Compacted {
    records: u64,
    sealed: u64,
    forgotten: u64,
    keys: usize,
}

/// Runs `goesgen log compact`.
pub async fn run(args: &CompactArgs, out: &mut Out) -> Result<Outcome, CliError> {
    let specs = PersonalSpecs::of(&SchemaFile::read(&args.schema)?.valid()?);
    if specs.is_empty() {
        return Err(fail(
            args,
            format!(
                "`{}` marks no property personal: there is nothing to seal",
                args.schema.display()
            ),
        ));
    }
    let master = args.master_key.require("`goesgen log compact`")?;
    let Some(source) = args.log.trim().strip_prefix("sqlite:") else {
        return Err(CliError::LogSpec(format!(
            "`goesgen log compact` rewrites an SQLite log (`sqlite:PATH`), not `{}`",
            args.log
        )));
    };
    let source = existing_sqlite(source)?;
    if args.output.exists() {
        return Err(fail(args, format!("`{}` exists", args.output.display())));
    }
    let compacted = match compact(source, &args.output, &specs, master).await {
        Ok(compacted) => compacted,
        Err(reason) => {
            remove_log_files(&args.output);
            return Err(fail(args, reason));
        }
    };
    if args.table {
        out.line(format!(
            "compacted {} records into {}: {} personal values sealed, {} of forgotten subjects \
             written as forgotten, {} idempotency keys kept",
            compacted.records,
            args.output.display(),
            compacted.sealed,
            compacted.forgotten,
            compacted.keys
        ))?;
    } else {
        out.json(&json!({
            "records": compacted.records,
            "sealed": compacted.sealed,
            "forgotten": compacted.forgotten,
            "keys": compacted.keys,
            "output": args.output.display().to_string(),
        }))?;
    }
    Ok(Outcome::Clean)
}

fn fail(args: &CompactArgs, reason: String) -> CliError {
    CliError::Compact {
        log: args.log.clone(),
        output: args.output.clone(),
        reason,
    }
}

/// Copies the log at `source` into a new log at `output`, sealing the
/// personal values `specs` names; the reason it failed, in words.
async fn compact(
    source: &Path,
    output: &Path,
    specs: &PersonalSpecs,
    master: MasterKey,
) -> Result<Compacted, String> {
    let old = SqliteLog::open_with(
        source,
        SqliteOptions {
            read_only: true,
            master_key: Some(master.clone()),
            ..SqliteOptions::default()
        },
    )
    .await
    .map_err(said("cannot open the log"))?;
    let new = SqliteLog::open_with(
        output,
        SqliteOptions {
            master_key: Some(master),
            // Synced once, when the file is closed: a failed run is
            // removed anyway.
            synchronous: Synchronous::Normal,
            ..SqliteOptions::default()
        },
    )
    .await
    .map_err(said("cannot create the new log"))?;
    let forgets = forgets(&old).await?;
    let mut compacted = Compacted {
        records: 0,
        sealed: 0,
        forgotten: 0,
        keys: 0,
    };
    let mut after: Position = 0;
    loop {
        let batch = old
            .read(after, &KindFilter::All, BATCH)
            .await
            .map_err(said(
                "cannot read the log (`goesgen log verify` lists its damage)",
            ))?;
        let Some(last) = batch.records.last() else {
            if batch.head != after {
                return Err(format!(
                    "the log's head is {} but its records end at {after}",
                    batch.head
                ));
            }
            break;
        };
        after = last.position;
        let mut records = batch.records;
        open_records(&old, &mut records)
            .await
            .map_err(said("cannot open the log's sealed values"))?;
        for run in records.chunk_by(|a, b| a.recorded_at == b.recorded_at) {
            append_run(&new, run, specs, &forgets, &mut compacted).await?;
        }
    }
    drop(new);
    drop(old);
    compacted.keys = keys::copy_keys(source, output)
        .map_err(|error| format!("cannot copy the idempotency keys: {error}"))?;
    Ok(compacted)
}

/// The position of the last `SubjectForgotten` record of each subject the
/// log forgot.
async fn forgets(log: &SqliteLog) -> Result<HashMap<Subject, Position>, String> {
    let filter = KindFilter::Kinds(vec![SUBJECT_FORGOTTEN.to_owned()].into());
    let mut forgets = HashMap::new();
    let mut after = 0;
    loop {
        let batch = log
            .read(after, &filter, BATCH)
            .await
            .map_err(said("cannot read the log's forgets"))?;
        let Some(last) = batch.records.last() else {
            return Ok(forgets);
        };
        after = last.position;
        for record in &batch.records {
            let subject = forgotten_subject(&record.payload)
                .map_err(|error| format!("the record at position {}: {error}", record.position))?;
            forgets.insert(subject, record.position);
        }
    }
}

/// Appends `run` (records with one time) to `new` at the same positions,
/// sealing their personal values, or writing them forgotten where the old
/// log forgot their subject after them; counts them in `compacted`.
async fn append_run(
    new: &SqliteLog,
    run: &[Record],
    specs: &PersonalSpecs,
    forgets: &HashMap<Subject, Position>,
    compacted: &mut Compacted,
) -> Result<(), String> {
    let (Some(first), Some(last)) = (run.first(), run.last()) else {
        return Ok(());
    };
    let mut events: Vec<NewEvent> = run
        .iter()
        .map(|record| NewEvent::new(record.kind.clone(), record.payload.clone()))
        .collect();
    let mut seals = Vec::new();
    for (index, record) in run.iter().enumerate() {
        match specs.for_record(&record.kind, &record.payload) {
            None => {}
            Some(Ok((spec, count))) => {
                let forgotten = subject_of(spec, &record.payload)
                    .and_then(|subject| forgets.get(&subject))
                    .is_some_and(|&forgot| forgot > record.position);
                if forgotten {
                    events[index].payload = forget_values(spec, &record.payload);
                    compacted.forgotten += count as u64;
                } else {
                    seals.push((index, spec));
                    compacted.sealed += count as u64;
                }
            }
            Some(Err(reason)) => {
                return Err(format!(
                    "the {} record at position {}: {reason}",
                    record.kind, record.position
                ));
            }
        }
    }
    let mut append = Append::new(events)
        .condition(Condition::HeadIs(first.position - 1))
        .recorded_at(first.recorded_at);
    for (index, spec) in seals {
        append = append.seal(index, spec);
    }
    let appended = new.append_with(append).await.map_err(|error| {
        format!(
            "cannot append positions {}..={}: {error}",
            first.position, last.position
        )
    })?;
    if (appended.first, appended.last) != (first.position, last.position) {
        return Err(format!(
            "positions {}..={} were written at {}..={}",
            first.position, last.position, appended.first, appended.last
        ));
    }
    compacted.records += run.len() as u64;
    Ok(())
}

/// The reason for `error`, saying what failed.
fn said(what: &'static str) -> impl Fn(LogError) -> String {
    move |error| format!("{what}: {error}")
}

/// Removes the SQLite log at `path` and its companion files, as far as it
/// can (what a failed compaction wrote).
fn remove_log_files(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        // Absent companions are fine; nothing else can be done about the rest.
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}
