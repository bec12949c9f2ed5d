//! The engine's share of personal data: naming the events with personal
//! properties to the log, which seals them ([`Append::seal`]); opening
//! the sealed values of a batch before it is decoded (a value whose key
//! is gone decodes as forgotten); and telling the store of a subject
//! forgotten through the log (`SubjectForgotten`), for the kinds it
//! [`FORGETS`](ServiceStore::FORGETS).

use crate::codec::{EventKindSet, EventSet};
use crate::error::LogError;
use crate::log::Append;
use crate::personal::{self, PersonalSpec, SUBJECT_FORGOTTEN};
use crate::record::Record;
use crate::service::committed::Recorded;
use crate::service::engine::Engine;
use crate::service::error::ServiceError;
use crate::service::store::ServiceStore;

/// The events of `E` with personal properties by name (sorted).
pub(crate) fn personal_kinds<E: EventSet>() -> Vec<(&'static str, &'static PersonalSpec)> {
    let mut personal: Vec<(&'static str, &'static PersonalSpec)> = <E::Kind as EventKindSet>::ALL
        .iter()
        .filter_map(|kind| Some((kind.name(), E::personal(*kind)?)))
        .collect();
    personal.sort_unstable_by_key(|(name, _)| *name);
    personal
}

impl<S: ServiceStore> Engine<S> {
    /// `append` with its events of personal kinds named to be sealed:
    /// [`LogError::Config`] if there are some and the log does not seal
    /// (it would store them in the clear).
    pub(crate) fn with_seals(&self, mut append: Append) -> Result<Append, LogError> {
        let personal = &self.core.personal;
        if personal.is_empty() {
            return Ok(append);
        }
        let seals: Vec<(usize, &'static PersonalSpec)> = append
            .events
            .iter()
            .enumerate()
            .filter_map(|(index, event)| {
                let found = personal
                    .binary_search_by(|(name, _)| (*name).cmp(&event.kind))
                    .ok()?;
                Some((index, personal[found].1))
            })
            .collect();
        for (index, spec) in seals {
            append = append.seal(index, spec);
        }
        if !append.seals().is_empty() && !self.core.log.seals_personal() {
            return Err(LogError::Config(format!(
                "service {} emits personal data, and this log keeps no personal data keys to \
                 seal it with",
                S::SERVICE
            )));
        }
        Ok(append)
    }

    /// Opens the sealed values of the records of `records` the store
    /// applies, before they are decoded: not those of other kinds, nor
    /// those the sync passes over (listed in the options, or refused
    /// before), so that an operator can pass over a record that does not
    /// open.
    pub(crate) async fn open_sealed(&self, records: &mut [Record]) -> Result<(), LogError> {
        let opening = personal::Opening::prepare_where(records, |record| self.applies(record))
            .map_err(LogError::from)?;
        personal::open_opening(&*self.core.log, records, opening).await
    }

    /// Whether `record` is a `SubjectForgotten` record (which no schema
    /// defines); if the store hears of its subject's kind, tells it, in
    /// `txn`.
    pub(crate) async fn forgotten<M>(
        &self,
        txn: &mut S::Write,
        record: &Record,
    ) -> Result<bool, ServiceError<M>> {
        if record.kind != SUBJECT_FORGOTTEN {
            return Ok(false);
        }
        if !self.core.forgets {
            return Ok(true);
        }
        let subject = personal::forgotten_subject(&record.payload).map_err(|error| {
            ServiceError::Log(LogError::Corrupt {
                position: record.position,
                reason: error.to_string(),
            })
        })?;
        if !S::FORGETS.contains(&subject.kind()) {
            return Ok(true);
        }
        let at = Recorded {
            position: record.position,
            recorded_at: record.recorded_at,
        };
        tracing::debug!(
            service = S::SERVICE,
            position = record.position,
            kind = subject.kind(),
            "forgetting a subject"
        );
        self.core
            .store
            .forget(txn, &at, &subject)
            .await
            .map_err(|source| ServiceError::Apply {
                position: record.position,
                kind: record.kind.clone(),
                source,
            })?;
        self.core.store.forgot(txn);
        Ok(true)
    }
}
