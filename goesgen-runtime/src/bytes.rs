//! [`any_byte`]: a scan over bytes written so that the compiler compares
//! sixteen at a time. The codec's string writer looks for bytes to escape
//! with it, and the logs' kind check for bytes outside printable ASCII.

/// Whether `test` holds for any of `bytes`. Sixteen bytes at a time, with
/// no early exit inside a chunk, so that the compiler can vectorize the
/// test; the remainder byte by byte.
#[inline]
pub(crate) fn any_byte(bytes: &[u8], test: impl Fn(u8) -> bool) -> bool {
    let mut chunks = bytes.chunks_exact(16);
    for chunk in &mut chunks {
        if chunk.iter().fold(false, |found, &b| found | test(b)) {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| test(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_byte_at_every_place_of_every_length() {
        for len in 0..40 {
            let plain = vec![b'a'; len];
            assert!(!any_byte(&plain, |b| b == b'x'), "none in {len}");
            for at in 0..len {
                let mut bytes = plain.clone();
                bytes[at] = b'x';
                assert!(any_byte(&bytes, |b| b == b'x'), "at {at} of {len}");
            }
        }
    }
}
