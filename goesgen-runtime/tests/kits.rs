//! The store kits under cancellation: write transactions (a waiting one,
//! one in flight on the blocking pool, a commit, a rollback), reads and
//! setups dropped at each of their await points in turn leave the store as
//! usable as before: a new write transaction begins and commits, a read
//! sees committed data only, and (`SqliteStore` on a file) another
//! connection can still write the file.

#[path = "support/cancel.rs"]
mod cancel;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use cancel::drop_at_every_await;
use goesgen_runtime::MemoryStore;

/// How long a check may wait for what a dropped future left running
/// (a worker on the blocking pool finishing its SQL) before it fails.
const SETTLE: Duration = Duration::from_secs(10);

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

    use super::*;

    type Totals = BTreeMap<String, u64>;

    /// Two writers, the second waiting for the first, then writing and
    /// committing: every await of `write` (free and contended) is a cut.
    async fn two_writers(store: MemoryStore<Totals>, cut: String, committing: Committing) {
        let first = store.write().await;
        let release = async move {
            tokio::task::yield_now().await;
            drop(first);
        };
        let ((), mut txn) = tokio::join!(release, store.write());
        txn.insert(cut, 1);
        let version = txn.version() + 1;
        txn.set_version(version);
        tokio::task::yield_now().await;
        committing.set();
        store.commit(txn);
    }

    /// After a cut: a writer gets its turn at once, commits, and a read
    /// sees its commit and the cut's transaction only if it committed.
    async fn assert_usable(store: &MemoryStore<Totals>, cut: &str, committed: bool) {
        let mut probe = tokio::time::timeout(SETTLE, store.write())
            .await
            .expect("a new write transaction gets its turn after the cut");
        probe.insert(format!("probe {cut}"), 1);
        let version = probe.version() + 1;
        probe.set_version(version);
        store.commit(probe);
        let read = store.read();
        assert_eq!(read.version(), version, "{cut}: the committed version");
        assert_eq!(read.get(&format!("probe {cut}")), Some(&1), "{cut}");
        assert_eq!(read.contains_key(cut), committed, "{cut}: committed only");
    }

    #[tokio::test]
    async fn a_write_transaction_dropped_at_any_await_leaves_the_store_usable() {
        let store = MemoryStore::<Totals>::default();
        let committing = Committing::default();
        let mut run = 0;
        let cuts = drop_at_every_await(
            || {
                run += 1;
                committing.reset();
                two_writers(store.clone(), format!("cut {run}"), committing.clone())
            },
            async |pendings, finished: Option<()>| {
                let cut = format!("cut {}", pendings + 1);
                let committed = finished.is_some() || committing.get();
                assert_usable(&store, &cut, committed).await;
            },
        )
        .await;
        assert!(cuts >= 3, "the writers were cut at {cuts} points");
    }
}
