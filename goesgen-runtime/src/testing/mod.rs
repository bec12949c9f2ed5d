//! goesgen's test kit (feature `testing`): the generic half of the
//! given / when / then harness that `include_schema!` generates for every
//! service (`<Service>Service::test`), the same for every schema.
//!
//! - [`Kit`]: an in-memory log, the events a test gave, and the clock the
//!   service stamps its methods' events with: `given` appends the schema's
//!   events as another writer would, at the kit's time.
//! - [`Written`] and [`Answered`]: what a call of a write or a readonly
//!   method gave, with the assertions `then_emits`, `then_refuses`,
//!   `then_answers`, `then_appends_nothing` and their kin; a failed one
//!   panics with a message a person can read (the method, the given events,
//!   a field-by-field diff or the error with its cause chain; `report`).
//! - [`coverage`](mod@coverage): which declared transitions of which projections the
//!   tests took, and which they left out.
//! - [`histories`]: random histories that follow a projection's
//!   transition table (proptest strategies) and the property that a store
//!   applies every one of them and ends in the state the table predicts.

mod answered;
pub mod coverage;
mod diff;
pub mod histories;
mod kit;
mod report;
mod written;

pub use answered::Answered;
pub use kit::Kit;
pub use written::Written;

pub use coverage::coverage;

/// proptest, which the strategies of [`histories`] are written for.
pub use proptest;
