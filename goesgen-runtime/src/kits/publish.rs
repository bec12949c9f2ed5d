//! How a [`Table`](super::Table)'s commit publishes its changes without
//! copying the committed map: double buffering.
//!
//! Every version of a table (committed values, write views) shares one
//! [`Spare`]: a map one commit behind the committed one, with the keys
//! that last commit changed. A commit first catches the spare up (the
//! value of each of those keys copied from the committed map, except the
//! keys the commit changes again: the hot key of a workload is not copied
//! at all), then moves its own changes into it, publishes it as the new
//! committed map, and keeps the old committed map as the next spare, with
//! the keys it changed. So a change costs a few `HashMap` operations and
//! at most one copy of its value, and nothing is copied whole, unless a
//! reader still holds the spare.
//!
//! The spare must be the commit's alone: if a reader still holds it (a read
//! transaction opened two commits ago and still open), or if the commit
//! does not follow the committed map the spare leads to (a write view of
//! an older version), the commit copies the committed map whole instead,
//! counts it ([`Spare::full_copies`]) and says so in a `debug` event of
//! target `goesgen::kits`.
//!
//! The spare also keeps the emptied overlays of past commits (up to two,
//! of a bounded size), so that a write transaction's first change does
//! not allocate.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::overlay::Overlay;

/// The hasher of the tables' maps.
pub(super) type Hasher = foldhash::fast::RandomState;

/// A map of a table: a committed version, or a spare.
pub(super) type Map<K, V> = HashMap<K, V, Hasher>;

/// A write view's changes: `Some(value)` set, `None` removed.
pub(super) type Layer<K, V> = Map<K, Option<V>>;

/// The generation of a new table's committed map (generations are
/// counted per table, by its spare).
pub(super) const FIRST_GENERATION: u64 = 1;

/// How many emptied overlays a spare keeps for reuse.
const FREE_OVERLAYS: usize = 2;
/// The largest emptied overlay kept for reuse (entries its larger layer
/// had room for): a transaction of a million changes does not pin its
/// overlay's memory.
const FREE_OVERLAY_CAPACITY: usize = 4_096;

/// The spare map a table's commits publish into. See the
/// [module docs](self).
///
/// Made with [`Spare::new`].
pub(super) struct Spare<K, V>(Arc<Mutex<SpareMap<K, V>>>);

struct SpareMap<K, V> {
    /// The map one commit behind, if there is one to reuse.
    map: Option<Arc<Map<K, V>>>,
    /// The keys the last commit changed: `map` with their values in the
    /// committed map of generation `leads_to` is that map.
    pending: Vec<K>,
    leads_to: u64,
    /// The last generation given to a committed map of this table.
    generations: u64,
    full_copies: u64,
    /// Emptied overlays, for the next write transactions: boxed, as a
    /// table holds its overlay, so that handing one over does not
    /// allocate.
    #[allow(clippy::vec_box)]
    free: Vec<Box<Overlay<K, V>>>,
}

/// What a commit publishes: the new committed map and its generation.
pub(super) struct Published<K, V> {
    pub(super) committed: Arc<Map<K, V>>,
    pub(super) generation: u64,
}

impl<K, V> Spare<K, V> {
    /// The spare of a new table, whose committed map is of
    /// [`FIRST_GENERATION`]: none yet; the table's first commit makes it (a
    /// copy of the map: the second buffer, made once).
    pub(super) fn new() -> Self {
        Self(Arc::new(Mutex::new(SpareMap {
            map: None,
            pending: Vec::new(),
            leads_to: FIRST_GENERATION,
            generations: FIRST_GENERATION,
            full_copies: 0,
            free: Vec::new(),
        })))
    }

    fn lock(&self) -> MutexGuard<'_, SpareMap<K, V>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many commits copied the map whole.
    pub(super) fn full_copies(&self) -> u64 {
        self.lock().full_copies
    }

    /// An emptied overlay to write into, if one is kept.
    pub(super) fn free_overlay(&self) -> Option<Box<Overlay<K, V>>> {
        self.lock().free.pop()
    }
}

impl<K, V> Clone for Spare<K, V> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<K, V> SpareMap<K, V> {
    /// Keeps `overlay` (emptied) for a later write, if there is room.
    fn keep(&mut self, mut overlay: Box<Overlay<K, V>>) {
        overlay.clear();
        let capacity = overlay.capacity();
        if capacity > 0 && capacity <= FREE_OVERLAY_CAPACITY && self.free.len() < FREE_OVERLAYS {
            self.free.push(overlay);
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Spare<K, V> {
    /// Publishes the changes of `overlay` over `committed` (of
    /// `generation`): the new committed map. `committed` becomes the
    /// spare; `overlay`, emptied, is kept for reuse.
    pub(super) fn publish(
        &self,
        committed: Arc<Map<K, V>>,
        generation: u64,
        mut overlay: Box<Overlay<K, V>>,
    ) -> Published<K, V> {
        overlay.merge();
        let mut slot = self.lock();
        if overlay.changes.is_empty() {
            slot.keep(overlay);
            return Published {
                committed,
                generation,
            };
        }
        // Taken out first: if a user's `Hash`, `Eq` or `Clone` panics
        // half-way, the next commit finds no spare and copies.
        let spare = slot.map.take();
        let mut keys = std::mem::take(&mut slot.pending);
        let reused = match spare {
            Some(mut spare) if slot.leads_to == generation => match Arc::get_mut(&mut spare) {
                Some(map) => {
                    catch_up(map, &committed, keys.drain(..), &overlay.changes);
                    move_in(map, &mut overlay.changes, &mut keys);
                    Ok(spare)
                }
                None => Err(true),
            },
            Some(_) => Err(true),
            // The first commit of a table makes its spare (after a panic, the next
            // one remakes it).
            None => Err(slot.leads_to != generation),
        };
        let next = match reused {
            Ok(next) => next,
            Err(counted) => {
                if counted {
                    slot.full_copies += 1;
                    tracing::debug!(
                        target: "goesgen::kits",
                        entries = committed.len(),
                        full_copies = slot.full_copies,
                        "a table's spare map was held by a reader (or stale): the commit copied the map whole"
                    );
                }
                let mut map = Map::clone(&committed);
                keys.clear();
                move_in(&mut map, &mut overlay.changes, &mut keys);
                Arc::new(map)
            }
        };
        slot.generations += 1;
        let generation = slot.generations;
        slot.map = Some(committed);
        slot.pending = keys;
        slot.leads_to = generation;
        slot.keep(overlay);
        Published {
            committed: next,
            generation,
        }
    }
}

/// Brings `spare` up to `committed`: the value of each of `keys` copied,
/// but for the keys `changes` sets again.
fn catch_up<K: Hash + Eq, V: Clone>(
    spare: &mut Map<K, V>,
    committed: &Map<K, V>,
    keys: impl Iterator<Item = K>,
    changes: &Layer<K, V>,
) {
    for key in keys {
        if changes.contains_key(&key) {
            continue;
        }
        match committed.get(&key) {
            Some(value) => match spare.entry(key) {
                Entry::Occupied(old) => old.into_mut().clone_from(value),
                Entry::Vacant(new) => {
                    new.insert(value.clone());
                }
            },
            None => {
                spare.remove(&key);
            }
        }
    }
}

/// Moves `changes` into `map`, their keys into `keys` (a key is copied
/// only when it is new to `map`).
fn move_in<K: Hash + Eq + Clone, V>(
    map: &mut Map<K, V>,
    changes: &mut Layer<K, V>,
    keys: &mut Vec<K>,
) {
    for (key, slot) in changes.drain() {
        match slot {
            Some(value) => match map.get_mut(&key) {
                Some(old) => *old = value,
                None => {
                    map.insert(key.clone(), value);
                }
            },
            None => {
                map.remove(&key);
            }
        }
        keys.push(key);
    }
}
