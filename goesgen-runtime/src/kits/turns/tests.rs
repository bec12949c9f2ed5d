//! Tests of [`Turns`]: one holder at a time under contention, the bound on
//! barging (a waiter that keeps missing is handed the lock), and waiters
//! dropped at each point of their wait (queued, woken, handed the lock),
//! and the cooperative budget a turn spends.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use super::{MISSES_BEFORE_HAND_OFF, Take, Turn, Turns};

/// A waker that counts its wakes.
#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

struct Waiting<'a> {
    take: Pin<Box<Take<'a>>>,
    wakes: Arc<Count>,
}

impl<'a> Waiting<'a> {
    fn new(turns: &'a Arc<Turns>) -> Self {
        Self {
            take: Box::pin(turns.take()),
            wakes: Arc::default(),
        }
    }

    fn poll(&mut self) -> Option<Turn> {
        let waker = Waker::from(Arc::clone(&self.wakes));
        match self.take.as_mut().poll(&mut Context::from_waker(&waker)) {
            Poll::Ready(turn) => Some(turn),
            Poll::Pending => None,
        }
    }

    fn wakes(&self) -> usize {
        self.wakes.0.load(Ordering::SeqCst)
    }
}

fn take_now(turns: &Arc<Turns>) -> Option<Turn> {
    Waiting::new(turns).poll()
}

#[test]
fn a_running_task_takes_a_freed_lock_until_the_waiter_has_missed_enough() {
    let turns = Arc::new(Turns::default());
    let mut held = take_now(&turns).expect("free");
    let mut waiter = Waiting::new(&turns);
    assert!(waiter.poll().is_none(), "held: the waiter queues");
    for miss in 0..MISSES_BEFORE_HAND_OFF {
        drop(held);
        assert_eq!(waiter.wakes(), miss as usize + 1, "each release wakes it");
        // A running task takes the lock before the woken waiter runs.
        held = take_now(&turns).expect("freed, not handed over");
        assert!(waiter.poll().is_none(), "it missed");
    }
    drop(held);
    assert!(
        take_now(&turns).is_none(),
        "after {MISSES_BEFORE_HAND_OFF} misses the lock is the waiter's"
    );
    let turn = waiter.poll().expect("handed to the waiter");
    drop(turn);
    assert!(take_now(&turns).is_some(), "free again");
}

#[test]
fn a_waiter_dropped_while_queued_leaves_the_line() {
    let turns = Arc::new(Turns::default());
    let held = take_now(&turns).expect("free");
    let mut first = Waiting::new(&turns);
    let mut second = Waiting::new(&turns);
    assert!(first.poll().is_none() && second.poll().is_none());
    drop(first);
    drop(held);
    assert_eq!(second.wakes(), 1, "the release wakes the one still waiting");
    assert!(second.poll().is_some());
}

#[test]
fn a_woken_waiter_dropped_passes_the_wake_on() {
    let turns = Arc::new(Turns::default());
    let held = take_now(&turns).expect("free");
    let mut first = Waiting::new(&turns);
    let mut second = Waiting::new(&turns);
    assert!(first.poll().is_none() && second.poll().is_none());
    drop(held);
    assert_eq!(
        (first.wakes(), second.wakes()),
        (1, 0),
        "one wake at a time"
    );
    drop(first);
    assert_eq!(second.wakes(), 1, "the dropped waiter's wake went on");
    assert!(second.poll().is_some());
}

#[test]
fn a_waiter_dropped_after_the_lock_was_handed_to_it_releases_it() {
    let turns = Arc::new(Turns::default());
    let mut held = take_now(&turns).expect("free");
    let mut waiter = Waiting::new(&turns);
    let mut next = Waiting::new(&turns);
    assert!(waiter.poll().is_none() && next.poll().is_none());
    for _ in 0..MISSES_BEFORE_HAND_OFF {
        drop(held);
        held = take_now(&turns).expect("freed");
        assert!(waiter.poll().is_none());
    }
    drop(held);
    assert!(take_now(&turns).is_none(), "handed to the waiter");
    drop(waiter);
    assert_eq!(next.wakes(), 1, "released: the next waiter is woken");
    assert!(next.poll().is_some());
}

/// Tasks on two worker threads take turns on a counter whose update spans
/// an await (a read, a yield, a write): a second holder would lose updates.
/// Every task finishes (none starves) and no update is lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_on_two_threads_hold_it_one_at_a_time_and_all_finish() {
    const TASKS: usize = 16;
    const TURNS: usize = 500;
    let turns = Arc::new(Turns::default());
    let counter = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let (turns, counter) = (Arc::clone(&turns), Arc::clone(&counter));
            tokio::spawn(async move {
                for turn in 0..TURNS {
                    let _turn = turns.take().await;
                    let seen = counter.load(Ordering::Relaxed);
                    if (task + turn) % 7 == 0 {
                        tokio::task::yield_now().await;
                    }
                    counter.store(seen + 1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    let all = async {
        for task in tasks {
            task.await.expect("task");
        }
    };
    tokio::time::timeout(Duration::from_secs(60), all)
        .await
        .expect("every task finished");
    assert_eq!(counter.load(Ordering::Relaxed), TASKS * TURNS);
}

/// A task that takes turn after turn on a free lock never waits, so only
/// the cooperative budget makes it give its thread up: on a one-thread
/// runtime the other task runs before the loop ends.
#[tokio::test(flavor = "current_thread")]
async fn a_task_taking_turn_after_turn_yields_its_thread() {
    let turns = Arc::new(Turns::default());
    let other_ran = Arc::new(AtomicBool::new(false));
    let looping = {
        let (turns, other_ran) = (Arc::clone(&turns), Arc::clone(&other_ran));
        tokio::spawn(async move {
            for _ in 0..10_000 {
                drop(turns.take().await);
                if other_ran.load(Ordering::SeqCst) {
                    return true;
                }
            }
            false
        })
    };
    tokio::spawn(async move { other_ran.store(true, Ordering::SeqCst) });
    assert!(
        looping.await.expect("task"),
        "the loop never gave its thread up"
    );
}
