//! Personal data (rule 19, a goesgen-for-Rust extension, `docs/schema.md`,
//! "Personal data"): an event property marked `personal: true` is sealed in
//! the log with the data key of the person the event is about, whom the
//! event names in exactly one property marked `subject: true`. Forgetting
//! that person deletes the key, so the subject must stay readable (it is
//! not personal itself), must be there in every record (not an `Option`),
//! and must say what kind of person it names: an id type `id.X`, whose
//! name `X` is the subject's kind (`User` for `id.User`, forgotten with
//! `User:<id>`). A subject on an event without personal data is refused
//! too: it would seal nothing and promise what it does not do.

use crate::ast::PropertyDecl;
use crate::context::Context;
use crate::error::Rule;
use crate::json_shape::JsonShape;
use crate::model::DataSubject;
use crate::naming::{Name, forget_hook};
use crate::raw::{Spot, Text};
use crate::rules::names::check_collisions;
use crate::shape::join;
use crate::types;

/// How the hint writes a subject.
const SUBJECT: &str = "`id: {type: id.User, subject: true}`";

/// The data subject of the event `event`, whose properties are `decls`
/// (declared under `path`): `None` when it holds no personal data, or
/// when a rule is broken (reported).
pub(crate) fn subject(
    event: &Text,
    decls: &[PropertyDecl],
    path: &str,
    cx: &mut Context<'_>,
) -> Option<DataSubject> {
    let personal: Vec<&PropertyDecl> = decls.iter().filter(|d| d.personal.is_some()).collect();
    let subjects: Vec<(usize, &PropertyDecl, Spot)> = decls
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.subject.map(|spot| (i, d, spot)))
        .collect();
    let mut ok = true;
    for &(_, decl, spot) in &subjects {
        if decl.personal.is_some() {
            ok = false;
            let message = format!(
                "property `{}` is both personal and the subject: forgetting a person needs their id in the clear",
                decl.name.text
            );
            let hint = "keep `subject: true` on the property naming the person and \
                        `personal: true` on the data about them";
            let at = join(&join(path, &decl.name.text), "subject");
            cx.error(Rule::Personal, spot, &at, message, Some(hint.into()));
        }
    }
    if let [(_, first, _), rest @ ..] = subjects.as_slice() {
        for &(_, decl, spot) in rest {
            ok = false;
            let message = format!(
                "event `{}` names a second subject `{}` (the first is `{}`): its personal data belongs to one person",
                event.text, decl.name.text, first.name.text
            );
            let hint = "keep `subject: true` on one property; data about another person \
                        goes in an event of its own";
            let at = join(&join(path, &decl.name.text), "subject");
            cx.error(Rule::Personal, spot, &at, message, Some(hint.into()));
        }
    }
    let Some(&(index, decl, spot)) = subjects.first() else {
        if let Some(first) = personal.first() {
            let names: Vec<String> = personal
                .iter()
                .map(|d| format!("`{}`", d.name.text))
                .collect();
            let message = format!(
                "event `{}` holds personal data ({}) but names no subject, whose key would seal it",
                event.text,
                names.join(", ")
            );
            let hint = format!("mark the property naming the person: {SUBJECT}");
            let at = join(&join(path, &first.name.text), "personal");
            let spot = first.personal.unwrap_or(first.name.spot);
            cx.error(Rule::Personal, spot, &at, message, Some(hint));
        }
        return None;
    };
    let at = join(&join(path, &decl.name.text), "subject");
    if personal.is_empty() {
        let message = format!(
            "`{}` is the subject of event `{}`, which holds no personal data: nothing would be sealed",
            decl.name.text, event.text
        );
        let hint = "mark the event's personal data `personal: true`, or remove `subject: true`";
        cx.error(Rule::Personal, spot, &at, message, Some(hint.into()));
        return None;
    }
    let property = join(path, &decl.name.text);
    let kind = decl
        .ty
        .as_ref()
        .and_then(|ty| kind(decl, ty, &property, cx));
    Some(DataSubject {
        property: index,
        kind: kind.filter(|_| ok)?,
    })
}

/// Reports (rule 17) two subject kinds whose forget hooks would have one
/// name (`id.UserID` and `id.UserId` both give `forget_user_id`); `kinds`
/// holds each personal event's subject kind with its property's path.
pub(crate) fn check_kind_collisions(kinds: &[(Name, String)], cx: &mut Context<'_>) {
    let texts: Vec<(Text, &String)> = kinds
        .iter()
        .map(|(kind, path)| {
            let spot = Spot {
                at: kind.at,
                width: kind.text.chars().count().max(1),
            };
            let text = Text {
                text: kind.text.clone(),
                spot,
                verbatim: true,
                typed: false,
            };
            (text, path)
        })
        .collect();
    let names = texts.iter().map(|(text, path)| (text, (*path).clone()));
    check_collisions(names, forget_hook, "subject kind", cx);
}

/// The kind of the subject `decl`, of type `ty`: the name of its id type;
/// `None` when it is not one (reported) or its type is no type (reported
/// by rule 4).
fn kind(decl: &PropertyDecl, ty: &Text, path: &str, cx: &mut Context<'_>) -> Option<Name> {
    let rust = types::resolve(&ty.text).ok()?;
    let name = &decl.name.text;
    if JsonShape::of(&rust).optional() {
        let message = format!(
            "the subject `{name}` is optional (`{}`): every record must name its person",
            ty.text
        );
        let inner = ty
            .text
            .strip_prefix("Option<")
            .and_then(|t| t.strip_suffix('>'))
            .unwrap_or("id.User");
        let hint = format!("make it required: `{name}: {{type: {inner}, subject: true}}`");
        cx.error(Rule::Personal, ty.spot, path, message, Some(hint));
        return None;
    }
    let kind = rust
        .strip_prefix("crate::id::")
        .filter(|kind| !kind.is_empty() && kind.chars().all(|c| c.is_alphanumeric() || c == '_'));
    let Some(kind) = kind else {
        let message = format!(
            "the subject `{name}` is a `{}`, not an id type: the kind of person it names is the id type's name",
            ty.text
        );
        let hint = format!(
            "give it a type of the `id` module, named for the kind of person: `{name}: {{type: id.User, subject: true}}` (its kind is `User`)"
        );
        cx.error(Rule::Personal, ty.spot, path, message, Some(hint));
        return None;
    };
    // Where the kind is written: after `id.` in `id.User`.
    let offset = ty.text.chars().count().saturating_sub(kind.chars().count());
    let at = if ty.text.ends_with(kind) {
        ty.part(offset, kind.chars().count()).at
    } else {
        ty.spot.at
    };
    Some(Name {
        text: kind.to_string(),
        at,
    })
}
