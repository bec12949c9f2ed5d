//! [`Damage`]: what a log handle remembers once it has found its log
//! damaged. The first [`LogError::Corrupt`] that any read, head, key
//! lookup, append or open check of the handle meets is kept, and from then
//! on every append through the handle (its write locks included) is
//! refused with `Corrupt` naming that first position, until the log is
//! repaired and opened again. Reads go on: they report `Corrupt` where
//! they meet the damage, so repair tools can still read the rest.
//!
//! Shared by the SQLite and PostgreSQL logs. The memory log needs none: it
//! holds only what its own appends put there and never reports `Corrupt`.

use std::future::Future;
use std::sync::{Arc, OnceLock};

use crate::error::LogError;
use crate::log::{Append, Appended, AppendedParts, BoxFuture, WriteLock};
use crate::record::Position;

/// The first damage a log handle found, if any: once set, the handle takes
/// no more appends.
#[derive(Debug, Default)]
pub struct Damage {
    first: OnceLock<(Position, String)>,
}

impl Damage {
    /// A handle's latch after the check its log ran at open: latched if
    /// the check found the log damaged ([`LogError::Corrupt`]), which
    /// leaves the log open for reading; any other error of the check fails
    /// the open.
    pub fn after_open_check(check: Result<(), LogError>) -> Result<Arc<Self>, LogError> {
        let damage = Self::default();
        match damage.note(check) {
            Ok(()) | Err(LogError::Corrupt { .. }) => Ok(Arc::new(damage)),
            Err(error) => Err(error),
        }
    }

    /// `result` as it is, having latched the handle if it is
    /// [`LogError::Corrupt`] (only the first damage found is kept).
    pub fn note<T>(&self, result: Result<T, LogError>) -> Result<T, LogError> {
        if let Err(LogError::Corrupt { position, reason }) = &result
            && self.first.get().is_none()
            && self.first.set((*position, reason.clone())).is_ok()
        {
            tracing::error!(
                position,
                %reason,
                "the event log is damaged: this handle takes no more appends until the log \
                 is repaired and opened again"
            );
        }
        result
    }

    /// `Ok` while no damage was found, else [`LogError::Corrupt`] naming
    /// the first damaged position found: the answer to every append.
    pub fn check(&self) -> Result<(), LogError> {
        match self.first.get() {
            None => Ok(()),
            Some((position, reason)) => Err(LogError::Corrupt {
                position: *position,
                reason: format!(
                    "the log was found damaged ({reason}); it takes no appends until it is \
                     repaired and opened again"
                ),
            }),
        }
    }

    /// Runs a read (or a head, or a key lookup), and latches the handle if
    /// it finds damage.
    pub async fn read<T>(
        &self,
        read: impl Future<Output = Result<T, LogError>>,
    ) -> Result<T, LogError> {
        self.note(read.await)
    }

    /// Runs an append unless the handle is latched, and latches it if the
    /// append finds damage.
    pub async fn append<T>(
        &self,
        append: impl Future<Output = Result<T, LogError>>,
    ) -> Result<T, LogError> {
        self.check()?;
        self.note(append.await)
    }

    /// Takes a write lock with `take` unless the handle is latched (a lock
    /// exists only to append), and wraps it so that its append is refused
    /// if the handle is latched meanwhile, and latches it if it finds
    /// damage.
    pub async fn lock<'a>(
        self: &Arc<Self>,
        take: impl Future<Output = Result<Box<dyn WriteLock + 'a>, LogError>>,
    ) -> Result<Box<dyn WriteLock + 'a>, LogError> {
        self.check()?;
        let lock = self.note(take.await)?;
        Ok(Box::new(LatchedLock {
            lock,
            damage: Arc::clone(self),
        }))
    }
}

/// What a log's open check counted over its positions (`count(*)`,
/// `min`, `max`; the lowest is 1 and the highest 0 for an empty log).
#[derive(Debug, Clone, Copy)]
pub struct Census {
    /// How many records the log holds.
    pub count: i64,
    /// The lowest position stored.
    pub lowest: i64,
    /// The highest position stored: the head.
    pub highest: i64,
}

impl Census {
    /// `Ok` if the positions are exactly 1 to the highest (distinct
    /// positions, as a primary key keeps them, counting to the highest
    /// from 1 leave no room for a gap); else `Err` with the first missing
    /// position when the census alone tells it (`None`: look for it).
    pub fn judge(&self) -> Result<(), Option<Position>> {
        if self.lowest != 1 && self.count > 0 {
            Err(Some(1))
        } else if self.count == self.highest {
            Ok(())
        } else {
            Err(None)
        }
    }

    /// The damage, at `missing`: the first position from 1 where the
    /// record is not there.
    pub fn missing(&self, missing: Position) -> LogError {
        LogError::Corrupt {
            position: missing,
            reason: format!(
                "the positions are not exactly 1 to the head: the log holds {} records at \
                 positions {} to {} (rows were deleted or inserted outside the log)",
                self.count, self.lowest, self.highest
            ),
        }
    }
}

/// The damage of a kind whose stored newest position (what kind
/// conditions are judged on) is not the newest event of that kind: not
/// one record's, so at position 0.
pub fn stale_kind(kind: &str, stored: i64, newest: Option<i64>) -> LogError {
    LogError::Corrupt {
        position: 0,
        reason: format!(
            "the newest position of kind {kind:?} is stored as {stored}, but the newest event \
             of that kind is at {}",
            newest.map_or_else(|| "no position".to_owned(), |p| p.to_string())
        ),
    }
}

/// A backend's write lock whose append goes through the handle's
/// [`Damage`].
struct LatchedLock<'a> {
    lock: Box<dyn WriteLock + 'a>,
    damage: Arc<Damage>,
}

impl WriteLock for LatchedLock<'_> {
    fn append(self: Box<Self>, append: Append) -> BoxFuture<'static, Result<Appended, LogError>> {
        let LatchedLock { lock, damage } = *self;
        if let Err(refused) = damage.check() {
            // Dropping the lock releases it.
            return Box::pin(std::future::ready(Err(refused)));
        }
        let appended = lock.append(append);
        Box::pin(async move { damage.note(appended.await) })
    }

    fn append_parts(
        self: Box<Self>,
        append: Append,
    ) -> BoxFuture<'static, Result<AppendedParts, LogError>> {
        let LatchedLock { lock, damage } = *self;
        if let Err(refused) = damage.check() {
            return Box::pin(std::future::ready(Err(refused)));
        }
        let appended = lock.append_parts(append);
        Box::pin(async move { damage.note(appended.await) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corrupt(position: Position, reason: &str) -> LogError {
        LogError::Corrupt {
            position,
            reason: reason.to_owned(),
        }
    }

    #[test]
    fn the_first_corrupt_is_kept_and_refuses_appends() {
        let damage = Damage::default();
        assert!(damage.check().is_ok());
        let unavailable = LogError::Unavailable {
            message: "busy".to_owned(),
            source: None,
        };
        assert!(damage.note::<()>(Err(unavailable)).is_err());
        assert!(damage.check().is_ok(), "only Corrupt latches");
        assert!(damage.note::<()>(Err(corrupt(6, "a gap"))).is_err());
        assert!(damage.note::<()>(Err(corrupt(3, "later"))).is_err());
        match damage.check() {
            Err(LogError::Corrupt { position, reason }) => {
                assert_eq!(position, 6, "the first damage found");
                assert!(reason.contains("a gap"), "{reason}");
            }
            other => panic!("expected Corrupt at 6, got {other:?}"),
        }
    }

    #[test]
    fn a_census_tells_positions_1_to_the_head_from_damage() {
        let census = |count, lowest, highest| {
            Census {
                count,
                lowest,
                highest,
            }
            .judge()
        };
        assert_eq!(census(0, 1, 0), Ok(()), "empty");
        assert_eq!(census(10, 1, 10), Ok(()), "sound");
        assert_eq!(census(10, 1, 11), Err(None), "a gap: look for it");
        assert_eq!(census(10, 2, 11), Err(Some(1)), "1 is missing");
        assert_eq!(census(10, 0, 9), Err(Some(1)), "a position below 1");
    }

    #[test]
    fn an_open_check_latches_on_damage_and_fails_on_anything_else() {
        let damaged = Damage::after_open_check(Err(corrupt(4, "gap"))).expect("opened");
        assert!(matches!(
            damaged.check(),
            Err(LogError::Corrupt { position: 4, .. })
        ));
        let sound = Damage::after_open_check(Ok(())).expect("opened");
        assert!(sound.check().is_ok());
        assert!(matches!(
            Damage::after_open_check(Err(LogError::Closed)),
            Err(LogError::Closed)
        ));
    }
}
