//! [`Fnv1a`]: the 64-bit FNV-1a hash, fixed by its definition (the same in
//! every process, host and build, unlike `std`'s randomly keyed hasher) and
//! cheap on short keys. The PostgreSQL log derives its advisory lock key
//! from it; the memory log hashes its index of kinds with it; goesgen-http
//! hashes a caller's name and a request's fingerprint with it.

use std::hash::Hasher;

/// 64-bit FNV-1a, as a [`Hasher`]: the same hash of the same bytes in
/// every process, host and build, for what is stored or compared across
/// them (a key's scope, a request's fingerprint, a lock key). Not for
/// untrusted keys of an in-memory map that must resist flooding.
///
/// ```
/// use std::hash::Hasher;
///
/// let mut hasher = goesgen_runtime::Fnv1a::default();
/// hasher.write(b"a");
/// assert_eq!(hasher.finish(), 0xaf63_dc4c_8601_ec8c);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv1a {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition's test vectors: builds must agree on them.
    #[test]
    fn matches_the_definition() {
        let hash = |bytes: &[u8]| {
            let mut hasher = Fnv1a::default();
            hasher.write(bytes);
            hasher.finish()
        };
        assert_eq!(hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(hash(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
