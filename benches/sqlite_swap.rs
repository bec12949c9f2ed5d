//! How long the SQLite kit's swap of a rebuild beside holds the store's
//! write lock (writers wait for it; readers do not): from `begin_write` on
//! the old store to the end of `swap_in` (the built file attached, the
//! projection's table and index dropped and created again, the rows copied
//! with `INSERT .. SELECT`, committed with an fsync, the built file
//! deleted). Timed when the projection holds 10,000, 100,000 and 1,000,000
//! rows (a 16-byte text key, an integer and a 32-byte text, one secondary
//! index), in database files in WAL mode as the kit opens them, and with
//! `secure_delete` off (through `SqliteStore::setup`: the kit turns it on
//! so that what a forget hook deletes is overwritten, which makes dropping
//! the old tables write every page they held).
//!
//! `cargo bench --bench sqlite_swap` (harness-less: prints a table; the
//! median of three swaps per size). `-- --quick` stops at 100,000 rows.

#[path = "../tests/support/scratch.rs"]
mod scratch;

use std::time::{Duration, Instant};

use goesgen::rusqlite::params;
use goesgen::{SqliteStore, Store, StoreFingerprint};

/// The projection's DDL.
const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS accounts (
        id      TEXT PRIMARY KEY,
        balance INTEGER NOT NULL,
        owner   TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS accounts_by_owner ON accounts (owner);
";

const FINGERPRINT: StoreFingerprint = StoreFingerprint {
    schema: 0x5eed,
    revision: 1,
};

/// Rows inserted per transaction while a table is filled.
const FILL: usize = 50_000;

async fn open(name: &str, secure_delete: bool) -> SqliteStore<()> {
    let store = SqliteStore::open(scratch::sqlite_path("bench-swap", name), "accounts", ())
        .and_then(|store| store.with_schema(SCHEMA))
        .expect("open the store");
    store
        .setup(move |db| db.pragma_update(None, "secure_delete", secure_delete))
        .await
        .unwrap();
    store
}

/// Fills `store` with `rows` rows (values depending on `salt`) at version
/// `rows`.
async fn fill(store: &SqliteStore<()>, rows: usize, salt: u64) {
    let mut done = 0;
    while done < rows {
        let mut txn = store.begin_write().await.unwrap();
        {
            let mut insert = txn
                .prepare_cached("INSERT INTO accounts (id, balance, owner) VALUES (?1, ?2, ?3)")
                .unwrap();
            for row in done..rows.min(done + FILL) {
                insert
                    .execute(params![
                        format!("{row:016}"),
                        (row as u64 * 7 + salt) as i64,
                        format!("owner {:026}", row % 997)
                    ])
                    .unwrap();
            }
        }
        done = rows.min(done + FILL);
        store.set_version(&mut txn, done as u64).await.unwrap();
        store.commit(txn).await.unwrap();
    }
}

/// One swap of a projection of `rows` rows: the time the write lock is
/// held.
async fn swap(rows: usize, secure_delete: bool) -> Duration {
    let store = open("old", secure_delete).await;
    fill(&store, rows, 1).await;
    let built = store.beside(FINGERPRINT).await.unwrap().unwrap();
    fill(&built, rows, 2).await;
    let mut txn = built.begin_write().await.unwrap();
    built.set_fingerprint(&mut txn, FINGERPRINT).await.unwrap();
    built.commit(txn).await.unwrap();

    let started = Instant::now();
    let txn = store.begin_write().await.unwrap();
    store.swap_in(txn, built).await.unwrap();
    let took = started.elapsed();

    let read = store.begin_read().await.unwrap();
    let count: i64 = read
        .query_row("SELECT count(*) FROM accounts", [], |row| row.get(0))
        .unwrap();
    assert_eq!(count as usize, rows, "every row swapped in");
    took
}

fn main() {
    let quick = std::env::args().any(|arg| arg == "--quick");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    println!("| rows | swap (write lock held) | rows/s | `secure_delete` off | rows/s |");
    println!("| ---: | ---: | ---: | ---: | ---: |");
    for rows in [10_000, 100_000, 1_000_000] {
        if quick && rows > 100_000 {
            break;
        }
        let median = |secure_delete| {
            let mut times: Vec<Duration> = (0..3)
                .map(|_| runtime.block_on(swap(rows, secure_delete)))
                .collect();
            times.sort();
            times[1]
        };
        let (on, off) = (median(true), median(false));
        println!(
            "| {rows} | {:.1} ms | {:.0} | {:.1} ms | {:.0} |",
            on.as_secs_f64() * 1e3,
            rows as f64 / on.as_secs_f64(),
            off.as_secs_f64() * 1e3,
            rows as f64 / off.as_secs_f64()
        );
    }
}
