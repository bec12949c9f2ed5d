//! A log written by version 1's generated code, read with version 2's, on
//! every backend (memory, SQLite, PostgreSQL from `GOESGEN_TEST_POSTGRES`):
//! `Event::verify_log` finds every record readable, a `LogReader` over the
//! log decodes each one in the new shape, and a record nothing covers is
//! listed by position.

use goesgen::{Condition, EventLog, KindFilter, LogReader, MemoryLog, SqliteLog};

use crate::schemas::{v1, v2};
use crate::{TicketDescription, TicketTitle, UserHandle, UserName, id};

/// A day of version 1: a user, a ticket, a title change, the ticket closed.
fn day_of_v1() -> Vec<v1::events::Event> {
    let user = || id::User("u-1".into());
    let ticket = || id::Ticket("t-1".into());
    vec![
        v1::events::UserCreated {
            id: user(),
            name: UserName("Grace Hopper".into()),
        }
        .into(),
        v1::events::TicketCreated {
            id: ticket(),
            title: TicketTitle("Moth in relay".into()),
            description: TicketDescription("Found in panel F".into()),
            author: user(),
        }
        .into(),
        v1::events::TicketTitleChanged {
            ticket: ticket(),
            new_title: TicketTitle("Bug".into()),
            by: user(),
        }
        .into(),
        v1::events::TicketClosed {
            ticket: ticket(),
            by: user(),
        }
        .into(),
    ]
}

/// Writes version 1's day to `log`, checks version 2 reads all of it in
/// the new shape, then appends a record nothing covers and checks it is
/// the one listed.
async fn v2_reads_what_v1_wrote(log: &dyn EventLog) {
    let events = day_of_v1()
        .iter()
        .map(|e| e.to_new_event().unwrap())
        .collect();
    log.append(events, Condition::None).await.unwrap();

    let verdict = v2::events::Event::verify_log(log).await.unwrap();
    assert_eq!(verdict.records, 4);
    assert!(verdict.is_clean(), "{verdict:?}");

    let mut reader = LogReader::new(log, KindFilter::All, 0);
    let mut read = Vec::new();
    while let Some(batch) = reader.next_batch().await.unwrap() {
        for record in batch {
            read.push(v2::events::Event::from_record(&record.kind, &record.payload).unwrap());
        }
    }
    let v2::events::Event::UserCreated(user) = &read[0] else {
        panic!("expected the user first, got {read:?}");
    };
    assert_eq!(user.handle, UserHandle("grace.hopper".into()));
    assert_eq!(
        read[3],
        v2::events::TicketResolved {
            ticket: id::Ticket("t-1".into()),
            resolved_by: id::User("u-1".into()),
            resolution: "unspecified".into(),
        }
        .into()
    );

    // A record no declaration covers: a closed ticket without its ticket.
    let broken = goesgen::NewEvent {
        kind: "TicketClosed".into(),
        payload: br#"{"by":"u-1"}"#.to_vec(),
    };
    log.append(vec![broken], Condition::None).await.unwrap();
    let verdict = v2::events::Event::verify_log(log).await.unwrap();
    assert_eq!(verdict.records, 5);
    let positions: Vec<_> = verdict
        .unreadable
        .iter()
        .map(|u| (u.position, u.kind.as_str(), u.error.field()))
        .collect();
    assert_eq!(positions, [(5, "TicketClosed", Some("ticket"))]);
}

#[tokio::test]
async fn on_the_memory_log() {
    v2_reads_what_v1_wrote(&MemoryLog::new()).await;
}

#[tokio::test]
async fn on_an_sqlite_log() {
    let path = crate::scratch::sqlite_path("evolution", "v1-log");
    let log = SqliteLog::open(&path).await.unwrap();
    v2_reads_what_v1_wrote(&log).await;
}

#[tokio::test]
async fn on_a_postgres_log() {
    let Some(log) = goesgen_postgres::testing::fresh_log("evolution").await else {
        eprintln!("skipped: GOESGEN_TEST_POSTGRES is not set");
        return;
    };
    v2_reads_what_v1_wrote(&log).await;
}

/// Polls `future` once: its output if it finished.
async fn poll_once<F: std::future::Future + Unpin>(future: &mut F) -> Option<F::Output> {
    std::future::poll_fn(|cx| {
        std::task::Poll::Ready(match std::pin::Pin::new(&mut *future).poll(cx) {
            std::task::Poll::Ready(output) => Some(output),
            std::task::Poll::Pending => None,
        })
    })
    .await
}

#[tokio::test]
async fn a_verification_dropped_at_any_await_leaves_the_log_as_it_was() {
    let path = crate::scratch::sqlite_path("evolution", "dropped-verify");
    let log = SqliteLog::open(&path).await.unwrap();
    let events = day_of_v1()
        .iter()
        .map(|e| e.to_new_event().unwrap())
        .collect();
    log.append(events, Condition::None).await.unwrap();
    let whole = v2::events::Event::verify_log(&log).await.unwrap();
    // Drop the verification after 0, 1, 2, ... suspensions, until one
    // finishes before its cut. A read may now and then complete at once;
    // the drill runs again until some verification was dropped pending.
    let mut dropped_pending = 0;
    for _ in 0..50 {
        for cut in 0.. {
            let mut verifying = Box::pin(v2::events::Event::verify_log(&log));
            let mut finished = None;
            for _ in 0..=cut {
                finished = poll_once(&mut verifying).await;
                if finished.is_some() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            drop(verifying);
            assert_eq!(log.head().await.unwrap(), 4, "cut after {cut}");
            assert_eq!(v2::events::Event::verify_log(&log).await.unwrap(), whole);
            match finished {
                Some(verdict) => {
                    assert_eq!(verdict.unwrap(), whole);
                    break;
                }
                None => dropped_pending += 1,
            }
        }
        if dropped_pending > 0 {
            break;
        }
    }
    assert!(dropped_pending > 0, "no verification was ever pending");
}
