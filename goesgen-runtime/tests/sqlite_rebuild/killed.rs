//! A process killed (SIGKILL) in the middle of a rebuild beside, at
//! several points: while the new file is being built, and just as it is
//! swapped in. After each kill the store's file holds a whole store (the
//! old one or the rebuilt one, never a mix); a process started again
//! resumes the half-built file and ends with a store equal to a replay of
//! the log from scratch, the built file gone.
//!
//! The rebuilding process is this test binary re-executed for the ignored
//! test `killed::child_rebuilds`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use goesgen_runtime::rusqlite::Connection;
use goesgen_runtime::{Position, Store};

use crate::ledger::{self, FileLog, NEW, NEW_LEDGER, OLD, OLD_LEDGER, Seen, balances_in, seen_in};

/// The variable that gives the child its files (the store's, the log's).
const CHILD: &str = "GOESGEN_TEST_REBUILD_CHILD";
/// Deposits in the log, all in the old store.
const EVENTS: Position = 30_000;
/// Deposits per transaction of the rebuild (small: many commits to cut).
const BATCH: usize = 200;

/// A rebuilding process (ignored: only the test below runs it, and it does
/// nothing unless that test started it). It rebuilds the store beside,
/// printing `building` once the new file is open, `swapping` just before
/// the swap and `rebuilt` at the end.
#[test]
#[ignore = "a rebuilding process of the test below, which runs it"]
fn child_rebuilds() {
    let (store, log) = crate::rerun::two_paths(CHILD);
    crate::rerun::child_runtime().block_on(async {
        let store = ledger::open(&store, "ledger", NEW_LEDGER);
        let log = FileLog::open(&log);
        let mut txn = store.begin_write().await.unwrap();
        let stale = store.fingerprint(&mut txn).await.unwrap() != Some(NEW);
        drop(txn);
        if stale {
            println!("building");
            ledger::rebuild_beside(&store, &log, NEW, BATCH, || println!("swapping"))
                .await
                .unwrap();
        }
        println!("rebuilt");
    });
}

/// Where the parent kills the child.
#[derive(Debug, Clone, Copy)]
enum Kill {
    /// This long after the child said `building`.
    Building(Duration),
    /// As soon as it says `swapping`.
    Swapping,
}

/// Runs the child; kills it at `kill` (if given); returns whether it
/// finished the rebuild.
fn run_child(store: &Path, log: &Path, kill: Option<Kill>) -> bool {
    let mut command = crate::rerun::ignored_test("killed::child_rebuilds");
    crate::rerun::with_two_paths(&mut command, CHILD, store, log);
    let mut child: Child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the child");
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut rebuilt = false;
    let mut killed = false;
    for line in lines {
        let line = line.unwrap();
        // The harness may print the test's name on the same line first.
        let said = line.rsplit(' ').next().unwrap_or_default();
        match (said, kill) {
            ("building", Some(Kill::Building(after))) => {
                std::thread::sleep(after);
                child.kill().unwrap();
                killed = true;
            }
            ("swapping", Some(Kill::Swapping)) => {
                child.kill().unwrap();
                killed = true;
            }
            ("rebuilt", _) => rebuilt = true,
            _ => {}
        }
        if killed {
            break;
        }
    }
    let status = child.wait().unwrap();
    if !killed {
        assert!(status.success(), "the child failed: {status}");
    }
    rebuilt
}

/// What the store's file holds, read as a new process would.
fn on_disk(store: &Path) -> Seen {
    seen_in(&Connection::open(store).unwrap(), "ledger")
}

#[test]
fn a_rebuild_killed_at_any_point_resumes_and_ends_as_a_replay_from_scratch() {
    let store_path = crate::fresh("killed-store");
    let log_path = crate::fresh("killed-log");
    let log = FileLog::open(&log_path);
    log.fill(EVENTS);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let expected = runtime.block_on(async {
        let store = ledger::open(&store_path, "ledger", OLD_LEDGER);
        let mut txn = store.begin_write().await.unwrap();
        for position in 1..=EVENTS {
            OLD_LEDGER.apply(&txn, position).unwrap();
        }
        store.set_version(&mut txn, EVENTS).await.unwrap();
        store.set_fingerprint(&mut txn, OLD).await.unwrap();
        store.commit(txn).await.unwrap();

        let replayed = ledger::in_memory(NEW_LEDGER);
        ledger::replay(&replayed, &log, 10_000).await.unwrap();
        let read = replayed.begin_read().await.unwrap();
        (balances_in(&read), ledger::opened_in(&read))
    });
    let old = Seen::old(EVENTS);
    let new = Seen::rebuilt(EVENTS);
    let built = ledger::built_file(&store_path);

    let plans = [
        Kill::Building(Duration::from_millis(0)),
        Kill::Building(Duration::from_millis(30)),
        Kill::Building(Duration::from_millis(120)),
        Kill::Swapping,
    ];
    let mut cut_short = 0;
    for plan in plans {
        let started = Instant::now();
        let finished = run_child(&store_path, &log_path, Some(plan));
        let after = on_disk(&store_path);
        eprintln!(
            "killed at {plan:?} after {:?}: {} store, built file {}",
            started.elapsed(),
            if after == old {
                "the old"
            } else {
                "the rebuilt"
            },
            if built.exists() { "left" } else { "gone" },
        );
        assert!(
            after == old || after == new,
            "killed at {plan:?}, the file holds a whole store: {after:?}"
        );
        if after == new {
            // Swapped in already: nothing left to resume.
            break;
        }
        assert!(!finished);
        cut_short += 1;
    }
    assert!(cut_short > 0, "at least one rebuild was cut short");

    assert!(run_child(&store_path, &log_path, None), "the last run ends");
    assert_eq!(on_disk(&store_path), new);
    let db = Connection::open(&store_path).unwrap();
    assert_eq!(
        (balances_in(&db), ledger::opened_in(&db)),
        expected,
        "equal to a replay from scratch"
    );
    assert!(!built.exists(), "the built file is deleted");
}
