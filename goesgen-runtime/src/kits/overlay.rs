//! [`Overlay`]: a write view's changes to a [`Table`](super::Table), the
//! keys it changed in two layers (before and after the savepoint), kept
//! behind one `Box` so that a table without changes (every committed
//! table, and each table a write transaction does not touch) is small and
//! cheap to move: a write transaction moves its projection several times
//! on its way through the engine. The boxes are recycled through the
//! table's [`Spare`](super::publish::Spare), so a write does not allocate
//! one.

use std::borrow::Borrow;
use std::hash::Hash;

use super::publish::Layer;

/// A write view's changes. See the [module docs](self).
pub(super) struct Overlay<K, V> {
    /// Changes since the write began, up to the savepoint if there is one.
    pub(super) changes: Layer<K, V>,
    /// Changes since the savepoint (empty without one).
    pub(super) recent: Layer<K, V>,
}

impl<K, V> Overlay<K, V> {
    /// An empty overlay whose layers hash with `hasher` (a copy of the
    /// committed map's is cheaper than a new one).
    pub(super) fn new(hasher: &super::publish::Hasher) -> Self {
        Self {
            changes: Layer::with_hasher(hasher.clone()),
            recent: Layer::with_hasher(hasher.clone()),
        }
    }

    /// The layer changes go to: above the savepoint if one is set.
    pub(super) fn top(&mut self, marked: bool) -> &mut Layer<K, V> {
        if marked {
            &mut self.recent
        } else {
            &mut self.changes
        }
    }

    /// Empties both layers, keeping their room.
    pub(super) fn clear(&mut self) {
        self.changes.clear();
        self.recent.clear();
    }

    /// The room of the larger layer, in entries.
    pub(super) fn capacity(&self) -> usize {
        self.changes.capacity().max(self.recent.capacity())
    }
}

impl<K: Hash + Eq, V> Overlay<K, V> {
    /// The change of `key`, if it was changed: `Some(value)` set, `None`
    /// removed. (A lookup in an empty layer does not hash the key.)
    pub(super) fn get<Q>(&self, key: &Q) -> Option<&Option<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.recent.get(key).or_else(|| self.changes.get(key))
    }

    /// Whether `key` was changed (and so hides the committed value, if
    /// any).
    pub(super) fn contains_key(&self, key: &K) -> bool {
        self.recent.contains_key(key) || self.changes.contains_key(key)
    }

    /// Lays the upper layer over the lower one: every change in
    /// `changes`, `recent` emptied (no copy when either is empty).
    pub(super) fn merge(&mut self) {
        if self.recent.is_empty() {
            return;
        }
        if self.changes.is_empty() {
            std::mem::swap(&mut self.changes, &mut self.recent);
        } else {
            self.changes.extend(self.recent.drain());
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Overlay<K, V> {
    /// A copy with every change in one layer (for a write view begun from
    /// a table that was changed outside a store and not committed yet).
    pub(super) fn merged_copy(&self) -> Self {
        let mut changes = self.changes.clone();
        changes.extend(self.recent.iter().map(|(k, v)| (k.clone(), v.clone())));
        Self {
            recent: Layer::with_hasher(changes.hasher().clone()),
            changes,
        }
    }
}
