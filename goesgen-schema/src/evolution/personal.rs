//! The rules for personal data (`personal: true`, `subject: true`) of an
//! event present in both schemas. A log never rewrites its records, so
//! what was written stays as it was written:
//!
//! - a property made personal breaks: the records already in the log hold
//!   its values in plain text, which `forget` cannot erase, and readers on
//!   the old schema cannot read the sealed values of new records. No
//!   declaration covers it: the log must be rewritten with those values
//!   sealed (`docs/schema.md`, "Personal data", "Existing logs"), and the
//!   new schema becomes the baseline of the rewritten log;
//! - a property no longer personal breaks: the records already in the log
//!   hold it sealed (or forgotten), which a plain property does not read;
//! - another subject breaks: the records already in the log are sealed
//!   with the keys of the old subject's persons, so forgetting the new
//!   subject's would not erase them; so does another type of the same
//!   subject (another kind of person), upcaster or not.
//!
//! A new property or event that is personal is judged as any new one.

use super::{At, Changes, Class, find};
use super::{ChangeKind, Side};
use crate::model::{Event, Property};

/// Where the hint of a property made personal points.
const MIGRATION: &str = "docs/schema.md, \"Personal data\", \"Existing logs\"";

impl Changes<'_> {
    /// The personal data changes from `old` (the properties of the event,
    /// or of the event it was renamed from, in the old schema) to
    /// `event`'s.
    pub(super) fn personal(&mut self, path: &str, event: &Event, old: &[Property]) {
        for property in &event.properties {
            let Some(before) = former(property, old) else {
                continue;
            };
            let at = || {
                At::name(
                    Side::New,
                    format!("{path}.{}", property.name),
                    &property.name,
                )
            };
            let name = &property.name;
            if property.personal && !before.personal {
                let hint = format!(
                    "rewrite the log with its `{name}` values sealed before this schema writes to it (`goesgen log compact`, {MIGRATION}), then make this schema the baseline"
                );
                self.push(
                    ChangeKind::PropertyMadePersonal,
                    Class::Breaking,
                    at(),
                    format!(
                        "property `{name}` made personal: records already in the log hold it in plain text, which `forget` cannot erase, and readers on the old schema cannot read the sealed values of new records"
                    ),
                    Some(&hint),
                );
            } else if before.personal && !property.personal {
                self.push(
                    ChangeKind::PropertyNoLongerPersonal,
                    Class::Breaking,
                    at(),
                    format!(
                        "property `{name}` no longer personal: records already in the log hold it sealed, or forgotten, which a plain `{}` does not read",
                        property.ty.written
                    ),
                    Some("keep `personal: true`: a value sealed in the log stays personal"),
                );
            }
        }
        // A valid schema names a subject only on an event with personal
        // data (rule 19), so the old subject sealed some.
        let (Some(subject), Some(before)) =
            (event.subject_property(), old.iter().find(|p| p.subject))
        else {
            return;
        };
        let path = format!("{path}.{}", subject.name);
        if former(subject, old).is_some_and(|f| f.name.text == before.name.text) {
            // The same property: its kind is in every sealed record's
            // subject (`User:<id>`), so another id type is another subject
            // even where an upcaster covers the type change.
            if before.ty.rust == subject.ty.rust {
                return;
            }
            let (old_ty, new_ty) = (&before.ty.written, &subject.ty.written);
            self.push(
                ChangeKind::SubjectChanged,
                Class::Breaking,
                At::ty(Side::New, path, &subject.ty),
                format!(
                    "the subject `{}` of event `{}` changed type from `{old_ty}` to `{new_ty}`: records already in the log are sealed with the keys of the persons of the old kind, so forgetting one of the new kind would not erase them",
                    subject.name, event.name
                ),
                Some(&format!(
                    "keep `{old_ty}` as the subject's type; data about another kind of person goes in a new event"
                )),
            );
            return;
        }
        self.push(
            ChangeKind::SubjectChanged,
            Class::Breaking,
            At::name(Side::New, path, &subject.name),
            format!(
                "the subject of event `{}` changed from `{}` to `{}`: records already in the log are sealed with the keys of the persons `{}` names, so forgetting one `{}` names would not erase them",
                event.name, before.name, subject.name, before.name, subject.name
            ),
            Some(&format!(
                "keep `subject: true` on `{}`; data about another person goes in a new event",
                before.name
            )),
        );
    }
}

/// The old schema's property `property` was: of the same name, or one of
/// its former names (`was`).
fn former<'o>(property: &Property, old: &'o [Property]) -> Option<&'o Property> {
    find(old, property.name.as_str(), |p| &p.name).or_else(|| {
        property
            .was
            .iter()
            .find_map(|name| find(old, name.as_str(), |p| &p.name))
    })
}
