//! Reads while writing: a read transaction opened, and one ticket looked
//! up in it, while a writer on another thread (its own runtime) runs write
//! transactions of 10,000 title changes back to back, on a projection of
//! 100,000 tickets. Only the reads that began while a write transaction
//! was open count: p50 and p99, on the kit (readers never wait) and on the
//! hand-written undo-log store (readers wait for the writer's lock).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use goesgen::Store as _;

use super::schema::events::TicketTitleChanged;
use super::schema::tickets::TicketsStore as Store;
use super::stats::percentile;
use super::{Clock, TicketTitle, filled, id, micros, service, undo_log_tickets};

/// Tickets in the projection.
const TICKETS: usize = 100_000;
/// Changes in each of the writer's transactions.
const CHANGES: usize = 10_000;
/// How long the reader samples.
const SAMPLING: Duration = Duration::from_secs(3);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Write transactions of [`CHANGES`] title changes until `stop`; `open`
/// tells whether one is open.
async fn write_until<S: Store>(
    store: S,
    mut clock: Clock,
    ids: Arc<Vec<id::Ticket>>,
    author: id::User,
    open: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
) -> usize {
    let title = TicketTitle::new("Renamed").expect("title");
    let mut transactions = 0;
    while !stop.load(Ordering::Relaxed) {
        let mut txn = store.begin_write().await.expect("begin");
        open.store(true, Ordering::SeqCst);
        for n in 0..CHANGES {
            let changed = TicketTitleChanged {
                ticket: ids[(transactions * CHANGES + n * 7919) % ids.len()],
                new_title: title.clone(),
                by: author,
            };
            let at = clock.next();
            store
                .apply_ticket_title_changed(&mut txn, &at, &changed)
                .await
                .expect("apply");
        }
        store.set_version(&mut txn, clock.0).await.expect("version");
        // Open no longer: reads during the commit itself do not count.
        open.store(false, Ordering::SeqCst);
        store.commit(txn).await.expect("commit");
        transactions += 1;
    }
    transactions
}

/// p50, p99 and the longest of the reads begun while a write transaction
/// was open (a read that waits for the writer is one sample however long
/// it waits: see the longest), how many there were, and how many write
/// transactions ran.
fn sample<S, F>(store: S, found: F) -> (Duration, Duration, Duration, usize, usize)
where
    S: Store + Clone,
    F: Fn(&S::Read, &id::Ticket) -> bool,
{
    let reader = runtime();
    let mut clock = Clock(0);
    let (ids, author) = reader.block_on(filled(&store, &mut clock, TICKETS));
    let ids = Arc::new(ids);
    let (open, stop) = (Arc::new(AtomicBool::new(false)), Arc::default());
    let writer = {
        let (store, ids, open, stop) =
            (store.clone(), ids.clone(), open.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            runtime().block_on(write_until(store, clock, ids, author, open, stop))
        })
    };
    let mut latencies = Vec::new();
    reader.block_on(async {
        let started = Instant::now();
        let mut n = 0;
        while started.elapsed() < SAMPLING {
            let ticket = &ids[(n * 104_729) % ids.len()];
            n += 1;
            let during = open.load(Ordering::SeqCst);
            let at = Instant::now();
            let read = store.begin_read().await.expect("read");
            assert!(found(&read, ticket), "a committed ticket is found");
            let took = at.elapsed();
            drop(read);
            if during {
                latencies.push(took);
            }
            if n % 64 == 0 {
                // Let the writer's thread run on a busy machine.
                std::thread::yield_now();
            }
        }
    });
    stop.store(true, Ordering::Relaxed);
    let transactions = writer.join().expect("writer");
    let count = latencies.len();
    if count == 0 {
        return (
            Duration::ZERO,
            Duration::ZERO,
            Duration::ZERO,
            0,
            transactions,
        );
    }
    (
        percentile(&mut latencies, 0.5),
        percentile(&mut latencies, 0.99),
        percentile(&mut latencies, 1.0),
        count,
        transactions,
    )
}

/// Prints the table.
pub fn report() {
    println!();
    println!("## Reads while writing ({TICKETS} tickets, write transactions of {CHANGES} changes)");
    println!();
    println!("| store | reads during a write | p50 | p99 | longest | write transactions |");
    println!("| --- | --- | --- | --- | --- | --- |");
    let rows = [
        (
            "MemoryStore kit, tables (Overlaid)",
            sample(service::tickets::TicketsStore::default(), |read, id| {
                read.ticket(id).is_some()
            }),
        ),
        (
            "hand-written undo log",
            sample(undo_log_tickets::TicketsStore::new(), |read, id| {
                read.ticket(id).is_some()
            }),
        ),
    ];
    for (label, (p50, p99, longest, count, transactions)) in rows {
        println!(
            "| {label} | {count} | {:.2} µs | {:.2} µs | {:.0} µs | {transactions} |",
            micros(p50),
            micros(p99),
            micros(longest)
        );
    }
}
