//! [`MasterKey`]: the application's key that wraps every data key. The
//! log keeps a check value of it, so a wrong master key is
//! [`PersonalError::WrongMasterKey`], never garbage.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroize;

use super::keys::{DATA_KEY_LEN, DataKey, KeyId};
use super::{PersonalError, Subject, aead};

/// The length of a master key (256 bits).
pub const MASTER_KEY_LEN: usize = 32;

/// What the check value seals, so that only the right key opens it.
const CHECK_AAD: &[u8] = b"goesgen master key check v1";
/// What a wrapped data key is bound to, before its id and subject.
const WRAP_AAD: &[u8] = b"goesgen data key v1";

struct Bytes([u8; MASTER_KEY_LEN]);

impl Drop for Bytes {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// The application's master key (32 bytes), which wraps every data key of
/// a log. Supplied by the application (from bytes, a file or an
/// environment variable) and never stored in the log: the log keeps only a
/// check value, so that a wrong key is a clear error. Cheap to clone;
/// never printed.
///
/// ```
/// use goesgen_runtime::personal::MasterKey;
///
/// let key = MasterKey::generate().unwrap();
/// let text = key.to_base64();
/// assert_eq!(MasterKey::parse(&text).unwrap(), key);
/// assert_eq!(format!("{key:?}"), "MasterKey(<redacted>)");
/// ```
#[derive(Clone)]
pub struct MasterKey(Arc<Bytes>);

impl MasterKey {
    /// The key of these 32 bytes.
    pub fn from_bytes(bytes: [u8; MASTER_KEY_LEN]) -> Self {
        Self(Arc::new(Bytes(bytes)))
    }

    /// A new random key (for tests, or to make one to keep).
    pub fn generate() -> Result<Self, PersonalError> {
        let mut bytes = [0; MASTER_KEY_LEN];
        aead::fill_random(&mut bytes)?;
        Ok(Self::from_bytes(bytes))
    }

    /// The key written as text: 64 hexadecimal digits, or the standard
    /// base64 of its 32 bytes (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, PersonalError> {
        let text = text.trim();
        let bytes =
            if text.len() == 2 * MASTER_KEY_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) {
                (0..MASTER_KEY_LEN)
                    .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16))
                    .collect::<Result<Vec<u8>, _>>()
                    .map_err(|error| bad(format!("not hexadecimal: {error}")))?
            } else {
                STANDARD
                    .decode(text)
                    .map_err(|_| bad("neither 64 hexadecimal digits nor base64".into()))?
            };
        Self::from_slice(&bytes)
    }

    /// The key of `bytes`, which must be 32.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, PersonalError> {
        let bytes: [u8; MASTER_KEY_LEN] = bytes.try_into().map_err(|_| {
            bad(format!(
                "{} bytes, where a master key is {MASTER_KEY_LEN}",
                bytes.len()
            ))
        })?;
        Ok(Self::from_bytes(bytes))
    }

    /// The key in the file at `path`: its 32 raw bytes, or the key as text
    /// (see [`parse`](Self::parse)).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, PersonalError> {
        let path = path.as_ref();
        let mut bytes = std::fs::read(path)
            .map_err(|error| bad(format!("cannot read {}: {error}", path.display())))?;
        let key = if bytes.len() == MASTER_KEY_LEN {
            Self::from_slice(&bytes)
        } else {
            match std::str::from_utf8(&bytes) {
                Ok(text) => Self::parse(text),
                Err(_) => Err(bad(format!(
                    "{} holds {} bytes that are not text, where a raw key is {MASTER_KEY_LEN}",
                    path.display(),
                    bytes.len()
                ))),
            }
        };
        bytes.zeroize();
        key
    }

    /// The key in the environment variable `name`, as text (see
    /// [`parse`](Self::parse)).
    pub fn from_env(name: &str) -> Result<Self, PersonalError> {
        let mut text = std::env::var(name)
            .map_err(|error| bad(format!("environment variable {name}: {error}")))?;
        let key = Self::parse(&text);
        text.zeroize();
        key
    }

    /// The key as standard base64 (to keep it somewhere safe).
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0.0)
    }

    /// A new check value of this key, for a log to keep: it opens only
    /// with this key.
    pub fn check_value(&self) -> Result<Vec<u8>, PersonalError> {
        let (nonce, data) = aead::seal(&self.0.0, CHECK_AAD, &[])?;
        Ok([&nonce[..], &data].concat())
    }

    /// Whether `check` is a check value of this key:
    /// [`PersonalError::WrongMasterKey`] if not.
    pub fn verify(&self, check: &[u8]) -> Result<(), PersonalError> {
        let (nonce, data) = split_nonce(check).ok_or(PersonalError::WrongMasterKey)?;
        aead::open(&self.0.0, nonce, CHECK_AAD, data)
            .map(drop)
            .ok_or(PersonalError::WrongMasterKey)
    }

    /// `key` wrapped for `subject`'s row of a key store: it unwraps only
    /// with this master key, its id and its subject.
    pub fn wrap(&self, key: &DataKey, subject: &Subject) -> Result<Vec<u8>, PersonalError> {
        let aad = wrap_aad(key.id(), subject);
        let (nonce, data) = aead::seal(&self.0.0, &aad, key.bytes())?;
        Ok([&nonce[..], &data].concat())
    }

    /// The data key `id` of `subject` from its `wrapped` form:
    /// [`PersonalError::DamagedKey`] if it does not unwrap (verify the
    /// master key first, so that a wrong one is said as such).
    pub fn unwrap(
        &self,
        id: KeyId,
        subject: &Subject,
        wrapped: &[u8],
    ) -> Result<DataKey, PersonalError> {
        let damaged = || PersonalError::DamagedKey {
            subject: subject.to_string(),
        };
        let (nonce, data) = split_nonce(wrapped).ok_or_else(damaged)?;
        let mut plain =
            aead::open(&self.0.0, nonce, &wrap_aad(id, subject), data).ok_or_else(damaged)?;
        let bytes: Result<[u8; DATA_KEY_LEN], _> = plain.as_slice().try_into();
        plain.zeroize();
        Ok(DataKey::from_parts(id, bytes.map_err(|_| damaged())?))
    }
}

fn wrap_aad(id: KeyId, subject: &Subject) -> Vec<u8> {
    [
        WRAP_AAD,
        b"\0",
        id.as_bytes(),
        b"\0",
        subject.to_string().as_bytes(),
    ]
    .concat()
}

fn split_nonce(bytes: &[u8]) -> Option<(&[u8; aead::NONCE], &[u8])> {
    let (nonce, data) = bytes.split_first_chunk::<{ aead::NONCE }>()?;
    Some((nonce, data))
}

fn bad(reason: String) -> PersonalError {
    PersonalError::BadMasterKey { reason }
}

impl PartialEq for MasterKey {
    fn eq(&self, other: &Self) -> bool {
        ring_eq(&self.0.0, &other.0.0)
    }
}

impl Eq for MasterKey {}

/// Compares in constant time.
fn ring_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_value_tells_the_right_key_from_a_wrong_one() {
        let key = MasterKey::generate().unwrap();
        let check = key.check_value().unwrap();
        key.verify(&check).unwrap();
        let other = MasterKey::generate().unwrap();
        assert!(matches!(
            other.verify(&check),
            Err(PersonalError::WrongMasterKey)
        ));
        assert!(matches!(
            key.verify(&[]),
            Err(PersonalError::WrongMasterKey)
        ));
    }

    #[test]
    fn a_wrapped_key_unwraps_only_for_its_subject_and_id() {
        let master = MasterKey::generate().unwrap();
        let key = DataKey::generate().unwrap();
        let ada: Subject = "User:ada".parse().unwrap();
        let bob: Subject = "User:bob".parse().unwrap();
        let wrapped = master.wrap(&key, &ada).unwrap();
        assert_eq!(master.unwrap(key.id(), &ada, &wrapped).unwrap(), key);
        assert!(master.unwrap(key.id(), &bob, &wrapped).is_err());
        assert!(
            master
                .unwrap(KeyId::generate().unwrap(), &ada, &wrapped)
                .is_err()
        );
    }

    #[test]
    fn parses_hex_and_base64_and_refuses_other_lengths() {
        let key = MasterKey::from_bytes([0xab; 32]);
        assert_eq!(MasterKey::parse(&"ab".repeat(32)).unwrap(), key);
        assert_eq!(
            MasterKey::parse(&format!(" {}\n", key.to_base64())).unwrap(),
            key
        );
        assert!(MasterKey::parse("abcd").is_err());
        assert!(MasterKey::from_slice(&[1; 31]).is_err());
    }
}
