//! A service process killed (SIGKILL) while its engine rebuilds a stale
//! SQLite store beside, at several points of the rebuild; after each kill
//! the file holds the whole old store, and a process started again resumes
//! the rebuild and ends with a store equal to a replay of the log from
//! scratch.
//!
//! The service process is this test binary re-executed for the ignored
//! test `killed::child_service`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use goesgen::rusqlite::Connection;
use goesgen::service::StalePolicy;
use goesgen::{ServiceOptions, SqliteLog};

use crate::bank::transfer;
use crate::{caller, contents_in, fresh, open_store, replayed, service};

/// The variable that gives the child its files (the store's, the log's).
const CHILD: &str = "GOESGEN_TEST_SQLITE_REBUILD_CHILD";
/// Accounts, and deposits into each.
const ACCOUNTS: usize = 40;
const DEPOSITS: usize = 40;

/// The service process (ignored: only the test below runs it, and it does
/// nothing unless that test started it): opens the store with the policy
/// to rebuild beside, prints `rebuilding` as the rebuild's progress moves,
/// and `synced` once its first sync (after the rebuild) is done.
#[test]
#[ignore = "a service process of the test below, which runs it"]
fn child_service() {
    let (store, log) = crate::rerun::two_paths(CHILD);
    crate::rerun::child_runtime().block_on(async {
        let log = SqliteLog::open(&log).await.unwrap().shared();
        let options = ServiceOptions::default()
            .on_stale(StalePolicy::RebuildBeside)
            .sync_batch(16);
        let bank = service(open_store(&store), &log, options);
        let mut progress = bank.progress();
        let shown = tokio::spawn(async move {
            while progress.changed().await.is_ok() {
                if progress.borrow_and_update().rebuilding.is_some() {
                    println!("rebuilding");
                }
            }
        });
        bank.sync().await.unwrap();
        shown.abort();
        println!("synced");
    });
}

/// Runs the child, killing it `after` its first `rebuilding` (if given);
/// returns whether it synced.
fn run_child(store: &Path, log: &Path, after: Option<Duration>) -> bool {
    let mut command = crate::rerun::ignored_test("killed::child_service");
    crate::rerun::with_two_paths(&mut command, CHILD, store, log);
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the child");
    let mut synced = false;
    let mut killed = false;
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        // The harness may print the test's name on the same line first.
        match (line.rsplit(' ').next().unwrap_or_default(), after) {
            ("rebuilding", Some(after)) => {
                std::thread::sleep(after);
                child.kill().unwrap();
                killed = true;
                break;
            }
            ("synced", _) => synced = true,
            _ => {}
        }
    }
    let status = child.wait().unwrap();
    if !killed {
        assert!(status.success(), "the child failed: {status}");
    }
    synced
}

#[test]
fn a_service_killed_while_rebuilding_resumes_and_ends_as_a_replay_from_scratch() {
    let store_path = fresh("killed-store");
    let log_path = fresh("killed-log");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let expected = runtime.block_on(async {
        let log = SqliteLog::open(&log_path).await.unwrap().shared();
        let bank = service(open_store(&store_path), &log, ServiceOptions::default());
        for account in 0..ACCOUNTS {
            bank.open(&caller(), format!("a{account}")).await.unwrap();
        }
        for round in 1..=DEPOSITS {
            for account in 0..ACCOUNTS {
                bank.deposit(&caller(), transfer(&format!("a{account}"), round as u64))
                    .await
                    .unwrap();
            }
        }
        replayed(&log).await
    });
    // Built by older code: another fingerprint, balances doubled.
    let db = Connection::open(&store_path).unwrap();
    db.execute_batch(
        "UPDATE goesgen_projection SET fingerprint = '00000000000000ff-7' WHERE name = 'bank';
         UPDATE accounts SET balance = balance * 2;",
    )
    .unwrap();
    let old = contents_in(&db);
    drop(db);

    let mut cut_short = 0;
    for after in [0, 20, 60, 150] {
        let synced = run_child(&store_path, &log_path, Some(Duration::from_millis(after)));
        let now = contents_in(&Connection::open(&store_path).unwrap());
        eprintln!(
            "killed {after} ms into the rebuild: {} store",
            if now == expected {
                "the rebuilt"
            } else {
                "the old"
            }
        );
        if now == expected {
            // Swapped in before the kill.
            break;
        }
        assert_eq!(now, old, "killed {after} ms in, the old store, whole");
        assert!(!synced);
        cut_short += 1;
    }
    assert!(cut_short > 0, "at least one rebuild was cut short");

    assert!(
        run_child(&store_path, &log_path, None),
        "the last run syncs"
    );
    let now = contents_in(&Connection::open(&store_path).unwrap());
    assert_eq!(now, expected, "equal to a replay from scratch");
    let built = format!("{}.rebuild-bank", store_path.display());
    assert!(!Path::new(&built).exists(), "the built file is gone");
}
