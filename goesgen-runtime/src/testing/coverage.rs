//! Transition coverage: which declared moves of which projections the
//! tests took. A harness [`track`]s the projections of its service; from
//! then on every move the checked `transition` of a tracked projection
//! allows (in a store's apply function or in a method deciding) is noted,
//! process-wide. [`coverage`] lists what the table declares and what was
//! taken; [`of_tests`] runs the tests of this test binary that match a
//! filter in a child process and collects the moves they took, so that a
//! check does not depend on the order the test harness runs tests in.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::codec::EventKindSet;
use crate::projection::ProjectionState;

/// The environment variable naming the file a child test process writes
/// the moves it takes to (set by [`of_tests`]).
pub const COVERAGE_FILE: &str = "GOESGEN_COVERAGE_FILE";

/// One move a projection's transition table declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Move {
    /// The projection.
    pub projection: &'static str,
    /// The event that moves it.
    pub event: &'static str,
    /// The state it moves from.
    pub from: &'static str,
    /// The state it moves to.
    pub to: &'static str,
}

impl Move {
    /// The move `from -> to` on `kind` of the projection `S`.
    fn of<S: ProjectionState>(from: S, kind: S::Kind, to: S) -> Self {
        Self {
            projection: S::PROJECTION,
            event: kind.name(),
            from: from.name(),
            to: to.name(),
        }
    }
}

impl fmt::Display for Move {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} {} -> {}",
            self.projection, self.event, self.from, self.to
        )
    }
}

static RECORDING: AtomicBool = AtomicBool::new(false);
static DECLARED: Mutex<BTreeMap<&'static str, Vec<Move>>> = Mutex::new(BTreeMap::new());
static TAKEN: Mutex<BTreeSet<Move>> = Mutex::new(BTreeSet::new());

/// Every move the table of `S` declares, by source state in schema order,
/// then by event in schema order, then by target in the order written.
pub fn declared<S: ProjectionState>() -> Vec<Move> {
    let mut moves = Vec::new();
    for &from in S::ALL {
        for &kind in <S::Kind as EventKindSet>::ALL {
            for &to in from.targets(kind) {
                moves.push(Move::of(from, kind, to));
            }
        }
    }
    moves
}

/// Tracks the projection `S`: its declared moves are listed by
/// [`coverage`], and from now on the moves its `transition` allows are
/// noted. The generated harness tracks its service's projections.
pub fn track<S: ProjectionState>() {
    DECLARED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(S::PROJECTION)
        .or_insert_with(declared::<S>);
    RECORDING.store(true, Ordering::Relaxed);
}

/// Notes the move `from -> to` on `kind`, which the table of `S` allows
/// (one relaxed load where no harness was built).
pub(crate) fn record<S: ProjectionState>(from: S, kind: S::Kind, to: S) {
    if !RECORDING.load(Ordering::Relaxed) {
        return;
    }
    let taken = Move::of(from, kind, to);
    let new = TAKEN
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(taken);
    if new && let Some(sink) = sink() {
        let mut file = sink.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(error) = writeln!(file, "{taken}") {
            tracing::warn!(%error, "the coverage file could not be written");
        }
    }
}

/// The file this process writes the moves it takes to, when its parent
/// asked for them ([`COVERAGE_FILE`]).
fn sink() -> Option<&'static Mutex<std::fs::File>> {
    static SINK: OnceLock<Option<Mutex<std::fs::File>>> = OnceLock::new();
    SINK.get_or_init(|| {
        let path = std::env::var_os(COVERAGE_FILE)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path);
        match file {
            Ok(file) => Some(Mutex::new(file)),
            Err(error) => {
                tracing::warn!(%error, "the coverage file could not be opened");
                None
            }
        }
    })
    .as_ref()
}

/// The declared moves of the tracked projections and those taken so far
/// in this process.
pub fn coverage() -> Coverage {
    let declared = DECLARED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .values()
        .flatten()
        .copied()
        .collect();
    let taken = TAKEN.lock().unwrap_or_else(PoisonError::into_inner).clone();
    Coverage { declared, taken }
}

/// What the tests took of the declared moves of the tracked projections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    /// Every declared move of the tracked projections.
    pub declared: Vec<Move>,
    /// The moves taken.
    pub taken: BTreeSet<Move>,
}

impl Coverage {
    /// The declared moves no test took, in the order declared.
    pub fn missed(&self) -> Vec<Move> {
        self.declared
            .iter()
            .filter(|declared| !self.taken.contains(declared))
            .copied()
            .collect()
    }

    /// Asserts that the tests took every declared move except those in
    /// `left_out` (each written as a move displays:
    /// `"Ticket: UserUnassignedFromTicket InProgress -> Stalled"`), and that
    /// each move left out is declared and not taken (so that the list
    /// stays true as the tests and the schema change).
    ///
    /// # Panics
    /// Listing the moves missed that are not left out, the moves left out
    /// that were taken, and those left out that are not declared.
    #[track_caller]
    pub fn assert_covered_except(&self, left_out: &[&str]) {
        let missed: Vec<String> = self.missed().iter().map(Move::to_string).collect();
        let declared: Vec<String> = self.declared.iter().map(Move::to_string).collect();
        let not_left_out: Vec<&String> = missed
            .iter()
            .filter(|m| !left_out.contains(&m.as_str()))
            .collect();
        let taken: Vec<&&str> = left_out
            .iter()
            .filter(|m| declared.iter().any(|d| d == *m) && !missed.iter().any(|d| d == *m))
            .collect();
        let unknown: Vec<&&str> = left_out
            .iter()
            .filter(|m| !declared.iter().any(|d| d == *m))
            .collect();
        if not_left_out.is_empty() && taken.is_empty() && unknown.is_empty() {
            return;
        }
        let mut out = String::from("transition coverage:\n");
        for (title, moves) in [
            (
                "declared moves no test took",
                not_left_out.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
            ),
            (
                "moves left out that a test took",
                taken.iter().map(|m| **m).collect(),
            ),
            (
                "moves left out that no table declares",
                unknown.iter().map(|m| **m).collect(),
            ),
        ] {
            if !moves.is_empty() {
                out.push_str(title);
                out.push_str(":\n");
                for m in moves {
                    out.push_str("  ");
                    out.push_str(m);
                    out.push('\n');
                }
            }
        }
        panic!("{out}");
    }
}

impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let missed = self.missed();
        writeln!(
            f,
            "{} of {} declared moves taken",
            self.declared.len() - missed.len(),
            self.declared.len()
        )?;
        for m in missed {
            writeln!(f, "  not taken: {m}")?;
        }
        Ok(())
    }
}

/// Why [`of_tests`] could not collect the moves.
#[derive(Debug, thiserror::Error)]
pub enum CoverageError {
    /// Called in the child process it starts (a filter matches the test
    /// that calls it).
    #[error("of_tests runs in the child process it started: its test must not match the filters")]
    Nested,
    /// The child process or its file could not be used.
    #[error("the child test process could not be run or read")]
    Io(#[from] std::io::Error),
    /// No test of this binary matches the filters: the child ran none, so
    /// its moves would say nothing (a skip made visible).
    #[error("no test matches `{filter}`: the child test process ran none")]
    NoTests {
        /// The filters.
        filter: String,
    },
    /// Some of the child's tests failed.
    #[error("the tests matching `{filter}` failed:\n{output}")]
    Failed {
        /// The filters.
        filter: String,
        /// The child's output (its last lines).
        output: String,
    },
}

/// Runs the tests of this test binary whose names contain one of
/// `filters` in a child process, and returns the declared moves of the projections
/// tracked here with those the child's tests took. Call it from a test
/// no filter matches; track the projections first (building a
/// harness of the service does).
///
/// # Errors
/// [`CoverageError`]: the child could not run, ran no test, or its tests
/// failed.
pub fn of_tests(filters: &[&str]) -> Result<Coverage, CoverageError> {
    if std::env::var_os(COVERAGE_FILE).is_some() {
        return Err(CoverageError::Nested);
    }
    let file = scratch_file();
    let output = Command::new(std::env::current_exe()?)
        .args(filters)
        .arg("--test-threads=2")
        .env(COVERAGE_FILE, &file)
        .output()?;
    let written = std::fs::read_to_string(&file).unwrap_or_default();
    let _ = std::fs::remove_file(&file);
    if !output.status.success() {
        let text = String::from_utf8_lossy(&output.stdout);
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(40)..].join("\n");
        return Err(CoverageError::Failed {
            filter: filters.join(" "),
            output: tail,
        });
    }
    if String::from_utf8_lossy(&output.stdout)
        .lines()
        .any(|line| line == "running 0 tests")
    {
        return Err(CoverageError::NoTests {
            filter: filters.join(" "),
        });
    }
    let written: BTreeSet<&str> = written.lines().collect();
    let mut coverage = coverage();
    coverage.taken = coverage
        .declared
        .iter()
        .filter(|m| written.contains(m.to_string().as_str()))
        .copied()
        .collect();
    Ok(coverage)
}

/// A new file name in the temporary directory for a child's moves.
fn scratch_file() -> PathBuf {
    let name = format!(
        "goesgen-coverage-{}-{}.txt",
        std::process::id(),
        uuid::Uuid::new_v4()
    );
    Path::new(&std::env::temp_dir()).join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn door(event: &'static str, from: &'static str, to: &'static str) -> Move {
        Move {
            projection: "Door",
            event,
            from,
            to,
        }
    }

    /// The message `coverage.assert_covered_except(left_out)` panics with.
    fn failure(coverage: &Coverage, left_out: &[&str]) -> String {
        let payload = std::panic::catch_unwind(|| coverage.assert_covered_except(left_out))
            .expect_err("the check passed");
        payload.downcast::<String>().map(|m| *m).unwrap_or_default()
    }

    #[test]
    fn a_filter_no_test_matches_is_an_error_not_an_empty_coverage() {
        let error = of_tests(&["no_test_is_named_so"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no test matches `no_test_is_named_so`: the child test process ran none"
        );
    }

    #[test]
    fn the_check_names_moves_missed_taken_while_left_out_and_unknown() {
        let opened = door("Opened", "Shut", "Open");
        let closed = door("Closed", "Open", "Shut");
        let locked = door("Locked", "Shut", "Locked");
        let coverage = Coverage {
            declared: vec![opened, closed, locked],
            taken: [opened].into(),
        };
        assert_eq!(coverage.missed(), [closed, locked]);
        coverage
            .assert_covered_except(&["Door: Closed Open -> Shut", "Door: Locked Shut -> Locked"]);
        assert_eq!(
            failure(
                &coverage,
                &["Door: Opened Shut -> Open", "Door: Painted Open -> Open"]
            ),
            "transition coverage:\n\
             declared moves no test took:\n  Door: Closed Open -> Shut\n  Door: Locked Shut -> Locked\n\
             moves left out that a test took:\n  Door: Opened Shut -> Open\n\
             moves left out that no table declares:\n  Door: Painted Open -> Open\n"
        );
        assert_eq!(
            coverage.to_string(),
            "1 of 3 declared moves taken\n  not taken: Door: Closed Open -> Shut\n  \
             not taken: Door: Locked Shut -> Locked\n"
        );
    }
}
