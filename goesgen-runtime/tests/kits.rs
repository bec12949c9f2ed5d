//! The store kits under cancellation: write transactions (a waiting one,
//! one in flight on the blocking pool, a commit, a rollback), reads and
//! setups dropped at each of their await points in turn leave the store as
//! usable as before: a new write transaction begins and commits, a read
//! sees committed data only, and (`SqliteStore` on a file) another
//! connection can still write the file.

#[path = "support/cancel.rs"]
mod cancel;
#[cfg(feature = "sqlite")]
#[path = "../../tests/support/scratch.rs"]
mod scratch;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cancel::drop_at_every_await;
use goesgen_runtime::MemoryStore;
use goesgen_runtime::Store as _;

/// How long a check may wait for what a dropped future left running
/// (a worker on the blocking pool finishing its SQL) before it fails.
const SETTLE: Duration = Duration::from_secs(10);

/// The name of the run dropped after `pendings` pendings (the tag of what
/// it writes).
fn cut(pendings: usize) -> String {
    format!("cut {pendings}")
}

/// A future dropped at an await point sets this just before the commit
/// it was about to await: once set, the commit happens, dropped or not.
#[derive(Clone, Default)]
struct Committing(Arc<AtomicBool>);

impl Committing {
    fn reset(&self) {
        self.0.store(false, Ordering::SeqCst);
    }

    fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

mod memory {
    use std::collections::BTreeMap;

    use goesgen_runtime::kits::{Overlaid, Table, WriteMode};

    use super::*;

    /// What the drill writes and reads: totals by name, in either mode.
    trait Totals: Default + Send + Sync + 'static {
        fn set(&mut self, name: String, total: u64);
        fn total(&self, name: &str) -> Option<u64>;
    }

    impl Totals for BTreeMap<String, u64> {
        fn set(&mut self, name: String, total: u64) {
            self.insert(name, total);
        }
        fn total(&self, name: &str) -> Option<u64> {
            self.get(name).copied()
        }
    }

    /// The same in the kit's tables.
    #[derive(Default)]
    struct Tallies {
        totals: Table<String, u64>,
    }
    goesgen_runtime::transactional!(Tallies { totals });

    impl Totals for Tallies {
        fn set(&mut self, name: String, total: u64) {
            self.totals.insert(name, total);
        }
        fn total(&self, name: &str) -> Option<u64> {
            self.totals.get(name).copied()
        }
    }

    /// Two writers, the second waiting for the first, then writing and
    /// committing: every await of `write` (free and contended) is a cut.
    async fn two_writers<P: Totals, M: WriteMode<P>>(
        store: MemoryStore<P, M>,
        cut: String,
        committing: Committing,
    ) {
        let first = store.begin_write().await.unwrap();
        let release = async move {
            tokio::task::yield_now().await;
            drop(first);
        };
        let ((), txn) = tokio::join!(release, store.begin_write());
        let mut txn = txn.unwrap();
        txn.set(cut, 1);
        let version = txn.version() + 1;
        store.set_version(&mut txn, version).await.unwrap();
        tokio::task::yield_now().await;
        committing.set();
        store.commit(txn).await.unwrap();
    }

    /// After a cut: a writer gets its turn at once, commits, and a read
    /// sees its commit and the cut's transaction only if it committed.
    async fn assert_usable<P: Totals, M: WriteMode<P>>(
        store: &MemoryStore<P, M>,
        cut: &str,
        committed: bool,
    ) {
        let mut probe = tokio::time::timeout(SETTLE, store.begin_write())
            .await
            .expect("a new write transaction gets its turn after the cut")
            .unwrap();
        probe.set(format!("probe {cut}"), 1);
        let version = probe.version() + 1;
        store.set_version(&mut probe, version).await.unwrap();
        store.commit(probe).await.unwrap();
        let read = store.begin_read().await.unwrap();
        assert_eq!(read.version(), version, "{cut}: the committed version");
        assert_eq!(read.total(&format!("probe {cut}")), Some(1), "{cut}");
        assert_eq!(
            read.total(cut).is_some(),
            committed,
            "{cut}: committed only"
        );
    }

    async fn drill<P: Totals, M: WriteMode<P>>() {
        let store = MemoryStore::<P, M>::default();
        let committing = Committing::default();
        let cuts = drop_at_every_await(
            |pendings| {
                committing.reset();
                two_writers(store.clone(), cut(pendings), committing.clone())
            },
            async |pendings, _: Option<()>| {
                // Set right before the commit, with no await between.
                assert_usable(&store, &cut(pendings), committing.get()).await;
            },
        )
        .await;
        assert!(cuts >= 3, "the writers were cut at {cuts} points");
    }

    #[tokio::test]
    async fn a_write_transaction_dropped_at_any_await_leaves_the_store_usable() {
        drill::<BTreeMap<String, u64>, goesgen_runtime::kits::Cloned>().await;
    }

    #[tokio::test]
    async fn a_write_transaction_on_tables_dropped_at_any_await_leaves_the_store_usable() {
        drill::<Tallies, Overlaid>().await;
    }
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use std::future::Future;
    use std::path::Path;

    use goesgen_runtime::rusqlite::{Connection, OptionalExtension};
    use goesgen_runtime::{SqliteStore, StoreError};

    use super::*;

    type Store = SqliteStore<()>;

    const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS rows (tag TEXT NOT NULL)";

    fn fresh_path(name: &str) -> std::path::PathBuf {
        scratch::sqlite_path("kits", name)
    }

    fn open(path: &Path) -> Store {
        SqliteStore::open(path, "drill", ())
            .and_then(|store| store.with_schema(SCHEMA))
            .expect("open the store")
    }

    fn in_memory() -> Store {
        SqliteStore::in_memory("drill", ())
            .and_then(|store| store.with_schema(SCHEMA))
            .expect("open the store")
    }

    fn count(db: &Connection, tag: &str) -> i64 {
        db.query_row("SELECT count(*) FROM rows WHERE tag = ?1", [tag], |row| {
            row.get(0)
        })
        .expect("count rows")
    }

    /// `then` while a writer holds the write connection, waiting for it
    /// (the writer rolls back after a yield): every await of `begin` (the
    /// lock, free and contended, and `BEGIN IMMEDIATE` on the blocking
    /// pool) and `rollback` is a cut, and `then` waits for the lock.
    async fn after_a_writer<T>(
        store: &Store,
        then: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let writer = store.begin_write().await?;
        let release = async {
            tokio::task::yield_now().await;
            store.rollback(writer).await
        };
        let (released, then) = tokio::join!(release, then);
        released?;
        then
    }

    /// A second writer, after a first: writes two rows tagged `cut` and
    /// commits (a cut in `commit` as well).
    async fn two_writers(
        store: Store,
        cut: String,
        committing: Committing,
    ) -> Result<(), StoreError> {
        let txn = after_a_writer(&store, store.begin_write()).await?;
        txn.execute("INSERT INTO rows (tag) VALUES (?1), (?1)", [&cut])?;
        tokio::task::yield_now().await;
        committing.set();
        store.commit(txn).await
    }

    /// A read after a writer (it waits for the writer's transaction on an
    /// in-memory database, whose reads use the write connection), then
    /// five more, at most `together` open at once: on a file, more than
    /// the pool keeps idle, so some open a connection on the blocking pool.
    async fn reads(store: Store, together: usize) -> Result<(), StoreError> {
        let first = after_a_writer(&store, store.begin_read()).await?;
        first.version()?;
        let mut open = std::collections::VecDeque::from([first]);
        for _ in 0..5 {
            if open.len() == together {
                open.pop_front();
            }
            open.push_back(store.begin_read().await?);
            tokio::task::yield_now().await;
        }
        Ok(())
    }

    /// [`reads`] of a file, all open at once.
    async fn reads_together(store: Store, _: String, _: Committing) -> Result<(), StoreError> {
        reads(store, 6).await
    }

    /// [`reads`] of an in-memory database, one at a time (they share the
    /// write connection).
    async fn reads_one_by_one(store: Store, _: String, _: Committing) -> Result<(), StoreError> {
        reads(store, 1).await
    }

    /// A setup that creates a table (a cut in its blocking work).
    async fn setup(store: Store, _: String, _: Committing) -> Result<(), StoreError> {
        store
            .setup(|db| db.execute_batch("CREATE TABLE IF NOT EXISTS more (x INTEGER)"))
            .await
    }

    /// After a cut (waiting for what it left on the blocking pool): a write
    /// transaction begins and commits, a read sees it and the cut's rows
    /// only if they committed, and another connection to the file (if
    /// any) can write.
    async fn assert_usable(store: &Store, file: Option<&Path>, cut: &str, committed: bool) {
        let probe = format!("probe {cut}");
        let mut txn = tokio::time::timeout(SETTLE, store.begin_write())
            .await
            .expect("a new write transaction gets the connection after the cut")
            .unwrap_or_else(|e| panic!("{cut}: a new write transaction begins: {e:?}"));
        txn.execute("INSERT INTO rows (tag) VALUES (?1)", [&probe])
            .expect("write after the cut");
        let version = txn.version().expect("version") + 1;
        store
            .set_version(&mut txn, version)
            .await
            .expect("set the version");
        store.commit(txn).await.expect("commit after the cut");

        let read = store.begin_read().await.expect("read after the cut");
        assert_eq!(read.version().expect("version"), version, "{cut}");
        assert_eq!(count(&read, &probe), 1, "{cut}: the probe committed");
        let rows = if committed { 2 } else { 0 };
        assert_eq!(count(&read, cut), rows, "{cut}: committed rows only");
        drop(read);

        let Some(path) = file else { return };
        let other = Connection::open(path).expect("another connection");
        other
            .busy_timeout(Duration::from_secs(2))
            .expect("busy timeout");
        let other_tag = format!("other {cut}");
        other
            .execute_batch("BEGIN IMMEDIATE")
            .unwrap_or_else(|e| panic!("{cut}: another connection takes the write lock: {e}"));
        other
            .execute("INSERT INTO rows (tag) VALUES (?1)", [&other_tag])
            .expect("another connection writes");
        other
            .execute_batch("COMMIT")
            .expect("another connection commits");
        let read = store
            .begin_read()
            .await
            .expect("read after the other write");
        assert_eq!(
            count(&read, &other_tag),
            1,
            "{cut}: the other write is seen"
        );
    }

    /// Another connection to the file takes SQLite's write lock: a `BEGIN
    /// IMMEDIATE` of the store meanwhile waits on the blocking pool, so a
    /// cut lands while it runs.
    fn hold_the_file(path: &Path) -> Connection {
        let other = Connection::open(path).expect("another connection");
        other
            .execute_batch("BEGIN IMMEDIATE")
            .expect("another connection takes the write lock");
        other
    }

    /// Releases the file `other` holds in a moment, on a thread of its own.
    fn release_soon(other: Connection) {
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(5));
            other.execute_batch("ROLLBACK").expect("release the file");
        });
    }

    /// Drops the future `run` builds at each of its await points in turn
    /// (at least `at_least` cuts) and checks the store after each; on a
    /// file, each run starts while another connection holds the file's
    /// write lock for a moment.
    async fn drill<F>(
        store: Store,
        file: Option<&Path>,
        run: fn(Store, String, Committing) -> F,
        at_least: usize,
    ) where
        F: Future<Output = Result<(), StoreError>>,
    {
        let committing = Committing::default();
        let cuts = drop_at_every_await(
            |pendings| {
                committing.reset();
                if let Some(path) = file {
                    release_soon(hold_the_file(path));
                }
                run(store.clone(), cut(pendings), committing.clone())
            },
            async |pendings, finished: Option<Result<(), StoreError>>| {
                let cut = cut(pendings);
                if let Some(finished) = &finished {
                    assert!(finished.is_ok(), "{cut}: the full run: {finished:?}");
                }
                // Set before the commit was first polled: it committed.
                let committed = committing.get();
                assert_usable(&store, file, &cut, committed).await;
            },
        )
        .await;
        assert!(cuts >= at_least, "cut at {cuts} points");
    }

    /// Rounds of the drills on an in-memory database: with no other
    /// connection to hold it up, its blocking work may be done before the
    /// first poll of its handle, so a cut lands while it runs in most
    /// rounds, not all.
    const MEMORY_ROUNDS: usize = 10;

    // The least cuts: before the first poll and at each yield; the
    // blocking pool and the contended lock add theirs.
    const WRITERS_CUTS: usize = 3;
    const READS_CUTS: usize = 7;
    const SETUP_CUTS: usize = 2;

    #[tokio::test]
    async fn a_write_transaction_dropped_at_any_await_leaves_the_file_usable() {
        let path = fresh_path("two-writers");
        drill(open(&path), Some(&path), two_writers, WRITERS_CUTS).await;
    }

    #[tokio::test]
    async fn a_write_transaction_dropped_at_any_await_leaves_memory_usable() {
        for _ in 0..MEMORY_ROUNDS {
            drill(in_memory(), None, two_writers, WRITERS_CUTS).await;
        }
    }

    #[tokio::test]
    async fn a_read_dropped_at_any_await_leaves_the_file_usable() {
        let path = fresh_path("reads");
        drill(open(&path), Some(&path), reads_together, READS_CUTS).await;
    }

    #[tokio::test]
    async fn a_read_dropped_at_any_await_leaves_memory_usable() {
        for _ in 0..MEMORY_ROUNDS {
            drill(in_memory(), None, reads_one_by_one, READS_CUTS).await;
        }
    }

    #[tokio::test]
    async fn a_setup_dropped_at_any_await_leaves_the_file_usable() {
        let path = fresh_path("setup");
        drill(open(&path), Some(&path), setup, SETUP_CUTS).await;
    }

    /// The user's case, cut at one moment on purpose: a `begin` dropped
    /// while its `BEGIN IMMEDIATE` waits on the blocking pool for another
    /// process's writer. Once that writer is done, the dropped begin's
    /// transaction opens, with no one to end it but the store.
    #[tokio::test]
    async fn a_begin_dropped_while_begin_immediate_waits_leaves_no_transaction() {
        let path = fresh_path("begin-waits");
        let store = open(&path);
        let other = hold_the_file(&path);
        let begun = cancel::drop_after_pendings(store.begin_write(), 1).await;
        assert!(begun.is_none(), "begin waited for the other writer");
        other.execute_batch("ROLLBACK").expect("release the file");
        assert_usable(&store, Some(&path), "begin cut while waiting", false).await;
    }

    /// SQL meant to run outside any transaction that leaves one open is an
    /// error, and the transaction is rolled back.
    #[tokio::test]
    async fn setup_sql_that_leaves_a_transaction_open_is_rolled_back() {
        let path = fresh_path("setup-open");
        let store = open(&path);
        let left_open = store
            .setup(|db| db.execute_batch("BEGIN; CREATE TABLE lost (x INTEGER)"))
            .await;
        assert!(left_open.is_err(), "{left_open:?}");
        assert_usable(&store, Some(&path), "after setup", false).await;

        let failed = store.setup(|db| {
            db.execute_batch("BEGIN; CREATE TABLE lost (x INTEGER); SELECT * FROM missing")
        });
        assert!(failed.await.is_err());
        assert_usable(&store, Some(&path), "after a failed setup", false).await;

        open(&path)
            .with_schema("BEGIN; CREATE TABLE lost (x INTEGER)")
            .expect_err("a schema that leaves a transaction open");
        let read = store.begin_read().await.expect("read");
        let lost: Option<String> = read
            .query_row(
                "SELECT name FROM sqlite_master WHERE name = 'lost'",
                [],
                |row| row.get(0),
            )
            .optional()
            .expect("look for the table");
        assert_eq!(lost, None, "nothing of the open transactions committed");
    }
}
