//! `--seed N`: the log filled with N tickets in batches, then the scenario,
//! whose Tickets service catches up with them and reports its progress.

use super::*;
use crate::schema::events::EventKind;

#[tokio::test]
async fn seeding_twice_reuses_the_seeder_and_appends_in_batches() {
    let log = MemoryLog::shared();
    let mut out = Vec::new();
    let first = seed::seed(&log, seed::BATCH + 5, &mut out).await.unwrap();
    assert_eq!(first.tickets, seed::BATCH + 5);
    assert_eq!(
        first.head,
        1 + seed::BATCH + 5,
        "the Seeder, then the tickets"
    );
    let second = seed::seed(&log, 3, &mut out).await.unwrap();
    assert_eq!(second.author, first.author, "the Seeder is found again");
    assert_eq!(second.head, first.head + 3);
    let events = events_in(&log).await;
    let created = events
        .iter()
        .filter(|e| e.kind() == EventKind::TicketCreated)
        .count();
    assert_eq!(created as u64, seed::BATCH + 8);
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("Seeded 3 tickets by Seeder"), "{text}");
}

#[tokio::test]
async fn the_scenario_catches_up_with_2000_seeded_tickets_on_sqlite() {
    let path = fresh_path("seeded");
    let log = goesgen::open_log(&format!("sqlite:{}", path.display()))
        .await
        .unwrap();
    let mut out = Vec::new();
    let seeded = seed::seed(&log, 2_000, &mut out).await.unwrap();
    assert_eq!(seeded.head, 2_001);

    let mut watcher = None;
    let outcome = scenario::run_watched(
        log.clone(),
        crate::service::users::store::in_memory().unwrap(),
        &mut out,
        |mut progress| {
            // The value before the first sync, read here, before the sync
            // starts (the task below may first run after it has begun).
            let first = *progress.borrow_and_update();
            watcher = Some(tokio::spawn(async move {
                // Every value published until the service is dropped (a
                // value not yet seen is delivered before the close).
                let mut seen = vec![first];
                while progress.changed().await.is_ok() {
                    seen.push(*progress.borrow_and_update());
                }
                seen
            }));
        },
    )
    .await
    .unwrap();
    let seen = watcher
        .expect("the scenario hands out the progress")
        .await
        .unwrap();
    let text = String::from_utf8(out).unwrap();

    assert_eq!(outcome.head_at_start, 2_001);
    // The first sync caught up with the seeded tickets and the two users.
    assert!(
        text.contains("Tickets service synced to version 2003 (users: 3, tickets: 2000)"),
        "{text}"
    );
    assert_eq!(outcome.tickets_known, 2_002);
    assert_eq!(
        outcome.head_at_end, 2_009,
        "the eight events of a first run"
    );
    assert_eq!(outcome.attempts, 2, "the conflict is still retried");

    // The versions never go back; a value with the same version has a
    // newer head (the log moved while the projection did not).
    let versions: Vec<u64> = seen.iter().map(|p| p.version).collect();
    assert_eq!(versions[0], 0, "a new in-memory store: {versions:?}");
    assert!(
        seen.windows(2).all(|pair| pair[0].version < pair[1].version
            || (pair[0].version == pair[1].version && pair[0].head < pair[1].head)),
        "{seen:?}"
    );
    assert!(
        versions.contains(&2_003),
        "the first sync's end: {versions:?}"
    );
    assert_eq!(
        seen.last().map(|p| (p.version, p.head)),
        Some((2_009, 2_009)),
        "the last sync ended at the head"
    );
}
