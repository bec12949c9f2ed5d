//! Opening the sealed values of records read from a log, written once for
//! every reader (the service engine's sync, [`LogReader`](crate::LogReader),
//! the command line): [`Opening`] finds the sealed values and the key ids
//! they need, the log hands back the keys it still holds
//! ([`EventLog::data_keys`]), and each value is put back in the clear, or
//! replaced by the forgotten marker where its key is gone. A value that
//! does not open with its key is refused ([`PersonalError::Tampered`]),
//! never decoded.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};

use super::keys::{DataKeys, KeyId};
use super::seal::{SEALED_MARKER, SEALED_VERSION, is_sealed, value_aad};
use super::value::FORGOTTEN_MARKER;
use super::{PersonalError, aead};
use crate::error::LogError;
use crate::log::EventLog;
use crate::record::Record;

/// Whether `payload` may hold a sealed value (it holds the marker's
/// quoted name): a byte search, so that records without personal data
/// cost no parse.
pub fn may_be_sealed(payload: &[u8]) -> bool {
    marker().find(payload).is_some()
}

/// The searcher for a sealed value's marker, built once.
fn marker() -> &'static memchr::memmem::Finder<'static> {
    static MARKER: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
        std::sync::OnceLock::new();
    MARKER.get_or_init(|| memchr::memmem::Finder::new(b"\"goesgen:sealed\""))
}

/// The sealed values of a batch of records, found and parsed: the key ids
/// they need, then [`open`](Self::open).
#[derive(Debug, Default)]
pub struct Opening {
    /// Each record holding sealed values.
    items: Vec<Item>,
    ids: Vec<KeyId>,
}

/// A record holding sealed values: its index, parsed payload and sealed
/// values (parsed once, by property name).
#[derive(Debug)]
struct Item {
    index: usize,
    payload: Map<String, Value>,
    sealed: Vec<(String, Sealed)>,
}

impl Opening {
    /// Finds the sealed values of `records`:
    /// [`PersonalError::Malformed`] for one that is not a sealed value of
    /// this version.
    pub fn prepare(records: &[Record]) -> Result<Self, PersonalError> {
        Self::prepare_where(records, |_| true)
    }

    /// [`prepare`](Self::prepare) for the records that pass `open` alone
    /// (a reader passes over the others, which stay sealed).
    pub fn prepare_where(
        records: &[Record],
        open: impl Fn(&Record) -> bool,
    ) -> Result<Self, PersonalError> {
        let mut opening = Self::default();
        for (index, record) in records.iter().enumerate() {
            if !may_be_sealed(&record.payload) || !open(record) {
                continue;
            }
            let Ok(payload) = serde_json::from_slice::<Map<String, Value>>(&record.payload) else {
                // Not an object: nothing of ours to open (the decoder
                // reports it).
                continue;
            };
            let mut sealed = Vec::new();
            for (field, value) in &payload {
                if is_sealed(value) {
                    let value = Sealed::parse(record, field, value)?;
                    if !opening.ids.contains(&value.key) {
                        opening.ids.push(value.key);
                    }
                    sealed.push((field.clone(), value));
                }
            }
            if !sealed.is_empty() {
                opening.items.push(Item {
                    index,
                    payload,
                    sealed,
                });
            }
        }
        Ok(opening)
    }

    /// Whether no record holds a sealed value.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The ids of the keys the sealed values need, each once.
    pub fn key_ids(&self) -> &[KeyId] {
        &self.ids
    }

    /// Puts each sealed value of `records` (those it was prepared from)
    /// back in the clear with `keys`, or the forgotten marker where its
    /// key is not in `keys`: [`PersonalError::Tampered`] for a value that
    /// does not open with its key.
    pub fn open(self, records: &mut [Record], keys: &DataKeys) -> Result<(), PersonalError> {
        for Item {
            index,
            mut payload,
            sealed,
        } in self.items
        {
            let record = &records[index];
            for (field, value) in sealed {
                let opened = value.open(record, &field, keys)?;
                payload.insert(field, opened);
            }
            records[index].payload = serde_json::to_vec(&payload).unwrap_or_default();
        }
        Ok(())
    }
}

/// Opens the sealed values of `records` with the keys `log` holds:
/// [`Opening`] from start to end. Records without sealed values are left
/// untouched, and a batch without any asks the log nothing.
pub async fn open_records(log: &dyn EventLog, records: &mut [Record]) -> Result<(), LogError> {
    open_opening(log, records, Opening::prepare(records)?).await
}

/// Opens what `opening` found in `records` with the keys `log` holds.
pub async fn open_opening(
    log: &dyn EventLog,
    records: &mut [Record],
    opening: Opening,
) -> Result<(), LogError> {
    if opening.is_empty() {
        return Ok(());
    }
    let keys = log.data_keys(opening.key_ids()).await?;
    opening.open(records, &keys)?;
    Ok(())
}

/// One sealed value, parsed.
#[derive(Debug)]
struct Sealed {
    key: KeyId,
    nonce: [u8; aead::NONCE],
    data: Vec<u8>,
}

impl Sealed {
    fn parse(record: &Record, field: &str, value: &Value) -> Result<Self, PersonalError> {
        let malformed = |reason: &str| PersonalError::Malformed {
            position: record.position,
            kind: record.kind.clone(),
            field: field.to_owned(),
            reason: reason.to_owned(),
        };
        let text = |name: &str| {
            value
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| malformed(&format!("`{name}` is not a string")))
        };
        if value.get(SEALED_MARKER).and_then(Value::as_u64) != Some(SEALED_VERSION) {
            return Err(malformed(&format!(
                "`{SEALED_MARKER}` is not {SEALED_VERSION}, the version this runtime reads"
            )));
        }
        let key = KeyId::from_base64(text("key")?)
            .ok_or_else(|| malformed("`key` is not the base64 of a key id"))?;
        let nonce = STANDARD
            .decode(text("nonce")?)
            .ok()
            .and_then(|nonce| <[u8; aead::NONCE]>::try_from(nonce).ok())
            .ok_or_else(|| malformed("`nonce` is not the base64 of a 12-byte nonce"))?;
        let data = STANDARD
            .decode(text("data")?)
            .map_err(|_| malformed("`data` is not base64"))?;
        Ok(Self { key, nonce, data })
    }

    fn open(self, record: &Record, field: &str, keys: &DataKeys) -> Result<Value, PersonalError> {
        let Some(key) = keys.get(&self.key) else {
            let mut forgotten = Map::new();
            forgotten.insert(FORGOTTEN_MARKER.into(), Value::Bool(true));
            return Ok(Value::Object(forgotten));
        };
        let tampered = || PersonalError::Tampered {
            position: record.position,
            kind: record.kind.clone(),
            field: field.to_owned(),
        };
        let plain = aead::open(
            key.bytes(),
            &self.nonce,
            &value_aad(&record.kind, field, &self.key),
            &self.data,
        )
        .ok_or_else(tampered)?;
        serde_json::from_slice(&plain).map_err(|_| tampered())
    }
}
