//! `--rebuild`: the example's rebuild of a service's projections
//! (`rebuild.rs`), here on the Tickets service's memory store (the Users
//! service's SQLite store rebuilds through the SQLite kit's side of the
//! store contract, tested with the kit): the rebuilt projections hold what
//! the old ones held, at the log's head; a read begun before keeps what it
//! saw; the progress channel ends the rebuild with no rebuild shown.

use super::*;
use goesgen::Store as _;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_of_the_tickets_projections_keeps_every_ticket() {
    let log = MemoryLog::shared();
    let mut out = Vec::new();
    let seeded = seed::seed(&log, 2_500, &mut out).await.unwrap();
    let tickets = TicketsService::new(
        Tickets,
        TicketsStore::default(),
        log.clone(),
        ServiceOptions::default().sync_batch(500),
    );
    assert_eq!(tickets.sync().await.unwrap(), seeded.head);
    let before = tickets.store().begin_read().await.unwrap();
    assert_eq!(before.ticket_count(), 2_500);

    let mut watched = None;
    let version = rebuild::rebuild("Tickets", &tickets, &mut out, |progress| {
        watched = Some(progress);
    })
    .await
    .unwrap();
    assert_eq!(version, seeded.head);
    let after = tickets.store().begin_read().await.unwrap();
    assert_eq!(
        (after.version(), after.ticket_count(), after.user_count()),
        (seeded.head, 2_500, 1)
    );
    assert_eq!(before.ticket_count(), 2_500, "a read keeps what it saw");
    let progress = *watched.expect("handed the progress").borrow();
    assert_eq!(
        (progress.version, progress.rebuilding),
        (seeded.head, None),
        "the rebuild is over"
    );
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(&format!(
            "Rebuilding the Tickets projections from the log ({} events)",
            seeded.head
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "Tickets projections rebuilt to version {}",
            seeded.head
        )),
        "{text}"
    );
    // The service runs on the rebuilt projections.
    let more = seed::seed(&log, 3, &mut Vec::new()).await.unwrap();
    assert_eq!(tickets.sync().await.unwrap(), more.head);
    assert_eq!(
        tickets.store().begin_read().await.unwrap().ticket_count(),
        2_503
    );
}
