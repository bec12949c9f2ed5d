//! Idempotency keys in the engine: the part of an append a keyed call gets
//! (its key and its request's fingerprint, so a keyed call that emits
//! nothing still records its key), and what it means when the log holds
//! the key already: the same request again ([`ServiceError::Duplicate`])
//! or the key reused for another ([`ServiceError::KeyReused`]). A key is
//! not looked up before a call: its append finds a repeat (and holds back
//! the calls of a batch that decided after it), and a refusal looks at the
//! key before it is believed (`refusal.rs`).

use crate::error::LogError;
use crate::log::{AppendPart, AppendedParts, KeyRecord, WriteLock};
use crate::record::{NewEvent, Position};
use crate::service::call::CallOptions;
use crate::service::engine::Engine;
use crate::service::error::ServiceError;
use crate::service::store::ServiceStore;

/// The part of an append for a call with `len` events, if the call has a
/// key: its key and fingerprint.
pub(crate) fn key_part(len: usize, options: &CallOptions) -> Option<AppendPart> {
    let key = options.key.clone()?;
    let mut part = AppendPart::new(len).key(key);
    if let Some(fingerprint) = &options.fingerprint {
        part = part.fingerprint(fingerprint.clone());
    }
    Some(part)
}

/// The error of a call whose key the log holds as `record`: a duplicate
/// of the same request, or, where both fingerprints are known and differ,
/// the key reused for another request.
pub(crate) fn replayed<M>(record: &KeyRecord, options: &CallOptions) -> ServiceError<M> {
    let appended = record.appended;
    match (&record.fingerprint, &options.fingerprint) {
        (Some(first), Some(this)) if first != this => ServiceError::KeyReused { appended },
        _ => ServiceError::Duplicate { appended },
    }
}

impl<S: ServiceStore> Engine<S> {
    /// Appends the events decided at `version` and applied ahead with
    /// `recorded_at`, in `parts` (one per call, with its key), through
    /// `lock` when held, on the conflict rule's condition; returns each
    /// part's outcome and whether the events went where the store applied
    /// them (none of them replayed, right after `version`).
    pub(crate) async fn append_parts_decided(
        &self,
        lock: Option<Box<dyn WriteLock + '_>>,
        events: Vec<NewEvent>,
        parts: Vec<AppendPart>,
        version: Position,
        recorded_at: std::time::SystemTime,
    ) -> Result<(AppendedParts, bool), LogError> {
        let count = events.len();
        let append = self
            .decided_append(events, version, recorded_at)?
            .parts(parts);
        let outcome = match lock {
            Some(lock) => lock.append_parts(append).await,
            None => match self.core.log.try_append_parts_now(append) {
                Ok(outcome) => outcome,
                Err(append) => self.core.log.append_parts(append).await,
            },
        }?;
        let written = outcome.appended;
        let in_place = written.len() == count
            && (count == 0 || (written.first == version + 1 && written.recorded_at == recorded_at));
        Ok((outcome, in_place))
    }
}
