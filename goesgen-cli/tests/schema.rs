//! `goesgen check`, `graph` and `diff`, run as a process: exit statuses,
//! JSON shapes, and the graphs of the tickets schema against the files in
//! `tests/expected` (regenerate them with the commands in each test's
//! comment, and read the diff).

mod common;

use std::path::Path;
use std::process::Command;

use common::{fingerprint_of, goesgen, scratch, tickets};

#[test]
fn check_accepts_the_tickets_schema() {
    let run = goesgen([tickets()]);
    assert_eq!(run.status, Some(2), "no subcommand is a usage error");
    let run = goesgen(["check".as_ref(), tickets().as_os_str()]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(
        run.stdout
            .ends_with(": ok (8 events, 2 projections, 2 services)\n"),
        "{}",
        run.stdout
    );
    let run = goesgen([
        "check".as_ref(),
        tickets().as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!((run.status, run.stdout.as_str()), (Some(0), ""));
}

#[test]
fn check_renders_every_error_like_the_macro() {
    let dir = scratch("check");
    let schema = dir.join("schema.yml");
    let source = "events:\n  Opened: {}\n  closed: {}\nservices:\n  Doors:\n    methods:\n      Open: {emits: [Opend]}\n";
    std::fs::write(&schema, source).unwrap();
    let run = goesgen(["check".as_ref(), schema.as_os_str()]);
    assert_eq!(run.status, Some(1));
    // The same text as goesgen-schema's rendering (what the macro prints),
    // with the file named as given.
    let expected = goesgen_schema_errors(source, &schema.display().to_string());
    assert!(
        run.stdout.starts_with(&expected),
        "{}\n---\n{expected}",
        run.stdout
    );
    assert!(run.stdout.contains("^^^^^"), "{}", run.stdout);

    let run = goesgen([
        "check".as_ref(),
        schema.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(run.status, Some(1));
    let errors = run.json_lines();
    assert!(errors.len() >= 2, "{}", run.stdout);
    for error in &errors {
        let keys: Vec<&str> = error
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "column",
                "file",
                "hint",
                "line",
                "message",
                "path",
                "rule",
                "rule_number"
            ]
        );
        assert_eq!(error["file"], schema.display().to_string());
    }
    let emits = errors
        .iter()
        .find(|e| e["rule"] == "emits")
        .expect("the undefined event");
    assert_eq!(
        (emits["line"].as_u64(), emits["column"].as_u64()),
        (Some(7), Some(22))
    );
    assert_eq!(emits["rule_number"], 14);
    assert_eq!(emits["path"], "services.Doors.methods.Open.emits[0]");
}

/// What goesgen-schema renders for `source` (as the macro prints it),
/// which must be invalid.
fn goesgen_schema_errors(source: &str, file: &str) -> String {
    match goesgen_schema::parse(source, file) {
        Ok(_) => panic!("expected errors"),
        Err(errors) => errors.to_string(),
    }
}

#[test]
fn missing_schema_is_an_error_not_a_panic() {
    let run = goesgen(["check", "no-such-schema.yml"]);
    assert_eq!(run.status, Some(2));
    assert!(
        run.stderr
            .starts_with("goesgen: cannot read `no-such-schema.yml`"),
        "{}",
        run.stderr
    );
}

/// Compares `goesgen graph ARGS` on the tickets schema with `expected`.
#[track_caller]
fn graph_is(args: &[&str], expected: &str) -> String {
    let mut all = vec!["graph".to_string(), tickets().display().to_string()];
    all.extend(args.iter().map(|a| a.to_string()));
    let run = goesgen(&all);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expected")
        .join(expected);
    let want = std::fs::read_to_string(&path).expect("expected graph");
    assert_eq!(
        run.stdout,
        want,
        "goesgen {all:?} differs from {}",
        path.display()
    );
    run.stdout
}

/// Whether Graphviz accepts `text` (`None` when `dot` is not installed).
fn dot_accepts(text: &str) -> Option<bool> {
    use std::io::Write;
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(text.as_bytes()).ok()?;
    let output = child.wait_with_output().ok()?;
    if !output.status.success() {
        eprintln!("dot: {}", String::from_utf8_lossy(&output.stderr));
    }
    Some(output.status.success() && output.stdout.starts_with(b"<?xml"))
}

#[test]
fn graphs_of_the_tickets_schema() {
    // goesgen graph examples/tickets/schema.yml > tests/expected/tickets.mmd
    graph_is(&[], "tickets.mmd");
    graph_is(&["--format", "mermaid"], "tickets.mmd");
    // ... --projection Ticket > tests/expected/tickets-ticket.mmd
    graph_is(&["--projection", "Ticket"], "tickets-ticket.mmd");
    // ... --format dot (--projection Ticket) > tests/expected/tickets(-ticket).dot
    let system = graph_is(&["--format", "dot"], "tickets.dot");
    let machine = graph_is(
        &["--format", "dot", "--projection", "Ticket"],
        "tickets-ticket.dot",
    );
    for text in [system, machine] {
        match dot_accepts(&text) {
            Some(accepted) => assert!(accepted, "dot refused:\n{text}"),
            None => eprintln!("skipping the Graphviz check: `dot` is not installed"),
        }
    }
}

#[test]
fn graph_of_an_unknown_projection_names_the_defined_ones() {
    let run = goesgen([
        "graph".as_ref(),
        tickets().as_os_str(),
        "--projection".as_ref(),
        "Tiket".as_ref(),
    ]);
    assert_eq!(run.status, Some(2));
    assert_eq!(
        run.stderr,
        "goesgen: no projection `Tiket` in the schema; defined: `User`, `Ticket`\n"
    );
}

/// The tickets schema with `edits` applied, written as `name` in `dir`.
fn edited(dir: &Path, name: &str, edits: &[(&str, &str)]) -> std::path::PathBuf {
    let mut text = std::fs::read_to_string(tickets()).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "edit `{from}` does not apply");
        text = text.replacen(from, to, 1);
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn diff_of_a_schema_with_itself_is_empty() {
    let run = goesgen([
        "diff".as_ref(),
        tickets().as_os_str(),
        tickets().as_os_str(),
    ]);
    assert_eq!((run.status, run.stdout.as_str()), (Some(0), "no changes\n"));
}

#[test]
fn diff_compatible_changes_exit_zero() {
    let dir = scratch("diff-compatible");
    let new = edited(
        &dir,
        "v2.yml",
        &[
            (
                "    by: id.User\n  TicketCommented:",
                "    by: id.User\n    reason: Option<String>\n  TicketCommented:",
            ),
            ("      - Stalled\n", "      - Stalled\n      - Archived\n"),
        ],
    );
    let run = goesgen(["diff".as_ref(), tickets().as_os_str(), new.as_os_str()]);
    assert_eq!(run.status, Some(0), "{}{}", run.stdout, run.stderr);
    let file = new.display().to_string();
    // Both changes are compatible for the log, but the `Tickets` service's
    // store was built without them: it is stale (`Users` is not).
    let (was, is) = (
        fingerprint_of(&tickets(), "Tickets"),
        fingerprint_of(&new, "Tickets"),
    );
    assert_ne!(was, is);
    assert_eq!(
        run.stdout,
        format!(
            "compatible: {file}:10:5: optional property `reason` added: records without it read it as `None` in events.TicketClosed.reason\n\
             compatible: {file}:48:9: state `Archived` added in projections.Ticket.states.Archived\n\
             stale: Tickets: schema fingerprint {was} -> {is}\n\
             stale: Tickets: event `TicketClosed`: property `reason` added: `Option<String>; optional`\n\
             stale: Tickets: projection `Ticket`: states: `Archived, Closed, InProgress, New, Stalled` \
             (was `Closed, InProgress, New, Stalled`)\n"
        )
    );
}

#[test]
fn diff_breaking_changes_exit_one_with_json() {
    let dir = scratch("diff-breaking");
    let new = edited(
        &dir,
        "v2.yml",
        &[
            (
                "    by: id.User\n  TicketCommented:",
                "    by: id.User\n    reason: String\n  TicketCommented:",
            ),
            ("        - New -> Closed\n", ""),
        ],
    );
    let run = goesgen(["diff".as_ref(), tickets().as_os_str(), new.as_os_str()]);
    assert_eq!(run.status, Some(1), "{}{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", run.stdout);
    assert!(
        lines[..2].iter().all(|l| l.starts_with("breaking: ")),
        "{}",
        run.stdout
    );
    assert_eq!(
        lines[3..],
        [
            "stale: Tickets: event `TicketClosed`: property `reason` added: `String; required`",
            "stale: Tickets: projection `Ticket`: transition `TicketClosed`: \
             `InProgress -> Closed, Stalled -> Closed` \
             (was `InProgress -> Closed, New -> Closed, Stalled -> Closed`)",
        ]
    );

    let run = goesgen([
        "diff".as_ref(),
        tickets().as_os_str(),
        new.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(run.status, Some(1));
    let changes = run.json_lines();
    assert_eq!(changes[0]["class"], "breaking");
    assert_eq!(changes[0]["kind"], "property-added");
    assert_eq!(changes[0]["path"], "events.TicketClosed.reason");
    assert_eq!(
        (changes[0]["line"].as_u64(), changes[0]["column"].as_u64()),
        (Some(10), Some(5))
    );
    assert_eq!(changes[0]["side"], "new");
    assert_eq!(
        changes[0]["hint"],
        "give it a default: `reason: {type: String, default: ..}`; or make it optional: \
         `reason: Option<String>`; or name an upcaster on the event: \
         `upcast: crate::migrations::<fn>`"
    );
    assert_eq!(changes[1]["kind"], "transition-removed");
    assert_eq!(
        changes[1]["path"],
        "projections.Ticket.transitions.TicketClosed"
    );
    assert_eq!(changes.len(), 3);
    assert_eq!(changes[2]["stale"], "Tickets");
    assert_eq!(changes[2]["old"], fingerprint_of(&tickets(), "Tickets"));
    assert_eq!(changes[2]["new"], fingerprint_of(&new, "Tickets"));
    assert_eq!(changes[2]["reasons"].as_array().map(Vec::len), Some(2));
}

#[test]
fn diff_of_a_removed_event_points_into_the_old_schema() {
    let dir = scratch("diff-removed");
    let old = edited(
        &dir,
        "v1.yml",
        &[
            ("  UserCreated:", "  UserDeleted: {}\n  UserCreated:"),
            (
                "          - UserCreated\n",
                "          - UserCreated\n          - UserDeleted\n",
            ),
        ],
    );
    let run = goesgen([
        "diff".as_ref(),
        old.as_os_str(),
        tickets().as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ]);
    assert_eq!(run.status, Some(1), "{}{}", run.stdout, run.stderr);
    let changes = run.json_lines();
    let removed = changes
        .iter()
        .find(|c| c["kind"] == "event-removed")
        .expect("removal");
    assert_eq!(removed["side"], "old");
    assert_eq!(removed["file"], old.display().to_string());
    assert_eq!(removed["line"], 31);
}

#[test]
fn diff_of_an_invalid_schema_shows_its_errors() {
    let dir = scratch("diff-invalid");
    let bad = dir.join("bad.yml");
    std::fs::write(&bad, "events: {}\n").unwrap();
    let run = goesgen(["diff".as_ref(), tickets().as_os_str(), bad.as_os_str()]);
    assert_eq!(run.status, Some(2));
    assert!(
        run.stderr.contains("the schema has no events"),
        "{}",
        run.stderr
    );
}

/// Output that cannot be written (a full disk) is an error, not a silent
/// success: the last buffered bytes are flushed before the exit status is
/// chosen.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_of_the_output_is_an_error() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let output = Command::new(env!("CARGO_BIN_EXE_goesgen"))
        .arg("check")
        .arg(tickets())
        .stdout(full)
        .output()
        .expect("run goesgen");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("goesgen: "), "{stderr}");
}
