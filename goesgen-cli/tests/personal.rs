//! Personal data on the command line, run as a process on small SQLite
//! logs: `goesgen forget`, the master key of the reading commands (from a
//! file or `GOESGEN_MASTER_KEY`, a wrong one an error), `log verify`
//! naming personal values stored in the clear and sealed values that do
//! not open, and `log compact` rewriting a log whose property became
//! personal into a new file that verifies, with no plaintext in it.

mod common;

use std::path::{Path, PathBuf};

use goesgen_runtime::personal::{MasterKey, PersonalSpec, Subject};
use goesgen_runtime::{
    Append, EventLog, IdempotencyKey, KindFilter, NewEvent, SqliteLog, SqliteOptions,
};
use serde_json::{Value, json};

use common::{Run, goesgen_with_env, scratch};

/// The variable the command reads the master key from.
const KEY_VAR: &str = "GOESGEN_MASTER_KEY";

/// A users schema whose `UserCreated.name` is personal data about `id`.
const USERS: &str = "\
events:
  UserCreated:
    id: {type: id.User, subject: true}
    name: {type: UserName, personal: true}
    plan: String
  UserRenamed:
    id: id.User
    name: UserName
projections:
  User:
    states: [Active]
    createOn: UserCreated
    transitions:
      UserRenamed: [Active -> Active]
services:
  Users:
    projections: [User]
    methods:
      CreateUser: {emits: [UserCreated]}
      RenameUser: {emits: [UserRenamed]}
";

/// The same schema before `name` became personal.
fn users_before() -> String {
    USERS
        .replace("{type: id.User, subject: true}", "id.User")
        .replace("{type: UserName, personal: true}", "UserName")
}

/// What the generated code says of `UserCreated` under `USERS`.
static USER_CREATED: PersonalSpec = PersonalSpec {
    subject: "id",
    subject_kind: "User",
    fields: &["name"],
};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn user_created(id: &str, name: &str) -> NewEvent {
    NewEvent::new(
        "UserCreated",
        json!({"id": id, "name": name, "plan": "basic"}).to_string(),
    )
}

/// A scratch directory with the two schemas and a master key file.
struct Fixture {
    dir: PathBuf,
    key: MasterKey,
}

impl Fixture {
    fn new(name: &str) -> Self {
        let dir = scratch(name);
        let key = MasterKey::generate().expect("master key");
        std::fs::write(dir.join("schema.yml"), USERS).expect("schema");
        std::fs::write(dir.join("schema.before.yml"), users_before()).expect("schema");
        std::fs::write(dir.join("master.key"), key.to_base64()).expect("key file");
        Self { dir, key }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// `--master-key-file` and the key file.
    fn key_file(&self) -> [String; 2] {
        ["--master-key-file".to_owned(), self.path("master.key")]
    }

    /// A log at `name` written by `write` (with the master key).
    fn log<F>(&self, name: &str, write: F) -> String
    where
        F: AsyncFnOnce(&SqliteLog),
    {
        let path = self.dir.join(name);
        let key = self.key.clone();
        runtime().block_on(async move {
            let options = SqliteOptions {
                master_key: Some(key),
                ..SqliteOptions::default()
            };
            let log = SqliteLog::open_with(&path, options)
                .await
                .expect("open the log");
            write(&log).await;
        });
        format!("sqlite:{}", self.dir.join(name).display())
    }
}

/// Runs `goesgen ARGS` without `GOESGEN_MASTER_KEY`.
fn run<S: AsRef<str>>(args: &[S]) -> Run {
    goesgen_with_env(args.iter().map(AsRef::as_ref), &[(KEY_VAR, "")])
}

/// The `name` of each `UserCreated` of `goesgen log tail -n 100 ...`.
fn names(run: &Run) -> Vec<Value> {
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    run.json_lines()
        .iter()
        .filter(|r| r["kind"] == "UserCreated")
        .map(|r| r["payload"]["name"].clone())
        .collect()
}

/// Whether the file at `path`, or its write-ahead log, holds `text`.
fn file_holds(path: &Path, text: &str) -> bool {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    [path.to_path_buf(), PathBuf::from(wal)].iter().any(|file| {
        std::fs::read(file).is_ok_and(|bytes| {
            bytes
                .windows(text.len())
                .any(|window| window == text.as_bytes())
        })
    })
}

#[test]
fn forget_deletes_the_key_and_reads_show_forgotten() {
    let fixture = Fixture::new("forget");
    let spec = fixture.log("events.db", async |log| {
        for (id, name) in [("u-1", "Ada"), ("u-2", "Bob")] {
            log.append_with(Append::new(vec![user_created(id, name)]).seal(0, &USER_CREATED))
                .await
                .expect("append");
        }
    });
    let tail = |key: &[String]| {
        let mut args = vec!["log".to_owned(), "tail".into(), spec.clone()];
        args.extend_from_slice(key);
        run(&args)
    };
    // With the key (file or variable): in the clear; without: sealed.
    assert_eq!(
        names(&tail(&fixture.key_file())),
        [json!("Ada"), json!("Bob")]
    );
    let by_var = goesgen_with_env(
        ["log", "tail", &spec],
        &[(KEY_VAR, &fixture.key.to_base64())],
    );
    assert_eq!(names(&by_var), [json!("Ada"), json!("Bob")]);
    for name in names(&tail(&[])) {
        assert_eq!(name["goesgen:sealed"], 1, "{name}");
    }

    let forgot = run(&[
        "forget",
        &spec,
        "User:u-1",
        "--master-key-file",
        &fixture.path("master.key"),
    ]);
    assert_eq!(forgot.status, Some(0), "{}", forgot.stderr);
    assert_eq!(
        forgot.json_lines(),
        [json!({"subject": "User:\"u-1\"", "position": 3, "had_key": true})]
    );
    assert_eq!(
        names(&tail(&fixture.key_file())),
        [json!({"goesgen:forgotten": true}), json!("Bob")]
    );
    // The record that tells services, shown and verified.
    let show = run(&["log", "show", &spec, "3"]);
    assert_eq!(
        show.json_lines()[0]["payload"],
        json!({"subject": "User:\"u-1\""})
    );
    let mut verify = vec!["log".to_owned(), "verify".into(), spec.clone()];
    verify.extend(["--schema".to_owned(), fixture.path("schema.yml")]);
    verify.extend(fixture.key_file());
    let verified = run(&verify);
    assert_eq!(verified.status, Some(0), "{}", verified.stdout);

    // Forgetting needs no key; forgetting again finds none to delete.
    let again = run(&["forget", &spec, "User:\"u-1\"", "--table"]);
    assert_eq!(again.status, Some(0), "{}", again.stderr);
    assert_eq!(
        again.stdout.trim(),
        "forgot User:\"u-1\" at position 4 (it had no data key)"
    );
    let bad = run(&["forget", &spec, "nobody"]);
    assert_eq!(bad.status, Some(2));
    assert!(bad.stderr.contains("subject"), "{}", bad.stderr);
}

#[test]
fn a_wrong_master_key_is_a_clear_error() {
    let fixture = Fixture::new("wrongkey");
    let spec = fixture.log("events.db", async |log| {
        log.append_with(Append::new(vec![user_created("u-1", "Ada")]).seal(0, &USER_CREATED))
            .await
            .expect("append");
    });
    let wrong = MasterKey::generate().expect("key");
    for args in [
        vec!["log", "tail", &spec],
        vec!["log", "verify", &spec],
        vec!["forget", &spec, "User:u-1"],
    ] {
        let run = goesgen_with_env(&args, &[(KEY_VAR, &wrong.to_base64())]);
        assert_eq!(run.status, Some(2), "{args:?}: {}", run.stdout);
        assert!(
            run.stderr.contains("master key does not match"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let unreadable = goesgen_with_env(["log", "tail", &spec], &[(KEY_VAR, "not a key")]);
    assert_eq!(unreadable.status, Some(2));
    assert!(
        unreadable.stderr.contains("invalid master key"),
        "{}",
        unreadable.stderr
    );
}

#[test]
fn an_unreadable_master_key_names_where_it_came_from() {
    let fixture = Fixture::new("badkeyorigin");
    let spec = fixture.log("events.db", async |_| {});
    let short = fixture.path("short.key");
    std::fs::write(&short, "abc").expect("key file");
    let by_file = run(&["log", "tail", &spec, "--master-key-file", &short]);
    assert_eq!(by_file.status, Some(2));
    assert!(
        by_file.stderr.contains("--master-key-file")
            && by_file.stderr.contains("invalid master key"),
        "{}",
        by_file.stderr
    );
    let by_var = goesgen_with_env(["log", "tail", &spec], &[(KEY_VAR, "not a key")]);
    assert_eq!(by_var.status, Some(2));
    assert!(by_var.stderr.contains(KEY_VAR), "{}", by_var.stderr);
}

#[test]
fn verify_names_a_sealed_value_that_does_not_open() {
    let fixture = Fixture::new("tampered");
    let spec = fixture.log("events.db", async |log| {
        for (id, name) in [("u-1", "Ada"), ("u-2", "Bob")] {
            log.append_with(Append::new(vec![user_created(id, name)]).seal(0, &USER_CREATED))
                .await
                .expect("append");
        }
    });
    // Swap the two sealed names: each is intact, but bound to another
    // subject's key and record.
    let connection = rusqlite::Connection::open(fixture.dir.join("events.db")).expect("open");
    let payload = |position: i64| -> Value {
        let text: String = connection
            .query_row(
                "SELECT payload FROM goesgen_events WHERE position = ?1",
                [position],
                |row| row.get(0),
            )
            .expect("payload");
        serde_json::from_str(&text).expect("JSON")
    };
    let (mut first, second) = (payload(1), payload(2));
    first["name"]["data"] = second["name"]["data"].clone();
    connection
        .execute(
            "UPDATE goesgen_events SET payload = ?1 WHERE position = 1",
            [first.to_string()],
        )
        .expect("tamper");
    drop(connection);
    let mut args = vec!["log".to_owned(), "verify".into(), spec.clone()];
    args.extend(fixture.key_file());
    let verified = run(&args);
    assert_eq!(verified.status, Some(1), "{}", verified.stderr);
    let lines = verified.json_lines();
    assert_eq!(lines[0]["position"], 1);
    assert_eq!(lines[0]["problem"], "corrupt");
    assert!(
        lines[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("tampered")),
        "{}",
        lines[0]
    );
    assert_eq!(lines.last().expect("summary")["corrupt"], 1);
}

#[test]
fn compact_seals_a_property_that_became_personal() {
    let fixture = Fixture::new("compact");
    // Written before `name` was personal: in the clear, with a keyed
    // append and a record of another kind.
    let spec = fixture.log("old.db", async |log| {
        log.append_with(Append::new(vec![
            user_created("u-1", "Ada Lovelace"),
            user_created("u-2", "Bob Babbage"),
        ]))
        .await
        .expect("append");
        log.append_with(
            Append::new(vec![NewEvent::new(
                "UserRenamed",
                json!({"id": "u-1", "name": "Ada King"}).to_string(),
            )])
            .key(IdempotencyKey::new("rename-1").expect("key")),
        )
        .await
        .expect("append");
        // Bob was forgotten, but his record predates sealing: the forget
        // could not erase it.
        log.forget(&Subject::new("User", &"u-2").expect("subject"))
            .await
            .expect("forget");
        log.append_with(Append::new(vec![user_created("u-3", "Cy Clear")]).seal(0, &USER_CREATED))
            .await
            .expect("append sealed");
    });
    let schema = fixture.path("schema.yml");
    // The old log under the new schema: two names in the clear.
    let verified = run(&["log", "verify", &spec, "--schema", &schema]);
    assert_eq!(verified.status, Some(1), "{}", verified.stdout);
    let problems: Vec<(u64, String)> = verified.json_lines()[..2]
        .iter()
        .map(|p| (p["position"].as_u64().unwrap(), p["problem"].to_string()))
        .collect();
    assert_eq!(
        problems,
        [
            (1, "\"personal\"".to_owned()),
            (2, "\"personal\"".to_owned())
        ]
    );
    assert_eq!(verified.json_lines()[2]["problems"], 2);

    let output = fixture.path("new.db");
    let mut compact = vec![
        "log".to_owned(),
        "compact".into(),
        spec.clone(),
        output.clone(),
        "--schema".into(),
        schema.clone(),
    ];
    let keyless = run(&compact);
    assert_eq!(keyless.status, Some(2));
    assert!(keyless.stderr.contains("master key"), "{}", keyless.stderr);
    assert!(!Path::new(&output).exists());
    compact.extend(fixture.key_file());
    let compacted = run(&compact);
    assert_eq!(compacted.status, Some(0), "{}", compacted.stderr);
    assert_eq!(
        compacted.json_lines(),
        [json!({"records": 5, "sealed": 2, "forgotten": 1, "keys": 1, "output": output})]
    );
    let again = run(&compact);
    assert_eq!(again.status, Some(2), "the output exists");

    // The new log verifies with and without the key, holds no name in the
    // clear, and reads as the old one did.
    let new_spec = format!("sqlite:{output}");
    let mut verify = vec![
        "log".to_owned(),
        "verify".into(),
        new_spec.clone(),
        "--schema".into(),
        schema.clone(),
    ];
    let verified = run(&verify);
    assert_eq!(verified.status, Some(0), "{}", verified.stdout);
    verify.extend(fixture.key_file());
    let verified = run(&verify);
    assert_eq!(verified.status, Some(0), "{}", verified.stdout);
    for name in ["Ada Lovelace", "Bob Babbage", "Cy Clear"] {
        assert!(file_holds(&fixture.dir.join("old.db"), name) || name == "Cy Clear");
        assert!(!file_holds(Path::new(&output), name), "{name} in the clear");
    }
    assert!(file_holds(Path::new(&output), "Ada King"), "not personal");
    let tail = |spec: &str| {
        let mut args = vec!["log".to_owned(), "tail".into(), spec.to_owned()];
        args.extend(fixture.key_file());
        let run = run(&args);
        assert_eq!(run.status, Some(0), "{}", run.stderr);
        run.json_lines()
            .into_iter()
            .map(|mut r| {
                r.as_object_mut().expect("record").remove("bytes");
                r
            })
            .collect::<Vec<_>>()
    };
    // Same records, times and payloads, but Bob's name, erased at last.
    let mut expected = tail(&spec);
    assert_eq!(expected[1]["payload"]["name"], "Bob Babbage");
    expected[1]["payload"]["name"] = json!({"goesgen:forgotten": true});
    assert_eq!(tail(&new_spec), expected);
    // The idempotency key is kept with its positions.
    let kept = runtime().block_on(async {
        let log = SqliteLog::open(&output).await.expect("open");
        let found = log
            .find_key(&IdempotencyKey::new("rename-1").expect("key"))
            .await
            .expect("find");
        let head = log.read(0, &KindFilter::All, 10).await.expect("read").head;
        (found.map(|k| (k.appended.first, k.appended.last)), head)
    });
    assert_eq!(kept, (Some((3, 3)), 5));
}

#[test]
fn compact_refuses_what_it_cannot_rewrite() {
    let fixture = Fixture::new("refuse");
    let schema = fixture.path("schema.yml");
    let spec = fixture.log("old.db", async |log| {
        log.append_with(Append::new(vec![NewEvent::new(
            "UserCreated",
            json!({"name": "Nemo"}).to_string(),
        )]))
        .await
        .expect("append");
    });
    let output = fixture.path("new.db");
    let mut args = vec![
        "log".to_owned(),
        "compact".into(),
        spec,
        output.clone(),
        "--schema".into(),
        schema.clone(),
    ];
    args.extend(fixture.key_file());
    let refused = run(&args);
    assert_eq!(refused.status, Some(2));
    assert!(
        refused.stderr.contains("position 1") && refused.stderr.contains("`id`"),
        "{}",
        refused.stderr
    );
    assert!(!Path::new(&output).exists(), "a failed run leaves nothing");
    let before = fixture.path("schema.before.yml");
    args[5].clone_from(&before);
    let refused = run(&args);
    assert_eq!(refused.status, Some(2));
    assert!(
        refused.stderr.contains("marks no property personal"),
        "{}",
        refused.stderr
    );
    args[5] = schema;
    args[2] = "postgres:host=localhost".to_owned();
    let refused = run(&args);
    assert_eq!(refused.status, Some(2));
    assert!(refused.stderr.contains("SQLite"), "{}", refused.stderr);
}

/// `goesgen forget` and `log show` on a PostgreSQL log (the log's default
/// table, which the command line reads), when `GOESGEN_TEST_POSTGRES`
/// names a database; skipped, saying so, otherwise (a failure with
/// `GOESGEN_REQUIRE_POSTGRES=1`).
#[test]
fn forget_on_postgres() {
    let Some(conninfo) = std::env::var("GOESGEN_TEST_POSTGRES")
        .ok()
        .filter(|v| !v.trim().is_empty())
    else {
        assert_ne!(
            std::env::var("GOESGEN_REQUIRE_POSTGRES").as_deref(),
            Ok("1"),
            "GOESGEN_REQUIRE_POSTGRES=1 but GOESGEN_TEST_POSTGRES is not set"
        );
        eprintln!("skipping: GOESGEN_TEST_POSTGRES (a libpq connection string) is not set");
        return;
    };
    let fixture = Fixture::new("postgres");
    // A subject no other run used.
    let id = format!(
        "pg-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_nanos()
    );
    let key = fixture.key.clone();
    let position = runtime().block_on(async {
        let log = goesgen::PostgresOptions::new(&conninfo)
            .master_key(key)
            .connect()
            .await
            .expect("connect");
        log.append_with(Append::new(vec![user_created(&id, "Pat")]).seal(0, &USER_CREATED))
            .await
            .expect("append")
            .first
    });
    let spec = format!("postgres:{conninfo}");
    let subject = format!("User:{id}");
    let forgot = run(&["forget", &spec, &subject]);
    assert_eq!(forgot.status, Some(0), "{}", forgot.stderr);
    let answer = &forgot.json_lines()[0];
    assert_eq!(answer["had_key"], true);
    assert!(answer["position"].as_u64() > Some(position));
    let mut show = vec!["log".to_owned(), "show".into(), spec, position.to_string()];
    show.extend(fixture.key_file());
    let shown = run(&show);
    assert_eq!(shown.status, Some(0), "{}", shown.stderr);
    assert_eq!(
        shown.json_lines()[0]["payload"],
        json!({"id": id, "name": {"goesgen:forgotten": true}, "plan": "basic"})
    );
}
