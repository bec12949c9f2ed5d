//! How a [`MemoryStore`](crate::MemoryStore) turns its committed projection
//! into a write transaction and back: its mode, [`Cloned`] (the default,
//! for any `Clone` type: a write works on a clone) or [`Overlaid`] (for a
//! projection of [`Table`](super::Table)s and [`Set`](super::Set)s: a write
//! is an overlay of its changes over the committed tables, see
//! [`Transactional`]).
//!
//! The mode is a type parameter of the store rather than a blanket impl
//! over `Clone` types, so that a user's struct of tables can be
//! [`Transactional`] whether or not it is `Clone`, and one implementation
//! of the store (and of each service's generated glue) serves both.

/// A value with write views: a [`Table`](super::Table), a
/// [`Set`](super::Set), or a struct of them (implement it with
/// [`transactional!`](crate::transactional)). A
/// [`MemoryStore`](crate::MemoryStore) in [`Overlaid`] mode calls these; a
/// projection does not call them itself.
pub trait Transactional: Sized + Send + Sync + 'static {
    /// A write view of this (committed) value: reads see it, changes stay
    /// in the view.
    fn begin_write(&self) -> Self;
    /// Turns a write view into the next committed value (readers of the
    /// value the view began from keep seeing that one).
    fn commit(self) -> Self;
    /// Marks the view's state (a later mark replaces an earlier one).
    fn savepoint(&mut self);
    /// Undoes the view's changes since its mark (which stays set); without
    /// a mark, all of them.
    fn rollback_to_savepoint(&mut self);
}

/// Implements [`Transactional`](crate::kits::Transactional) for a struct
/// of [`Table`](crate::kits::Table)s and [`Set`](crate::kits::Set)s (or of
/// other `Transactional` values), field by field: list the struct and
/// every one of its fields (a field left out is a compile error).
///
/// ```
/// use goesgen_runtime::kits::{Set, Table};
///
/// #[derive(Debug, Default)]
/// pub struct Projection {
///     balances: Table<String, u64>,
///     frozen: Set<String>,
/// }
/// goesgen_runtime::transactional!(Projection { balances, frozen });
///
/// // The store of a service with a `<Service>InMemory` trait implemented
/// // for `Projection`:
/// type Store = goesgen_runtime::MemoryStore<Projection, goesgen_runtime::kits::Overlaid>;
/// ```
#[macro_export]
macro_rules! transactional {
    ($name:ident { $($field:ident),+ $(,)? }) => {
        impl $crate::kits::Transactional for $name {
            fn begin_write(&self) -> Self {
                Self {
                    $($field: $crate::kits::Transactional::begin_write(&self.$field),)+
                }
            }

            fn commit(self) -> Self {
                Self {
                    $($field: $crate::kits::Transactional::commit(self.$field),)+
                }
            }

            fn savepoint(&mut self) {
                $($crate::kits::Transactional::savepoint(&mut self.$field);)+
            }

            fn rollback_to_savepoint(&mut self) {
                $($crate::kits::Transactional::rollback_to_savepoint(&mut self.$field);)+
            }
        }
    };
}

/// How a [`MemoryStore`](crate::MemoryStore) makes write transactions of
/// its projection `P`: [`Cloned`] or [`Overlaid`].
pub trait WriteMode<P>: Send + Sync + 'static {
    /// What a savepoint keeps.
    type Savepoint: Send + 'static;
    /// The projection a write transaction begins with.
    fn begin_write(committed: &P) -> P;
    /// The projection a write transaction commits.
    fn commit(written: P) -> P;
    /// Marks `written`'s state.
    fn savepoint(written: &mut P) -> Self::Savepoint;
    /// Returns `written` to `savepoint`.
    fn rollback_to_savepoint(written: &mut P, savepoint: &Self::Savepoint);
}

/// The [`MemoryStore`](crate::MemoryStore) mode for any `Clone` projection:
/// a write transaction works on a clone of the committed one, so it costs
/// a clone of the whole projection (cheap only with persistent
/// collections). The default.
#[derive(Debug, Clone, Copy, Default)]
pub struct Cloned;

/// The [`MemoryStore`](crate::MemoryStore) mode for a [`Transactional`]
/// projection (tables and sets): a write transaction is an overlay of its
/// changes, and costs what it changes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Overlaid;

impl<P: Clone + Send + Sync + 'static> WriteMode<P> for Cloned {
    /// A clone of the projection (as costly as the clone a write
    /// transaction begins with).
    type Savepoint = P;

    fn begin_write(committed: &P) -> P {
        committed.clone()
    }

    fn commit(written: P) -> P {
        written
    }

    fn savepoint(written: &mut P) -> P {
        written.clone()
    }

    fn rollback_to_savepoint(written: &mut P, savepoint: &P) {
        written.clone_from(savepoint);
    }
}

/// The mark is kept in the tables themselves.
#[derive(Debug)]
pub struct Mark(());

impl<P: Transactional> WriteMode<P> for Overlaid {
    type Savepoint = Mark;

    fn begin_write(committed: &P) -> P {
        committed.begin_write()
    }

    fn commit(written: P) -> P {
        written.commit()
    }

    fn savepoint(written: &mut P) -> Mark {
        written.savepoint();
        Mark(())
    }

    fn rollback_to_savepoint(written: &mut P, _: &Mark) {
        written.rollback_to_savepoint();
    }
}
