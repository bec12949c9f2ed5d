//! The goesgen command and the tickets example's `schema.v2.yml` (a renamed
//! event and property, a default, an upcaster): `diff` classifies its
//! changes as migrated, `check --go` lists what the Go original would
//! refuse, and `log verify --schema` reads a real SQLite log written under
//! version 1 with version 2's declarations applied, listing what needs the
//! upcaster and what no declaration covers, by position.

mod common;

use std::path::{Path, PathBuf};

use goesgen_runtime::{Condition, EventLog, NewEvent, SqliteLog};
use serde_json::{Value, json};

use common::{goesgen, scratch, tickets};

fn v2() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/tickets/schema.v2.yml")
}

/// A new SQLite log holding `events` (kind, payload), as `sqlite:PATH`.
fn log_of(name: &str, events: &[(&str, Value)]) -> String {
    let path = scratch(name).join("events.db");
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(async {
            let log = SqliteLog::open(&path).await.expect("open the log");
            let batch = events
                .iter()
                .map(|(kind, payload)| NewEvent::new(*kind, payload.to_string()))
                .collect();
            log.append(batch, Condition::None).await.expect("append");
        });
    format!("sqlite:{}", path.display())
}

#[test]
fn diff_names_the_declaration_that_covers_each_change() {
    let run = goesgen([
        "diff".as_ref(),
        tickets().as_os_str(),
        v2().as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(run.status, Some(0), "{}{}", run.stdout, run.stderr);
    let migrated: Vec<(String, String)> = run
        .json_lines()
        .iter()
        .filter(|c| c["class"] == "migrated")
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                c["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        migrated,
        [
            ("event-renamed", "events.TicketResolved.was"),
            ("property-renamed", "events.TicketResolved.resolvedBy"),
            ("property-added", "events.TicketResolved.resolution"),
            ("property-added", "events.UserCreated.handle"),
        ]
        .map(|(k, p)| (k.to_string(), p.to_string()))
    );
}

#[test]
fn check_go_lists_what_the_go_original_refuses() {
    let run = goesgen(["check".as_ref(), tickets().as_os_str(), "--go".as_ref()]);
    assert_eq!(run.status, Some(0), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .ends_with("go: ok (the Go original reads this schema)\n")
    );

    let run = goesgen(["check".as_ref(), v2().as_os_str(), "--go".as_ref()]);
    assert_eq!(run.status, Some(1), "{}{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[1].ends_with(
        "schema.v2.yml:16:11: the Go original would refuse an event's former names \
         `was: [TicketClosed]` in events.TicketResolved.was"
    ));
    assert_eq!(lines.len(), 6, "{}", run.stdout);
    assert_eq!(
        lines[5],
        "go: 4 parts the Go original would refuse (goesgen-for-Rust extensions)"
    );

    let run = goesgen([
        "check".as_ref(),
        v2().as_os_str(),
        "--go".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    let paths: Vec<Value> = run.json_lines().iter().map(|e| e["path"].clone()).collect();
    assert_eq!(
        paths,
        [
            "events.TicketResolved.was",
            "events.TicketResolved.resolvedBy",
            "events.TicketResolved.resolution",
            "events.UserCreated.upcast",
        ]
    );
}

#[test]
fn verify_reads_a_v1_log_under_v2() {
    let spec = log_of(
        "evolution-verify",
        &[
            ("UserCreated", json!({"id": "u1", "name": "Ann"})),
            (
                "TicketCreated",
                json!({"id": "t1", "title": "Printer", "description": "jammed", "author": "u1"}),
            ),
            ("TicketClosed", json!({"ticket": "t1", "by": "u1"})),
            // Version 2's own records.
            (
                "TicketResolved",
                json!({"ticket": "t1", "resolvedBy": "u1", "resolution": "fixed"}),
            ),
            (
                "UserCreated",
                json!({"id": "u2", "name": "Bo", "handle": "bo"}),
            ),
            // Nothing covers a closed ticket without its ticket.
            ("TicketClosed", json!({"by": "u1"})),
        ],
    );
    let schema = v2().display().to_string();
    let run = goesgen(["log", "verify", &spec, "--schema", &schema]);
    assert_eq!(run.status, Some(1), "{}{}", run.stdout, run.stderr);
    let lines = run.json_lines();
    assert_eq!(
        lines[..2],
        [
            json!({"position": 1, "problem": "unchecked", "message": "the record needs UserCreated's upcaster `crate::migrations::user_created`, which runs only in Rust (required property `handle` is missing)"}),
            json!({"position": 6, "problem": "payload", "message": "TicketClosed payload: required property `ticket` is missing"}),
        ]
    );
    assert_eq!(
        (
            &lines[2]["records"],
            &lines[2]["problems"],
            &lines[2]["unchecked"]
        ),
        (&json!(6), &json!(1), &json!(1))
    );

    // Under version 1, version 2's records are what does not read.
    let run = goesgen([
        "log",
        "verify",
        &spec,
        "--schema",
        &tickets().display().to_string(),
    ]);
    let lines = run.json_lines();
    let problems: Vec<(&Value, &Value)> = lines
        .iter()
        .map(|l| (&l["position"], &l["problem"]))
        .collect();
    assert_eq!(
        problems,
        [
            (&json!(4), &json!("unknown_kind")),
            (&json!(6), &json!("payload")),
            (&Value::Null, &Value::Null),
        ]
    );
}
