//! The runtime's memory log: the conformance suite on `MemoryLog`, plus
//! what is particular to it.

use goesgen_runtime::conformance;

use goesgen_runtime::log::BoxFuture;
use goesgen_runtime::{
    Append, AppendPart, Appended, EventLog, Fingerprint, IdempotencyKey, KeyRecord, KindFilter,
    LogError, MemoryLog, Position, ReadBatch, Subscription, WriteLock,
};

conformance::conformance_tests!(|| async { MemoryLog::shared() });

#[tokio::test]
async fn the_whole_suite_runs_in_sequence() {
    conformance::run_all(|| async { MemoryLog::shared() }).await;
}

#[tokio::test]
async fn memory_logs_are_independent() {
    let one = MemoryLog::new();
    let other = MemoryLog::default();
    one.append(
        vec![conformance::event("A", serde_json::json!({}))],
        Default::default(),
    )
    .await
    .expect("append");
    assert_eq!(one.head().await.expect("head"), 1);
    assert_eq!(other.head().await.expect("head"), 0);
    let batch = other.read(0, &KindFilter::All, 10).await.expect("read");
    assert!(batch.records.is_empty());
}

#[tokio::test]
async fn memory_appends_now_unless_a_write_lock_is_held() {
    let log = MemoryLog::new();
    let event = || vec![conformance::event("A", serde_json::json!({}))];
    let appended = log
        .try_append_now(Append::new(event()))
        .expect("appended at once")
        .expect("append");
    assert_eq!((appended.first, appended.last), (1, 1));
    let lock = log.lock_writes().await.expect("lock");
    assert!(log.try_append_now(Append::new(event())).is_err());
    drop(lock);
    assert!(log.try_append_now(Append::new(event())).is_ok());
    assert_eq!(log.head().await.expect("head"), 2);
}

/// A log of another crate that only takes whole appends (no
/// `append_parts` of its own): the trait's defaults.
struct WholeOnly(MemoryLog);

/// Its write lock, that only takes whole appends too.
struct WholeOnlyLock<'a>(Box<dyn WriteLock + 'a>);

impl WriteLock for WholeOnlyLock<'_> {
    fn append(self: Box<Self>, append: Append) -> BoxFuture<'static, Result<Appended, LogError>> {
        self.0.append(append)
    }
}

impl EventLog for WholeOnly {
    fn head(&self) -> BoxFuture<'_, Result<Position, LogError>> {
        self.0.head()
    }
    fn read<'a>(
        &'a self,
        after: Position,
        filter: &'a KindFilter,
        limit: usize,
    ) -> BoxFuture<'a, Result<ReadBatch, LogError>> {
        self.0.read(after, filter, limit)
    }
    fn append_with(&self, append: Append) -> BoxFuture<'_, Result<Appended, LogError>> {
        self.0.append_with(append)
    }
    fn find_key<'a>(
        &'a self,
        key: &'a IdempotencyKey,
    ) -> BoxFuture<'a, Result<Option<KeyRecord>, LogError>> {
        self.0.find_key(key)
    }
    fn lock_writes(&self) -> BoxFuture<'_, Result<Box<dyn WriteLock + '_>, LogError>> {
        Box::pin(async move {
            let lock: Box<dyn WriteLock + '_> =
                Box::new(WholeOnlyLock(self.0.lock_writes().await?));
            Ok(lock)
        })
    }
    fn subscribe(&self) -> Subscription {
        self.0.subscribe()
    }
}

/// The defaults of `append_parts` take what one whole append expresses:
/// parts without keys (positions split among them), or one keyed part
/// (a replay included; its fingerprint is not kept); anything else is a
/// configuration error that writes nothing. The lock's default takes only
/// parts without keys.
#[tokio::test]
async fn the_default_append_parts_takes_what_one_append_expresses() {
    let log = WholeOnly(MemoryLog::new());
    let events = |n: usize| -> Vec<_> {
        (0..n)
            .map(|_| conformance::event("A", serde_json::json!({})))
            .collect()
    };
    let spans = |appended: &goesgen_runtime::AppendedParts| -> Vec<(Position, Position, bool)> {
        appended
            .parts
            .iter()
            .map(|p| (p.appended.first, p.appended.last, p.appended.replayed))
            .collect()
    };
    let unkeyed = Append::new(events(3)).parts(vec![AppendPart::new(1), AppendPart::new(2)]);
    let appended = log.append_parts(unkeyed.clone()).await.expect("unkeyed");
    assert_eq!(spans(&appended), [(1, 1, false), (2, 3, false)]);
    let key = IdempotencyKey::new("k").expect("key");
    let keyed = || Append::new(events(1)).parts(vec![AppendPart::new(1).key(key.clone())]);
    let appended = log.append_parts(keyed()).await.expect("one keyed part");
    assert_eq!(spans(&appended), [(4, 4, false)]);
    let appended = log.append_parts(keyed()).await.expect("a replay");
    assert_eq!(spans(&appended), [(4, 4, true)]);
    assert_eq!(
        (appended.appended.first, appended.appended.last),
        (5, 4),
        "nothing written"
    );
    // One keyed part with a fingerprint: written, the fingerprint not kept.
    let print = Fingerprint::new("f").expect("fingerprint");
    let printed = IdempotencyKey::new("printed").expect("key");
    let appended = log
        .append_parts(Append::new(events(1)).parts(vec![
            AppendPart::new(1).key(printed.clone()).fingerprint(print),
        ]))
        .await
        .expect("one keyed part with a fingerprint");
    assert_eq!(spans(&appended), [(5, 5, false)]);
    let record = log.find_key(&printed).await.expect("find").expect("kept");
    assert_eq!((record.appended.first, record.fingerprint), (5, None));
    assert!(!log.keyed_parts(), "the default takes one keyed part only");
    let refused = [Append::new(events(2)).parts(vec![
        AppendPart::new(1).key(IdempotencyKey::new("x").expect("key")),
        AppendPart::new(1),
    ])];
    for append in refused {
        assert!(matches!(
            log.append_parts(append.clone()).await,
            Err(LogError::Config(_))
        ));
        let lock = log.lock_writes().await.expect("lock");
        assert!(matches!(
            lock.append_parts(append).await,
            Err(LogError::Config(_))
        ));
    }
    let lock = log.lock_writes().await.expect("lock");
    assert!(matches!(
        lock.append_parts(keyed()).await,
        Err(LogError::Config(_))
    ));
    let lock = log.lock_writes().await.expect("lock");
    let appended = lock.append_parts(unkeyed).await.expect("unkeyed, locked");
    assert_eq!(spans(&appended), [(6, 6, false), (7, 8, false)]);
    assert_eq!(log.head().await.expect("head"), 8);
}
