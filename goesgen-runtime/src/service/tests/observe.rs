//! Seeing what a service does: the progress channel during a long sync and
//! after transactions, the lag in the stats, and the spans of calls and
//! syncs with the fields they record.

use std::collections::BTreeMap;
use std::sync::Mutex;

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

use super::*;

// ---- a store that lets other tasks run between catch-up batches ------------

/// The test store, yielding to the runtime before each write transaction:
/// on a current-thread runtime a task watching the progress channel then
/// sees the version of every committed batch.
#[derive(Clone, Default)]
pub(super) struct Yielding(pub(super) Store);

impl crate::Store for Yielding {
    type Write = Write;
    type Read = OwnedRwLockReadGuard<State>;

    async fn begin_write(&self) -> Result<Write, StoreError> {
        tokio::task::yield_now().await;
        self.0.begin_write().await
    }
    async fn begin_read(&self) -> Result<Self::Read, StoreError> {
        self.0.begin_read().await
    }
    async fn commit(&self, txn: Write) -> Result<(), StoreError> {
        self.0.commit(txn).await
    }
    async fn rollback(&self, txn: Write) -> Result<(), StoreError> {
        self.0.rollback(txn).await
    }
    async fn read_version(&self, txn: &mut Self::Read) -> Result<Position, StoreError> {
        self.0.read_version(txn).await
    }
    async fn version(&self, txn: &mut Write) -> Result<Position, StoreError> {
        self.0.version(txn).await
    }
    async fn set_version(&self, txn: &mut Write, version: Position) -> Result<(), StoreError> {
        self.0.set_version(txn, version).await
    }
}

impl ServiceStore for Yielding {
    type Event = Event;
    const SERVICE: &'static str = "Counters";
    const SUBSCRIBED: &'static [Kind] = &[Kind::Counted];

    async fn apply(&self, txn: &mut Write, at: &Recorded, event: &Event) -> Result<(), StoreError> {
        self.0.apply(txn, at, event).await
    }
}

/// A log of `events` records, every tenth one a `Noted` the service passes
/// over, appended in batches of 1,000.
async fn long_log(events: u64) -> crate::SharedLog {
    let log = MemoryLog::shared();
    let mut batch = Vec::new();
    for n in 1..=events {
        batch.push(if n % 10 == 0 {
            noted("ten")
        } else {
            counted("c", n)
        });
        if batch.len() == 1_000 {
            log.append(std::mem::take(&mut batch), Condition::None)
                .await
                .unwrap();
        }
    }
    if !batch.is_empty() {
        log.append(batch, Condition::None).await.unwrap();
    }
    log
}

#[tokio::test]
async fn a_long_sync_publishes_each_batch_and_ends_at_the_head() {
    let log = long_log(10_000).await;
    let engine = Engine::new(
        Yielding::default(),
        log.clone(),
        ServiceOptions::default().read_batch(500).sync_batch(500),
    );
    let mut progress = engine.progress();
    assert_eq!(*progress.borrow_and_update(), Progress::default_at(10_000));
    let watcher = tokio::spawn(async move {
        let mut seen = Vec::new();
        while progress.changed().await.is_ok() {
            let now = *progress.borrow_and_update();
            seen.push(now);
            if now.is_current() {
                break;
            }
        }
        seen
    });
    let version = engine.sync::<Infallible>().await.unwrap();
    assert_eq!(version, 10_000);
    let seen = watcher.await.unwrap();

    let versions: Vec<Position> = seen.iter().map(|p| p.version).collect();
    assert!(
        versions.windows(2).all(|pair| pair[0] < pair[1]),
        "the versions only go up: {versions:?}"
    );
    assert_eq!(versions.last(), Some(&10_000), "it ends at the head");
    assert!(seen.iter().all(|p| p.head == 10_000), "{seen:?}");
    // The store yields before each batch, so every committed batch is seen.
    let batches: Vec<Position> = (1..=20).map(|n| n * 500).collect();
    assert_eq!(versions, batches);
}

impl Progress {
    /// What a new engine publishes on a log at `head`.
    fn default_at(head: Position) -> Self {
        Self {
            version: 0,
            head,
            rebuilding: None,
        }
    }
}

#[tokio::test]
async fn the_lag_is_the_head_minus_the_version_and_zero_after_a_sync() {
    let log = long_log(10_000).await;
    let (engine, _store) = engine(&log, ServiceOptions::default());
    let before = engine.stats();
    assert_eq!((before.version, before.head), (0, 10_000));
    assert_eq!(before.lag, before.head - before.version);

    engine.sync::<Infallible>().await.unwrap();
    let after = engine.stats();
    assert_eq!((after.version, after.head, after.lag), (10_000, 10_000, 0));
    assert!(engine.progress().borrow().is_current());

    // Another writer appends: the head moves, the projection does not.
    log.append(vec![counted("c", 1), noted("x")], Condition::None)
        .await
        .unwrap();
    let behind = engine.stats();
    assert_eq!(
        (behind.version, behind.head, behind.lag),
        (10_000, 10_002, 2)
    );
    engine.sync::<Infallible>().await.unwrap();
    assert_eq!(engine.stats().lag, 0);
}

#[tokio::test]
async fn writes_publish_the_version_they_commit() {
    let log = MemoryLog::shared();
    let (writer, _store) = engine(&log, ServiceOptions::default());
    let progress = writer.progress();
    let committed = writer
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(progress.borrow().version, committed.appended.last);
    let appended = writer
        .run_append(&CountBlindly("a".into()), &CallOptions::new())
        .await
        .unwrap();
    assert_eq!(appended.appended.last, 2);
    assert_eq!(
        (progress.borrow().version, progress.borrow().head),
        (2, 2),
        "the append's own events were synced"
    );
    assert_eq!(writer.stats().lag, 0);

    // Without sync_after_push the projection stays behind its own write.
    let (behind, _store) = engine(&log, ServiceOptions::default().sync_after_push(false));
    behind.sync::<Infallible>().await.unwrap();
    behind
        .run_transaction(&Count::new(&*log, "a"), &CallOptions::new())
        .await
        .unwrap();
    let stats = behind.stats();
    assert_eq!((stats.version, stats.head, stats.lag), (2, 3, 1));
}

// ---- spans -----------------------------------------------------------------

/// A span as it closed: its name and fields.
#[derive(Debug, Clone)]
struct Closed {
    name: &'static str,
    fields: BTreeMap<&'static str, String>,
}

impl Closed {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// A layer that keeps every span's fields and lists the spans as they
/// close.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<Closed>>>);

impl Spans {
    fn named(&self, name: &str) -> Vec<Closed> {
        let closed = self.0.lock().unwrap();
        closed.iter().filter(|s| s.name == name).cloned().collect()
    }
}

struct Fields<'a>(&'a mut BTreeMap<&'static str, String>);

impl Visit for Fields<'_> {
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name(), value.to_string());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name(), value.to_owned());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name(), format!("{value:?}"));
    }
}

impl<S> Layer<S> for Spans
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut closed = Closed {
            name: attrs.metadata().name(),
            fields: BTreeMap::new(),
        };
        attrs.record(&mut Fields(&mut closed.fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(closed);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(closed) = span.extensions_mut().get_mut::<Closed>()
        {
            values.record(&mut Fields(&mut closed.fields));
        }
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id)
            && let Some(closed) = span.extensions_mut().remove::<Closed>()
        {
            self.0.lock().unwrap().push(closed);
        }
    }
}

/// A call that names its method, as generated calls do.
struct Named<C>(C);

impl<C: MethodCall<Write>> MethodCall<Write> for Named<C> {
    type Output = C::Output;
    type Error = C::Error;
    const NAME: &'static str = "Count";
    async fn call(
        &self,
        txn: &mut Write,
    ) -> Result<C::Output, crate::service::MethodError<C::Error>> {
        self.0.call(txn).await
    }
}

#[tokio::test]
async fn a_transaction_is_a_span_with_its_method_attempts_and_positions() {
    let spans = Spans::default();
    let _default =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));
    let log = MemoryLog::shared();
    let (engine, _store) = engine(&log, ServiceOptions::default());
    // Someone else counts "b" during the first call: one conflict.
    let count = Named(Count::new(&*log, "a").interfering(counted("b", 1), 1));
    let committed = engine
        .run_transaction(&count, &CallOptions::new())
        .await
        .unwrap();
    assert_eq!((committed.attempts, committed.appended.first), (2, 2));

    let calls = spans.named("call");
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(call.field("service"), Some("Counters"));
    assert_eq!(call.field("method"), Some("Count"));
    assert_eq!(call.field("kind"), Some("transaction"));
    assert_eq!(call.field("attempts"), Some("2"));
    assert_eq!(call.field("conflicts"), Some("1"));
    assert_eq!(call.field("first"), Some("2"));
    assert_eq!(call.field("last"), Some("2"));

    // A readonly call has a span too; a hand-written call keeps the
    // default name.
    assert_eq!(total(&engine, "a").await, 1);
    let calls = spans.named("call");
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[1].field("kind"), Some("readonly"));
    assert_eq!(calls[1].field("method"), Some("call"));
    assert_eq!(calls[1].field("attempts"), None);
}

#[tokio::test]
async fn a_sync_is_a_span_with_where_it_started_ended_and_what_it_applied() {
    let spans = Spans::default();
    let _default =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(spans.clone()));
    let log = long_log(25).await;
    let (engine, _store) = engine(&log, ServiceOptions::default().read_batch(10));
    engine.sync::<Infallible>().await.unwrap();
    engine.sync::<Infallible>().await.unwrap();

    let syncs = spans.named("sync");
    assert_eq!(syncs.len(), 2, "{syncs:?}");
    let fields = |span: &Closed| {
        ["service", "from", "to", "applied"].map(|name| span.field(name).map(str::to_owned))
    };
    // 25 records, 2 of them Noted (10 and 20): 23 applied.
    assert_eq!(
        fields(&syncs[0]),
        [Some("Counters"), Some("0"), Some("25"), Some("23")].map(|f| f.map(str::to_owned))
    );
    assert_eq!(
        fields(&syncs[1]),
        [Some("Counters"), Some("25"), Some("25"), Some("0")].map(|f| f.map(str::to_owned))
    );
}
