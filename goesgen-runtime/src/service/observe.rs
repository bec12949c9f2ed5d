//! Seeing what a service does: [`Progress`], where a service's projection
//! stands against the log, published on a watch channel as the service
//! commits (each sync batch of a catch-up, each transaction, each sync of
//! its own events), and the tracker behind it and behind the lag in
//! [`ServiceStats`](crate::service::ServiceStats).
//!
//! The spans of calls, syncs and follows are declared on the engine's
//! methods themselves (see `docs/decisions.md`, "Seeing what a service
//! does").

use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::watch;

use crate::record::Position;

/// Where a service's projection stands against the log: the version it
/// last committed and the newest head of the log it knows of.
///
/// Sent on [`Engine::progress`](crate::service::Engine::progress) after
/// every commit of the service's store (each sync batch of a catch-up, a
/// transaction, the sync of an append's own events), with the newest head
/// seen by then. Both are as this instance of the service
/// knows them: another instance writing the same store, or an append the
/// log has not published to this process yet, shows only at the next
/// commit or read. Until the instance first commits or reads its version,
/// `version` is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Progress {
    /// The projection version the service last committed: every
    /// subscribed event up to it is in its store.
    pub version: Position,
    /// The newest head of the log the service knows of (at least
    /// `version`).
    pub head: Position,
    /// While the store is rebuilt (on demand, or because it was stale):
    /// the position the new projections have reached (they serve once
    /// they reach the head). `None` otherwise.
    pub rebuilding: Option<Position>,
}

impl Progress {
    /// How many positions the projection is behind the head it knows of.
    pub fn lag(&self) -> u64 {
        self.head.saturating_sub(self.version)
    }

    /// Whether the projection has caught up with the head it knows of.
    pub fn is_current(&self) -> bool {
        self.version >= self.head
    }
}

/// The receiving end of a service's progress channel: a
/// [`tokio::sync::watch::Receiver`] of [`Progress`] (`borrow()` for the
/// latest value, `changed().await` to wait for the next one; it ends when
/// the service is dropped).
pub type ProgressReceiver = watch::Receiver<Progress>;

/// The projection version an engine last committed and the newest head it
/// saw, and the channel that publishes them.
#[derive(Debug)]
pub(crate) struct Tracker {
    version: AtomicU64,
    head: AtomicU64,
    /// Where a rebuild stands, [`NOT_REBUILDING`] if none runs.
    rebuilding: AtomicU64,
    sender: watch::Sender<Progress>,
}

/// What [`Tracker`] keeps while no rebuild runs.
const NOT_REBUILDING: u64 = u64::MAX;

impl Tracker {
    /// A tracker knowing of `head` and no version yet.
    pub(crate) fn new(head: Position) -> Self {
        let (sender, _) = watch::channel(Progress {
            version: 0,
            head,
            rebuilding: None,
        });
        Self {
            version: AtomicU64::new(0),
            head: AtomicU64::new(head),
            rebuilding: AtomicU64::new(NOT_REBUILDING),
            sender,
        }
    }

    /// A new receiver of the progress channel, with the progress as of now
    /// (commits made while nobody watched were not published).
    pub(crate) fn subscribe(&self) -> ProgressReceiver {
        let receiver = self.sender.subscribe();
        self.publish();
        receiver
    }

    /// Notes a head of the log seen in a read or published.
    pub(crate) fn saw_head(&self, head: Position) {
        self.head.fetch_max(head, Ordering::Relaxed);
    }

    /// Notes that the store now holds (committed, or read) `version`, with
    /// the newest head published by the log being `published`; publishes
    /// the progress if it moved. The version never goes back: an older
    /// commit finishing late does not undo a newer one.
    pub(crate) fn committed(&self, version: Position, published: Position) {
        self.saw_head(published);
        self.version.fetch_max(version, Ordering::Relaxed);
        // Nobody watches: publishing would only wake no one, at a cost on
        // every commit. `subscribe` brings the channel up to date.
        if self.sender.receiver_count() > 0 {
            self.publish();
        }
    }

    /// Notes where a rebuild stands (`None`: it ended), and publishes it.
    pub(crate) fn rebuilding(&self, at: Option<Position>) {
        self.rebuilding
            .store(at.unwrap_or(NOT_REBUILDING), Ordering::Relaxed);
        if self.sender.receiver_count() > 0 {
            self.publish();
        }
    }

    /// Publishes the progress if it moved.
    fn publish(&self) {
        let progress = self.current();
        self.sender.send_if_modified(|sent| {
            let newer = progress.version > sent.version || progress.head > sent.head;
            let rebuild = progress.rebuilding != sent.rebuilding;
            if newer {
                sent.version = sent.version.max(progress.version);
                sent.head = sent.head.max(progress.head);
            }
            if rebuild {
                sent.rebuilding = progress.rebuilding;
            }
            newer || rebuild
        });
    }

    /// The version last committed and the newest head seen (never behind
    /// the version).
    pub(crate) fn current(&self) -> Progress {
        let version = self.version.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Relaxed).max(version);
        let rebuilding = match self.rebuilding.load(Ordering::Relaxed) {
            NOT_REBUILDING => None,
            at => Some(at),
        };
        Progress {
            version,
            head,
            rebuilding,
        }
    }
}
