//! [`Clock`]: the time a service stamps the events its methods emit with
//! (what the store's apply functions see in [`Recorded`](super::Recorded)
//! and the log records). The system clock unless a test sets another
//! (goesgen's test kit does, so that time-dependent rules are tested
//! deterministically).

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use crate::backend::time;

/// Where a service reads the time it records its events at. The default is
/// the system clock.
#[derive(Clone, Default)]
pub struct Clock(Option<Arc<dyn Fn() -> SystemTime + Send + Sync>>);

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock that asks `now` for the time.
    pub fn from_fn(now: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(now)))
    }

    /// The time now, cut to the microsecond precision the log stores, both
    /// as a time and as stored microseconds.
    pub fn now(&self) -> (SystemTime, i64) {
        match &self.0 {
            None => time::now(),
            Some(now) => time::stamp(Some(now())),
        }
    }

    /// The time now if this clock was set, for an append that would
    /// otherwise take the log's time of commit (the system clock's).
    pub(crate) fn set_time(&self) -> Option<SystemTime> {
        self.0.as_ref().map(|_| self.now().0)
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Clock(set)"
        } else {
            "Clock(system)"
        })
    }
}

/// Two clocks are equal when both are the system clock or both are the
/// same function.
impl PartialEq for Clock {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for Clock {}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn a_set_clock_gives_its_time_cut_to_microseconds() {
        let at = UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123_456_789);
        let clock = Clock::from_fn(move || at);
        assert_eq!(
            clock.now(),
            (
                UNIX_EPOCH + Duration::from_micros(1_700_000_000_123_456),
                1_700_000_000_123_456
            )
        );
        assert_eq!(clock, clock.clone());
        assert_ne!(clock, Clock::system());
        let before = SystemTime::now() - Duration::from_secs(1);
        assert!(Clock::system().now().0 > before);
    }
}
