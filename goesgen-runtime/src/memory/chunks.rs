//! [`Chunks`]: a vector that grows chunk by chunk, so that a push never
//! moves what is already stored. The memory log keeps its records and its
//! positions per kind in them: a `Vec` doubling at 2^19 records would copy
//! some 36 MiB (and fault in twice that) within one append, so an append's
//! cost would depend on the log's length; here the largest copy is one
//! chunk regrowing, whatever the length.

/// The most elements a chunk holds.
pub(crate) const CHUNK: usize = 4096;

/// A growable sequence stored as chunks of [`CHUNK`] elements (the last one
/// possibly shorter). Only pushes change it.
#[derive(Debug)]
pub(crate) struct Chunks<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Self {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Chunks<T> {
    /// A sequence holding `value` alone.
    pub(crate) fn one(value: T) -> Self {
        let mut chunks = Self::default();
        chunks.push(value);
        chunks
    }

    /// How many elements it holds.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Adds `value` at the end. The first chunk grows as a `Vec` does (a
    /// short sequence stays small); later ones are allocated whole.
    pub(crate) fn push(&mut self, value: T) {
        match self.chunks.last_mut() {
            Some(last) if last.len() < CHUNK => last.push(value),
            _ => {
                let mut chunk = if self.chunks.is_empty() {
                    Vec::new()
                } else {
                    Vec::with_capacity(CHUNK)
                };
                chunk.push(value);
                self.chunks.push(chunk);
            }
        }
        self.len += 1;
    }

    /// The element at `index`.
    pub(crate) fn get(&self, index: usize) -> Option<&T> {
        self.chunks.get(index / CHUNK)?.get(index % CHUNK)
    }

    /// The last element.
    pub(crate) fn last(&self) -> Option<&T> {
        self.chunks.last()?.last()
    }

    /// The elements from `start` on, in order.
    pub(crate) fn iter_from(&self, start: usize) -> impl Iterator<Item = &T> {
        let offset = start % CHUNK;
        self.chunks
            .iter()
            .skip(start / CHUNK)
            .enumerate()
            .flat_map(move |(i, chunk)| {
                let from = if i == 0 { offset.min(chunk.len()) } else { 0 };
                chunk[from..].iter()
            })
    }

    /// The index of the first element for which `before` is false, where
    /// `before` holds for a prefix of the sequence (as
    /// [`slice::partition_point`]).
    pub(crate) fn partition_point(&self, before: impl Fn(&T) -> bool) -> usize {
        let whole = self
            .chunks
            .partition_point(|chunk| chunk.last().is_some_and(&before));
        match self.chunks.get(whole) {
            Some(chunk) => whole * CHUNK + chunk.partition_point(before),
            None => self.len,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every length around the chunk boundaries, checked against a `Vec`.
    #[test]
    fn behaves_as_a_vec_across_chunk_boundaries() {
        let mut chunks = Chunks::default();
        let mut model: Vec<u64> = Vec::new();
        assert_eq!(chunks.last(), None);
        assert_eq!(chunks.partition_point(|v: &u64| *v < 5), 0);
        for value in 0..(3 * CHUNK as u64 + 7) {
            // Even values only, so a partition point can fall between two.
            chunks.push(value * 2);
            model.push(value * 2);
            let len = model.len();
            let near_boundary = len % CHUNK <= 1 || len % CHUNK == CHUNK - 1 || len < 4;
            if !near_boundary && !len.is_multiple_of(997) {
                continue;
            }
            assert_eq!(chunks.len(), len);
            assert_eq!(chunks.last(), model.last());
            for index in [
                0,
                len / 2,
                len - 1,
                len,
                len + 1,
                CHUNK - 1,
                CHUNK,
                CHUNK + 1,
            ] {
                assert_eq!(chunks.get(index), model.get(index), "get({index}) at {len}");
                let from: Vec<u64> = chunks.iter_from(index).copied().collect();
                assert_eq!(from, model[index.min(len)..], "iter_from({index}) at {len}");
            }
            for probe in [
                0,
                1,
                2,
                len as u64,
                len as u64 + 1,
                2 * len as u64,
                u64::MAX,
            ] {
                assert_eq!(
                    chunks.partition_point(|v| *v < probe),
                    model.partition_point(|v| *v < probe),
                    "partition_point(< {probe}) at {len}"
                );
            }
        }
    }

    #[test]
    fn later_chunks_are_allocated_whole_and_never_move() {
        let mut chunks = Chunks::one(0u32);
        for value in 1..(CHUNK as u32 + 1) {
            chunks.push(value);
        }
        let first: *const u32 = chunks.get(CHUNK).expect("pushed");
        for value in 0..(CHUNK as u32 - 1) {
            chunks.push(value);
        }
        assert_eq!(chunks.chunks.len(), 2);
        assert_eq!(chunks.chunks[1].capacity(), CHUNK);
        assert!(std::ptr::eq(first, chunks.get(CHUNK).expect("pushed")));
    }
}
