//! The rules for services and their methods: every change there alters a
//! program's interface, not what the log holds, so all are compatible and
//! reported for people to read.

use super::{At, Changes, find};
use super::{ChangeKind, Class, Side};
use crate::model::{Schema, TypeRef};

impl Changes<'_> {
    pub(super) fn services(&mut self) {
        let (old, new) = (self.old, self.new);
        for service in &new.services {
            let path = format!("services.{}", service.name);
            let Some(before) = find(&old.services, service.name.as_str(), |s| &s.name) else {
                self.push(
                    ChangeKind::ServiceAdded,
                    Class::Compatible,
                    At::name(Side::New, path, &service.name),
                    format!("service `{}` added", service.name),
                    None,
                );
                continue;
            };
            let kept = |schema: &Schema, s: &crate::model::Service| -> Vec<String> {
                s.projections
                    .iter()
                    .map(|p| schema.projection(p).name.text.clone())
                    .collect()
            };
            let (was, is) = (kept(old, before), kept(new, service));
            if was != is {
                self.push(
                    ChangeKind::ServiceChanged,
                    Class::Compatible,
                    At::name(Side::New, format!("{path}.projections"), &service.name),
                    format!(
                        "service `{}` keeps [{}] instead of [{}]",
                        service.name,
                        is.join(", "),
                        was.join(", ")
                    ),
                    None,
                );
            }
            for method in &service.methods {
                let path = format!("{path}.methods.{}", method.name);
                let Some(was) = find(&before.methods, method.name.as_str(), |m| &m.name) else {
                    self.push(
                        ChangeKind::MethodAdded,
                        Class::Compatible,
                        At::name(Side::New, path, &method.name),
                        format!("method `{}` added", method.name),
                        None,
                    );
                    continue;
                };
                let differences = method_differences(old, was, new, method);
                if !differences.is_empty() {
                    self.push(
                        ChangeKind::MethodChanged,
                        Class::Compatible,
                        At::name(Side::New, path, &method.name),
                        format!(
                            "method `{}` changed: {}",
                            method.name,
                            differences.join("; ")
                        ),
                        None,
                    );
                }
            }
            for method in &before.methods {
                if find(&service.methods, method.name.as_str(), |m| &m.name).is_none() {
                    self.push(
                        ChangeKind::MethodRemoved,
                        Class::Compatible,
                        At::name(
                            Side::New,
                            format!("{path}.methods.{}", method.name),
                            &service.name,
                        ),
                        format!("method `{}` removed", method.name),
                        None,
                    );
                }
            }
        }
        for service in &old.services {
            if find(&new.services, service.name.as_str(), |s| &s.name).is_none() {
                self.push(
                    ChangeKind::ServiceRemoved,
                    Class::Compatible,
                    At::name(
                        Side::Old,
                        format!("services.{}", service.name),
                        &service.name,
                    ),
                    format!("service `{}` removed", service.name),
                    None,
                );
            }
        }
    }
}

/// How a method present in both schemas differs, for people.
fn method_differences(
    old_schema: &Schema,
    old: &crate::model::Method,
    new_schema: &Schema,
    new: &crate::model::Method,
) -> Vec<String> {
    let mut out = Vec::new();
    let ty = |t: &Option<TypeRef>| t.as_ref().map(|t| t.rust.clone());
    let shown = |t: &Option<TypeRef>| {
        t.as_ref()
            .map_or("none".to_string(), |t| format!("`{}`", t.written))
    };
    if ty(&old.input) != ty(&new.input) {
        out.push(format!(
            "input {} -> {}",
            shown(&old.input),
            shown(&new.input)
        ));
    }
    if ty(&old.output) != ty(&new.output) {
        out.push(format!(
            "output {} -> {}",
            shown(&old.output),
            shown(&new.output)
        ));
    }
    if old.kind != new.kind {
        out.push(format!("type {:?} -> {:?}", old.kind, new.kind).to_lowercase());
    }
    let emits = |schema: &Schema, m: &crate::model::Method| -> Vec<String> {
        m.emits
            .iter()
            .map(|e| schema.event(e).name.text.clone())
            .collect()
    };
    let (was, is) = (emits(old_schema, old), emits(new_schema, new));
    if was != is {
        out.push(format!("emits [{}] -> [{}]", was.join(", "), is.join(", ")));
    }
    out
}
