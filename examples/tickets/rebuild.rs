//! `--rebuild`: rebuilds a service's projections from the log before the
//! scenario runs (the Users service's, in its SQLite store: beside it in a
//! new database swapped in at the end, or in place), narrating what it did;
//! `main` draws the rebuild's progress as a bar from the service's progress
//! channel (`Progress::rebuilding`).
//!
//! A rebuild is what a fix of a store's apply functions calls for: bump the
//! store's `REVISION` and the service rebuilds (or refuses) as its
//! `ServiceOptions::on_stale` says when it starts; or rebuild on demand, as
//! here, with the service's `rebuild()`.

use std::io::Write;

use goesgen::Position;
use goesgen::service::{Dispatch, ProgressReceiver, Runner};

use crate::scenario::Error;

/// Rebuilds the projections of the service `name` that `runner` runs,
/// handing `watch` its progress channel first; returns the rebuilt
/// projection's version.
pub async fn rebuild<D: Dispatch, E>(
    name: &str,
    runner: &Runner<D, E>,
    out: &mut dyn Write,
    watch: impl FnOnce(ProgressReceiver),
) -> Result<Position, Error>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let head = runner.log().head().await?;
    writeln!(
        out,
        "Rebuilding the {name} projections from the log ({head} events)"
    )?;
    watch(runner.progress());
    let version = runner.rebuild().await?;
    writeln!(out, "{name} projections rebuilt to version {version}")?;
    Ok(version)
}
