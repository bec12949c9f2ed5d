//! The log underneath: a log that fails (a failed append rolls back and can
//! be retried; `follow` retries an unavailable log).

use super::*;

/// A MemoryLog whose next `read_failures` reads and `append_failures`
/// appends fail as unavailable, and that counts its reads (the reads
/// counted from `fail_reads_from` on fail too, if it is not 0).
pub(super) struct FlakyLog {
    inner: MemoryLog,
    pub(super) read_failures: AtomicU32,
    append_failures: AtomicU32,
    /// The reads begun (failed or not).
    pub(super) reads: tokio::sync::watch::Sender<u32>,
    pub(super) fail_reads_from: AtomicU32,
}

impl FlakyLog {
    pub(super) fn shared(read_failures: u32, append_failures: u32) -> Arc<Self> {
        Arc::new(Self {
            inner: MemoryLog::new(),
            read_failures: AtomicU32::new(read_failures),
            append_failures: AtomicU32::new(append_failures),
            reads: tokio::sync::watch::Sender::new(0),
            fail_reads_from: AtomicU32::new(0),
        })
    }
}

fn take_failure(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

fn unavailable() -> crate::LogError {
    crate::LogError::Unavailable {
        message: "flaky".into(),
        source: None,
    }
}

impl EventLog for FlakyLog {
    fn head(&self) -> crate::log::BoxFuture<'_, Result<Position, crate::LogError>> {
        self.inner.head()
    }
    fn read<'a>(
        &'a self,
        after: Position,
        filter: &'a crate::KindFilter,
        limit: usize,
    ) -> crate::log::BoxFuture<'a, Result<crate::ReadBatch, crate::LogError>> {
        let mut read = 0;
        self.reads.send_modify(|reads| {
            *reads += 1;
            read = *reads;
        });
        let from = self.fail_reads_from.load(Ordering::SeqCst);
        if take_failure(&self.read_failures) || (from != 0 && read >= from) {
            return Box::pin(std::future::ready(Err(unavailable())));
        }
        self.inner.read(after, filter, limit)
    }
    fn append_with(
        &self,
        append: crate::Append,
    ) -> crate::log::BoxFuture<'_, Result<crate::Appended, crate::LogError>> {
        if take_failure(&self.append_failures) {
            return Box::pin(std::future::ready(Err(unavailable())));
        }
        self.inner.append_with(append)
    }
    fn find_key<'a>(
        &'a self,
        key: &'a crate::IdempotencyKey,
    ) -> crate::log::BoxFuture<'a, Result<Option<crate::KeyRecord>, crate::LogError>> {
        self.inner.find_key(key)
    }
    fn lock_writes(
        &self,
    ) -> crate::log::BoxFuture<'_, Result<Box<dyn crate::WriteLock + '_>, crate::LogError>> {
        self.inner.lock_writes()
    }
    fn subscribe(&self) -> crate::Subscription {
        self.inner.subscribe()
    }
}

#[tokio::test]
async fn a_failed_append_rolls_back_and_is_retryable() {
    let flaky = FlakyLog::shared(0, 1);
    flaky
        .append(vec![counted("a", 4)], Condition::None)
        .await
        .unwrap_err();
    flaky
        .append(vec![counted("a", 4)], Condition::None)
        .await
        .unwrap();
    flaky.append_failures.store(1, Ordering::SeqCst);
    let log: crate::SharedLog = flaky.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let error = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(error, ServiceError::Log(_)), "{error}");
    assert!(error.is_retryable());
    assert_eq!(log.head().await.unwrap(), 1);
    assert_eq!(
        store.snapshot().await,
        State::default(),
        "catch-up rolled back"
    );
    let committed = engine
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(committed.output, 5);
}

#[tokio::test]
async fn follow_retries_an_unavailable_log() {
    let flaky = FlakyLog::shared(3, 0);
    flaky
        .append(vec![counted("a", 1)], Condition::None)
        .await
        .unwrap();
    let log: crate::SharedLog = flaky.clone();
    let (engine, store) = engine(&log, ServiceOptions::default());
    let engine = Arc::new(engine);
    let follower = tokio::spawn({
        let engine = engine.clone();
        async move { engine.follow::<Infallible>().await }
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while store.snapshot().await.version < 1 {
        assert!(
            !follower.is_finished(),
            "follow gave up on an unavailable log"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "follow never caught up"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(flaky.read_failures.load(Ordering::SeqCst), 0);
    follower.abort();
}
