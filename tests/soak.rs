//! The soak drill (features `sqlite` and `http`; `postgres` for its second
//! run): the bank of `tests/fixtures/bank.yml` served over HTTP by two
//! child processes on one event log, each with its own SQLite store file
//! (goesgen's store kit), under everything at once for a bounded time:
//!
//! - 32 clients deposit distinct amounts into four accounts, each call
//!   with an `Idempotency-Key` of its own, against either server; a
//!   quarter of the tries hang up after a random few milliseconds (the
//!   request future dropped mid-call), and every try that ends without an
//!   answer is repeated with the same key, against either server, until
//!   it is acknowledged (`200`) or refused as a duplicate (`409
//!   duplicate`: an earlier try landed);
//! - every 2 to 4 seconds one server is killed (SIGKILL) and started
//!   again on its store file (on a new port, which the clients learn);
//! - a third writer appends records the stores refuse (the account
//!   `forbidden` breaks their table's constraint) straight to the log,
//!   and the servers run with `RefusedRecords::Skip`.
//!
//! Then: every acknowledged or duplicate call is in the log exactly once,
//! where its answer said, and its key names that place; nothing is in the
//! log twice nor uninvited; each deposit's balance is the previous one
//! plus its amount; `goesgen log verify` (with the schema) finds no
//! problem; and each server's store equals a replay of the log up to its
//! version, then, caught up, a replay of the whole log into a new store.
//! It prints its figures (calls, disconnects, kills, retries, duplicates
//! refused, skipped records).
//!
//! Bounded: 40 seconds of traffic per log by default (the two runs go side
//! by side; with the checks, about 45 seconds in all on two cores), at
//! most 100,000 calls per client, and a call unresolved 60 seconds after
//! the traffic stopped counts as a failure. Longer:
//! `GOESGEN_SOAK_SECS=600`. The PostgreSQL run needs
//! `GOESGEN_TEST_POSTGRES` (a key=value libpq connection string whose
//! role may create databases: the drill works in a database of its own,
//! as `goesgen log verify` reads the default table) and skips, saying so,
//! without it unless `GOESGEN_REQUIRE_POSTGRES=1`. With `RUST_LOG` set
//! (e.g. `goesgen_runtime=warn`), the servers log to stderr.
//!
//! `goesgen log verify` is the workspace's `goesgen` binary, run as a
//! process: the CLI has no library, and `CARGO_BIN_EXE_goesgen` exists
//! only in its own package. The drill uses the binary next to its own
//! (`target/<profile>/goesgen`, built by `cargo test --workspace`), and
//! builds it with cargo when it is missing.
//!
//! The parts, one file each: `drill` (the plan, `run` and the two runs),
//! `callers` (the clients and their calls), `servers` (the child server
//! process), `faults` (the killer and the third writer), `figures` (what
//! the drill counts) and `checks` (what it checks once the traffic stops).

#[path = "support/bank.rs"]
mod bank;
#[path = "soak/callers.rs"]
mod callers;
#[path = "soak/checks.rs"]
mod checks;
#[path = "support/child.rs"]
mod child;
#[path = "soak/drill.rs"]
mod drill;
#[path = "soak/faults.rs"]
mod faults;
#[path = "soak/figures.rs"]
mod figures;
#[path = "support/scratch.rs"]
mod scratch;
#[path = "soak/servers.rs"]
mod servers;

/// The schema names its input type at the crate root.
pub use bank::Transfer;
