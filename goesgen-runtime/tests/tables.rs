//! The memory kit's transactional collections under load: writers on a
//! multi-threaded runtime moving money between accounts (with savepoints
//! rolled back to, and transactions dropped unfinished) while readers
//! check that each read sees one committed version, whole: every table at
//! the same commit, the money all there, and a read held open across
//! commits unchanged. And eight tasks incrementing one counter lose no
//! update.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use goesgen_runtime::kits::{Overlaid, Set, Table};
use goesgen_runtime::{MemoryStore, Store as _};

const ACCOUNTS: u32 = 64;
const OPENING: i64 = 1_000;

/// Accounts, and per committed version the move it made.
#[derive(Debug, Default)]
struct Bank {
    balances: Table<u32, i64>,
    moves: Table<u64, (u32, u32, i64)>,
    touched: Set<u32>,
}
goesgen_runtime::transactional!(Bank {
    balances,
    moves,
    touched
});

type Store = MemoryStore<Bank, Overlaid>;

/// A small deterministic generator (xorshift), one per task.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

fn opened() -> Store {
    MemoryStore::new(Bank {
        balances: (0..ACCOUNTS).map(|account| (account, OPENING)).collect(),
        ..Bank::default()
    })
}

fn transfer(bank: &mut Bank, from: u32, to: u32, amount: i64) {
    *bank.balances.get_mut(&from).expect("account") -= amount;
    *bank.balances.get_mut(&to).expect("account") += amount;
    bank.touched.insert(from);
    bank.touched.insert(to);
}

/// What every committed version must show.
fn assert_whole(bank: &Bank, version: u64) {
    let total: i64 = bank.balances.values().sum();
    assert_eq!(total, i64::from(ACCOUNTS) * OPENING, "at version {version}");
    assert_eq!(bank.balances.len(), ACCOUNTS as usize);
    assert_eq!(bank.moves.len() as u64, version, "one move per commit");
    let mut recorded = 0;
    for (&at, &(from, to, _)) in bank.moves.iter() {
        assert!(
            at >= 1 && at <= version,
            "move {at} after version {version}"
        );
        assert!(bank.touched.contains(&from) && bank.touched.contains(&to));
        recorded += 1;
    }
    assert_eq!(recorded, version);
}

/// Transactions until `commits` are reached, some rolled back to a
/// savepoint, some dropped unfinished.
async fn write(store: Store, seed: u64, commits: Arc<AtomicU64>, target: u64) {
    let mut dice = Dice(seed);
    while commits.load(Ordering::SeqCst) < target {
        let mut txn = store.begin_write().await.unwrap();
        let (from, to) = (
            dice.roll(ACCOUNTS.into()) as u32,
            dice.roll(ACCOUNTS.into()) as u32,
        );
        let amount = dice.roll(50) as i64 + 1;
        transfer(&mut txn, from, to, amount);
        assert!(store.savepoint(&mut txn).await.unwrap());
        // A move that is taken back: only the first stays.
        transfer(&mut txn, to, from, 1_000_000);
        txn.balances.remove(&0);
        txn.balances.insert(ACCOUNTS + 1, 5);
        store.rollback_to_savepoint(&mut txn).await.unwrap();
        if dice.roll(5) == 0 {
            // Dropped unfinished: nothing of it may show.
            drop(txn);
            tokio::task::yield_now().await;
            continue;
        }
        let version = txn.version() + 1;
        txn.moves.insert(version, (from, to, amount));
        store.set_version(&mut txn, version).await.unwrap();
        tokio::task::yield_now().await;
        store.commit(txn).await.unwrap();
        commits.fetch_add(1, Ordering::SeqCst);
    }
}

/// Reads until the writers are done; every few, one held across commits.
async fn read(store: Store, commits: Arc<AtomicU64>, target: u64) -> u64 {
    let mut reads = 0;
    while commits.load(Ordering::SeqCst) < target {
        let held = store.begin_read().await.unwrap();
        assert_whole(&held, held.version());
        let first = held.balances.get(&7).copied();
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        // Commits came meanwhile; the held read did not move.
        assert_eq!(held.balances.get(&7).copied(), first);
        assert_whole(&held, held.version());
        reads += 1;
    }
    reads
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readers_see_only_whole_committed_versions_while_writers_commit() {
    const COMMITS: u64 = 3_000;
    let store = opened();
    let commits = Arc::new(AtomicU64::new(0));
    let writers: Vec<_> = (1..=4)
        .map(|seed| tokio::spawn(write(store.clone(), seed * 7919, commits.clone(), COMMITS)))
        .collect();
    let readers: Vec<_> = (0..4)
        .map(|_| tokio::spawn(read(store.clone(), commits.clone(), COMMITS)))
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let mut reads = 0;
    for reader in readers {
        reads += reader.await.unwrap();
    }
    assert!(reads > 0, "the readers read");
    let last = store.begin_read().await.unwrap();
    let version = last.version();
    assert!(version >= COMMITS, "every commit counted: {version}");
    assert_whole(&last, version);
    assert!(!last.balances.contains_key(&(ACCOUNTS + 1)), "rolled back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_tasks_incrementing_lose_no_update() {
    let store: MemoryStore<Bank, Overlaid> = MemoryStore::default();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                for _ in 0..500 {
                    let mut txn = store.begin_write().await.unwrap();
                    let count = txn.balances.get(&0).copied().unwrap_or(0);
                    tokio::task::yield_now().await;
                    txn.balances.insert(0, count + 1);
                    let version = txn.version() + 1;
                    store.set_version(&mut txn, version).await.unwrap();
                    store.commit(txn).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let read = store.begin_read().await.unwrap();
    assert_eq!(read.balances.get(&0), Some(&4_000));
    assert_eq!(read.version(), 4_000);
}

#[tokio::test]
async fn a_read_held_across_many_commits_keeps_its_version_and_the_tables_follow() {
    let store = opened();
    let held = store.begin_read().await.unwrap();
    for version in 1..=50 {
        let mut txn = store.begin_write().await.unwrap();
        transfer(&mut txn, 1, 2, 1);
        txn.moves.insert(version, (1, 2, 1));
        store.set_version(&mut txn, version).await.unwrap();
        store.commit(txn).await.unwrap();
    }
    assert_eq!(held.version(), 0);
    assert_eq!(held.balances.get(&1), Some(&OPENING));
    assert_whole(&held, 0);
    let now = store.begin_read().await.unwrap();
    assert_eq!(now.balances.get(&1), Some(&(OPENING - 50)));
    assert_eq!(now.balances.get(&2), Some(&(OPENING + 50)));
    assert_whole(&now, 50);
    // The held read pinned one spare map: a few whole copies, not one per
    // commit.
    assert!(
        now.balances.full_copies() <= 2,
        "{}",
        now.balances.full_copies()
    );
}

/// A table and a std map changed alike by random operations, with
/// commits, savepoints rolled back to and writes dropped: after each
/// commit the table equals the model, and every earlier committed version
/// still held equals its own snapshot (the spare's catch-up and the full
/// copies included).
#[test]
fn a_table_follows_a_plain_map_through_random_transactions() {
    use goesgen_runtime::kits::Transactional;
    use std::collections::HashMap;

    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let mut model: HashMap<u8, u32> = HashMap::new();
    let mut committed: Table<u8, u32> = Table::new();
    let mut held: Vec<(Table<u8, u32>, HashMap<u8, u32>)> = Vec::new();
    for round in 0..2_000 {
        let mut write = committed.begin_write();
        let mut written = model.clone();
        let mut saved: Option<HashMap<u8, u32>> = None;
        for _ in 0..dice.roll(12) {
            let key = dice.roll(24) as u8;
            match dice.roll(6) {
                0 | 1 => {
                    let value = dice.roll(1_000) as u32;
                    assert_eq!(write.insert(key, value), written.insert(key, value));
                }
                2 => assert_eq!(write.remove(&key), written.remove(&key)),
                3 => {
                    if let (Some(v), Some(w)) = (write.get_mut(&key), written.get_mut(&key)) {
                        *v += 1;
                        *w += 1;
                    } else {
                        assert_eq!(write.get(&key), None);
                        assert_eq!(written.get(&key), None);
                    }
                }
                4 => {
                    write.savepoint();
                    saved = Some(written.clone());
                }
                _ => {
                    if let Some(saved) = &saved {
                        write.rollback_to_savepoint();
                        written = saved.clone();
                    }
                }
            }
            assert_eq!(write.len(), written.len());
        }
        if dice.roll(4) == 0 {
            drop(write);
        } else {
            committed = write.commit();
            model = written;
        }
        let entries: HashMap<u8, u32> = committed.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(entries, model, "round {round}");
        assert_eq!(committed.len(), model.len());
        // Now and then a version is held (a reader), and some are let go.
        if dice.roll(8) == 0 {
            held.push((committed.begin_write().commit(), model.clone()));
        }
        if dice.roll(6) == 0 && !held.is_empty() {
            held.remove(dice.roll(held.len() as u64) as usize);
        }
        for (version, snapshot) in &held {
            let entries: HashMap<u8, u32> = version.iter().map(|(k, v)| (*k, *v)).collect();
            assert_eq!(&entries, snapshot, "a held version changed (round {round})");
        }
    }
}
