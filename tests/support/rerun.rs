//! Child processes that run one test of this binary: the child's entry
//! point is an `#[ignore]`d test, so a normal run (which skips ignored
//! tests) never runs it and never counts it as passed; its parent runs it
//! by name with `--exact --ignored`.
#![allow(dead_code)]

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
