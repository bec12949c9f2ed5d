//! How a [`Table`](super::Table)'s commit publishes its changes without
//! copying the committed map: double buffering.
//!
//! Every version of a table (committed values, write views) shares one
//! [`Spare`]: a map one commit behind the committed one, with the changes
//! of that last commit still to replay into it. A commit replays them and
//! then its own changes into the spare (each change is applied twice over
//! the table's life, with `HashMap` constants), publishes the spare as the
//! new committed map, and keeps the old committed map as the next spare,
//! with its own changes pending.
//!
//! The spare must be the commit's alone: if a reader still holds it (a read
//! transaction opened two commits ago and still open), or if the commit
//! does not follow the committed map the spare leads to (a write view of
//! an older version), the commit copies the committed map whole instead,
//! counts it ([`Spare::full_copies`]) and says so in a `debug` event of
//! target `goesgen::kits`.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The hasher of the tables' maps.
pub(super) type Hasher = foldhash::fast::RandomState;

/// A map of a table: a committed version, or a spare.
pub(super) type Map<K, V> = HashMap<K, V, Hasher>;

/// A write view's changes: `Some(value)` set, `None` removed.
pub(super) type Layer<K, V> = Map<K, Option<V>>;

/// Generations of committed maps, unique across tables (0: none).
static GENERATIONS: AtomicU64 = AtomicU64::new(1);

/// The spare map a table's commits publish into. See the
/// [module docs](self).
///
/// Made with [`Spare::new`].
pub(super) struct Spare<K, V>(Arc<Mutex<SpareMap<K, V>>>);

struct SpareMap<K, V> {
    /// The map one commit behind, if there is one to reuse.
    map: Option<Arc<Map<K, V>>>,
    /// The last commit's changes: `map` with them is the committed map of
    /// generation `leads_to`.
    pending: Layer<K, V>,
    leads_to: u64,
    full_copies: u64,
}

/// What a commit publishes: the new committed map and its generation.
pub(super) struct Published<K, V> {
    pub(super) committed: Arc<Map<K, V>>,
    pub(super) generation: u64,
}

impl<K, V> Spare<K, V> {
    /// The spare of a new table whose committed map, of `generation`, is
    /// `map`: an empty map has an empty spare; another gets its spare at
    /// its first commit (a copy: the second buffer is made).
    pub(super) fn new(generation: u64, map: &Map<K, V>) -> Self {
        Self(Arc::new(Mutex::new(SpareMap {
            map: map.is_empty().then(|| Arc::new(HashMap::default())),
            pending: HashMap::default(),
            leads_to: generation,
            full_copies: 0,
        })))
    }
}

impl<K, V> Clone for Spare<K, V> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<K, V> Spare<K, V> {
    /// A generation no committed map has had.
    pub(super) fn next_generation() -> u64 {
        GENERATIONS.fetch_add(1, Ordering::Relaxed)
    }

    /// How many commits copied the map whole.
    pub(super) fn full_copies(&self) -> u64 {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .full_copies
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Spare<K, V> {
    /// Publishes `changes` over `committed` (of `generation`): the new
    /// committed map. `committed` becomes the spare, `changes` its pending
    /// replay.
    pub(super) fn publish(
        &self,
        committed: Arc<Map<K, V>>,
        generation: u64,
        changes: Layer<K, V>,
    ) -> Published<K, V> {
        if changes.is_empty() {
            return Published {
                committed,
                generation,
            };
        }
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        // Taken out first: if a user's `Hash` or `Eq` panics half-way, the
        // next commit finds no spare and copies.
        let spare = slot.map.take();
        let pending = std::mem::take(&mut slot.pending);
        let reused = match spare {
            Some(mut spare) if slot.leads_to == generation => match Arc::get_mut(&mut spare) {
                Some(map) => {
                    apply(map, pending);
                    apply_cloned(map, &changes);
                    Ok(spare)
                }
                None => Err(true),
            },
            Some(_) => Err(true),
            // The first commit of a table made with entries makes its spare.
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
                apply_cloned(&mut map, &changes);
                Arc::new(map)
            }
        };
        let generation = Self::next_generation();
        slot.map = Some(committed);
        slot.pending = changes;
        slot.leads_to = generation;
        Published {
            committed: next,
            generation,
        }
    }
}

fn apply<K: Hash + Eq, V>(map: &mut Map<K, V>, changes: Layer<K, V>) {
    for (key, slot) in changes {
        match slot {
            Some(value) => {
                map.insert(key, value);
            }
            None => {
                map.remove(&key);
            }
        }
    }
}

fn apply_cloned<K: Hash + Eq + Clone, V: Clone>(map: &mut Map<K, V>, changes: &Layer<K, V>) {
    for (key, slot) in changes {
        match slot {
            Some(value) => match map.get_mut(key) {
                Some(old) => old.clone_from(value),
                None => {
                    map.insert(key.clone(), value.clone());
                }
            },
            None => {
                map.remove(key);
            }
        }
    }
}
