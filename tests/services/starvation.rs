//! No transaction starves: two OS processes, each one bank instance with
//! four tasks depositing into one account, on one SQLite file (and on
//! PostgreSQL from `GOESGEN_TEST_POSTGRES`). Every deposit conflicts with
//! the other process's; after `escalate_after` conflicts a transaction
//! takes the log's write lock and cannot lose again. The test re-executes
//! its own binary for the two processes and asserts the bound as a count
//! of attempts (never a time), and that no deposit was lost.
//! `benches/contention.rs` measures the same workload's latency.

use std::process::Stdio;

use goesgen::service::DEFAULT_ESCALATE_AFTER;
use goesgen::{ServiceOptions, SqliteLog};

use super::sqlite_store::fresh_path;
use super::*;

/// Set in the children: which log to open (`sqlite:PATH` or
/// `postgres-table:TABLE`).
const CHILD_LOG: &str = "GOESGEN_STARVATION_LOG";
const TASKS: usize = 4;
const EACH: u64 = 150;

async fn open(spec: &str) -> SharedLog {
    if let Some(path) = spec.strip_prefix("sqlite:") {
        return SqliteLog::open(path).await.unwrap().shared();
    }
    #[cfg(feature = "postgres")]
    if let Some(table) = spec.strip_prefix("postgres-table:") {
        let conninfo = std::env::var("GOESGEN_TEST_POSTGRES").unwrap();
        let log = goesgen::PostgresOptions::new(conninfo)
            .table(table)
            .connect()
            .await
            .unwrap();
        return Arc::new(log);
    }
    panic!("unknown log {spec}");
}

/// One process's share: four tasks deposit 1, `EACH` times each; prints
/// the most attempts any deposit took.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a child process of the starvation tests, which run it"]
async fn child_deposits() {
    let spec = std::env::var(CHILD_LOG)
        .unwrap_or_else(|_| panic!("run by its parent test, which sets {CHILD_LOG}"));
    let log = open(&spec).await;
    let bank = Arc::new(memory_bank(&log, ServiceOptions::default()));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let bank = Arc::clone(&bank);
            tokio::spawn(async move {
                let mut most = 0;
                for _ in 0..EACH {
                    let committed = bank
                        .deposit(&Caller::default(), transfer("shared", 1))
                        .await
                        .unwrap();
                    most = most.max(committed.attempts);
                }
                most
            })
        })
        .collect();
    let mut most = 0;
    for task in tasks {
        most = most.max(task.await.unwrap());
    }
    let stats = bank.stats();
    println!("@@ {most} {} {}", stats.conflicts, stats.escalations);
}

/// Runs the two processes on the log `spec` names (the account open) and
/// checks the bound and the balance.
async fn two_processes(log: SharedLog, spec: String, backend: &str) {
    let opener = memory_bank(&log, ServiceOptions::default());
    opener
        .open(&Caller::default(), "shared".into())
        .await
        .unwrap();
    let children: Vec<_> = (0..2)
        .map(|_| {
            crate::rerun::ignored_test("starvation::child_deposits")
                .env(CHILD_LOG, &spec)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut conflicts = 0;
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{backend} child failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report: Vec<u64> = stdout
            .lines()
            .find_map(|l| l.find("@@ ").map(|i| l[i + 3..].to_string()))
            .expect("the child's report")
            .split(' ')
            .map(|n| n.parse().unwrap())
            .collect();
        let (most, child_conflicts) = (report[0], report[1]);
        assert!(
            most <= u64::from(DEFAULT_ESCALATE_AFTER) + 1,
            "{backend}: a deposit took {most} attempts"
        );
        conflicts += child_conflicts;
    }
    opener.sync().await.unwrap();
    let expected = 2 * TASKS as u64 * EACH;
    assert_eq!(
        opener
            .balance(&Caller::default(), "shared".into())
            .await
            .unwrap(),
        expected,
        "{backend}: lost deposits"
    );
    assert_eq!(log.head().await.unwrap(), expected + 1);
    eprintln!("{backend}: {expected} deposits from two processes, {conflicts} conflicts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_transaction_starves_on_one_sqlite_file() {
    if std::env::var(CHILD_LOG).is_ok() {
        return;
    }
    let path = fresh_path("starvation");
    let log = SqliteLog::open(&path).await.unwrap().shared();
    two_processes(log, format!("sqlite:{}", path.display()), "sqlite").await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_transaction_starves_on_postgres() {
    if std::env::var(CHILD_LOG).is_ok() {
        return;
    }
    let Some(log) = goesgen_postgres::testing::fresh_log("starvation").await else {
        return;
    };
    let spec = format!("postgres-table:{}", log.table());
    two_processes(Arc::new(log), spec, "postgres").await;
}
