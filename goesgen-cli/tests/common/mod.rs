//! Running the built `goesgen` binary, and scratch files for it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The tickets schema of the Go original, shared with the root crate.
pub fn tickets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/tickets/schema.yml")
}

/// What a run printed and how it ended.
pub struct Run {
    /// Its exit status (`None` if killed).
    pub status: Option<i32>,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

impl Run {
    /// How many lines the standard output has.
    pub fn lines_count(&self) -> usize {
        self.stdout.lines().count()
    }

    /// The standard output's lines as JSON values.
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON: {line}: {e}"))
            })
            .collect()
    }
}

/// Runs `goesgen ARGS` to completion.
pub fn goesgen<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    goesgen_with_env(args, &[])
}

/// Runs `goesgen ARGS` to completion with the environment variables `env`
/// set (an empty value removes the variable), and without the caller's
/// `GOESGEN_MASTER_KEY` unless `env` sets it.
pub fn goesgen_with_env<I, S>(args: I, env: &[(&str, &str)]) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut command = Command::new(env!("CARGO_BIN_EXE_goesgen"));
    command.args(args);
    // A master key in the developer's environment must not change what
    // the tests see: only the tests that set it have one.
    command.env_remove("GOESGEN_MASTER_KEY");
    for (name, value) in env {
        if value.is_empty() {
            command.env_remove(name);
        } else {
            command.env(name, value);
        }
    }
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("run goesgen");
    Run {
        status: status.code(),
        stdout: String::from_utf8(stdout).expect("UTF-8 output"),
        stderr: String::from_utf8(stderr).expect("UTF-8 errors"),
    }
}

/// A fresh scratch directory under cargo's temporary directory for tests.
pub fn scratch(name: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "goesgen-cli-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// The schema fingerprint of `service` in the schema file at `path`, as
/// goesgen-schema computes it, in 16 hexadecimal digits.
pub fn fingerprint_of(path: &Path, service: &str) -> String {
    let source = std::fs::read_to_string(path).expect("the schema");
    let schema = goesgen_schema::parse(&source, "schema.yml").expect("a valid schema");
    let service = schema
        .services
        .iter()
        .find(|s| s.name.as_str() == service)
        .unwrap_or_else(|| panic!("no service {service}"));
    format!("{:016x}", goesgen_schema::fingerprint(&schema, service))
}
