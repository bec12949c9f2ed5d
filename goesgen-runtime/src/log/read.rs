//! What a read asks for and gets back: the [`KindFilter`] of the events it
//! wants (with its [`SortedKinds`], kept sorted because the backends search
//! them) and the [`ReadBatch`] it returns.

use std::sync::Arc;

use crate::record::{Position, Record};

/// Which events a read returns.
///
/// Build one with [`KindFilter::All`] or [`KindFilter::kinds`]; the kinds
/// of [`KindFilter::Kinds`] are always sorted and without duplicates (the
/// backends rely on it), so they can only be made through that constructor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum KindFilter {
    /// Every event.
    #[default]
    All,
    /// Only events whose kind is one of these.
    Kinds(SortedKinds),
}

/// The kinds of a [`KindFilter::Kinds`]: sorted, without duplicates. Read
/// them as a slice; make them with [`KindFilter::kinds`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SortedKinds(Arc<[String]>);

impl SortedKinds {
    /// The kinds as a sorted slice without duplicates.
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}

impl std::ops::Deref for SortedKinds {
    type Target = [String];

    fn deref(&self) -> &[String] {
        &self.0
    }
}

impl SortedKinds {
    fn sorted(mut kinds: Vec<String>) -> Self {
        kinds.sort_unstable();
        kinds.dedup();
        SortedKinds(kinds.into())
    }
}

impl From<Vec<String>> for SortedKinds {
    /// The kinds, sorted and without duplicates.
    fn from(kinds: Vec<String>) -> Self {
        Self::sorted(kinds)
    }
}

impl<S: Into<String>> FromIterator<S> for SortedKinds {
    /// The kinds, sorted and without duplicates.
    fn from_iter<I: IntoIterator<Item = S>>(kinds: I) -> Self {
        Self::sorted(kinds.into_iter().map(Into::into).collect())
    }
}

impl<'a> IntoIterator for &'a SortedKinds {
    type Item = &'a String;
    type IntoIter = std::slice::Iter<'a, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl KindFilter {
    /// A filter for the given kinds (sorted and deduplicated).
    pub fn kinds<I, S>(kinds: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        KindFilter::Kinds(kinds.into_iter().collect())
    }

    /// Whether an event of `kind` passes the filter.
    pub fn matches(&self, kind: &str) -> bool {
        match self {
            KindFilter::All => true,
            KindFilter::Kinds(kinds) => kinds.binary_search_by(|k| k.as_str().cmp(kind)).is_ok(),
        }
    }
}

/// The answer to [`EventLog::read`](super::EventLog::read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadBatch {
    /// The matching records after the requested position, in order, at most
    /// `limit` of them.
    pub records: Vec<Record>,
    /// The head of the log as the read saw it.
    pub head: Position,
    /// How far the read covered the log: every matching record in
    /// `(after, through]` is in `records`. It is the head when the read
    /// returned fewer than `limit` records, else the last record's position
    /// (for a `limit` of 0: `after`, or the head if that is lower).
    /// A reader continues from here, so a filtered reader advances past the
    /// events it does not care about.
    pub through: Position,
}
