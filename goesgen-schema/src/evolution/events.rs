//! The rules for events, the log's records: a removed or renamed event
//! breaks the records already written, unless the event that replaces it
//! declares the old name in its `was` (then the change is migrated); a new
//! event is compatible. The changes of the properties of an event present
//! in both schemas (or renamed) are the `properties` rules', those of its
//! personal data the `personal` rules'.

use std::collections::BTreeSet;

use super::{At, Changes, find};
use super::{ChangeKind, Class, Side};
use crate::model::{Event, Property};

fn same_properties(a: &[Property], b: &[Property]) -> bool {
    let set = |props: &[Property]| -> BTreeSet<(String, String)> {
        props
            .iter()
            .map(|p| (p.name.text.clone(), p.ty.rust.clone()))
            .collect()
    };
    a.len() == b.len() && set(a) == set(b)
}

impl Changes<'_> {
    pub(super) fn events(&mut self) {
        let (old, new) = (self.old, self.new);
        let removed: Vec<&Event> = old
            .events
            .iter()
            .filter(|e| find(&new.events, e.name.as_str(), |e| &e.name).is_none())
            .collect();
        let added: Vec<&Event> = new
            .events
            .iter()
            .filter(|e| find(&old.events, e.name.as_str(), |e| &e.name).is_none())
            .collect();
        // An undeclared rename: exactly one removed and one added event with
        // the same properties.
        let guessed_from = |event: &Event| {
            let candidates: Vec<_> = removed
                .iter()
                .filter(|r| same_properties(&r.properties, &event.properties))
                .collect();
            let back = added
                .iter()
                .filter(|a| same_properties(&a.properties, &event.properties))
                .count();
            match candidates.as_slice() {
                [only] if back == 1 => Some(only.name.text.clone()),
                _ => None,
            }
        };
        let mut renamed = BTreeSet::new();
        for event in &new.events {
            let path = format!("events.{}", event.name);
            if let Some(before) = find(&old.events, event.name.as_str(), |e| &e.name) {
                self.properties(&path, event, &before.properties);
                self.personal(&path, event, &before.properties);
                continue;
            }
            // Declared renames: each former name the old schema has.
            let declared: Vec<_> = event
                .was
                .iter()
                .filter_map(|former| {
                    removed
                        .iter()
                        .find(|r| r.name.text == former.text)
                        .map(|before| (former, *before))
                })
                .collect();
            for (former, before) in &declared {
                self.push(
                    ChangeKind::EventRenamed,
                    Class::Migrated,
                    At::name(Side::New, format!("{path}.was"), former),
                    format!(
                        "event `{from}` renamed to `{to}`: covered by `was: [{from}]`, the records of `{from}` decode as `{to}`",
                        from = before.name,
                        to = event.name
                    ),
                    None,
                );
                renamed.insert(before.name.text.clone());
                self.properties(&path, event, &before.properties);
                self.personal(&path, event, &before.properties);
            }
            if !declared.is_empty() {
                continue;
            }
            match guessed_from(event) {
                Some(from) => {
                    let hint = format!(
                        "declare the old name on the new event: `{}: {{was: [{from}], ...}}`; or keep the old event beside it",
                        event.name
                    );
                    self.push(
                        ChangeKind::EventRenamed,
                        Class::Breaking,
                        At::name(Side::New, path, &event.name),
                        format!(
                            "event `{from}` renamed to `{}`: the records of `{from}` already in the log no longer decode",
                            event.name
                        ),
                        Some(&hint),
                    );
                    renamed.insert(from);
                }
                None => self.push(
                    ChangeKind::EventAdded,
                    Class::Compatible,
                    At::name(Side::New, path, &event.name),
                    format!("event `{}` added", event.name),
                    None,
                ),
            }
        }
        for event in removed {
            if renamed.contains(&event.name.text) {
                continue;
            }
            let hint = format!(
                "keep the event in the schema (services may stop emitting it), or declare `was: [{}]` on the event that replaces it",
                event.name
            );
            self.push(
                ChangeKind::EventRemoved,
                Class::Breaking,
                At::name(Side::Old, format!("events.{}", event.name), &event.name),
                format!(
                    "event `{}` removed: its records already in the log no longer decode",
                    event.name
                ),
                Some(&hint),
            );
        }
    }
}
