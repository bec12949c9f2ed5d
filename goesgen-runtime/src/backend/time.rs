//! The log's clock and the stored form of a timestamp: integer
//! microseconds since the Unix epoch. [`now`] is the time the engine and
//! the backends stamp events with; [`stamp`] the time an append records,
//! cut to the microsecond every backend stores, so a record read back
//! equals the one written.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A time as integer microseconds since the Unix epoch (negative before it;
/// saturating far outside the range of `i64`).
pub fn time_to_micros(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_micros()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_micros()).map_or(i64::MIN, |m| -m),
    }
}

/// The time `micros` microseconds after the Unix epoch, if the platform can
/// represent it.
pub fn micros_to_time(micros: i64) -> Option<SystemTime> {
    let magnitude = Duration::from_micros(micros.unsigned_abs());
    if micros >= 0 {
        UNIX_EPOCH.checked_add(magnitude)
    } else {
        UNIX_EPOCH.checked_sub(magnitude)
    }
}

/// The current time, cut to the microsecond precision the log stores, both
/// as a time and as stored microseconds.
pub fn now() -> (SystemTime, i64) {
    stamp(None)
}

/// The time an append records: the one it asked for
/// ([`Append::recorded_at`](crate::Append::recorded_at)) or now, cut to
/// microseconds, both as a time and as stored microseconds.
pub fn stamp(asked: Option<SystemTime>) -> (SystemTime, i64) {
    let time = asked.unwrap_or_else(SystemTime::now);
    // After the epoch (every clock this runs on): drop the nanoseconds
    // below the microsecond, without a round trip through a division.
    if let Ok(after) = time.duration_since(UNIX_EPOCH)
        && let Ok(micros) = i64::try_from(after.as_micros())
    {
        let below = Duration::from_nanos(u64::from(after.subsec_nanos() % 1_000));
        return (time - below, micros);
    }
    let micros = time_to_micros(time);
    let time = micros_to_time(micros).unwrap_or(time);
    (time, micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_round_trip() {
        for micros in [0, 1, -1, 1_700_000_000_123_456, -86_400_000_000] {
            let time = micros_to_time(micros).unwrap();
            assert_eq!(time_to_micros(time), micros);
        }
        let (time, micros) = now();
        assert_eq!(time_to_micros(time), micros);
    }

    #[test]
    fn stamps_cut_to_the_microsecond_stored() {
        let nanos = |n: u64| UNIX_EPOCH + Duration::from_nanos(n);
        let before = |n: u64| UNIX_EPOCH - Duration::from_nanos(n);
        let cases = [
            (nanos(0), 0),
            (nanos(999), 0),
            (nanos(1_000), 1),
            (nanos(1_700_000_000_123_456_789), 1_700_000_000_123_456),
            (before(1_000), -1),
            (before(86_400_000_000_000), -86_400_000_000),
        ];
        for (asked, micros) in cases {
            let (time, stored) = stamp(Some(asked));
            assert_eq!(stored, micros, "{asked:?}");
            assert_eq!(Some(time), micros_to_time(micros), "{asked:?}");
        }
        let (time, micros) = stamp(None);
        assert_eq!(
            (time, micros),
            stamp(Some(time)),
            "a stamp is kept as it is"
        );
    }
}
