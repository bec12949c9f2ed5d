//! The conformance suite of the event log: the promises of the
//! [`EventLog`](crate::EventLog) trait, written once, as a public test kit
//! (feature `conformance`) that every backend runs: ours (memory, SQLite,
//! PostgreSQL) and any other crate's. See [`backend`](crate::backend) for
//! what a backend must do to pass.
//!
//! # Using it from a backend's test file
//!
//! With `goesgen-runtime` as a dev-dependency with the feature
//! `conformance` (nothing else is needed: the tests run on a Tokio runtime
//! the kit builds):
//!
//! ```ignore
//! use goesgen_runtime::conformance;
//!
//! // One #[test] per check, named after it; the expression is a closure
//! // returning a future of a fresh, EMPTY `SharedLog`.
//! goesgen_runtime::conformance_tests!(|| async { goesgen_runtime::MemoryLog::shared() });
//!
//! // A backend that may be absent: the factory gives Option<SharedLog>,
//! // and a check with None returns at once (after the factory said why).
//! goesgen_runtime::conformance_tests!(optional || async { maybe_connect().await });
//!
//! // Corruption is backend-specific: hand the check a hook that damages the
//! // stored record at a position (e.g. raw SQL on a second connection).
//! #[tokio::test]
//! async fn corrupt_payload() {
//!     let log = /* fresh log */;
//!     conformance::corrupt_record_is_reported(log, |position| async move {
//!         /* corrupt the record at `position` */
//!     })
//!     .await;
//! }
//! ```
//!
//! [`a_damaged_log_takes_no_appends`] takes a hook too (one that shifts the
//! rows at positions 6 to 10 up by one): a handle that has found its log
//! damaged refuses every append ([`appends_are_refused`]).
//!
//! A backend that cannot reach its database (PostgreSQL without
//! `GOESGEN_TEST_POSTGRES`) uses the `optional` form (or [`run_all`] behind
//! its own check); every check assumes it gets a working, empty log.
//!
//! # The checks, by behaviour
//!
//! - `basics`: appending and reading back;
//! - `conditions`: conditional appends and conflicts;
//! - `reads`: filters, `head` and `through`, the batched reader;
//! - `concurrency`: concurrent appenders and contended conditions;
//! - `subscriptions`: wake-ups and closing;
//! - `keys`: idempotency keys;
//! - `parts`: appends with parts, through the log and a write lock;
//! - `locks`: write locks and `try_append_now`;
//! - `limits`: oversized events and the read byte budget;
//! - `corruption`: damage reported and latched (with a backend's hook);
//! - `helpers`: what the checks share, public for a backend's own tests.
//!
//! Each check is a public `async fn` taking a fresh log, re-exported here.

mod basics;
mod concurrency;
mod conditions;
mod corruption;
mod helpers;
mod keys;
mod limits;
mod locks;
mod parts;
mod reads;
mod subscriptions;

use std::future::Future;
use std::time::Duration;

use crate::SharedLog;

pub use basics::*;
pub use concurrency::*;
pub use conditions::*;
pub use corruption::*;
pub use helpers::*;
pub use keys::*;
pub use limits::*;
pub use locks::*;
pub use parts::*;
pub use reads::*;
pub use subscriptions::*;

/// How long a check may wait for something that should happen at once.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// How long one check may take in all before it fails as timed out.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs one check as [`conformance_tests!`](crate::conformance_tests)'s
/// tests do: on a new multi-threaded Tokio runtime (four workers), on a log
/// from `make` (a check whose factory gives `None` returns at once), failing
/// if it takes longer than [`CHECK_TIMEOUT`].
pub fn run_check<M, MF, C, CF>(name: &str, make: M, check: C)
where
    M: FnOnce() -> MF,
    MF: Future<Output = Option<SharedLog>>,
    C: FnOnce(SharedLog) -> CF,
    CF: Future<Output = ()>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()
        .expect("a Tokio runtime for the check");
    runtime.block_on(async {
        let Some(log) = make().await else {
            return; // the factory said why it skips
        };
        if tokio::time::timeout(CHECK_TIMEOUT, check(log))
            .await
            .is_err()
        {
            panic!("{name} timed out");
        }
    });
}

/// The one list of the suite's checks, handed to `$callback` after
/// `$args`: what [`conformance_tests!`](crate::conformance_tests) makes a
/// test of each of, and what [`run_all`] runs in turn.
#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_checks {
    (@call [$($callback:tt)*] [$($args:tt)*]) => {
        $($callback)*! {
            $($args)*
            empty_log,
            appends_get_consecutive_positions,
            payloads_round_trip_exactly,
            empty_batch_is_a_no_op,
            invalid_events_are_rejected_whole,
            head_is_condition,
            none_of_kinds_after_condition,
            conflicting_batch_writes_nothing,
            filtered_reads_report_head_and_through,
            reads_at_the_edges,
            batched_reader_reads_a_long_log,
            concurrent_appenders_get_gap_free_positions,
            contended_head_conditions_lose_no_update,
            kind_conditions_on_distinct_kinds_never_conflict,
            group_members_are_judged_alone,
            subscription_wakes_on_append,
            subscription_closes_with_the_log,
            keyed_append_writes_once,
            keys_replay_whatever_the_condition,
            keyed_appends_racing_write_once,
            parts_get_their_own_positions,
            parts_get_their_own_positions_under_a_lock,
            a_part_whose_key_is_in_the_log_is_replayed,
            a_part_whose_key_is_in_the_log_is_replayed_under_a_lock,
            a_key_twice_in_one_append_replays_the_first_part,
            a_key_twice_in_one_append_replays_the_first_part_under_a_lock,
            an_empty_keyed_part_records_its_key,
            an_empty_keyed_part_records_its_key_under_a_lock,
            a_conflict_writes_no_part_and_records_no_key,
            a_conflict_writes_no_part_and_records_no_key_under_a_lock,
            parts_must_add_up_to_the_events,
            parts_must_add_up_to_the_events_under_a_lock,
            keyed_parts_racing_write_once,
            recorded_at_is_as_asked,
            write_lock_excludes_other_appends,
            dropping_a_write_lock_releases_it,
            an_append_now_lands_once_or_is_handed_back,
            oversized_events_are_refused_alone,
            reads_stop_at_the_byte_budget,
        }
    };
}

/// Expands to one `#[test]` per check of the [`conformance`](crate::conformance) suite, each on a fresh
/// log from `$make` (a closure returning a future of an empty `SharedLog`).
///
/// `conformance_tests!(optional $make)` takes a closure returning a future
/// of `Option<SharedLog>` instead: a check whose factory gives `None` (no
/// database configured) returns at once, so a backend that may be absent
/// still gets one test per check, reported by name.
#[macro_export]
macro_rules! conformance_tests {
    (optional $make:expr) => {
        $crate::__conformance_checks!(@call [$crate::conformance_tests] [@each $make;]);
    };
    ($make:expr) => {
        $crate::conformance_tests!(optional {
            let make = $make;
            move || {
                let log = make();
                async move { Some(log.await) }
            }
        });
    };
    (@each $make:expr; $($check:ident),* $(,)?) => {
        $(
            #[test]
            fn $check() {
                $crate::conformance::run_check(
                    stringify!($check),
                    $make,
                    $crate::conformance::$check,
                );
            }
        )*
    };
}
#[doc(inline)]
pub use crate::conformance_tests;

/// Runs every check in turn, each on a fresh log from `make`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SharedLog>,
{
    macro_rules! each {
        ($($check:ident),* $(,)?) => {
            $( $check(make().await).await; )*
        };
    }
    crate::__conformance_checks!(@call [each] []);
}
