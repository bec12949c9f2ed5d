//! The memory log's key store: the subjects' wrapped data keys and the
//! master key's check value, in the log's state. An append seals its
//! personal values under the state's lock, with keys made there kept
//! aside ([`Staged`]) until the append has written its events, so a
//! failed append leaves no key behind; a forget deletes a key in the same
//! step as it appends its record.

use std::collections::HashMap;

use super::{MemoryLog, State, lock};
use crate::error::LogError;
use crate::limits::LogLimits;
use crate::log::Append;
use crate::personal::{
    DataKeys, KeyId, KeyStore, MasterKey, PersonalError, Subject, seal_append, unwrap_keys,
};

/// The keys of a memory log.
#[derive(Debug, Default)]
pub(super) struct MemoryKeys {
    /// The master key: the application's, or one made at random on first
    /// use (a memory log's keys die with it).
    master: Option<MasterKey>,
    check: Option<Vec<u8>>,
    by_subject: HashMap<Subject, (KeyId, Vec<u8>)>,
    by_id: HashMap<KeyId, Subject>,
}

impl MemoryKeys {
    fn master(&mut self) -> Result<MasterKey, PersonalError> {
        match &self.master {
            Some(master) => Ok(master.clone()),
            None => {
                let master = MasterKey::generate()?;
                self.master = Some(master.clone());
                Ok(master)
            }
        }
    }

    /// Deletes `subject`'s key; whether it had one.
    pub(super) fn forget(&mut self, subject: &Subject) -> bool {
        match self.by_subject.remove(subject) {
            Some((id, _)) => {
                self.by_id.remove(&id);
                true
            }
            None => false,
        }
    }
}

/// What sealing one append added to the key store, kept aside until the
/// append has written its events.
#[derive(Debug, Default)]
pub(super) struct Staged {
    check: Option<Vec<u8>>,
    keys: Vec<(Subject, KeyId, Vec<u8>)>,
}

impl Staged {
    /// Keeps what was staged: the append wrote its events.
    pub(super) fn commit(self, keys: &mut MemoryKeys) {
        if self.check.is_some() {
            keys.check = self.check;
        }
        for (subject, id, wrapped) in self.keys {
            keys.by_id.insert(id, subject.clone());
            keys.by_subject.insert(subject, (id, wrapped));
        }
    }
}

struct StagingStore<'a> {
    keys: &'a MemoryKeys,
    staged: &'a mut Staged,
}

impl KeyStore for StagingStore<'_> {
    fn check_value(&mut self) -> Result<Option<Vec<u8>>, LogError> {
        Ok(self
            .keys
            .check
            .clone()
            .or_else(|| self.staged.check.clone()))
    }

    fn set_check_value(&mut self, check: &[u8]) -> Result<(), LogError> {
        self.staged.check = Some(check.to_vec());
        Ok(())
    }

    fn find(&mut self, subject: &Subject) -> Result<Option<(KeyId, Vec<u8>)>, LogError> {
        let staged = self.staged.keys.iter().find(|(s, _, _)| s == subject);
        Ok(match staged {
            Some((_, id, wrapped)) => Some((*id, wrapped.clone())),
            None => self.keys.by_subject.get(subject).cloned(),
        })
    }

    fn insert(&mut self, subject: &Subject, id: KeyId, wrapped: &[u8]) -> Result<(), LogError> {
        self.staged
            .keys
            .push((subject.clone(), id, wrapped.to_vec()));
        Ok(())
    }
}

/// Seals the personal values of `append` in `state` (under its lock): the
/// keys it made, to keep once the append has written its events.
pub(super) fn seal_locked(
    state: &mut State,
    append: &mut Append,
    limits: &LogLimits,
) -> Result<Staged, LogError> {
    let mut staged = Staged::default();
    if append.seals().is_empty() {
        return Ok(staged);
    }
    let master = state.personal.master()?;
    let mut store = StagingStore {
        keys: &state.personal,
        staged: &mut staged,
    };
    seal_append(
        &mut append.events,
        append.personal.as_ref().map_or(&[], |work| &work.seals),
        &master,
        &mut store,
        limits,
    )?;
    Ok(staged)
}

impl MemoryLog {
    /// An empty log whose data keys `master` wraps (without it, a master
    /// key is made at random on first use: a memory log's keys live no
    /// longer than the log).
    pub fn with_master_key(self, master: MasterKey) -> Self {
        lock(&self.state).personal.master = Some(master);
        self
    }

    pub(super) fn data_keys_now(&self, ids: &[KeyId]) -> Result<DataKeys, LogError> {
        let mut state = lock(&self.state);
        let keys = &mut state.personal;
        let rows: Vec<_> = ids
            .iter()
            .filter_map(|id| {
                let subject = keys.by_id.get(id)?;
                let (_, wrapped) = keys.by_subject.get(subject)?;
                Some((*id, subject.clone(), wrapped.clone()))
            })
            .collect();
        if rows.is_empty() {
            return Ok(DataKeys::new());
        }
        let master = keys.master()?;
        unwrap_keys(&master, keys.check.as_deref(), rows)
    }

    pub(super) fn has_key(&self, subject: &Subject) -> bool {
        lock(&self.state).personal.by_subject.contains_key(subject)
    }
}
