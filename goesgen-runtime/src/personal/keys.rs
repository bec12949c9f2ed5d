//! The keys of personal data: a subject's [`DataKey`], named in sealed
//! values by its [`KeyId`], and [`DataKeys`], the unwrapped keys a read
//! found. Wrapping by the master key is in `master`.

use std::collections::HashMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroize;

use super::PersonalError;
use super::aead;

/// The length of a data key (256 bits).
pub const DATA_KEY_LEN: usize = 32;
/// The length of a key id.
pub const KEY_ID_LEN: usize = 16;

/// The id of a data key, as sealed values name it (random, 16 bytes;
/// base64 on the wire). It says nothing about the subject.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId([u8; KEY_ID_LEN]);

impl KeyId {
    /// A new random id.
    pub fn generate() -> Result<Self, PersonalError> {
        let mut bytes = [0; KEY_ID_LEN];
        aead::fill_random(&mut bytes)?;
        Ok(Self(bytes))
    }

    /// The id of these bytes (as a key store keeps them); `None` if they
    /// are not [`KEY_ID_LEN`] bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    /// Its bytes.
    pub fn as_bytes(&self) -> &[u8; KEY_ID_LEN] {
        &self.0
    }

    /// The id in its wire form (standard base64); `None` if it is not one.
    pub fn from_base64(text: &str) -> Option<Self> {
        let bytes = STANDARD.decode(text).ok()?;
        Self::from_slice(&bytes)
    }

    /// Its wire form (standard base64).
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.to_base64())
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

/// A subject's data key, unwrapped: seals and opens its personal values.
/// Its bytes are wiped when it is dropped and never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey {
    id: KeyId,
    bytes: [u8; DATA_KEY_LEN],
}

impl DataKey {
    /// A new random key with a new random id.
    pub fn generate() -> Result<Self, PersonalError> {
        let mut bytes = [0; DATA_KEY_LEN];
        aead::fill_random(&mut bytes)?;
        Ok(Self {
            id: KeyId::generate()?,
            bytes,
        })
    }

    /// The key `id` with these bytes (as unwrapped from a key store).
    pub(crate) fn from_parts(id: KeyId, bytes: [u8; DATA_KEY_LEN]) -> Self {
        Self { id, bytes }
    }

    /// Its id.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// Its bytes, for sealing and wrapping.
    pub(crate) fn bytes(&self) -> &[u8; DATA_KEY_LEN] {
        &self.bytes
    }
}

impl Drop for DataKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The data keys a log found for a read
/// ([`EventLog::data_keys`](crate::EventLog::data_keys)): a key id that is
/// not here was forgotten (or never existed), and its values open as
/// forgotten.
#[derive(Debug, Clone, Default)]
pub struct DataKeys {
    keys: HashMap<KeyId, DataKey>,
}

impl DataKeys {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key`.
    pub fn insert(&mut self, key: DataKey) {
        self.keys.insert(key.id(), key);
    }

    /// The key `id`, if found.
    pub fn get(&self, id: &KeyId) -> Option<&DataKey> {
        self.keys.get(id)
    }

    /// How many keys were found.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether none was.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

impl FromIterator<DataKey> for DataKeys {
    fn from_iter<I: IntoIterator<Item = DataKey>>(iter: I) -> Self {
        let mut keys = Self::new();
        for key in iter {
            keys.insert(key);
        }
        keys
    }
}

/// The data keys an append seals with, one per subject (found in the key
/// store or created there in the append's transaction).
pub type SubjectKeys = HashMap<super::Subject, DataKey>;
