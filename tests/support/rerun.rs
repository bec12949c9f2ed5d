//! Child processes that run one test of this binary: the child's entry
//! point is an `#[ignore]`d test, so a normal run (which skips ignored
//! tests) never runs it and never counts it as passed; its parent runs it
//! by name with `--exact --ignored`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The command that runs the ignored test `test` (its full name, such as
/// `processes::child_users`) of this test binary alone, its output printed
/// (`--nocapture`). Set its environment and spawn it.
pub fn ignored_test(test: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args([
        test,
        "--exact",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    command
}

/// Separates the two paths in the variable [`with_two_paths`] sets.
const SEPARATOR: char = '\u{1f}';

/// Gives the child `first` and `second` (two files) in its environment
/// variable `variable`; the child reads them with [`two_paths`].
pub fn with_two_paths<'a>(
    command: &'a mut Command,
    variable: &str,
    first: &Path,
    second: &Path,
) -> &'a mut Command {
    let mut value = first.as_os_str().to_owned();
    value.push(SEPARATOR.to_string());
    value.push(second);
    command.env(variable, value)
}

/// In the child: the two paths its parent gave it with
/// [`with_two_paths`]. Panics if the test was not started by its parent.
pub fn two_paths(variable: &str) -> (PathBuf, PathBuf) {
    let value = std::env::var(variable)
        .unwrap_or_else(|_| panic!("run by its parent test, which sets {variable}"));
    let (first, second) = value
        .split_once(SEPARATOR)
        .unwrap_or_else(|| panic!("{variable} holds two paths"));
    (first.into(), second.into())
}

/// In the child: a runtime with two worker threads and its timer.
pub fn child_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("the child's runtime")
}
