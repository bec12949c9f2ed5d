//! The [`EventLog`] contract that every backend implements and every service
//! runs against, with its vocabulary: [`KindFilter`], [`Condition`],
//! [`ReadBatch`], [`Appended`], [`Subscription`] (with [`HeadPublisher`],
//! where a backend publishes its head for subscriptions), and the
//! idempotency keys of appends and their parts ([`IdempotencyKey`],
//! [`Fingerprint`], [`AppendPart`], [`AppendedParts`], [`KeyRecord`]).
//!
//! The trait is dyn-compatible (its futures are boxed), so one program can
//! pick its backend at run time and hand a [`SharedLog`] to its services
//! without generic plumbing. A box per call costs nanoseconds; an append or a
//! read costs microseconds at the least.
//!
//! One concept per file:
//!
//! - `contract`: the [`EventLog`] trait and its promises, and
//!   [`AppendCost`].
//! - `read`: what a read asks for and returns ([`KindFilter`],
//!   [`SortedKinds`], [`ReadBatch`]).
//! - `append`: one append ([`Append`], [`Condition`]) and what it wrote
//!   ([`Appended`]).
//! - `parts`: the callers' shares of an append ([`AppendPart`],
//!   [`KeyRecord`], [`AppendedParts`]).
//! - `keys`: [`IdempotencyKey`] and [`Fingerprint`].
//! - `lock`: the log's [`WriteLock`].
//!
//! Subscriptions to the head ([`Subscription`], [`HeadPublisher`]) live in
//! the crate's `heads` module and are re-exported here.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

mod append;
mod contract;
mod keys;
mod lock;
mod parts;
mod read;

pub use append::{Append, Appended, Condition};
pub use contract::{AppendCost, EventLog};
pub use keys::{Fingerprint, IdempotencyKey, MAX_FINGERPRINT_BYTES, MAX_KEY_BYTES};
pub use lock::WriteLock;
pub use parts::{AppendPart, AppendedParts, KeyRecord, PartAppended};
pub use read::{KindFilter, ReadBatch, SortedKinds};

pub use crate::backend::heads::{HeadPublisher, Subscription};

/// A boxed future that can be sent across threads, as the log's methods
/// return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An event log shared by the services of a program.
pub type SharedLog = Arc<dyn EventLog>;
