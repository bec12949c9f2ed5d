//! The rules of the schema language (`docs/schema.md`, "Rules"), one file per
//! family, and what they share: a table of the names defined of one kind (for
//! lookups and hints) and the reporting of a type reference.
//!
//! - [`names`]: name case (rule 3) and Rust identifier collisions (rule 17).
//! - [`properties`]: properties of events and projections (rules 3, 4, 6, 17).
//! - [`projections`]: states, `createOn`, transitions (rules 5, 9-12).
//! - [`services`]: services and their projections (rules 8, 13).
//! - [`methods`]: methods, their types and emits (rules 7, 14, 15).
//! - [`usage`]: unused events (rule 16).
//! - [`migrations`]: defaults, former names and upcasters (rule 18).
//! - [`personal`]: personal data and its subject (rule 19).

pub(crate) mod methods;
pub(crate) mod migrations;
pub(crate) mod names;
pub(crate) mod personal;
pub(crate) mod projections;
pub(crate) mod properties;
pub(crate) mod services;
pub(crate) mod usage;

use std::collections::HashMap;
use std::hash::Hash;

use crate::context::Context;
use crate::error::{Rule, place};
use crate::model::{Location, TypeRef};
use crate::raw::Text;
use crate::{suggest, types};

/// The names defined of one kind (events, projections, states), in
/// declaration order: positions are indices into the model's lists.
pub(crate) struct Table<'a> {
    /// What they are, plural ("events").
    what: &'static str,
    names: Vec<&'a str>,
    index: HashMap<&'a str, usize>,
}

impl<'a> Table<'a> {
    /// A table of `names` (the first of equal names wins).
    pub fn new(what: &'static str, names: impl IntoIterator<Item = &'a str>) -> Self {
        let names: Vec<&'a str> = names.into_iter().collect();
        let mut index = HashMap::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            index.entry(*name).or_insert(i);
        }
        Table { what, names, index }
    }

    /// The position of `name`.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The hint for the undefined `name`.
    pub fn hint(&self, name: &str) -> String {
        suggest::hint(name, &self.names, self.what)
    }

    /// The position of the name `text`, or an error (`rule`) saying it is
    /// undefined, `kind` being the singular ("event").
    pub fn lookup(
        &self,
        text: &Text,
        rule: Rule,
        kind: &str,
        path: &str,
        cx: &mut Context<'_>,
    ) -> Option<usize> {
        let found = self.find(&text.text);
        if found.is_none() {
            let message = format!("undefined {kind} `{}`", text.text);
            cx.error(rule, text.spot, path, message, Some(self.hint(&text.text)));
        }
        found
    }
}

/// The type reference `text`, resolved (rule 4 reported if it is none).
pub(crate) fn type_ref(text: &Text, path: &str, cx: &mut Context<'_>) -> Option<TypeRef> {
    match types::resolve(&text.text) {
        Ok(rust) => Some(TypeRef {
            written: text.text.clone(),
            rust,
            at: text.spot.at,
        }),
        Err(error) => {
            let message = format!("`{}` is not a type: {}", text.text, error.message);
            let hint = "expected a dotted goesgen reference (`id.User`) or a Rust type \
                        (`u64`, `String`, `crate::money::Cents`, `Vec<id.User>`)";
            let spot = text.part(error.offset, error.width);
            cx.error(Rule::TypeRef, spot, path, message, Some(hint.to_string()));
            None
        }
    }
}

/// Adds `item` to `list`. A missing item (its error reported) makes the
/// whole list missing, while the caller goes on checking the other items.
pub(crate) fn keep<T>(list: &mut Option<Vec<T>>, item: Option<T>) {
    match (item, list.as_mut()) {
        (Some(item), Some(items)) => items.push(item),
        _ => *list = None,
    }
}

/// The model's name for a declared one.
pub(crate) fn name(text: &Text) -> crate::naming::Name {
    crate::naming::Name {
        text: text.text.clone(),
        at: text.spot.at,
    }
}

/// Where each entry of a list (or mapping) was first written, to report
/// one written twice.
pub(crate) struct Once<K> {
    first: HashMap<K, Location>,
}

impl<K: Hash + Eq> Once<K> {
    /// Nothing seen yet.
    pub fn new() -> Self {
        Once {
            first: HashMap::new(),
        }
    }

    /// Whether `key` is seen for the first time (it is remembered at
    /// `text`); else reports it (`rule`), `what` saying what is repeated
    /// ("state `Open` is listed twice"), with the first one's place.
    pub fn first(
        &mut self,
        key: K,
        text: &Text,
        rule: Rule,
        what: impl FnOnce() -> String,
        (path, hint): (&str, Option<&str>),
        cx: &mut Context<'_>,
    ) -> bool {
        if let Some(first) = self.first.get(&key) {
            let message = format!("{} (first at {})", what(), place(*first));
            cx.error(rule, text.spot, path, message, hint.map(str::to_string));
            return false;
        }
        self.first.insert(key, text.spot.at);
        true
    }
}
