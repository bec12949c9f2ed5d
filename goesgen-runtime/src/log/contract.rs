//! The [`EventLog`] trait itself, with the promises every backend keeps,
//! and the [`AppendCost`] hint it gives the service engine.

use super::{
    Append, Appended, AppendedParts, BoxFuture, Condition, IdempotencyKey, KeyRecord, KindFilter,
    ReadBatch, Subscription, WriteLock,
};
use crate::error::LogError;
use crate::personal::{DataKeys, Forgot, KeyId, Subject};
use crate::record::{NewEvent, Position};

/// What one append costs beyond its events: a hint for writers that can
/// let several callers share one append. The service engine batches
/// concurrent transactions only where an append costs more than handing a
/// transaction from one task to another (see
/// [`ServiceOptions::max_batch_calls`](crate::ServiceOptions::max_batch_calls)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AppendCost {
    /// About what a task switch costs, or less: the memory log. Sharing an
    /// append saves nothing there, and the hand-offs a shared append needs
    /// cost more than they save.
    Negligible,
    /// A commit: an fsync, a round trip to a server (the SQLite and
    /// PostgreSQL logs, and the default for any other log).
    Commit,
}

/// The one shared, totally ordered event log.
///
/// Promises every backend keeps (and the conformance suite checks):
/// - positions are 1, 2, 3, ... in commit order, without gaps; a reader that
///   has seen position P and reads after P never misses an event;
/// - an append writes its whole batch at consecutive positions or nothing,
///   and only if its [`Condition`] holds at the moment it commits;
/// - an empty batch writes nothing and succeeds whatever the condition;
/// - an append whose idempotency key is in the log writes nothing and
///   returns the positions of the append that first used the key,
///   whatever its condition;
/// - an append with parts ([`append_parts`](Self::append_parts)) is
///   judged once, against the log before it: a part whose key is in the
///   log, or used by an earlier part of the same append, writes nothing
///   and gets the first use's [`KeyRecord`]; the other parts are written
///   in order at consecutive positions, each keyed one recording its key
///   with its own sub-range and [`Fingerprint`](super::Fingerprint) (a
///   keyed part without events records an empty range); if the condition fails and anything
///   would be written, nothing is (a conflict), and an append that would
///   write nothing (every part replayed, or no events and no keys)
///   succeeds whatever its condition;
/// - a key once recorded is kept with its sub-range and fingerprint for
///   as long as the log, and [`find_key`](Self::find_key) returns them;
/// - an event over the log's [`LogLimits`](crate::LogLimits) is refused
///   alone, and a read returns at most its byte budget;
/// - a record that cannot be read back is [`LogError::Corrupt`], never a
///   panic;
/// - a handle that has found its log damaged ([`LogError::Corrupt`] from a
///   read, a head, a key lookup, an append, or the check a durable log
///   runs when it is opened) takes no more appends: each one, through
///   [`append_with`](Self::append_with),
///   [`try_append_now`](Self::try_append_now) or
///   [`lock_writes`](Self::lock_writes), is refused with `Corrupt` naming
///   the first damaged position found, until the log is repaired and
///   opened again; reads go on, and report `Corrupt` where they meet the
///   damage ([`MemoryLog`](crate::MemoryLog) holds only what it was given
///   and is never damaged).
pub trait EventLog: Send + Sync + 'static {
    /// The position of the newest event (0 for an empty log).
    fn head(&self) -> BoxFuture<'_, Result<Position, LogError>>;

    /// At most `limit` records after position `after` that pass `filter`, in
    /// order, with the head the read saw. See [`ReadBatch::through`] for how
    /// to continue.
    fn read<'a>(
        &'a self,
        after: Position,
        filter: &'a KindFilter,
        limit: usize,
    ) -> BoxFuture<'a, Result<ReadBatch, LogError>>;

    /// Appends the events of `append` atomically at consecutive positions
    /// if its condition holds, else fails with [`LogError::Conflict`]
    /// having written nothing. With a key already in the log: writes
    /// nothing and returns the first append's positions (see
    /// [`Append::key`]). An append with several [`parts`](Append::parts)
    /// is written as [`append_parts`](Self::append_parts) writes it, and
    /// reported as [`AppendedParts::single`] reports it.
    fn append_with(&self, append: Append) -> BoxFuture<'_, Result<Appended, LogError>>;

    /// Appends the [`parts`](Append::parts) of `append` in one atomic step
    /// (see the promises above), each keyed part under its own key:
    /// where each part was written, or the first use of its key.
    /// [`LogError::Config`] if the parts' lengths do not add up to the
    /// number of events, or if the append has both parts and a key.
    ///
    /// The default goes through [`append_with`](Self::append_with), and
    /// so takes what one append expresses: parts without keys (the
    /// positions written are split among them), or a single keyed part
    /// (whose fingerprint it does not keep: a repeat of its key is then a
    /// duplicate whatever its fingerprint). Anything else is
    /// [`LogError::Config`] without writing. Every backend of this crate
    /// implements it in full, and says so with
    /// [`keyed_parts`](Self::keyed_parts); a log of another crate should
    /// too.
    fn append_parts(&self, mut append: Append) -> BoxFuture<'_, Result<AppendedParts, LogError>> {
        match crate::backend::parts::as_one_append(&mut append) {
            Ok(parts) => Box::pin(async move {
                let appended = self.append_with(append).await?;
                if appended.replayed {
                    // Nothing was written: an empty range after the head.
                    let head = self.head().await?;
                    Ok(crate::backend::parts::replayed_alone(appended, head))
                } else {
                    Ok(crate::backend::parts::split(appended, parts))
                }
            }),
            Err(error) => Box::pin(std::future::ready(Err(error))),
        }
    }

    /// Appends as [`append_with`](Self::append_with) does if the log can
    /// without waiting, else gives `append` back untouched, for
    /// `append_with`. The default gives it back; [`MemoryLog`] appends
    /// unless a write lock is held. A caller on the hot path (the service
    /// engine) thus skips `append_with`'s boxed future where there is
    /// nothing to wait for.
    ///
    /// [`MemoryLog`]: crate::MemoryLog
    #[expect(
        clippy::result_large_err,
        reason = "the append is handed back untouched by design; 128 bytes, moved once"
    )]
    fn try_append_now(&self, append: Append) -> Result<Result<Appended, LogError>, Append> {
        Err(append)
    }

    /// [`append_parts`](Self::append_parts) if the log can without
    /// waiting, else `append` back untouched, as
    /// [`try_append_now`](Self::try_append_now) does for `append_with`.
    /// The default gives it back; [`MemoryLog`] appends unless a write
    /// lock is held.
    ///
    /// [`MemoryLog`]: crate::MemoryLog
    #[expect(
        clippy::result_large_err,
        reason = "the append is handed back untouched by design; 128 bytes, moved once"
    )]
    fn try_append_parts_now(
        &self,
        append: Append,
    ) -> Result<Result<AppendedParts, LogError>, Append> {
        Err(append)
    }

    /// Appends `events` on `condition`, without key:
    /// [`append_with`](Self::append_with) for the common case.
    fn append(
        &self,
        events: Vec<NewEvent>,
        condition: Condition,
    ) -> BoxFuture<'_, Result<Appended, LogError>> {
        self.append_with(Append::new(events).condition(condition))
    }

    /// Where the append (or part) that carried `key` was written, and the
    /// fingerprint it carried, if one did ([`Appended::replayed`] set).
    fn find_key<'a>(
        &'a self,
        key: &'a IdempotencyKey,
    ) -> BoxFuture<'a, Result<Option<KeyRecord>, LogError>>;

    /// Takes the log's write lock (waiting for other writers to finish): no
    /// one else appends until the returned [`WriteLock`] has appended or is
    /// dropped. A service takes it for a transaction that keeps losing to
    /// others, so that it cannot lose again. Hold it briefly.
    fn lock_writes(&self) -> BoxFuture<'_, Result<Box<dyn WriteLock + '_>, LogError>>;

    /// Whether [`append_parts`](Self::append_parts) takes several keyed
    /// parts in one append, with their fingerprints (default `false`, as
    /// the default `append_parts` does not). The service engine puts
    /// several keyed calls in one append only where it does; elsewhere a
    /// keyed call is appended alone. The memory, SQLite and PostgreSQL
    /// logs answer `true`; a wrapper should forward it with
    /// `append_parts`.
    fn keyed_parts(&self) -> bool {
        false
    }

    /// What an append costs beyond its events (default:
    /// [`AppendCost::Commit`]). A log held in memory answers
    /// [`AppendCost::Negligible`].
    fn append_cost(&self) -> AppendCost {
        AppendCost::Commit
    }

    /// Whether the log keeps personal data keys: it seals the events an
    /// [`Append`] names in [`seals`](Append::seals), answers
    /// [`data_keys`](Self::data_keys) and [`forget`](Self::forget).
    /// `false` by default; the service engine refuses to append an event
    /// with personal properties to a log that answers `false`, so that
    /// none is ever stored in the clear.
    fn seals_personal(&self) -> bool {
        false
    }

    /// The data keys of `ids`, unwrapped with the log's master key: those
    /// the log holds (a key that is missing was forgotten, and its values
    /// read as forgotten). [`PersonalError::WrongMasterKey`] if the log's
    /// keys were wrapped by another master key. The default refuses: this
    /// log keeps no personal data keys.
    ///
    /// [`PersonalError::WrongMasterKey`]: crate::personal::PersonalError::WrongMasterKey
    fn data_keys<'a>(&'a self, ids: &'a [KeyId]) -> BoxFuture<'a, Result<DataKeys, LogError>> {
        let _ = ids;
        Box::pin(std::future::ready(Err(no_personal_keys())))
    }

    /// Forgets `subject` for good: deletes its data key (so that every
    /// value sealed with it reads as forgotten) and appends the
    /// runtime's `SubjectForgotten` record
    /// ([`SUBJECT_FORGOTTEN`](crate::personal::SUBJECT_FORGOTTEN)), in one
    /// transaction. Services whose stores hold the subject's data hear of
    /// it through that record. The default refuses: this log keeps no
    /// personal data keys.
    fn forget<'a>(&'a self, subject: &'a Subject) -> BoxFuture<'a, Result<Forgot, LogError>> {
        let _ = subject;
        Box::pin(std::future::ready(Err(no_personal_keys())))
    }

    /// A subscription that wakes when the head moves (including appends by
    /// other processes, where the backend can see them).
    fn subscribe(&self) -> Subscription;
}

/// What a log that keeps no personal data keys answers.
fn no_personal_keys() -> LogError {
    LogError::Config("this log keeps no personal data keys".into())
}
