//! The migration declarations (rule 18, goesgen-for-Rust extensions): a
//! property's `default` (JSON, of the property's type where that can be
//! told without compiling; never on an `Option<..>`, which reads a missing
//! value as `None` already) and `was` (camelCase former names, none still
//! a property of the event); an event's `was` (PascalCase former names,
//! none still an event, none claimed by two events) and `upcast` (a Rust
//! path from the crate root).

use serde_json::Value;

use crate::ast::{EventDecl, PropertyDecl};
use crate::context::Context;
use crate::error::Rule;
use crate::json_shape::JsonShape;
use crate::model::{DefaultValue, Property, TypeRef, Upcast};
use crate::naming::Name;
use crate::raw::{Kind, Node, Text};
use crate::rules::names::{Case, check_case};
use crate::rules::{Once, Table, name};
use crate::shape::{index, join};

/// A property's `default`, read as JSON and checked against its type
/// `ty` (when it resolved); `None` when there is none or it is reported.
pub(crate) fn default(
    decl: &PropertyDecl,
    ty: Option<&TypeRef>,
    path: &str,
    cx: &mut Context<'_>,
) -> Option<DefaultValue> {
    let node = decl.default.as_ref()?;
    let path = join(path, "default");
    let value = match json(node) {
        Ok(value) => value,
        Err(text) => {
            let message = format!("the default `{}` is not JSON", text.text);
            let hint = "write a JSON value: a number (`16`), `true`, `false`, `null`, a string, a list or a mapping";
            cx.error(
                Rule::Migration,
                text.spot,
                &path,
                message,
                Some(hint.into()),
            );
            return None;
        }
    };
    let ty = ty?;
    let shape = JsonShape::of(&ty.rust);
    if shape.optional() {
        let message = format!(
            "property `{}` is optional (`{}`): a record without it reads `None`, so a default never applies",
            decl.name.text, ty.written
        );
        let hint = "remove the default, or make the property required";
        cx.error(
            Rule::Migration,
            node.spot,
            &path,
            message,
            Some(hint.into()),
        );
        return None;
    }
    if let Err(expected) = shape.accepts(&value) {
        let message = format!(
            "the default {value} is not a `{}`: expected {expected}",
            ty.written
        );
        let hint = format!("write a default that `{}` decodes from", ty.written);
        cx.error(Rule::Migration, node.spot, &path, message, Some(hint));
        return None;
    }
    Some(DefaultValue {
        json: value.to_string(),
        checked: shape.known(),
        at: node.spot.at,
    })
}

/// The JSON value of a YAML node; the scalar that is not JSON on error (a
/// typed scalar such as `0x10` or `.inf`).
fn json(node: &Node) -> Result<Value, &Text> {
    Ok(match &node.kind {
        Kind::Null => Value::Null,
        Kind::Scalar(text) if text.typed => match serde_json::from_str::<Value>(&text.text) {
            Ok(value @ (Value::Number(_) | Value::Bool(_))) => value,
            _ => return Err(text),
        },
        Kind::Scalar(text) => Value::String(text.text.clone()),
        Kind::Seq(items) => Value::Array(items.iter().map(json).collect::<Result<_, _>>()?),
        Kind::Map(entries) => Value::Object(
            entries
                .iter()
                .map(|entry| Ok((entry.key.text.clone(), json(&entry.value)?)))
                .collect::<Result<_, _>>()?,
        ),
    })
}

/// The former names of a property (`was`), each camelCase and not its own
/// name.
pub(crate) fn property_was(decl: &PropertyDecl, path: &str, cx: &mut Context<'_>) -> Vec<Name> {
    let path = join(path, "was");
    for (i, former) in decl.was.iter().enumerate() {
        let at = index(&path, i);
        check_case(former, Case::Camel, "former property", &at, cx);
        if former.text == decl.name.text {
            let message = format!("property `{}` names itself in `was`", former.text);
            let hint = "list the names its records were written under before";
            cx.error(
                Rule::Migration,
                former.spot,
                &at,
                message,
                Some(hint.into()),
            );
        }
    }
    decl.was.iter().map(name).collect()
}

/// Reports a former property name that is still a property of the event,
/// or that two properties claim (records would carry one value for two).
pub(crate) fn check_property_was(
    decls: &[PropertyDecl],
    properties: &[Property],
    path: &str,
    cx: &mut Context<'_>,
) {
    let mut once = Once::new();
    for decl in decls {
        let at = join(&join(path, &decl.name.text), "was");
        for former in &decl.was {
            if former.text != decl.name.text
                && properties.iter().any(|p| p.name.text == former.text)
            {
                let message = format!(
                    "`{}` is still a property of the event: its value cannot also be `{}`'s",
                    former.text, decl.name.text
                );
                let hint = format!(
                    "remove `{}` from the event, or from `{}`'s `was`",
                    former.text, decl.name.text
                );
                cx.error(Rule::Migration, former.spot, &at, message, Some(hint));
            }
            let what = || format!("former property `{}` is claimed twice", former.text);
            let hint = Some("a former name belongs to one property");
            once.first(
                former.text.clone(),
                former,
                Rule::Migration,
                what,
                (&at, hint),
                cx,
            );
        }
    }
}

/// An event's former names and upcaster, checked against the events the
/// schema defines (`events`); `former` remembers each former name across
/// events, to report one claimed twice.
pub(crate) fn event(
    decl: &EventDecl,
    events: &Table<'_>,
    former: &mut Once<String>,
    path: &str,
    cx: &mut Context<'_>,
) -> (Vec<Name>, Option<Upcast>) {
    let was_path = join(path, "was");
    for (i, old) in decl.was.iter().enumerate() {
        let at = index(&was_path, i);
        check_case(old, Case::Pascal, "former event", &at, cx);
        if events.find(&old.text).is_some() {
            let message = if old.text == decl.name.text {
                format!("event `{}` names itself in `was`", old.text)
            } else {
                format!(
                    "`{}` is still an event of the schema: its records cannot also decode as `{}`",
                    old.text, decl.name.text
                )
            };
            let hint = format!(
                "list only names no event has any more; to merge `{}` into `{}`, remove it from `events`",
                old.text, decl.name.text
            );
            cx.error(Rule::Migration, old.spot, &at, message, Some(hint));
        }
        let what = || format!("former event `{}` is claimed twice", old.text);
        let hint = Some("the records of one kind decode as one event: keep it in one `was`");
        former.first(
            old.text.clone(),
            old,
            Rule::Migration,
            what,
            (&at, hint),
            cx,
        );
    }
    let upcast = decl.upcast.as_ref().and_then(|text| {
        let at = join(path, "upcast");
        match upcast_path(&text.text) {
            Ok(()) => Some(Upcast {
                path: text.text.clone(),
                at: text.spot.at,
            }),
            Err(problem) => {
                let message = format!("`{}` is not a function path: {problem}", text.text);
                let hint =
                    "name a function from the crate root: `crate::migrations::ticket_closed`";
                cx.error(Rule::Migration, text.spot, &at, message, Some(hint.into()));
                None
            }
        }
    });
    (decl.was.iter().map(name).collect(), upcast)
}

/// Whether `path` is a Rust path from the crate root (`crate::a::f`) or
/// from another crate (`::other::f`): generated code names it from inside
/// the `events` module, where a relative path would not resolve.
fn upcast_path(path: &str) -> Result<(), &'static str> {
    let rest = match (path.strip_prefix("crate::"), path.strip_prefix("::")) {
        (Some(rest), _) | (None, Some(rest)) => rest,
        _ => return Err("it must start with `crate::` or `::`"),
    };
    let identifier = |segment: &str| {
        let mut chars = segment.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if rest.split("::").all(identifier) {
        Ok(())
    } else {
        Err("each segment must be an identifier")
    }
}

#[cfg(test)]
mod tests {
    use super::upcast_path;

    #[test]
    fn upcasters_are_paths_from_a_crate_root() {
        assert!(upcast_path("crate::migrations::ticket_closed").is_ok());
        assert!(upcast_path("::other_crate::up").is_ok());
        assert!(upcast_path("crate::f").is_ok());
        assert!(upcast_path("migrations::ticket_closed").is_err());
        assert!(upcast_path("crate::").is_err());
        assert!(upcast_path("crate::a-b").is_err());
        assert!(upcast_path("crate::a::<T>").is_err());
    }
}
