//! The new futures dropped at each await point: a forget on the SQLite
//! log (the key is deleted exactly when its record is appended), a sync
//! that opens sealed values, and a `LogReader` batch (the cursor stays).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use goesgen_runtime::personal::{MasterKey, Personal, SUBJECT_FORGOTTEN, Subject};
use goesgen_runtime::service::CallOptions;
use goesgen_runtime::{Append, KindFilter, LogReader, MemoryLog, SharedLog, Store as _, codec};

use super::cancel::drop_at_every_await;
use super::schema::{self, Event, Register, UserRegistered};
use super::{fresh_path, open_sqlite};

/// Registers users `u-0` .. `u-{count - 1}` in one append.
async fn register_many(log: &SharedLog, count: usize) {
    let events = (0..count)
        .map(|n| {
            codec::to_new_event(&Event::UserRegistered(UserRegistered {
                id: format!("u-{n}"),
                name: format!("name {n}").into(),
                plan: "free".into(),
            }))
            .unwrap()
        })
        .collect();
    let mut append = Append::new(events);
    for index in 0..count {
        append = append.seal(index, &schema::REGISTERED);
    }
    log.append_with(append).await.expect("register");
}

/// Whether the log holds a `SubjectForgotten` record of `subject`.
async fn forgotten_in_log(log: &SharedLog, subject: &Subject) -> bool {
    let kinds = KindFilter::kinds([SUBJECT_FORGOTTEN]);
    let batch = log.read(0, &kinds, usize::MAX).await.unwrap();
    batch.records.iter().any(|record| {
        goesgen_runtime::personal::forgotten_subject(&record.payload)
            .ok()
            .as_ref()
            == Some(subject)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forget_dropped_at_any_await_deletes_the_key_only_with_its_record() {
    let path = fresh_path("forget-cancelled");
    let master = MasterKey::generate().unwrap();
    let log = open_sqlite(&path, &master).await;
    register_many(&log, 64).await;
    let subject = |n: usize| Subject::new("User", &format!("u-{n}")).unwrap();
    let keys = |n: usize| {
        let connection = rusqlite::Connection::open(&path).unwrap();
        connection
            .query_row(
                "SELECT count(*) FROM goesgen_personal_keys WHERE subject = ?1",
                [subject(n).to_string()],
                |row| row.get::<_, i64>(0),
            )
            .unwrap()
    };
    let drops = drop_at_every_await(
        |n| {
            let log = Arc::clone(&log);
            async move { log.forget(&subject(n)).await }
        },
        async |n, output| {
            if let Some(output) = output {
                assert!(output.expect("forget").had_key);
            }
            // What a dropped forget left running settles one way or the
            // other: the key gone with its record, or both untouched.
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let recorded = forgotten_in_log(&log, &subject(n)).await;
                let kept = keys(n) == 1;
                if recorded != kept {
                    break;
                }
                assert!(kept, "the record of u-{n} was appended but its key kept");
                if Instant::now() > deadline {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        },
    )
    .await;
    assert!(drops >= 1);
}

#[tokio::test]
async fn a_sync_dropped_at_any_await_leaves_the_store_to_sync_again() {
    let log: SharedLog = Arc::new(MemoryLog::new());
    let writer = schema::engine(Arc::clone(&log));
    for n in 0..3 {
        writer
            .run_append(
                &Register {
                    id: format!("u-{n}"),
                    name: format!("name {n}"),
                },
                &CallOptions::default(),
            )
            .await
            .unwrap();
    }
    let forget = Subject::new("User", &"u-0").unwrap();
    log.forget(&forget).await.unwrap();
    drop_at_every_await(
        |_| {
            let engine = schema::engine(Arc::clone(&log));
            async move {
                engine.sync::<Infallible>().await.expect("sync");
                engine
            }
        },
        async |_, output| {
            let engine = match output {
                Some(engine) => engine,
                None => {
                    let engine = schema::engine(Arc::clone(&log));
                    engine.sync::<Infallible>().await.expect("sync again");
                    engine
                }
            };
            let users = engine.store().store().begin_read().await.unwrap();
            assert_eq!(users.names.len(), 2);
            assert_eq!(
                users.names.get("u-1"),
                Some(&Personal::Known("name 1".into()))
            );
            assert_eq!(users.forgotten, vec!["u-0"]);
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_batch_dropped_at_any_await_keeps_its_cursor() {
    let path = fresh_path("reader-cancelled");
    let master = MasterKey::generate().unwrap();
    let log = open_sqlite(&path, &master).await;
    register_many(&log, 5).await;
    let reader = tokio::sync::Mutex::new(LogReader::new(&*log, KindFilter::All, 0));
    drop_at_every_await(
        |_| async {
            let mut reader = reader.lock().await;
            let batch = reader.next_batch().await.expect("read");
            (reader.position(), batch)
        },
        async |_, output| match output {
            // Dropped: the cursor has not moved.
            None => assert_eq!(reader.lock().await.position(), 0),
            Some((position, batch)) => {
                assert_eq!(position, 5);
                let batch = batch.expect("records");
                assert_eq!(batch.len(), 5);
                let first = String::from_utf8_lossy(&batch[0].payload).into_owned();
                assert!(first.contains("name 0"), "opened: {first}");
            }
        },
    )
    .await;
}
