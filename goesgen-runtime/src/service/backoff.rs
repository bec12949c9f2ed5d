//! Randomised backoff between the attempts of a conflicting transaction.
//!
//! Two service instances racing on one log can fall into lockstep: the one
//! that lost must read the log before it tries again, the winner need not,
//! so the loser's next append can straddle the winner's next commit every
//! time and starve. A random pause that grows with the number of conflicts
//! breaks the lockstep. The first retry goes at once (most conflicts are
//! one-offs); later ones wait a random time below a bound that doubles per
//! conflict, capped by [`ServiceOptions::max_backoff`](crate::service::ServiceOptions::max_backoff).

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// The bound of the pause after the second conflict; it doubles from there.
const FIRST_BOUND: Duration = Duration::from_micros(250);

/// The pause before the attempt that follows conflict number `conflicts`
/// (1-based): zero after the first, else a random duration below
/// `min(max, FIRST_BOUND * 2^(conflicts - 2))`.
pub(crate) fn pause_after(conflicts: u32, max: Duration) -> Duration {
    if conflicts < 2 || max.is_zero() {
        return Duration::ZERO;
    }
    let doublings = (conflicts - 2).min(20);
    let bound = FIRST_BOUND.saturating_mul(1 << doublings).min(max);
    random_below(bound)
}

/// A random pause below `bound` (zero for a zero bound), to desynchronise
/// writers that retry: the engine's conflicting transactions, and
/// goesgen-http's client between the tries of a call. Not for secrets: the
/// randomness is that of `std`'s randomly keyed hasher.
pub fn random_below(bound: Duration) -> Duration {
    let bound_nanos = u64::try_from(bound.as_nanos()).unwrap_or(u64::MAX);
    Duration::from_nanos(random_u64() % bound_nanos.max(1))
}

/// Waits the pause before the attempt that follows conflict number
/// `conflicts`.
pub(crate) async fn wait_after(conflicts: u32, max: Duration) {
    let pause = pause_after(conflicts, max);
    if pause.is_zero() {
        tokio::task::yield_now().await;
    } else {
        tokio::time::sleep(pause).await;
    }
}

/// A random number from the standard library's randomly keyed hasher (each
/// `RandomState` gets fresh keys): good enough to desynchronise writers,
/// without a dependency.
fn random_u64() -> u64 {
    RandomState::new().build_hasher().finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_retry_goes_at_once() {
        assert_eq!(pause_after(1, Duration::from_millis(20)), Duration::ZERO);
    }

    #[test]
    fn pauses_stay_below_a_bound_that_doubles_up_to_the_cap() {
        let max = Duration::from_millis(20);
        for _ in 0..200 {
            assert!(pause_after(2, max) < FIRST_BOUND);
            assert!(pause_after(4, max) < FIRST_BOUND * 4);
            assert!(pause_after(30, max) < max);
        }
    }

    #[test]
    fn pauses_vary() {
        let max = Duration::from_millis(20);
        let pauses: std::collections::BTreeSet<Duration> =
            (0..50).map(|_| pause_after(10, max)).collect();
        assert!(pauses.len() > 10, "{pauses:?}");
    }

    #[test]
    fn a_zero_cap_turns_backoff_off() {
        assert_eq!(pause_after(10, Duration::ZERO), Duration::ZERO);
    }
}
