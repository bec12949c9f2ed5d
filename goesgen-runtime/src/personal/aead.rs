//! The one AEAD every seal and wrap goes through: ChaCha20-Poly1305 from
//! `ring` (see docs/decisions.md), with a random 96-bit nonce per
//! message, and the system's random numbers for keys and nonces.

use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use super::PersonalError;

/// The nonce's length (96 bits).
pub(crate) const NONCE: usize = NONCE_LEN;
/// The tag's length (128 bits).
pub(crate) const TAG: usize = 16;

/// Fills `out` from the system's random number generator.
pub(crate) fn fill_random(out: &mut [u8]) -> Result<(), PersonalError> {
    SystemRandom::new()
        .fill(out)
        .map_err(|_| PersonalError::Random)
}

fn cipher(key: &[u8; 32]) -> LessSafeKey {
    // A 32-byte key is what ChaCha20-Poly1305 takes: this cannot fail.
    let unbound = UnboundKey::new(&CHACHA20_POLY1305, key)
        .unwrap_or_else(|_| unreachable!("ChaCha20-Poly1305 takes 32-byte keys"));
    LessSafeKey::new(unbound)
}

/// Seals `plaintext` under `key`, bound to `aad`: a new random nonce, and
/// the ciphertext with its tag.
pub(crate) fn seal(
    key: &[u8; 32],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<([u8; NONCE], Vec<u8>), PersonalError> {
    let mut nonce = [0; NONCE];
    fill_random(&mut nonce)?;
    let mut data = Vec::with_capacity(plaintext.len() + TAG);
    data.extend_from_slice(plaintext);
    cipher(key)
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut data,
        )
        .map_err(|_| PersonalError::Random)?;
    Ok((nonce, data))
}

/// Opens `data` (ciphertext and tag) sealed under `key` with `nonce` and
/// `aad`: the plaintext, or `None` if it does not open (another key,
/// another `aad`, or changed bytes).
pub(crate) fn open(
    key: &[u8; 32],
    nonce: &[u8; NONCE],
    aad: &[u8],
    data: &[u8],
) -> Option<Vec<u8>> {
    let mut data = data.to_vec();
    let plain = cipher(key)
        .open_in_place(
            Nonce::assume_unique_for_key(*nonce),
            Aad::from(aad),
            &mut data,
        )
        .ok()?
        .len();
    data.truncate(plain);
    Some(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_what_it_sealed_and_nothing_else() {
        let key = [7; 32];
        let (nonce, data) = seal(&key, b"aad", b"hello").unwrap();
        assert_eq!(
            open(&key, &nonce, b"aad", &data).as_deref(),
            Some(&b"hello"[..])
        );
        assert_eq!(open(&[8; 32], &nonce, b"aad", &data), None);
        assert_eq!(open(&key, &nonce, b"other", &data), None);
        let mut changed = data.clone();
        changed[0] ^= 1;
        assert_eq!(open(&key, &nonce, b"aad", &changed), None);
        let (again, _) = seal(&key, b"aad", b"hello").unwrap();
        assert_ne!(nonce, again, "a nonce is never reused");
    }
}
