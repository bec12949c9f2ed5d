//! Catching a store up with the log: read the records after the projection
//! version, decode and apply those the service subscribes to, pass over the
//! others (or stop at a kind the schema does not define), and move the
//! version. [`Engine::sync`] does it in write transactions of a bounded
//! number of read batches each (up to
//! [`ServiceOptions::sync_batch`](crate::service::ServiceOptions::sync_batch)
//! records or
//! [`sync_batch_bytes`](crate::service::ServiceOptions::sync_batch_bytes)
//! bytes); transactions catch up inside their own. Once a catch-up finds
//! more than one read batch to cover, the next batches are read ahead
//! while the store applies (the `read_ahead` module), a few read batches
//! in memory at a time.
//!
//! A record the store refuses stops the catch-up with
//! [`ServiceError::Apply`] naming it, unless the options say to skip such
//! records ([`RefusedRecords::Skip`]): then the transaction it was applied
//! in is rolled back (the store may have half-applied it), the position is
//! noted, and the batch is read again, passing over it. Positions an
//! operator listed are passed over without being decoded.

use crate::codec::EventSet;
use crate::record::{Position, Record};
use crate::service::committed::{Recorded, SkipCause, Skipped};
use crate::service::engine::{Engine, KindClass};
use crate::service::error::ServiceError;
use crate::service::options::{RefusedRecords, UnknownEvents};
use crate::service::read_ahead::{Batches, Fetched};
use crate::service::store::ServiceStore;

impl<S: ServiceStore> Engine<S> {
    /// Catches the store up with the log: reads it from the projection
    /// version to the head, applies the subscribed events, and returns the
    /// new version. Commits once a transaction has read
    /// [`ServiceOptions::sync_batch`](crate::service::ServiceOptions::sync_batch)
    /// records (reading [`read_batch`](crate::service::ServiceOptions::read_batch)
    /// at a time), so a long log is not applied in one transaction, nor
    /// committed per event; an error rolls back the transaction it
    /// happened in and the version stays before the record that failed
    /// (where the last commit left it).
    ///
    /// Runs in a `debug` span `sync` recording `service`, the version it
    /// started `from`, the version it reached (`to`) and the events it
    /// `applied`; a sync that moved the version logs them at `info`. Each
    /// committed batch is published on [`progress`](Self::progress).
    #[tracing::instrument(
        level = "debug",
        name = "sync",
        skip_all,
        fields(service = S::SERVICE, from = tracing::field::Empty, to = tracing::field::Empty, applied = tracing::field::Empty)
    )]
    pub async fn sync<M>(&self) -> Result<Position, ServiceError<M>> {
        if !self.is_checked() {
            self.check().await.map_err(ServiceError::widen)?;
        }
        let mut from = None;
        let mut applied = 0;
        // Read ahead across the transactions: the next one's first batch
        // is read while this one commits.
        let mut batches = Batches::new();
        // After a refused record is skipped, the next transaction ends
        // just past it: a long transaction read again for each poison
        // record would cost its whole length each time.
        let mut until = None;
        loop {
            let mut txn = self.core.store.begin_write().await?;
            let step = self.sync_step(&mut txn, &mut batches, until.take()).await;
            match self.finish(txn, step).await {
                Ok(step) => {
                    self.committed_version(step.through);
                    let from = *from.get_or_insert(step.from);
                    applied += step.applied;
                    if !step.more {
                        caught_up(S::SERVICE, from, step.through, applied);
                        return Ok(step.through);
                    }
                }
                Err(error) if self.skips_refused(&error) => {
                    if let ServiceError::Apply { position, .. } = error {
                        until = Some(position);
                    }
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Whether `error` is a record the store refused that the options say
    /// to skip; if so, notes it (logged, counted, listed) so that the next
    /// read passes over it. The caller rolls back and reads again.
    pub(crate) fn skips_refused<M>(&self, error: &ServiceError<M>) -> bool {
        let ServiceError::Apply {
            position,
            kind,
            source,
        } = error
        else {
            return false;
        };
        if self.core.options.refused_records != RefusedRecords::Skip {
            return false;
        }
        tracing::error!(
            service = S::SERVICE,
            position,
            kind = %kind,
            error = %source,
            "the store refused a record; skipping it as the options say"
        );
        self.core.counters.skip(Skipped {
            position: *position,
            kind: kind.clone(),
            cause: SkipCause::Refused,
            reason: Some(source.to_string()),
        });
        true
    }

    /// Covers the log after `version` (the projection's in `txn`), taking
    /// its batches from `batches`, until a sync transaction's share was
    /// read ([`ServiceOptions::sync_batch`](crate::service::ServiceOptions::sync_batch)
    /// records or [`sync_batch_bytes`](crate::service::ServiceOptions::sync_batch_bytes))
    /// or the log is covered, and sets the new version; returns it and
    /// whether the log holds more. A rebuild in place replays the log in
    /// such chunks within its one transaction, to publish how far it came
    /// between them.
    pub(crate) async fn cover_some<M>(
        &self,
        txn: &mut S::Write,
        batches: &mut Batches,
        version: Position,
    ) -> Result<(Position, bool), ServiceError<M>> {
        let bound = Bound {
            records: self.core.options.sync_batch,
            bytes: self.core.options.sync_batch_bytes,
        };
        let covered = self.cover(txn, batches, version, bound).await?;
        Ok((covered.through, covered.more))
    }

    /// Whether the record is to be passed over: listed by an operator, or
    /// refused before under [`RefusedRecords::Skip`].
    fn passes_over(&self, record: &Record) -> bool {
        if self.core.options.skip_positions.contains(&record.position) {
            tracing::warn!(
                service = S::SERVICE,
                position = record.position,
                kind = %record.kind,
                "skipping a record listed in the options"
            );
            self.core.counters.skip(Skipped {
                position: record.position,
                kind: record.kind.clone(),
                cause: SkipCause::Listed,
                reason: None,
            });
            return true;
        }
        self.core.counters.was_skipped(record.position)
    }

    /// One transaction's share of a sync: read batches after the version
    /// until `sync_batch` records or `sync_batch_bytes` bytes were read or
    /// the log is covered.
    /// Ends once the records read reach `until` (a position), if given
    /// and sooner.
    async fn sync_step<M>(
        &self,
        txn: &mut S::Write,
        batches: &mut Batches,
        until: Option<Position>,
    ) -> Result<Step, ServiceError<M>> {
        let version = self.core.store.version(txn).await?;
        let records = match until {
            Some(until) if until > version => usize::try_from(until - version)
                .unwrap_or(usize::MAX)
                .min(self.core.options.sync_batch),
            _ => self.core.options.sync_batch,
        };
        let bound = Bound {
            records,
            bytes: self.core.options.sync_batch_bytes,
        };
        let covered = self.cover(txn, batches, version, bound).await?;
        Ok(Step {
            from: version,
            through: covered.through,
            more: covered.more,
            applied: covered.applied,
        })
    }

    /// The projection version as the store has it, read in a read
    /// transaction (it does not wait for a write transaction in flight).
    pub async fn projection_version<M>(&self) -> Result<Position, ServiceError<M>> {
        let mut txn = self.core.store.begin_read().await?;
        let version = self.core.store.read_version(&mut txn).await;
        Ok(self.committed_version(version?))
    }

    /// Brings a write transaction up to date before a method decides in
    /// it: reads its version and catches up to the newest head known
    /// (`known_head`, or a conflict's, beyond the subscription's), or,
    /// under the log's write lock (`locked`), to the head read from the
    /// log, so the decision is on the whole log. Returns the version.
    pub(crate) async fn current<M>(
        &self,
        txn: &mut S::Write,
        known_head: Position,
        locked: bool,
    ) -> Result<Position, ServiceError<M>> {
        let version = self.core.store.version(txn).await?;
        let head = if locked {
            self.core.log.head().await.map_err(ServiceError::Log)?
        } else {
            self.core.heads.head().max(known_head)
        };
        if head <= version {
            return Ok(version);
        }
        // Boxed: a catch-up's state would otherwise be carried by every
        // call's future, and most calls find nothing to catch up with.
        Box::pin(self.catch_up(txn, version)).await
    }

    /// Catches `txn`, whose projection is at `version`, up with the head of
    /// the log and sets the new version; returns it.
    pub(crate) async fn catch_up<M>(
        &self,
        txn: &mut S::Write,
        version: Position,
    ) -> Result<Position, ServiceError<M>> {
        let mut batches = Batches::new();
        Ok(self
            .cover(txn, &mut batches, version, Bound::NONE)
            .await?
            .through)
    }

    /// Reads batches after `version` (the projection's in `txn`) from
    /// `batches` and applies them until at least `records` records or
    /// `bytes` bytes were read or the log is covered, and sets the new
    /// version.
    async fn cover<M>(
        &self,
        txn: &mut S::Write,
        batches: &mut Batches,
        version: Position,
        Bound { records, bytes }: Bound,
    ) -> Result<Covered, ServiceError<M>> {
        let mut covered = Covered {
            through: version,
            more: true,
            applied: 0,
            records: 0,
            bytes: 0,
        };
        while covered.more && covered.records < records && covered.bytes < bytes {
            let batch = self
                .next_batch(batches, covered.through)
                .await
                .map_err(ServiceError::Log)?;
            let read = (batch.records.len(), batch.bytes);
            let applied = self.apply_batch(txn, batch).await?;
            covered = Covered {
                through: applied.through,
                more: applied.more,
                applied: covered.applied + applied.applied,
                records: covered.records + read.0,
                bytes: covered.bytes + read.1,
            };
        }
        if covered.through != version {
            self.core.store.set_version(txn, covered.through).await?;
        }
        Ok(covered)
    }

    /// Applies one fetched batch in `txn` (without setting the version).
    async fn apply_batch<M>(
        &self,
        txn: &mut S::Write,
        batch: Fetched,
    ) -> Result<Covered, ServiceError<M>> {
        self.core.tracker.saw_head(batch.head);
        let mut applied = 0;
        for record in &batch.records {
            if self.passes_over(record) || self.forgotten(txn, record).await? {
                continue;
            }
            match self.classify(&record.kind) {
                KindClass::Subscribed => {
                    let event = S::Event::decode_payload(&record.kind, &record.payload).map_err(
                        |source| ServiceError::Decode {
                            position: record.position,
                            kind: record.kind.clone(),
                            source,
                        },
                    )?;
                    let at = Recorded {
                        position: record.position,
                        recorded_at: record.recorded_at,
                    };
                    self.core
                        .store
                        .apply(txn, &at, &event)
                        .await
                        .map_err(|source| ServiceError::Apply {
                            position: record.position,
                            kind: record.kind.clone(),
                            source,
                        })?;
                    applied += 1;
                }
                KindClass::Known => {}
                KindClass::Unknown => match self.core.options.unknown_events {
                    UnknownEvents::Fail => {
                        return Err(ServiceError::UnknownKind {
                            position: record.position,
                            kind: record.kind.clone(),
                        });
                    }
                    UnknownEvents::Skip => {
                        tracing::debug!(
                            service = S::SERVICE,
                            position = record.position,
                            kind = %record.kind,
                            "skipping an event of a kind the schema does not define"
                        );
                    }
                },
            }
        }
        Ok(Covered {
            through: batch.through,
            more: batch.more(),
            applied,
            records: batch.records.len(),
            bytes: batch.bytes,
        })
    }
}

/// How much one transaction of a catch-up covers, at least (plus one read
/// batch): it commits once it read this many records or bytes.
#[derive(Debug, Clone, Copy)]
struct Bound {
    records: usize,
    bytes: usize,
}

impl Bound {
    /// No bound: the whole log in one transaction.
    const NONE: Bound = Bound {
        records: usize::MAX,
        bytes: usize::MAX,
    };
}

/// What one or more read batches covered.
struct Covered {
    /// How far the log was covered.
    through: Position,
    /// Whether the log holds more.
    more: bool,
    /// The events applied.
    applied: u64,
    /// The records read.
    records: usize,
    /// The bytes of the records read (kinds and payloads).
    bytes: usize,
}

/// One committed batch of a [`sync`](Engine::sync).
struct Step {
    /// The version before it.
    from: Position,
    /// The version after it.
    through: Position,
    /// Whether the log holds more.
    more: bool,
    /// The events applied.
    applied: u64,
}

/// Records a sync's outcome on its span, and logs a sync that moved the
/// version at `info`.
fn caught_up(service: &'static str, from: Position, to: Position, applied: u64) {
    let span = tracing::Span::current();
    span.record("from", from);
    span.record("to", to);
    span.record("applied", applied);
    if to > from {
        tracing::info!(service, from, to, applied, "caught up with the log");
    } else {
        tracing::debug!(service, version = to, "already current");
    }
}
