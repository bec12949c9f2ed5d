//! What an event log backend must provide, and the pieces it may build on.
//!
//! A backend is a type that implements [`EventLog`] (and, for
//! [`EventLog::lock_writes`], a [`WriteLock`]). The memory and SQLite logs
//! live in this crate; the PostgreSQL log is the crate `goesgen-postgres`,
//! built on this module alone, as a MySQL or FoundationDB log could be.
//! The conformance suite (feature `conformance`, module `conformance`)
//! proves a backend against the same checks as ours.
//!
//! # What a backend must do
//!
//! Beyond the documentation of [`EventLog`] and [`WriteLock`]:
//!
//! - validate appends with [`checks::check_append`] (a
//!   [`LogError::InvalidEvent`](crate::LogError::InvalidEvent) for an empty
//!   kind or a payload that is not one JSON object, the parts checked) and
//!   judge conditions with [`checks::judge`], so errors and
//!   [`Conflict`](crate::Conflict)s match across backends;
//! - plan appends with parts with [`parts::plan`] (which parts are replays,
//!   where the others go, whether the condition is judged), so parts are
//!   answered alike;
//! - return payloads byte for byte as appended (store JSON text, not a
//!   normalised form), and check what it reads back
//!   ([`checks::check_stored_kind`], [`checks::check_stored_payload`],
//!   [`checks::check_contiguous`]): damage is a
//!   [`LogError::Corrupt`](crate::LogError::Corrupt) at the first position
//!   affected, remembered by a [`damage::Damage`] latch so that the handle
//!   takes no more appends;
//! - store `recorded_at` with microsecond precision ([`time::stamp`]), the
//!   same for all events of a batch and equal to
//!   [`Appended::recorded_at`](crate::Appended::recorded_at);
//! - stop reads at the byte budget of its [`LogLimits`](crate::LogLimits)
//!   ([`budget::ReadBudget`], [`budget::covered_through`]);
//! - publish every new head on a [`HeadPublisher`] and hand out its
//!   [`Subscription`]s, which end with
//!   [`LogError::Closed`](crate::LogError::Closed) once the last handle of
//!   the log is dropped.
//!
//! # The modules
//!
//! - [`checks`]: the checks on appends, conditions and stored records.
//! - [`parts`]: the planner of appends with parts, and the defaults of
//!   [`EventLog::append_parts`] for logs that only take whole appends.
//! - [`budget`]: how much one read may take.
//! - [`time`]: the log's clock and the stored form of a timestamp.
//! - [`heads`]: [`HeadPublisher`] and [`Subscription`].
//! - [`damage`]: the damaged-log latch.
//! - [`fnv`]: a hash that is the same in every process, for keys derived
//!   from names (the PostgreSQL log's advisory lock).
//!
//! [`EventLog`]: crate::EventLog
//! [`EventLog::lock_writes`]: crate::EventLog::lock_writes
//! [`EventLog::append_parts`]: crate::EventLog::append_parts
//! [`WriteLock`]: crate::WriteLock

pub mod budget;
pub mod checks;
pub mod damage;
pub mod fnv;
pub mod heads;
pub mod parts;
pub mod time;

pub use heads::{HeadPublisher, Subscription};
