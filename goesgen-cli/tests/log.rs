//! `goesgen log stat|tail|show|verify` on small SQLite logs, run as a
//! process: JSON shapes, tables, exit statuses, and a damaged record named
//! by its position.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use goesgen_runtime::{Condition, NewEvent, SqliteLog};
use serde_json::{Value, json};

use common::{Run, goesgen, scratch, tickets};

/// The events of the small log, in order: (kind, payload).
fn events() -> Vec<(&'static str, Value)> {
    vec![
        ("UserCreated", json!({"id": "u1", "name": "Ann"})),
        (
            "TicketCreated",
            json!({"id": "t1", "title": "Printer", "description": "jammed", "author": "u1"}),
        ),
        ("TicketClosed", json!({"ticket": "t1", "by": "u1"})),
    ]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Appends `events` to the SQLite log at `path` (created if missing), one
/// batch per call. The only place these tests write a log.
fn append(path: &Path, events: &[(&str, Value)]) {
    runtime().block_on(async {
        let log = SqliteLog::open(path).await.expect("open the log");
        let batch = events
            .iter()
            .map(|(kind, payload)| NewEvent::new(*kind, payload.to_string()))
            .collect();
        use goesgen_runtime::EventLog;
        log.append(batch, Condition::None).await.expect("append");
    });
}

/// A new log holding `events()`, appended in two batches.
fn small_log(name: &str) -> (PathBuf, String) {
    let path = scratch(name).join("events.db");
    let all = events();
    append(&path, &all[..1]);
    append(&path, &all[1..]);
    let spec = format!("sqlite:{}", path.display());
    (path, spec)
}

fn log(args: &[&str]) -> Run {
    let mut all = vec!["log"];
    all.extend_from_slice(args);
    goesgen(all)
}

#[test]
fn stat_counts_records_and_bytes_per_kind() {
    let (_, spec) = small_log("stat");
    let run = log(&["stat", &spec]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 1);
    let stat = &lines[0];
    let bytes = |kind: &str| {
        events()
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, p)| p.to_string().len())
            .sum::<usize>()
    };
    assert_eq!(stat["head"], 3);
    assert_eq!(stat["records"], 3);
    assert_eq!(
        stat["kinds"],
        json!([
            {"kind": "TicketClosed", "count": 1, "bytes": bytes("TicketClosed")},
            {"kind": "TicketCreated", "count": 1, "bytes": bytes("TicketCreated")},
            {"kind": "UserCreated", "count": 1, "bytes": bytes("UserCreated")},
        ])
    );
    assert_eq!(
        stat["bytes"],
        bytes("TicketClosed") + bytes("TicketCreated") + bytes("UserCreated")
    );
    let first = stat["first_recorded_at"].as_str().expect("first time");
    let last = stat["last_recorded_at"].as_str().expect("last time");
    assert!(first <= last, "{first} {last}");
    assert_eq!(first.len(), "2026-01-01T00:00:00.000000Z".len());
    assert!(
        first.ends_with('Z') && first.as_bytes()[10] == b'T',
        "{first}"
    );
    assert_eq!(stat["corrupt"], json!([]));

    let run = log(&["stat", &spec, "--table"]);
    assert_eq!(run.status, Some(0));
    assert!(
        run.stdout.starts_with("head       3\nfirst      "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("\nUserCreated "), "{}", run.stdout);
    assert!(run.stdout.lines().last().unwrap().starts_with("total "));
}

#[test]
fn show_prints_one_record() {
    let (_, spec) = small_log("show");
    let run = log(&["show", &spec, "2"]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let record = &run.json_lines()[0];
    assert_eq!(record["position"], 2);
    assert_eq!(record["kind"], "TicketCreated");
    assert_eq!(record["payload"], events()[1].1);
    assert_eq!(record["bytes"], events()[1].1.to_string().len());

    let run = log(&["show", &spec, "2", "--table"]);
    assert_eq!(run.lines_count(), 2);
    assert!(run.stdout.contains("TicketCreated"));

    for missing in ["4", "0"] {
        let run = log(&["show", &spec, missing]);
        assert_eq!(run.status, Some(1), "show {missing}: {}", run.stdout);
    }
    assert_eq!(
        log(&["show", &spec, "4"]).json_lines()[0]["problem"],
        "missing"
    );
}

#[test]
fn tail_prints_the_last_records() {
    let (_, spec) = small_log("tail");
    let positions = |run: &Run| -> Vec<u64> {
        run.json_lines()
            .iter()
            .map(|r| r["position"].as_u64().unwrap())
            .collect()
    };
    let run = log(&["tail", &spec]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(positions(&run), [1, 2, 3]);
    let run = log(&["tail", &spec, "-n", "2"]);
    assert_eq!(positions(&run), [2, 3]);
    let run = log(&["tail", &spec, "-n", "1", "--table"]);
    assert_eq!(run.lines_count(), 2, "{}", run.stdout);
    assert!(run.stdout.lines().nth(1).unwrap().contains("TicketClosed"));
}

#[test]
fn tail_follow_prints_new_records_as_they_come() {
    let (path, spec) = small_log("follow");
    let mut child = Command::new(env!("CARGO_BIN_EXE_goesgen"))
        .args(["log", "tail", &spec, "-n", "1", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run goesgen");
    let stdout = child.stdout.take().expect("stdout");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let next = || {
        let line = received
            .recv_timeout(Duration::from_secs(30))
            .expect("a line within 30 s");
        serde_json::from_str::<Value>(&line).expect("JSON")
    };
    assert_eq!(next()["position"], 3);
    append(
        &path,
        &[("UserCreated", json!({"id": "u2", "name": "Bob"}))],
    );
    let new = next();
    child.kill().expect("stop goesgen");
    let _ = child.wait();
    assert_eq!(
        (new["position"].as_u64(), new["kind"].as_str()),
        (Some(4), Some("UserCreated"))
    );
}

/// Damages the row at `position` with raw SQL.
fn damage(path: &Path, sql: &str, position: u64) {
    let raw = rusqlite::Connection::open(path).expect("raw connection");
    let changed = raw.execute(sql, [position as i64]).expect("damage");
    assert_eq!(changed, 1);
}

#[test]
fn verify_accepts_a_sound_log() {
    let (_, spec) = small_log("verify-sound");
    let schema = tickets().display().to_string();
    let run = log(&["verify", &spec, "--schema", &schema]);
    assert_eq!(run.status, Some(0), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.json_lines(),
        [json!({"records": 3, "corrupt": 0, "head": 3, "problems": 0, "unchecked": 0, "ok": true})]
    );
}

/// A log whose positions are damaged opens latched (it takes no appends)
/// but readable: `verify` and `stat` still read it and name the missing
/// position.
#[test]
fn verify_reads_a_log_whose_positions_are_damaged() {
    let (path, spec) = small_log("verify-gap");
    damage(&path, "DELETE FROM goesgen_events WHERE position = ?1", 2);
    let run = log(&["verify", &spec]);
    assert_eq!(run.status, Some(1), "{}{}", run.stdout, run.stderr);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert_eq!(lines[0]["position"].as_u64(), Some(2), "{}", run.stdout);
    assert_eq!(
        lines[1],
        json!({"records": 2, "corrupt": 1, "head": 3, "problems": 1, "unchecked": 0, "ok": false})
    );
    assert_eq!(log(&["stat", &spec]).json_lines()[0]["corrupt"], json!([2]));
}

#[test]
fn verify_names_a_corrupt_record_and_goes_on() {
    let (path, spec) = small_log("verify-corrupt");
    damage(
        &path,
        "UPDATE goesgen_events SET payload = 'not json' WHERE position = ?1",
        2,
    );
    let run = log(&["verify", &spec]);
    assert_eq!(run.status, Some(1), "{}{}", run.stdout, run.stderr);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert_eq!(
        (lines[0]["position"].as_u64(), lines[0]["problem"].as_str()),
        (Some(2), Some("corrupt"))
    );
    assert_eq!(
        lines[1],
        json!({"records": 2, "corrupt": 1, "head": 3, "problems": 1, "unchecked": 0, "ok": false})
    );
    // The other commands step over it too.
    assert_eq!(log(&["stat", &spec]).json_lines()[0]["corrupt"], json!([2]));
    let show = log(&["show", &spec, "2"]);
    assert_eq!(show.status, Some(1));
    assert_eq!(show.json_lines()[0]["problem"], "corrupt");

    let run = log(&["verify", &spec, "--table"]);
    assert_eq!(run.status, Some(1));
    assert!(
        run.stdout
            .lines()
            .nth(1)
            .unwrap()
            .trim_start()
            .starts_with("2  corrupt"),
        "{}",
        run.stdout
    );
}

#[test]
fn verify_checks_payloads_against_the_schema() {
    let (path, spec) = small_log("verify-schema");
    append(
        &path,
        &[
            ("TicketClosed", json!({"ticket": "t1"})),
            ("TicketReopened", json!({"ticket": "t1"})),
        ],
    );
    let schema = tickets().display().to_string();
    // Without a schema, both records are sound.
    assert_eq!(log(&["verify", &spec]).status, Some(0));
    let run = log(&["verify", &spec, "--schema", &schema]);
    assert_eq!(run.status, Some(1), "{}{}", run.stdout, run.stderr);
    let lines = run.json_lines();
    assert_eq!(
        lines[..2],
        [
            json!({"position": 4, "problem": "payload", "message": "TicketClosed payload: required property `by` is missing"}),
            json!({"position": 5, "problem": "unknown_kind", "message": "the schema defines no event `TicketReopened`"}),
        ]
    );
    assert_eq!(lines[2]["problems"], 2);
}

#[test]
fn bad_log_arguments_are_errors() {
    let dir = scratch("bad-log");
    let missing = dir.join("missing.db");
    let run = log(&["stat", &format!("sqlite:{}", missing.display())]);
    assert_eq!(run.status, Some(2));
    assert!(run.stderr.contains("no SQLite log at"), "{}", run.stderr);
    assert!(!missing.exists(), "inspecting must not create a log");
    let run = log(&["stat", "mysql:db"]);
    assert_eq!(run.status, Some(2));
    assert!(
        run.stderr
            .contains("expected `sqlite:PATH` or `postgres:CONNINFO`")
    );
}
