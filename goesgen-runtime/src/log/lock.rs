//! The log's write lock: exclusive write access ([`WriteLock`]) a service
//! takes for a transaction that keeps losing to others.

use super::{Append, Appended, AppendedParts, BoxFuture};
use crate::error::LogError;

/// Exclusive write access to a log, from
/// [`EventLog::lock_writes`](super::EventLog::lock_writes): while it is
/// held no other writer (in this process or another) can append, so what
/// its holder reads stays current until it appends through it. Dropping
/// it releases the lock without appending.
pub trait WriteLock: Send {
    /// Appends under the lock and releases it (as
    /// [`EventLog::append_with`](super::EventLog::append_with)).
    fn append(self: Box<Self>, append: Append) -> BoxFuture<'static, Result<Appended, LogError>>;

    /// Appends the parts of `append` under the lock and releases it (as
    /// [`EventLog::append_parts`](super::EventLog::append_parts)).
    ///
    /// The default goes through [`append`](Self::append), and so only
    /// takes parts without keys or fingerprints (it splits the positions
    /// written among them); anything else is [`LogError::Config`], with
    /// the lock released. Every backend of this crate implements it in
    /// full.
    fn append_parts(
        self: Box<Self>,
        mut append: Append,
    ) -> BoxFuture<'static, Result<AppendedParts, LogError>> {
        let parts = match crate::backend::parts::unkeyed(&mut append) {
            Ok(parts) => parts,
            Err(error) => return Box::pin(std::future::ready(Err(error))),
        };
        let written = self.append(append);
        Box::pin(async move { Ok(crate::backend::parts::split(written.await?, parts)) })
    }
}
