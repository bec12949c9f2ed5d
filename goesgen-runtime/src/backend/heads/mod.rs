//! How a log tells its followers that its head moved: [`HeadPublisher`],
//! held by a backend's writers, and [`Subscription`], held by followers.
//!
//! Every append publishes the new head, and almost always nobody is waiting
//! for it (a service engine holds a subscription to read the head, not to
//! wait on it). A `tokio::sync::watch` channel took a lock and notified its
//! internal wakers on every publication, waiting or not: about 8% of a
//! command on the memory log. Here a publication is an atomic update of the
//! head and an atomic load of the number of waiting subscriptions; only
//! when that number is not zero does it wake them through a
//! [`Notify`](tokio::sync::Notify). A subscription sees only the newest head, never a queue of
//! them, so a slow follower cannot fall behind on notifications (it reads
//! the log).
//!
//! # Why no wake-up is lost
//!
//! A publisher updates the head (`fetch_max`), then loads the number of
//! waiters (`waiters`), and calls [`Notify::notify_waiters`](tokio::sync::Notify::notify_waiters) only if it is
//! not zero. A waiter that finds the head short increments `waiters` (once,
//! undone by a drop guard however the wait ends), and then, each time
//! before it sleeps, creates and enables a
//! [`Notified`](tokio::sync::futures::Notified) future and loads the head
//! again. The head update, the load of `waiters`, the increment and the
//! re-check are all `SeqCst`: they fall in one total order that keeps each
//! thread's program order. Take a publication that a re-check did not see:
//! its update comes after that load in the total order, so the publisher's
//! load of `waiters` (after its update) comes after the waiter's increment
//! (before its load), and sees it: the publisher calls `notify_waiters`.
//! That call comes after the waiter's `Notified` was created (before the
//! re-check), and Tokio guarantees that a `Notified` receives every
//! `notify_waiters` made after its creation, polled or not: the waiter
//! wakes and checks again. A stale publication (not above the head) wakes
//! no one, rightly: the publication that stored the higher head does.
//!
//! Closing follows the same pattern with the `closed` flag (a `SeqCst`
//! swap, then `notify_waiters` whoever waits: it happens once) in place of
//! the head, which the waiter loads after its re-check of the head.
//!
//! The state publishers and subscriptions share and the waiting protocol
//! are in `shared`; [`HeadPublisher`] in `publisher`, [`Subscription`] in
//! `subscription`.

mod publisher;
mod shared;
mod subscription;
#[cfg(test)]
mod tests;

pub use publisher::HeadPublisher;
pub use subscription::Subscription;
