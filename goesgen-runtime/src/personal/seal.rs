//! Sealing an append's personal values, written once for every backend:
//! [`Sealing`] reads the subjects of the events an append names
//! ([`Append::seal`](crate::Append::seal)), the backend finds or creates
//! their data keys in its own transaction, and [`Sealing::seal`] puts the
//! sealed values in place of the plaintext. A backend whose key store is
//! synchronous (memory, SQLite) implements [`KeyStore`] and calls
//! [`seal_append`], which does all of it.
//!
//! The wire form of a sealed value, in place of the value in the payload:
//! `{"goesgen:sealed":1,"key":"<key id>","nonce":"<nonce>","data":"<ciphertext and tag>"}`
//! (standard base64), ChaCha20-Poly1305 with associated data binding the
//! record's kind, the property's name and the key id.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::keys::{DataKey, KeyId, SubjectKeys};
use super::{MasterKey, PersonalError, PersonalSpec, Seal, Subject, aead};
use crate::error::LogError;
use crate::limits::LogLimits;
use crate::record::NewEvent;

/// The marker of a sealed value's object.
pub const SEALED_MARKER: &str = "goesgen:sealed";
/// The version of the sealed form this runtime writes and reads.
pub const SEALED_VERSION: u64 = 1;

/// The associated data of the value of `field` in a record of `kind`
/// sealed with key `id`.
pub(super) fn value_aad(kind: &str, field: &str, id: &KeyId) -> Vec<u8> {
    [
        b"goesgen:sealed:1\0",
        kind.as_bytes(),
        b"\0",
        field.as_bytes(),
        b"\0",
        id.as_bytes(),
    ]
    .concat()
}

/// Seals `value`, the value of `field` in a record of `kind`, with `key`:
/// its sealed object.
pub fn seal_value(
    kind: &str,
    field: &str,
    value: &Value,
    key: &DataKey,
) -> Result<Value, PersonalError> {
    // A Value always serialises.
    let plain = serde_json::to_vec(value).unwrap_or_default();
    let (nonce, data) = aead::seal(key.bytes(), &value_aad(kind, field, &key.id()), &plain)?;
    let mut sealed = Map::new();
    sealed.insert(SEALED_MARKER.into(), SEALED_VERSION.into());
    sealed.insert("key".into(), key.id().to_base64().into());
    sealed.insert("nonce".into(), STANDARD.encode(nonce).into());
    sealed.insert("data".into(), STANDARD.encode(data).into());
    Ok(Value::Object(sealed))
}

/// Whether `value` is a sealed value's object (of any version).
pub(crate) fn is_sealed(value: &Value) -> bool {
    matches!(value, Value::Object(map) if map.contains_key(SEALED_MARKER))
}

/// Seals the personal properties `spec` names in `payload` (a record of
/// `kind`) with `key`: its payload with sealed values. A property that is
/// missing, already sealed, or the marker of a forgotten value is left as
/// it is.
pub fn seal_payload(
    kind: &str,
    payload: &[u8],
    spec: &PersonalSpec,
    key: &DataKey,
) -> Result<Vec<u8>, PersonalError> {
    let mut map: Map<String, Value> =
        serde_json::from_slice(payload).map_err(|error| PersonalError::Malformed {
            position: 0,
            kind: kind.to_owned(),
            field: spec.subject.to_owned(),
            reason: format!("the payload is not a JSON object: {error}"),
        })?;
    seal_fields(kind, &mut map, spec, key)?;
    Ok(serde_json::to_vec(&map).unwrap_or_default())
}

fn seal_fields(
    kind: &str,
    map: &mut Map<String, Value>,
    spec: &PersonalSpec,
    key: &DataKey,
) -> Result<(), PersonalError> {
    for field in spec.fields {
        if let Some(value) = map.get_mut(*field)
            && !is_sealed(value)
            && !super::value::is_forgotten_marker(value)
        {
            *value = seal_value(kind, field, value, key)?;
        }
    }
    Ok(())
}

/// The events of one append to seal, parsed, with their subjects: made
/// before the backend looks up keys, sealed once it has them.
#[derive(Debug)]
pub struct Sealing {
    items: Vec<Item>,
}

#[derive(Debug)]
struct Item {
    index: usize,
    kind: String,
    spec: &'static PersonalSpec,
    payload: Map<String, Value>,
    subject: Subject,
}

impl Sealing {
    /// Reads the payloads and subjects of the events `seals` names:
    /// [`LogError::InvalidEvent`] for an index out of range or a payload
    /// that is not an object; [`PersonalError::NoSubject`] for an event
    /// whose subject is missing or not an id.
    pub fn prepare(events: &[NewEvent], seals: &[Seal]) -> Result<Self, LogError> {
        let mut items = Vec::with_capacity(seals.len());
        for seal in seals {
            let event = events
                .get(seal.index)
                .ok_or_else(|| LogError::InvalidEvent {
                    index: seal.index,
                    reason: format!(
                        "the append names it to seal, but has {} events",
                        events.len()
                    ),
                })?;
            let payload: Map<String, Value> =
                serde_json::from_slice(&event.payload).map_err(|error| LogError::InvalidEvent {
                    index: seal.index,
                    reason: format!("the payload is not one JSON object: {error}"),
                })?;
            let no_subject = |reason: String| PersonalError::NoSubject {
                index: seal.index,
                kind: event.kind.clone(),
                field: seal.spec.subject.to_owned(),
                reason,
            };
            let id = payload
                .get(seal.spec.subject)
                .ok_or_else(|| no_subject("the property is missing".into()))?;
            let subject = Subject::from_json(seal.spec.subject_kind, id)
                .map_err(|error| no_subject(error.to_string()))?;
            items.push(Item {
                index: seal.index,
                kind: event.kind.clone(),
                spec: seal.spec,
                payload,
                subject,
            });
        }
        Ok(Self { items })
    }

    /// Whether there is nothing to seal.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The subjects whose keys the append needs, each once, in the order
    /// the append first names them.
    pub fn subjects(&self) -> Vec<&Subject> {
        let mut subjects: Vec<&Subject> = Vec::new();
        for item in &self.items {
            if !subjects.contains(&&item.subject) {
                subjects.push(&item.subject);
            }
        }
        subjects
    }

    /// The sealed payloads, by index of their event in the append, with
    /// `keys` (one per subject of [`subjects`](Self::subjects)):
    /// [`LogError::InvalidEvent`] if a sealed payload is over `limits`.
    pub fn sealed(
        &self,
        keys: &SubjectKeys,
        limits: &LogLimits,
    ) -> Result<Vec<(usize, Vec<u8>)>, LogError> {
        let mut sealed = Vec::with_capacity(self.items.len());
        for item in &self.items {
            let key = keys.get(&item.subject).ok_or_else(|| {
                LogError::Config(format!(
                    "no data key was found or made for {} (a backend's bug)",
                    item.subject
                ))
            })?;
            let mut payload = item.payload.clone();
            seal_fields(&item.kind, &mut payload, item.spec, key)?;
            let payload = serde_json::to_vec(&payload).unwrap_or_default();
            if payload.len() > limits.payload_bytes() {
                return Err(LogError::InvalidEvent {
                    index: item.index,
                    reason: format!(
                        "the payload is {} bytes once its personal values are sealed, over \
                         the limit of {}",
                        payload.len(),
                        limits.payload_bytes()
                    ),
                });
            }
            sealed.push((item.index, payload));
        }
        Ok(sealed)
    }

    /// Seals `events` (those it was prepared from) in place with `keys`,
    /// as [`sealed`](Self::sealed) seals them.
    pub fn seal(
        &self,
        events: &mut [NewEvent],
        keys: &SubjectKeys,
        limits: &LogLimits,
    ) -> Result<(), LogError> {
        for (index, payload) in self.sealed(keys, limits)? {
            events[index].payload = payload;
        }
        Ok(())
    }
}

/// A backend's key store, as [`seal_append`] and [`unwrap_keys`] use it
/// inside the backend's own transaction: rows of (key id, subject,
/// wrapped key) and the master key's check value.
pub trait KeyStore {
    /// The stored check value of the master key, if one was stored.
    fn check_value(&mut self) -> Result<Option<Vec<u8>>, LogError>;
    /// Stores the check value (the first time a key is made).
    fn set_check_value(&mut self, check: &[u8]) -> Result<(), LogError>;
    /// The key of `subject`: its id and wrapped bytes, if it has one.
    fn find(&mut self, subject: &Subject) -> Result<Option<(KeyId, Vec<u8>)>, LogError>;
    /// Stores a new key of `subject`.
    fn insert(&mut self, subject: &Subject, id: KeyId, wrapped: &[u8]) -> Result<(), LogError>;
}

/// Checks `master` against `store`'s check value, storing a new one if the
/// store has none: [`PersonalError::WrongMasterKey`] if it does not match.
pub fn verify_master(master: &MasterKey, store: &mut impl KeyStore) -> Result<(), LogError> {
    match store.check_value()? {
        Some(check) => Ok(master.verify(&check)?),
        None => store.set_check_value(&master.check_value()?),
    }
}

/// Seals the events of an append that `seals` names, with the data keys
/// of their subjects in `store` (made and stored there on a subject's
/// first use), all in the caller's transaction: what a backend with a
/// synchronous key store calls before it writes the events.
pub fn seal_append(
    events: &mut [NewEvent],
    seals: &[Seal],
    master: &MasterKey,
    store: &mut impl KeyStore,
    limits: &LogLimits,
) -> Result<(), LogError> {
    if seals.is_empty() {
        return Ok(());
    }
    let sealing = Sealing::prepare(events, seals)?;
    let keys = subject_keys(&sealing, master, store)?;
    sealing.seal(events, &keys, limits)
}

/// The data keys of the subjects `sealing` needs, from `store` (made and
/// stored there on a subject's first use), after checking `master`
/// against the store's check value.
pub fn subject_keys(
    sealing: &Sealing,
    master: &MasterKey,
    store: &mut impl KeyStore,
) -> Result<SubjectKeys, LogError> {
    verify_master(master, store)?;
    let mut keys = SubjectKeys::new();
    for subject in sealing.subjects() {
        let key = match store.find(subject)? {
            Some((id, wrapped)) => master.unwrap(id, subject, &wrapped)?,
            None => {
                let key = DataKey::generate()?;
                store.insert(subject, key.id(), &master.wrap(&key, subject)?)?;
                key
            }
        };
        keys.insert(subject.clone(), key);
    }
    Ok(keys)
}

/// The data keys of `rows` (key id, subject, wrapped key, as a key store
/// found them) unwrapped with `master`, after checking it against the
/// store's `check` value.
pub fn unwrap_keys(
    master: &MasterKey,
    check: Option<&[u8]>,
    rows: impl IntoIterator<Item = (KeyId, Subject, Vec<u8>)>,
) -> Result<super::DataKeys, LogError> {
    let mut rows = rows.into_iter().peekable();
    if rows.peek().is_none() {
        return Ok(super::DataKeys::new());
    }
    match check {
        Some(check) => master.verify(check)?,
        // Keys without a check value: the store was damaged.
        None => return Err(PersonalError::WrongMasterKey.into()),
    }
    let mut keys = super::DataKeys::new();
    for (id, subject, wrapped) in rows {
        keys.insert(master.unwrap(id, &subject, &wrapped)?);
    }
    Ok(keys)
}
