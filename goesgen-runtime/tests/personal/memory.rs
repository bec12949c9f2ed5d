//! The engine on the memory log: personal values are stored sealed, come
//! back opened to a sync and to a `LogReader`, and read as forgotten once
//! their subject is forgotten, which the store hears of through its hook.

use std::convert::Infallible;
use std::sync::Arc;

use goesgen_runtime::log::{BoxFuture, WriteLock};
use goesgen_runtime::personal::{
    FORGOTTEN_MARKER, Personal, SEALED_MARKER, SUBJECT_FORGOTTEN, Subject,
};
use goesgen_runtime::service::{CallOptions, ServiceError};
use goesgen_runtime::{
    Append, Appended, EventLog, IdempotencyKey, KeyRecord, KindFilter, LogError, MemoryLog,
    Position, ReadBatch, SharedLog, Store as _, Subscription,
};

use super::schema::{self, Event, Register, Rename};
use super::{read_events, register};

const NAME: &str = "Ada Lovelace";

async fn names(
    engine: &goesgen_runtime::service::Engine<schema::UsersStore>,
) -> (Vec<(String, Personal<String>)>, Vec<String>) {
    let users = engine.store().store().begin_read().await.expect("read");
    (
        users.names.clone().into_iter().collect(),
        users.forgotten.clone(),
    )
}

/// A raw read of every record, as stored.
async fn raw(log: &SharedLog) -> Vec<goesgen_runtime::Record> {
    log.read(0, &KindFilter::All, usize::MAX)
        .await
        .expect("read")
        .records
}

#[tokio::test]
async fn the_log_keeps_personal_values_sealed_and_a_sync_opens_them() {
    let log: SharedLog = Arc::new(MemoryLog::new());
    let writer = schema::engine(Arc::clone(&log));
    register(&log, "u-1", NAME).await;
    writer
        .run_transaction(
            &Rename {
                id: "u-1".into(),
                name: "Ada King".into(),
            },
            &CallOptions::default(),
        )
        .await
        .expect("rename");
    let stored = raw(&log).await;
    assert_eq!(stored.len(), 2);
    for record in &stored {
        let text = String::from_utf8_lossy(&record.payload);
        assert!(!text.contains("Ada"), "plaintext stored: {text}");
        assert!(text.contains(SEALED_MARKER), "{text}");
        // What is not personal stays in the clear.
        assert!(text.contains(r#""id":"u-1""#), "{text}");
    }

    // A new store catches up through the log: the values come back opened.
    let reader = schema::engine(Arc::clone(&log));
    reader.sync::<Infallible>().await.expect("sync");
    let (names, forgotten) = names(&reader).await;
    assert_eq!(
        names,
        vec![("u-1".into(), Personal::Known("Ada King".into()))]
    );
    assert!(forgotten.is_empty());
    let events = read_events(&log).await;
    assert!(
        matches!(&events[0], Event::UserRegistered(e) if e.name.known().map(String::as_str) == Some(NAME))
    );
}

#[tokio::test]
async fn after_a_forget_syncs_succeed_values_read_as_forgotten_and_stores_drop_them() {
    let log: SharedLog = Arc::new(MemoryLog::new());
    let writer = schema::engine(Arc::clone(&log));
    register(&log, "u-1", NAME).await;
    register(&log, "u-2", "Grace Hopper").await;
    writer.sync::<Infallible>().await.expect("sync");
    assert_eq!(
        names(&writer).await.0[0],
        ("u-1".into(), Personal::Known(NAME.into()))
    );
    let ada = Subject::new("User", &"u-1").unwrap();
    let forgot = log.forget(&ada).await.expect("forget");
    assert!(forgot.had_key);
    assert_eq!(forgot.record.first, 3);
    let record = &raw(&log).await[2];
    assert_eq!(record.kind, SUBJECT_FORGOTTEN);
    // Forgetting again deletes nothing, and still says so in the log.
    assert!(!log.forget(&ada).await.expect("forget again").had_key);

    // The writer held the name in the clear: its hook drops it.
    writer
        .sync::<Infallible>()
        .await
        .expect("sync after the forget");
    let (held, forgotten) = names(&writer).await;
    assert_eq!(
        held,
        vec![("u-2".into(), Personal::Known("Grace Hopper".into()))]
    );
    assert_eq!(forgotten, vec!["u-1", "u-1"]);

    // A rebuild from the log succeeds; the records read as forgotten.
    let rebuilt = schema::engine(Arc::clone(&log));
    rebuilt.sync::<Infallible>().await.expect("rebuild");
    assert_eq!(self::names(&rebuilt).await.0.len(), 1);
    let events = read_events(&log).await;
    match &events[0] {
        Event::UserRegistered(e) => {
            assert!(e.name.is_forgotten());
            assert_eq!(e.plan, "free", "what is not personal is kept");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&events[1], Event::UserRegistered(e) if e.name.known().is_some()));
    // The opened payload carries the marker the decoder takes.
    let mut opened = raw(&log).await;
    goesgen_runtime::personal::open_records(&*log, &mut opened)
        .await
        .expect("open");
    assert!(String::from_utf8_lossy(&opened[0].payload).contains(FORGOTTEN_MARKER));
}

/// A log of another crate that does not say it seals (the memory log
/// behind it): the engine must not hand it personal values.
struct Plain(MemoryLog);

impl EventLog for Plain {
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
        self.0.lock_writes()
    }
    fn subscribe(&self) -> Subscription {
        self.0.subscribe()
    }
}

#[tokio::test]
async fn a_log_that_keeps_no_keys_is_refused_personal_values() {
    let log: SharedLog = Arc::new(Plain(MemoryLog::new()));
    let engine = schema::engine(Arc::clone(&log));
    let refused = engine
        .run_append(
            &Register {
                id: "u-1".into(),
                name: NAME.into(),
            },
            &CallOptions::default(),
        )
        .await;
    match refused {
        Err(ServiceError::Log(LogError::Config(message))) => {
            assert!(message.contains("personal data"), "{message}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(log.head().await.unwrap(), 0, "nothing was written");
    let subject = Subject::new("User", &"u-1").unwrap();
    assert!(matches!(
        log.forget(&subject).await,
        Err(LogError::Config(_))
    ));
    assert!(matches!(log.data_keys(&[]).await, Err(LogError::Config(_))));
}
