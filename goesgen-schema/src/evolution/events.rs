//! The rules for events, the log's records: a removed, renamed or retyped
//! event or property, and a new required property, break records already
//! written; a new event or optional property is compatible.

use std::collections::BTreeSet;

use super::{At, Changes, find, is_optional};
use super::{ChangeKind, Class, Side};
use crate::model::Property;
use crate::naming::Name;

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
        let removed: Vec<_> = old
            .events
            .iter()
            .filter(|e| find(&new.events, e.name.as_str(), |e| &e.name).is_none())
            .collect();
        let added: Vec<_> = new
            .events
            .iter()
            .filter(|e| find(&old.events, e.name.as_str(), |e| &e.name).is_none())
            .collect();
        // A rename: exactly one removed and one added event with the same
        // properties.
        let renamed_from = |event: &crate::model::Event| {
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
            match find(&old.events, event.name.as_str(), |e| &e.name) {
                Some(before) => {
                    self.properties(&path, &event.name, &before.properties, &event.properties)
                }
                None => match renamed_from(event) {
                    Some(from) => {
                        self.push(
                            ChangeKind::EventRenamed,
                            Class::Breaking,
                            At::name(Side::New, path, &event.name),
                            format!(
                                "event `{from}` renamed to `{}`: the records of `{from}` already in the log no longer decode",
                                event.name
                            ),
                            Some("keep the old event (services may stop emitting it) and add the new one beside it"),
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
                },
            }
        }
        for event in removed {
            if renamed.contains(&event.name.text) {
                continue;
            }
            self.push(
                ChangeKind::EventRemoved,
                Class::Breaking,
                At::name(Side::Old, format!("events.{}", event.name), &event.name),
                format!(
                    "event `{}` removed: its records already in the log no longer decode",
                    event.name
                ),
                Some("keep the event in the schema; services may stop emitting it"),
            );
        }
    }

    /// The property changes of one event present in both schemas.
    fn properties(&mut self, path: &str, event: &Name, old: &[Property], new: &[Property]) {
        let removed: Vec<&Property> = old
            .iter()
            .filter(|p| find(new, p.name.as_str(), |p| &p.name).is_none())
            .collect();
        let added: Vec<&Property> = new
            .iter()
            .filter(|p| find(old, p.name.as_str(), |p| &p.name).is_none())
            .collect();
        let of_type = |list: &[&Property], ty: &str| -> usize {
            list.iter().filter(|p| p.ty.rust == ty).count()
        };
        let mut renamed = BTreeSet::new();
        for property in new {
            let at_path = format!("{path}.{}", property.name);
            if let Some(before) = find(old, property.name.as_str(), |p| &p.name) {
                if before.ty.rust != property.ty.rust {
                    self.push(
                        ChangeKind::PropertyTypeChanged,
                        Class::Breaking,
                        At::ty(Side::New, at_path, &property.ty),
                        format!(
                            "property `{}` changed type from `{}` to `{}`: records already in the log were written with the old type",
                            property.name, before.ty.written, property.ty.written
                        ),
                        Some("add a property with the new type (optional) beside the old one"),
                    );
                }
                continue;
            }
            let twin = removed
                .iter()
                .find(|r| r.ty.rust == property.ty.rust)
                .filter(|r| {
                    of_type(&removed, &r.ty.rust) == 1 && of_type(&added, &property.ty.rust) == 1
                });
            if let Some(from) = twin {
                renamed.insert(from.name.text.clone());
                self.push(
                    ChangeKind::PropertyRenamed,
                    Class::Breaking,
                    At::name(Side::New, at_path, &property.name),
                    format!(
                        "property `{}` renamed to `{}`: records already in the log carry `{}` and lack `{}`",
                        from.name, property.name, from.name, property.name
                    ),
                    Some("keep the old name (the wire name is the schema's); rename the Rust field instead"),
                );
            } else if is_optional(&property.ty) {
                self.push(
                    ChangeKind::PropertyAdded,
                    Class::Compatible,
                    At::name(Side::New, at_path, &property.name),
                    format!(
                        "optional property `{}` added: records without it read it as `None`",
                        property.name
                    ),
                    None,
                );
            } else {
                self.push(
                    ChangeKind::PropertyAdded,
                    Class::Breaking,
                    At::name(Side::New, at_path, &property.name),
                    format!(
                        "required property `{}` added: records already in the log lack it",
                        property.name
                    ),
                    Some(&format!(
                        "make it optional: `{}: Option<{}>`",
                        property.name, property.ty.written
                    )),
                );
            }
        }
        for property in removed {
            if renamed.contains(&property.name.text) {
                continue;
            }
            // Located at the event in the new schema (the property is gone).
            let at = At::name(Side::New, format!("{path}.{}", property.name), event);
            self.push(
                ChangeKind::PropertyRemoved,
                Class::Breaking,
                at,
                format!(
                    "property `{}` removed: readers still on the old schema cannot decode new records without it",
                    property.name
                ),
                Some("keep the property; make it optional (`Option<..>`) if new events may lack it"),
            );
        }
    }
}
