//! [`Table`]: a transactional map for projections kept by
//! [`MemoryStore`](crate::MemoryStore) in [`Overlaid`](super::Overlaid)
//! mode. A write transaction costs what it changes, with the constants of
//! a std `HashMap`; rollback is free; readers never wait.
//!
//! A committed table is an `Arc` of a std `HashMap`. A write transaction's
//! view of it ([`Transactional::begin_write`]) is that `Arc` plus an
//! overlay of the keys it changed (`Some(value)`, or `None` for a removed
//! key): a lookup looks in the overlay, then in the committed map; a
//! change copies the one value it touches into the overlay. A savepoint
//! splits the overlay in two layers (before and after the mark), so that
//! rolling back to it drops the upper layer. Dropping the view (rollback)
//! drops the overlay.
//!
//! Commit publishes a new map without copying the committed one: the table
//! keeps a spare map one commit behind (double buffering, in
//! [`publish`](super::publish)); the commit catches the spare up with the
//! keys the previous commit changed, moves its own changes in, and the
//! spare becomes the committed map, the old committed map the spare. Each
//! change is applied twice, nothing is copied whole, unless a reader still
//! holds the spare: then the commit copies the map (see
//! [`Table::full_copies`]).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::collections::hash_map;
use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use super::overlay::Overlay;
use super::publish::{FIRST_GENERATION, Layer, Map, Published, Spare};
use super::transactional::Transactional;

/// A map of `K` to `V` for a projection in a
/// [`MemoryStore`](crate::MemoryStore) in [`Overlaid`](super::Overlaid)
/// mode: read like a `HashMap`, changed in write transactions that cost
/// what they change.
///
/// A write transaction sees the committed map through a layer of the keys
/// it changed; rollback drops the layer; commit publishes the changes
/// into a spare copy of the map kept one commit behind, so nothing is
/// copied whole (unless a reader still holds that spare: then the commit
/// copies the map, see [`full_copies`](Self::full_copies)). Readers see the
/// last committed version and never wait. A table takes the memory of two
/// maps.
///
/// `V: Clone`: the first change of a value in a transaction copies that
/// value, and a commit copies each changed value once more into the spare
/// (but not a value changed again by the next commit). Keep values cheap
/// to clone; a large value is best behind an `Arc`, changed with
/// `Arc::make_mut`: the spare's copy is then a reference count. The copy
/// `make_mut` makes (a reader may hold the old value) is cheap when the
/// value's text is shared too (`Arc<str>` rather than `String`): reference
/// counts and one allocation, not one allocation per string.
pub struct Table<K, V> {
    committed: Arc<Map<K, V>>,
    /// Which committed map of this table this is (see [`Spare`]).
    generation: u64,
    /// The changes of a write view, if it made any.
    write: Option<Box<Overlay<K, V>>>,
    /// Whether a savepoint is set.
    marked: bool,
    len: usize,
    /// The length at the savepoint.
    saved_len: usize,
    spare: Spare<K, V>,
}

impl<K, V> Default for Table<K, V> {
    fn default() -> Self {
        Self::from_map(Map::default())
    }
}

impl<K, V> Table<K, V> {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    fn from_map(map: Map<K, V>) -> Self {
        Self {
            len: map.len(),
            spare: Spare::new(),
            committed: Arc::new(map),
            generation: FIRST_GENERATION,
            write: None,
            marked: false,
            saved_len: 0,
        }
    }

    /// How many entries the table holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many commits of this table (and of the tables it was committed
    /// from) had to copy the map whole because a reader still held the
    /// spare copy, or because the table was committed from a view other
    /// than the latest committed one.
    pub fn full_copies(&self) -> u64 {
        self.spare.full_copies()
    }

    /// The layer changes go to: above the savepoint if one is set (the
    /// first change takes an emptied overlay kept by the spare, if any).
    fn top(&mut self) -> &mut Layer<K, V> {
        let Self {
            write,
            spare,
            committed,
            marked,
            ..
        } = self;
        write
            .get_or_insert_with(|| {
                spare
                    .free_overlay()
                    .unwrap_or_else(|| Box::new(Overlay::new(committed.hasher())))
            })
            .top(*marked)
    }

    /// The layer changes go to, if it holds anything.
    fn current_top(&self) -> Option<&Layer<K, V>> {
        let top = match &self.write {
            Some(overlay) if self.marked => &overlay.recent,
            Some(overlay) => &overlay.changes,
            None => return None,
        };
        Some(top)
    }
}

impl<K: Hash + Eq, V> Table<K, V> {
    /// The value of `key`, if any.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if let Some(slot) = self.write.as_ref().and_then(|write| write.get(key)) {
            return slot.as_ref();
        }
        self.committed.get(key)
    }

    /// Whether `key` has a value.
    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get(key).is_some()
    }

    /// The entries, in no particular order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        let overlay = self.write.as_deref();
        Iter {
            recent: overlay.map(|o| o.recent.iter()),
            changes: overlay.map(|o| o.changes.iter()),
            committed: self.committed.iter(),
            overlay,
        }
    }

    /// The keys, in no particular order.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.iter().map(|(key, _)| key)
    }

    /// The values, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.iter().map(|(_, value)| value)
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Table<K, V> {
    /// The value of `key` to change, if any: the first change of a value in
    /// a transaction (or since its savepoint) copies it.
    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if !self.current_top().is_some_and(|top| top.contains_key(key)) {
            let value = self.get(key)?.clone();
            // Not on top: one lookup places the copy and lends it.
            return self
                .top()
                .entry(key.to_owned())
                .insert_entry(Some(value))
                .into_mut()
                .as_mut();
        }
        self.top().get_mut(key)?.as_mut()
    }

    /// Sets the value of `key`; the value it replaces, if any (copied if
    /// it was not changed in this transaction yet).
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        if let Some(slot) = self.top().get_mut(&key) {
            let old = slot.replace(value);
            if old.is_none() {
                self.len += 1;
            }
            return old;
        }
        let old = self.get(&key).cloned();
        if old.is_none() {
            self.len += 1;
        }
        self.top().insert(key, Some(value));
        old
    }

    /// Removes `key`; its value, if any (copied if it was not changed in
    /// this transaction yet).
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let old = match self.top().get_mut(key) {
            Some(slot) => slot.take(),
            None => {
                let old = self.get(key).cloned();
                if old.is_some() {
                    self.top().insert(key.to_owned(), None);
                }
                old
            }
        };
        if old.is_some() {
            self.len -= 1;
        }
        old
    }
}

impl<K, V> Transactional for Table<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn begin_write(&self) -> Self {
        Self {
            committed: Arc::clone(&self.committed),
            generation: self.generation,
            // A committed table has no changes; one built by hand and not
            // yet committed may: the view starts from them.
            write: self
                .write
                .as_ref()
                .map(|write| Box::new(write.merged_copy())),
            marked: false,
            len: self.len,
            saved_len: 0,
            spare: self.spare.clone(),
        }
    }

    fn commit(self) -> Self {
        let Self {
            committed,
            generation,
            write,
            len,
            spare,
            ..
        } = self;
        let Published {
            committed,
            generation,
        } = match write {
            Some(write) => spare.publish(committed, generation, write),
            // A table the transaction did not touch: nothing to publish.
            None => Published {
                committed,
                generation,
            },
        };
        Self {
            committed,
            generation,
            write: None,
            marked: false,
            len,
            saved_len: 0,
            spare,
        }
    }

    fn savepoint(&mut self) {
        if self.marked
            && let Some(write) = &mut self.write
        {
            write.merge();
        }
        self.marked = true;
        self.saved_len = self.len;
    }

    fn rollback_to_savepoint(&mut self) {
        if self.marked {
            if let Some(write) = &mut self.write {
                write.recent.clear();
            }
            self.len = self.saved_len;
        } else {
            if let Some(write) = &mut self.write {
                write.changes.clear();
            }
            self.len = self.committed.len();
        }
    }
}

impl<K: Hash + Eq, V> FromIterator<(K, V)> for Table<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        Self::from_map(entries.into_iter().collect())
    }
}

impl<K: Hash + Eq, V, S> From<HashMap<K, V, S>> for Table<K, V> {
    fn from(map: HashMap<K, V, S>) -> Self {
        map.into_iter().collect()
    }
}

/// Tables are equal when they hold the same entries (whatever their
/// versions).
impl<K: Hash + Eq, V: PartialEq> PartialEq for Table<K, V> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len
            && self
                .iter()
                .all(|(key, value)| other.get(key) == Some(value))
    }
}

impl<K: Hash + Eq, V: Eq> Eq for Table<K, V> {}

impl<K: fmt::Debug + Hash + Eq, V: fmt::Debug> fmt::Debug for Table<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// The entries of a [`Table`] ([`Table::iter`]): the changed ones, then
/// the committed ones no change hides.
pub struct Iter<'a, K, V> {
    recent: Option<hash_map::Iter<'a, K, Option<V>>>,
    changes: Option<hash_map::Iter<'a, K, Option<V>>>,
    committed: hash_map::Iter<'a, K, V>,
    overlay: Option<&'a Overlay<K, V>>,
}

impl<'a, K: Hash + Eq, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        for (key, slot) in self.recent.iter_mut().flatten() {
            if let Some(value) = slot {
                return Some((key, value));
            }
        }
        let recent = self.overlay.map(|o| &o.recent);
        for (key, slot) in self.changes.iter_mut().flatten() {
            if let Some(value) = slot
                && !recent.is_some_and(|recent| recent.contains_key(key))
            {
                return Some((key, value));
            }
        }
        let overlay = self.overlay;
        self.committed
            .by_ref()
            .find(|(key, _)| !overlay.is_some_and(|o| o.contains_key(key)))
    }
}

#[cfg(test)]
mod tests;
