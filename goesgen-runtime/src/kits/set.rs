//! [`Set`]: a transactional set for projections kept by
//! [`MemoryStore`](crate::MemoryStore) in [`Overlaid`](super::Overlaid)
//! mode, a [`Table`] of keys to `()` (same transactions, same costs).

use std::borrow::Borrow;
use std::fmt;
use std::hash::Hash;

use super::table::Table;
use super::transactional::Transactional;

/// A set of `K` for a projection in a [`MemoryStore`](crate::MemoryStore)
/// in [`Overlaid`](super::Overlaid) mode: a [`Table`] without values. Sets
/// are equal when they hold the same keys.
pub struct Set<K>(Table<K, ()>);

impl<K> Default for Set<K> {
    fn default() -> Self {
        Self(Table::default())
    }
}

impl<K> Set<K> {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Hash + Eq> Set<K> {
    /// Whether the set holds `key`.
    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.0.contains_key(key)
    }

    /// The keys, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &K> {
        self.0.keys()
    }
}

impl<K: Hash + Eq + Clone> Set<K> {
    /// Adds `key`; whether it was new.
    pub fn insert(&mut self, key: K) -> bool {
        self.0.insert(key, ()).is_none()
    }

    /// Removes `key`; whether it was there.
    pub fn remove<Q>(&mut self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        self.0.remove(key).is_some()
    }
}

impl<K> Transactional for Set<K>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
{
    fn begin_write(&self) -> Self {
        Self(self.0.begin_write())
    }

    fn commit(self) -> Self {
        Self(self.0.commit())
    }

    fn savepoint(&mut self) {
        self.0.savepoint();
    }

    fn rollback_to_savepoint(&mut self) {
        self.0.rollback_to_savepoint();
    }
}

impl<K: Hash + Eq> FromIterator<K> for Set<K> {
    fn from_iter<I: IntoIterator<Item = K>>(keys: I) -> Self {
        Self(keys.into_iter().map(|key| (key, ())).collect())
    }
}

impl<K: Hash + Eq> PartialEq for Set<K> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<K: Hash + Eq> Eq for Set<K> {}

impl<K: fmt::Debug + Hash + Eq> fmt::Debug for Set<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}
