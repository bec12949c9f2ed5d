//! [`Turns`]: the memory kit's writers' lock, an async lock that a ready
//! task takes without a hand-off.
//!
//! Why not `tokio::sync::Mutex`: it is fair, first in first out, and hands
//! the lock to the next waiter as it is released. On a memory log a write
//! transaction is over within one poll of its task, so with more callers
//! than worker threads each release handed the lock to a parked task while
//! the releasing task, still running, queued behind it: every call was a
//! park, a wake and often a thread switch (64 callers ran at 0.70× one
//! caller, the time in the kernel's task switches; docs/benchmarks.md).
//!
//! Here a release does not hand over: it frees the lock and wakes the first
//! waiter, which takes the lock when it runs unless a running task took it
//! first (barging). A waiter keeps its place at the head of the line when
//! it misses, and after [`MISSES_BEFORE_HAND_OFF`] misses the next release
//! hands the lock to it directly: no caller starves. The fast path (no
//! waiter) is one compare-and-swap to take and one to release; only one
//! waiter is awake at a time. Taking a turn spends the task's cooperative
//! budget as tokio's own locks do, so a task looping over transactions
//! yields its worker thread now and then.
//!
//! Cancellation: a waiter dropped while queued leaves the line; one that
//! was woken passes the wake on; one that was handed the lock releases it.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

/// How many times the first waiter may find the lock taken by a running
/// task after being woken; then the next release hands the lock to it.
pub(crate) const MISSES_BEFORE_HAND_OFF: u32 = 4;

/// The lock is held.
const LOCKED: u8 = 1;
/// The line of waiters is not empty (a release takes the slow path).
const WAITERS: u8 = 2;

/// An async lock for the writers of one store: see the module docs.
#[derive(Default)]
pub(crate) struct Turns {
    state: AtomicU8,
    line: Mutex<Line>,
}

#[derive(Default)]
struct Line {
    waiters: VecDeque<Waiter>,
    next_id: u64,
}

struct Waiter {
    id: u64,
    waker: Waker,
    /// Woken by a release and not yet run.
    woken: bool,
    /// The lock was handed to this waiter: it holds it.
    handed: bool,
    /// How many times it was woken and found the lock taken.
    misses: u32,
}

/// A held turn: the lock, released when dropped.
pub(crate) struct Turn {
    turns: Arc<Turns>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        self.turns.release();
    }
}

impl Turns {
    /// Waits for the lock (see the module docs) and holds it until the
    /// [`Turn`] is dropped.
    pub(crate) fn take(self: &Arc<Self>) -> Take<'_> {
        Take {
            turns: self,
            queued: None,
        }
    }

    /// Takes the lock if it is free, whoever waits.
    fn try_take(&self) -> bool {
        let mut state = self.state.load(Ordering::Relaxed);
        while state & LOCKED == 0 {
            match self.state.compare_exchange_weak(
                state,
                state | LOCKED,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => state = now,
            }
        }
        false
    }

    fn line(&self) -> MutexGuard<'_, Line> {
        self.line.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn release(&self) {
        if self
            .state
            .compare_exchange(LOCKED, 0, Ordering::Release, Ordering::Relaxed)
            .is_ok()
        {
            return;
        }
        let mut line = self.line();
        self.release_in(&mut line);
    }

    /// Releases the lock (held) with the line locked: hands it to the first
    /// waiter once it has missed enough, else frees it and wakes that
    /// waiter if it sleeps.
    fn release_in(&self, line: &mut Line) {
        let Some(first) = line.waiters.front_mut() else {
            self.state.store(0, Ordering::Release);
            return;
        };
        if first.misses >= MISSES_BEFORE_HAND_OFF {
            // The lock stays held: it is the waiter's now.
            first.handed = true;
            first.woken = true;
            first.waker.wake_by_ref();
            return;
        }
        self.state.fetch_and(!LOCKED, Ordering::Release);
        if !first.woken {
            first.woken = true;
            first.waker.wake_by_ref();
        }
    }

    /// Removes the waiter `id` from the line (its future went away or got
    /// the lock); returns it.
    fn leave(&self, line: &mut Line, id: u64) -> Option<Waiter> {
        let index = line.waiters.iter().position(|waiter| waiter.id == id)?;
        let waiter = line.waiters.remove(index);
        if line.waiters.is_empty() {
            self.state.fetch_and(!WAITERS, Ordering::Relaxed);
        }
        waiter
    }
}

/// The future of [`Turns::take`]. It borrows the lock: only the [`Turn`]
/// it gives counts a reference to it.
pub(crate) struct Take<'a> {
    turns: &'a Arc<Turns>,
    /// The waiter's id once it queued.
    queued: Option<u64>,
}

impl Take<'_> {
    fn taken(&mut self) -> Turn {
        Turn {
            turns: Arc::clone(self.turns),
        }
    }

    /// A queued waiter's poll: handed the lock, or takes it if free, or
    /// misses and waits again at the head of the line.
    fn poll_queued(&mut self, id: u64, cx: &mut Context<'_>) -> bool {
        let mut line = self.turns.line();
        let Some(waiter) = line.waiters.iter_mut().find(|waiter| waiter.id == id) else {
            // Not in the line (only this future's own poll or drop removes
            // it, so never): queue again.
            drop(line);
            self.queued = None;
            return self.turns.try_take() || self.queue(cx);
        };
        if waiter.handed || self.turns.try_take() {
            self.turns.leave(&mut line, id);
            self.queued = None;
            return true;
        }
        if waiter.woken {
            waiter.woken = false;
            waiter.misses += 1;
        }
        if !waiter.waker.will_wake(cx.waker()) {
            waiter.waker = cx.waker().clone();
        }
        false
    }

    /// Joins the line; takes the lock if it was freed meanwhile.
    fn queue(&mut self, cx: &mut Context<'_>) -> bool {
        let mut line = self.turns.line();
        let id = line.next_id;
        line.next_id += 1;
        line.waiters.push_back(Waiter {
            id,
            waker: cx.waker().clone(),
            woken: false,
            handed: false,
            misses: 0,
        });
        self.turns.state.fetch_or(WAITERS, Ordering::AcqRel);
        // A release that ran before the line showed a waiter freed the
        // lock without waking anyone: try again now that it shows.
        if self.turns.try_take() {
            self.turns.leave(&mut line, id);
            return true;
        }
        self.queued = Some(id);
        false
    }
}

impl Future for Take<'_> {
    type Output = Turn;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Turn> {
        let this = self.get_mut();
        let budget = std::task::ready!(tokio::task::coop::poll_proceed(cx));
        let taken = match this.queued {
            Some(id) => this.poll_queued(id, cx),
            None => this.turns.try_take() || this.queue(cx),
        };
        if taken {
            budget.made_progress();
            Poll::Ready(this.taken())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for Take<'_> {
    fn drop(&mut self) {
        let Some(id) = self.queued.take() else {
            return;
        };
        let mut line = self.turns.line();
        let Some(waiter) = self.turns.leave(&mut line, id) else {
            return;
        };
        if waiter.handed {
            // It held the lock: pass it on.
            self.turns.release_in(&mut line);
        } else if waiter.woken
            && let Some(next) = line.waiters.front_mut()
            && !next.woken
        {
            // Its wake must not be lost: the next waiter gets it.
            next.woken = true;
            next.waker.wake_by_ref();
        }
    }
}

#[cfg(test)]
mod tests;
