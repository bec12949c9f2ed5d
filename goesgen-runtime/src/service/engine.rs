//! [`Engine`]: the generic service engine that every generated
//! `<Service>Service` wraps. It runs readonly, append and transaction
//! methods with the semantics of goesgen (see the module docs of
//! [`service`](crate::service)) over any [`ServiceStore`] and any event log.

use std::fmt;
use std::sync::Arc;

use crate::codec::{self, EncodeError, EventKindSet, EventSet};
use crate::log::{Append, AppendCost, Appended, Condition, KindFilter, SharedLog, Subscription};
use crate::personal::{PersonalSpec, SUBJECT_FORGOTTEN};
use crate::record::{NewEvent, Position};
use crate::service::batch::Batcher;
use crate::service::call::CallOptions;
use crate::service::committed::{Committed, Counters, Recorded, ServiceStats, Skipped};
use crate::service::error::ServiceError;
use crate::service::keys::{key_part, replayed};
use crate::service::observe::{ProgressReceiver, Tracker};
use crate::service::options::{ConflictRule, ServiceOptions};
use crate::service::store::{Emitted, MethodCall, ServiceStore};

/// How the engine treats a record of a given kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KindClass {
    /// The service subscribes to it: decode and apply.
    Subscribed,
    /// The schema defines it, the service does not subscribe: pass over it.
    Known,
    /// The schema does not define it.
    Unknown,
}

/// The engine of one service: its store, the log, the options and the
/// service's counters. Generated services hold one; its methods are what
/// their methods call.
///
/// A cheap handle on state shared with the task that drives batched
/// transactions (see the `batch` module): a batch's append and commit
/// run there to their end even if every caller in it goes away.
pub struct Engine<S: ServiceStore> {
    pub(crate) core: Arc<Core<S>>,
}

/// What an [`Engine`] handle shares.
pub(crate) struct Core<S: ServiceStore> {
    pub(crate) store: S,
    pub(crate) log: SharedLog,
    pub(crate) options: ServiceOptions,
    /// Every kind of the schema by name (sorted), and whether the service
    /// subscribes to it.
    pub(crate) kinds: Vec<(&'static str, bool)>,
    /// The subscribed kinds, as a read filter.
    pub(crate) subscribed: KindFilter,
    /// The heads the log publishes: a cheap look at whether there is
    /// anything to catch up with.
    pub(crate) heads: Subscription,
    pub(crate) counters: Counters,
    /// The version last committed, the newest head seen, and the progress
    /// channel.
    pub(crate) tracker: Tracker,
    /// The calls of transaction methods waiting to join a batch.
    pub(crate) batcher: Batcher<S::Write>,
    /// Whether transactions run in batches: more than one call allowed per
    /// batch, and a log whose appends cost a commit.
    pub(crate) batching: bool,
    /// Whether several keyed calls may share an append (the log takes
    /// several keyed parts: [`EventLog::keyed_parts`](crate::EventLog::keyed_parts)).
    pub(crate) keyed_together: bool,
    /// The schema's events with personal properties by name (sorted), to
    /// name them to the log for sealing; empty for most schemas.
    pub(crate) personal: Vec<(&'static str, &'static PersonalSpec)>,
    /// Whether the store hears of forgotten subjects
    /// ([`ServiceStore::FORGETS`] is not empty).
    pub(crate) forgets: bool,
    /// Set once the store's fingerprint was checked (see the `stale`
    /// module): a call tests it with one atomic load.
    pub(crate) checked: tokio::sync::OnceCell<()>,
    /// Rebuilds of the store take turns on it.
    pub(crate) rebuilds: tokio::sync::Mutex<()>,
}

impl<S: ServiceStore> Engine<S> {
    /// Another handle on the same engine, for a task of its own.
    pub(crate) fn handle(&self) -> Self {
        Self {
            core: Arc::clone(&self.core),
        }
    }
}

impl<S: ServiceStore> Engine<S> {
    /// An engine for `store` on `log`.
    pub fn new(store: S, log: SharedLog, options: ServiceOptions) -> Self {
        let all = <<S::Event as EventSet>::Kind as EventKindSet>::ALL;
        // A kind's former names (the schema's `was`) read as the kind.
        let names = |kind: &<S::Event as EventSet>::Kind| {
            std::iter::once(kind.name()).chain(kind.former_names().iter().copied())
        };
        let mut kinds: Vec<(&'static str, bool)> = all
            .iter()
            .flat_map(|kind| names(kind).map(|name| (name, S::SUBSCRIBED.contains(kind))))
            .collect();
        kinds.sort_unstable_by_key(|(name, _)| *name);
        let forgets = !S::FORGETS.is_empty();
        // A store that forgets reads the records that say whom.
        let forgotten = forgets.then_some(SUBJECT_FORGOTTEN);
        let subscribed = KindFilter::kinds(S::SUBSCRIBED.iter().flat_map(names).chain(forgotten));
        let heads = log.subscribe();
        let tracker = Tracker::new(heads.head());
        let batching = options.max_batch_calls > 1 && log.append_cost() == AppendCost::Commit;
        let log_keyed_parts = log.keyed_parts();
        Self {
            core: Arc::new(Core {
                store,
                log,
                options,
                kinds,
                subscribed,
                heads,
                counters: Counters::default(),
                tracker,
                batcher: Batcher::default(),
                batching,
                keyed_together: log_keyed_parts,
                personal: super::personal::personal_kinds::<S::Event>(),
                forgets,
                checked: tokio::sync::OnceCell::new(),
                rebuilds: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.core.store
    }

    /// The event log.
    pub fn log(&self) -> &SharedLog {
        &self.core.log
    }

    /// The options.
    pub fn options(&self) -> &ServiceOptions {
        &self.core.options
    }

    /// The counters since the engine was built, and the projection
    /// version, head and lag as of this engine's last commit (see
    /// [`ServiceStats`]).
    pub fn stats(&self) -> ServiceStats {
        let mut stats = self.core.counters.snapshot();
        self.core.tracker.saw_head(self.core.heads.head());
        let progress = self.core.tracker.current();
        stats.version = progress.version;
        stats.head = progress.head;
        stats.lag = progress.lag();
        stats
    }

    /// A receiver of this engine's progress: the projection version after
    /// each commit (every sync batch of a [`sync`](Self::sync) or
    /// [`follow`](Self::follow), every transaction, every sync of an
    /// append's own events) and the newest head of the log known then. A
    /// long catch-up can be shown with it (a progress bar from `version`
    /// and `head`).
    pub fn progress(&self) -> ProgressReceiver {
        self.core.tracker.subscribe()
    }

    /// Notes that the store committed (or holds) `version`, and publishes
    /// the progress.
    pub(crate) fn committed_version(&self, version: Position) -> Position {
        self.core.tracker.committed(version, self.core.heads.head());
        version
    }

    /// The records passed over while catching up since the engine was
    /// built (the first 1,000; [`ServiceStats::skipped`] counts them all).
    pub fn skipped(&self) -> Vec<Skipped> {
        self.core.counters.skipped()
    }

    pub(crate) fn classify(&self, kind: &str) -> KindClass {
        match self
            .core
            .kinds
            .binary_search_by(|(name, _)| (*name).cmp(kind))
        {
            Ok(index) if self.core.kinds[index].1 => KindClass::Subscribed,
            Ok(_) => KindClass::Known,
            Err(_) => KindClass::Unknown,
        }
    }

    /// Runs a readonly method: read transaction, call, output. In a
    /// `debug` span `call` with `service`, `method` and `kind`.
    #[tracing::instrument(
        level = "debug",
        name = "call",
        skip_all,
        fields(service = S::SERVICE, method = C::NAME, kind = "readonly")
    )]
    pub async fn run_readonly<C>(&self, call: &C) -> Result<C::Output, ServiceError<C::Error>>
    where
        C: MethodCall<S::Read>,
    {
        if !self.is_checked() {
            self.check().await.map_err(ServiceError::widen)?;
        }
        let mut txn = self.core.store.begin_read().await?;
        let output = call
            .call(&mut txn)
            .await
            .map_err(ServiceError::from_method)?;
        drop(txn);
        Ok(output)
    }

    /// Runs an append method: call it on a read transaction, append its
    /// events unconditionally (with the call's idempotency key), then (with
    /// `sync_after_push`) apply them.
    ///
    /// An append method takes no write transaction, so its events are not
    /// judged by the store before they are appended: one the store refuses
    /// is reported as [`ServiceError::Unsynced`] (it is in the log), and
    /// later syncs stop on it as [`ServiceError::Apply`] unless the options
    /// skip it. Use a transaction method where the store must judge.
    ///
    /// In a `debug` span `call` with `service`, `method`, `kind`, and once
    /// appended `attempts` (1) and the positions `first` and `last`.
    #[tracing::instrument(
        level = "debug",
        name = "call",
        skip_all,
        fields(
            service = S::SERVICE,
            method = C::NAME,
            kind = "append",
            attempts = tracing::field::Empty,
            first = tracing::field::Empty,
            last = tracing::field::Empty,
        )
    )]
    pub async fn run_append<C, O, E>(
        &self,
        call: &C,
        options: &CallOptions,
    ) -> Result<Committed<O, E>, ServiceError<C::Error>>
    where
        C: MethodCall<S::Read, Output = (O, Vec<E>)>,
        E: Emitted<S::Event>,
        O: Send,
    {
        if !self.is_checked() {
            self.check().await.map_err(ServiceError::widen)?;
        }
        let decided = {
            let mut txn = self.core.store.begin_read().await?;
            call.call(&mut txn).await
        };
        let (output, events) = match decided {
            Ok(decided) => decided,
            // A repeat may refuse on its own first effect: its key says.
            // (Append methods are not judged against the log: no stale
            // look.)
            Err(error) => {
                let error = ServiceError::from_method(error);
                return Err(self.repeat_of(&error, options).await.unwrap_or(error));
            }
        };
        if events.is_empty() && options.key.is_none() {
            let head = self.core.heads.head();
            return Ok(self.committed(output, events, self.empty_after(head), 1));
        }
        // The events the service subscribes to are kept (copied) to be
        // applied once appended; the rest are only encoded.
        let mut batch = Vec::with_capacity(events.len());
        let mut own: Vec<(usize, S::Event)> = Vec::new();
        let mut back = Vec::with_capacity(events.len());
        for (index, emitted) in events.into_iter().enumerate() {
            let (event, encoded) = self.encode(emitted)?;
            batch.push(encoded);
            if self.core.options.sync_after_push && S::SUBSCRIBED.contains(&event.kind()) {
                own.push((index, event.clone()));
            }
            back.push(self.take_back(event)?);
        }
        let events = back;
        // The log's time of commit, unless the options set a clock.
        let mut append = self
            .with_seals(Append::new(batch).encoded())
            .map_err(ServiceError::Log)?;
        append.recorded_at = self.core.options.clock.set_time();
        let appended = match key_part(append.events.len(), options) {
            None => self
                .core
                .log
                .append_with(append)
                .await
                .map_err(ServiceError::Log)?,
            Some(part) => {
                let append = append.parts(vec![part]);
                let outcome = self
                    .core
                    .log
                    .append_parts(append)
                    .await
                    .map_err(ServiceError::Log)?;
                let record = &outcome.parts[0];
                if record.appended.replayed {
                    return Err(replayed(record, options));
                }
                record.appended
            }
        };
        if appended.is_empty() {
            // A keyed call that emitted nothing: its key is recorded.
            return Ok(self.committed(output, events, appended, 1));
        }
        record_appended(&appended);
        record_attempts(1, 0);
        self.core.counters.commit();
        if self.core.options.sync_after_push {
            self.sync_own(&appended, own)
                .await
                .map_err(|source| unsynced(appended, source))?;
        }
        Ok(self.committed(output, events, appended, 1))
    }

    /// The condition a transaction decided at `version` appends on.
    pub(crate) fn condition(&self, version: Position) -> Condition {
        match (self.core.options.conflict_rule, &self.core.subscribed) {
            (ConflictRule::Strict, _) | (ConflictRule::Subscribed, KindFilter::All) => {
                Condition::HeadIs(version)
            }
            (ConflictRule::Subscribed, KindFilter::Kinds(kinds)) => Condition::NoneOfKindsAfter {
                kinds: kinds.clone(),
                after: version,
            },
        }
    }

    /// Moves an event a method emitted into the schema's event enum and
    /// encodes it for the log.
    pub(crate) fn encode<E, M>(&self, emitted: E) -> Result<(S::Event, NewEvent), ServiceError<M>>
    where
        E: Emitted<S::Event>,
    {
        let event: S::Event = emitted.into();
        let encoded = codec::to_new_event(&event)?;
        Ok((event, encoded))
    }

    /// Moves an event back into the method's own type, for its caller (see
    /// [`Emitted`]).
    pub(crate) fn take_back<E, M>(&self, event: S::Event) -> Result<E, ServiceError<M>>
    where
        E: Emitted<S::Event>,
    {
        let kind = event.kind().name();
        E::try_from(event).map_err(|_| ServiceError::Encode(EncodeError::not_emitted(kind)))
    }

    /// Applies the service's own just-appended events in `txn`, whose
    /// projection is at `version`: directly (no read) when the batch
    /// follows the version at once, else by catching up with the log, which
    /// holds the events too. A refusal is [`ServiceError::Apply`] at the
    /// event's position.
    pub(crate) async fn apply_own<M>(
        &self,
        txn: &mut S::Write,
        version: Position,
        appended: &Appended,
        own: Vec<(usize, S::Event)>,
    ) -> Result<Position, ServiceError<M>> {
        if version >= appended.last {
            return Ok(version);
        }
        if appended.first != version + 1 {
            return self.catch_up(txn, version).await;
        }
        for (index, event) in &own {
            let at = Recorded {
                position: appended.first + *index as Position,
                recorded_at: appended.recorded_at,
            };
            self.core
                .store
                .apply(txn, &at, event)
                .await
                .map_err(|source| ServiceError::Apply {
                    position: at.position,
                    kind: event.kind().name().to_owned(),
                    source,
                })?;
        }
        self.core.store.set_version(txn, appended.last).await?;
        Ok(appended.last)
    }

    /// After an append without condition: applies the own events in a
    /// write transaction of their own.
    async fn sync_own<M>(
        &self,
        appended: &Appended,
        own: Vec<(usize, S::Event)>,
    ) -> Result<(), ServiceError<M>> {
        let mut txn = self.core.store.begin_write().await?;
        let applied = match self.core.store.version(&mut txn).await {
            Ok(version) => self.apply_own(&mut txn, version, appended, own).await,
            Err(error) => Err(error.into()),
        };
        let version = self.finish(txn, applied).await?;
        self.committed_version(version);
        Ok(())
    }

    /// Commits `txn` if `result` is a success, else rolls it back.
    pub(crate) async fn finish<T, M>(
        &self,
        txn: S::Write,
        result: Result<T, ServiceError<M>>,
    ) -> Result<T, ServiceError<M>> {
        match result {
            Ok(value) => {
                self.core.store.commit(txn).await?;
                Ok(value)
            }
            Err(error) => {
                self.rollback(txn).await;
                Err(error)
            }
        }
    }

    /// Rolls `txn` back; a failure is logged (the error that caused the
    /// rollback is the one to report).
    pub(crate) async fn rollback(&self, txn: S::Write) {
        if let Err(error) = self.core.store.rollback(txn).await {
            tracing::warn!(service = S::SERVICE, %error, "store rollback failed");
        }
    }

    /// An empty batch after `position`, at the time of the options' clock.
    pub(crate) fn empty_after(&self, position: Position) -> Appended {
        Appended {
            first: position + 1,
            last: position,
            recorded_at: self.core.options.clock.now().0,
            replayed: false,
        }
    }

    pub(crate) fn committed<O, E>(
        &self,
        output: O,
        events: Vec<E>,
        appended: Appended,
        attempts: u32,
    ) -> Committed<O, E> {
        Committed {
            output,
            events,
            appended,
            attempts,
        }
    }
}

/// Records a call's appended positions on the current span (the call's).
pub(crate) fn record_appended(appended: &Appended) {
    // The call spans are at debug level: below it there is no span to
    // record on, and finding the current one costs a lookup per call.
    if !tracing::level_enabled!(tracing::Level::DEBUG) {
        return;
    }
    let span = tracing::Span::current();
    if !appended.is_empty() {
        span.record("first", appended.first);
        span.record("last", appended.last);
    }
}

/// Records how many times a call was attempted and met a conflict on the
/// current span (the call's; a span without `conflicts` ignores it). Done
/// once, as the call ends: a subscriber that prints spans keeps every
/// value recorded.
pub(crate) fn record_attempts(attempts: u32, conflicts: u32) {
    if !tracing::level_enabled!(tracing::Level::DEBUG) {
        return;
    }
    let span = tracing::Span::current();
    span.record("attempts", attempts);
    span.record("conflicts", conflicts);
}

pub(crate) fn unsynced<M>(appended: Appended, source: ServiceError<M>) -> ServiceError<M> {
    tracing::warn!(
        first = appended.first,
        last = appended.last,
        "events appended but not applied to the store; the next sync applies them"
    );
    ServiceError::Unsynced {
        appended,
        source: Box::new(source),
    }
}

impl<S: ServiceStore> fmt::Debug for Engine<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Engine")
            .field("service", &S::SERVICE)
            .field("options", &self.core.options)
            .field("subscribed", &self.core.subscribed)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}
