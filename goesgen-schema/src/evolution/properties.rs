//! The rules for the properties of one event present in both schemas (or
//! renamed with `was`): a removed, renamed or retyped property, and a new
//! required one, break the records already written; a declaration of the
//! new schema migrates them instead (a property's `was` covers a rename,
//! its `default` a new required property, the event's `upcast` a new
//! required property or a new type); a new optional property is
//! compatible. An uncovered change's hint names the declarations that
//! would cover it.

use std::collections::BTreeSet;

use super::{At, Changes, find, is_optional};
use super::{ChangeKind, Class, Side};
use crate::model::{Event, Property};

/// How the hint writes an upcaster declaration.
const UPCAST: &str = "`upcast: crate::migrations::<fn>`";

impl Changes<'_> {
    /// The property changes from `old` (the properties of the event, or of
    /// the event it was renamed from, in the old schema) to `event`'s.
    pub(super) fn properties(&mut self, path: &str, event: &Event, old: &[Property]) {
        let new = &event.properties;
        let upcast = event.upcast.as_ref().map(|u| u.path.as_str());
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
                self.retyped(&at_path, property, before, upcast);
                continue;
            }
            let declared = property
                .was
                .iter()
                .find_map(|former| removed.iter().find(|r| r.name.text == former.text));
            if let Some(before) = declared {
                renamed.insert(before.name.text.clone());
                self.push(
                    ChangeKind::PropertyRenamed,
                    Class::Migrated,
                    At::name(Side::New, at_path.clone(), &property.name),
                    format!(
                        "property `{from}` renamed to `{to}`: covered by `was: {from}`, records carrying `{from}` read it as `{to}`",
                        from = before.name,
                        to = property.name
                    ),
                    None,
                );
                self.retyped(&at_path, property, before, upcast);
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
                let hint = format!(
                    "declare the old name: `{}: {{type: {}, was: {}}}`; or keep the old name (the wire name is the schema's) and rename the Rust field instead",
                    property.name, property.ty.written, from.name
                );
                self.push(
                    ChangeKind::PropertyRenamed,
                    Class::Breaking,
                    At::name(Side::New, at_path, &property.name),
                    format!(
                        "property `{}` renamed to `{}`: records already in the log carry `{}` and lack `{}`",
                        from.name, property.name, from.name, property.name
                    ),
                    Some(&hint),
                );
            } else {
                self.added(at_path, property, upcast);
            }
        }
        for property in removed {
            if renamed.contains(&property.name.text) {
                continue;
            }
            // Located at the event in the new schema (the property is gone).
            let at = At::name(Side::New, format!("{path}.{}", property.name), &event.name);
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

    /// A property new in the event (no former name in the old schema).
    fn added(&mut self, at_path: String, property: &Property, upcast: Option<&str>) {
        let at = At::name(Side::New, at_path, &property.name);
        let name = &property.name;
        let required = format!("required property `{name}` added");
        let (class, message, hint) = if is_optional(&property.ty) {
            let message =
                format!("optional property `{name}` added: records without it read it as `None`");
            (Class::Compatible, message, None)
        } else if let Some(default) = &property.default {
            let message = format!(
                "{required}: covered by `default: {}`, records without it read the default",
                default.json
            );
            (Class::Migrated, message, None)
        } else if let Some(upcast) = upcast {
            let message = format!(
                "{required}: covered by the event's upcaster `{upcast}`, which must give records without it a value"
            );
            (Class::Migrated, message, None)
        } else {
            let ty = &property.ty.written;
            let hint = format!(
                "give it a default: `{name}: {{type: {ty}, default: ..}}`; or make it optional: `{name}: Option<{ty}>`; or name an upcaster on the event: {UPCAST}"
            );
            let message = format!("{required}: records already in the log lack it");
            (Class::Breaking, message, Some(hint))
        };
        self.push(
            ChangeKind::PropertyAdded,
            class,
            at,
            message,
            hint.as_deref(),
        );
    }

    /// A property whose type may have changed from `before`'s.
    fn retyped(
        &mut self,
        at_path: &str,
        property: &Property,
        before: &Property,
        upcast: Option<&str>,
    ) {
        if before.ty.rust == property.ty.rust {
            return;
        }
        let at = At::ty(Side::New, at_path.to_string(), &property.ty);
        let changed = format!(
            "property `{}` changed type from `{}` to `{}`",
            property.name, before.ty.written, property.ty.written
        );
        let (class, message, hint) = match upcast {
            Some(upcast) => (
                Class::Migrated,
                format!(
                    "{changed}: covered by the event's upcaster `{upcast}`, which must rewrite the old values"
                ),
                None,
            ),
            None => (
                Class::Breaking,
                format!("{changed}: records already in the log were written with the old type"),
                Some(format!(
                    "add a property with the new type (optional) beside the old one; or name an upcaster on the event that rewrites the old values: {UPCAST}"
                )),
            ),
        };
        self.push(
            ChangeKind::PropertyTypeChanged,
            class,
            at,
            message,
            hint.as_deref(),
        );
    }
}
