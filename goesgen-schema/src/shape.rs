//! The raw YAML tree to the declared schema ([`crate::ast`]): checks the
//! schema's shape (a mapping where one is expected, a list of names where
//! one is expected), reports a key written twice (rule 1, the first one
//! wins) and every unknown key (rule 2, listing the valid ones).

use crate::ast::TransitionsDecl;
use crate::ast::{Decl, EventDecl, MethodDecl, ProjectionDecl, PropertyDecl, ServiceDecl};
use crate::context::Context;
use crate::error::Rule;
use crate::long_form;
use crate::raw::{Entry, Kind, Node, Text};
use crate::rules::Once;
use crate::suggest;

/// Keys of the top-level mapping.
const TOP_KEYS: &[&str] = &["events", "projections", "services"];
/// Keys of a projection.
const PROJECTION_KEYS: &[&str] = &["states", "properties", "createOn", "transitions"];
/// Keys of a service.
const SERVICE_KEYS: &[&str] = &["projections", "methods"];
/// Keys of a method.
const METHOD_KEYS: &[&str] = &["in", "out", "type", "emits"];

/// Reads the declared schema from the raw tree, reporting shape errors;
/// `None` when the document is not a mapping at all.
pub(crate) fn read(root: &Node, cx: &mut Context<'_>) -> Option<Decl> {
    let mut decl = Decl::default();
    let entries = mapping(
        root,
        "",
        "a mapping with the keys `events`, `projections` and `services`",
        cx,
    )?;
    for entry in known(&entries, TOP_KEYS, "", "the schema", cx) {
        let key = entry.key.text.as_str();
        let path = key.to_string();
        match key {
            "events" => {
                decl.events_key = Some(entry.key.spot);
                decl.events = events(&entry.value, &path, cx);
            }
            "projections" => decl.projections = projections(&entry.value, &path, cx),
            _ => {
                decl.services_key = Some(entry.key.spot);
                decl.services = services(&entry.value, &path, cx);
            }
        }
    }
    Some(decl)
}

fn events(node: &Node, path: &str, cx: &mut Context<'_>) -> Vec<EventDecl> {
    let expected = "a mapping of event names to their properties";
    let Some(entries) = mapping(node, path, expected, cx) else {
        return Vec::new();
    };
    entries
        .into_iter()
        .map(|entry| long_form::event(&entry.key, &entry.value, &join(path, &entry.key.text), cx))
        .collect()
}

/// The properties of an event (`long`: the long form `{type: X, ...}` is
/// allowed) or of a projection (it is not).
pub(crate) fn properties(
    node: &Node,
    path: &str,
    long: bool,
    cx: &mut Context<'_>,
) -> Vec<PropertyDecl> {
    let expected = "a mapping of property names to types (`title: TicketTitle`)";
    let Some(entries) = mapping(node, path, expected, cx) else {
        return Vec::new();
    };
    properties_of(&entries, path, long, cx)
}

/// The properties among `entries` (see [`properties`]).
pub(crate) fn properties_of(
    entries: &[&Entry],
    path: &str,
    long: bool,
    cx: &mut Context<'_>,
) -> Vec<PropertyDecl> {
    entries
        .iter()
        .map(|entry| {
            let path = join(path, &entry.key.text);
            if long && matches!(entry.value.kind, Kind::Map(_)) {
                return long_form::property(&entry.key, &entry.value, &path, cx);
            }
            PropertyDecl {
                name: entry.key.clone(),
                ty: scalar(
                    &entry.value,
                    &path,
                    "a type (`id.User`, `u64`, `String`)",
                    cx,
                ),
                long_form: false,
                default: None,
                was: Vec::new(),
                personal: None,
                subject: None,
            }
        })
        .collect()
}

fn projections(node: &Node, path: &str, cx: &mut Context<'_>) -> Vec<ProjectionDecl> {
    let expected = "a mapping of projection names to projections";
    let Some(entries) = mapping(node, path, expected, cx) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries {
        let path = join(path, &entry.key.text);
        let mut projection = ProjectionDecl {
            name: entry.key.clone(),
            states_key: None,
            states: Vec::new(),
            properties: Vec::new(),
            create_on: None,
            transitions: Vec::new(),
            shaped: true,
        };
        let expected = "a projection: a mapping with `states`, `createOn` and optionally \
                        `properties` and `transitions`";
        let fields = mapping(&entry.value, &path, expected, cx);
        projection.shaped = fields.is_some();
        let fields = fields.unwrap_or_default();
        let what = "a projection";
        for field in known(&fields, PROJECTION_KEYS, &path, what, cx) {
            let path = join(&path, &field.key.text);
            match field.key.text.as_str() {
                "states" => {
                    projection.states_key = Some(field.key.spot);
                    projection.states = names(&field.value, &path, "state", cx);
                }
                "properties" => {
                    projection.properties = properties(&field.value, &path, false, cx);
                }
                "createOn" => {
                    projection.create_on = scalar(&field.value, &path, "an event name", cx);
                }
                _ => projection.transitions = transitions(&field.value, &path, cx),
            }
        }
        out.push(projection);
    }
    out
}

fn transitions(node: &Node, path: &str, cx: &mut Context<'_>) -> Vec<TransitionsDecl> {
    let expected = "a mapping of event names to lists of `From -> To` transitions";
    let Some(entries) = mapping(node, path, expected, cx) else {
        return Vec::new();
    };
    entries
        .into_iter()
        .map(|entry| TransitionsDecl {
            event: entry.key.clone(),
            moves: list(
                &entry.value,
                &join(path, &entry.key.text),
                "transitions `From -> To`",
                "a transition `From -> To`",
                cx,
            ),
        })
        .collect()
}

fn services(node: &Node, path: &str, cx: &mut Context<'_>) -> Vec<ServiceDecl> {
    let expected = "a mapping of service names to services";
    let Some(entries) = mapping(node, path, expected, cx) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries {
        let path = join(path, &entry.key.text);
        let mut service = ServiceDecl {
            name: entry.key.clone(),
            projections: Vec::new(),
            methods_key: None,
            methods: Vec::new(),
            shaped: true,
        };
        let expected = "a service: a mapping with `methods` and optionally `projections`";
        let fields = mapping(&entry.value, &path, expected, cx);
        service.shaped = fields.is_some();
        let fields = fields.unwrap_or_default();
        let what = "a service";
        for field in known(&fields, SERVICE_KEYS, &path, what, cx) {
            let path = join(&path, &field.key.text);
            if field.key.text == "projections" {
                service.projections = names(&field.value, &path, "projection", cx);
            } else {
                service.methods_key = Some(field.key.spot);
                service.methods = methods(&field.value, &path, cx);
            }
        }
        out.push(service);
    }
    out
}

fn methods(node: &Node, path: &str, cx: &mut Context<'_>) -> Vec<MethodDecl> {
    let expected = "a mapping of method names to methods";
    let Some(entries) = mapping(node, path, expected, cx) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries {
        let path = join(path, &entry.key.text);
        let mut method = MethodDecl {
            name: entry.key.clone(),
            input: None,
            output: None,
            kind: None,
            emits_key: None,
            emits: Vec::new(),
        };
        let expected = "a method: a mapping with optional `in`, `out`, `type` and `emits`";
        let fields = mapping(&entry.value, &path, expected, cx).unwrap_or_default();
        let what = "a method";
        for field in known(&fields, METHOD_KEYS, &path, what, cx) {
            let path = join(&path, &field.key.text);
            let value = &field.value;
            match field.key.text.as_str() {
                "in" => method.input = optional(value, &path, "an input type", cx),
                "out" => method.output = optional(value, &path, "an output type", cx),
                "type" => {
                    let expected = "a method type: readonly, append or transaction";
                    method.kind = optional(value, &path, expected, cx);
                }
                _ => {
                    method.emits_key = Some(field.key.spot);
                    method.emits = names(value, &path, "event", cx);
                }
            }
        }
        out.push(method);
    }
    out
}

/// `path.key` (or `key` at the top).
pub(crate) fn join(path: &str, key: &str) -> String {
    let mut out = String::with_capacity(path.len() + key.len() + 1);
    out.push_str(path);
    if !path.is_empty() {
        out.push('.');
    }
    out.push_str(key);
    out
}

/// `path[index]`.
pub(crate) fn index(path: &str, index: usize) -> String {
    let mut out = String::with_capacity(path.len() + 6);
    out.push_str(path);
    out.push('[');
    out.push_str(&index.to_string());
    out.push(']');
    out
}

/// The entries of a mapping, a key written twice reported (rule 1) and
/// left out; an empty value is an empty mapping. `None` (reported) for any
/// other kind.
pub(crate) fn mapping<'n>(
    node: &'n Node,
    path: &str,
    expected: &str,
    cx: &mut Context<'_>,
) -> Option<Vec<&'n Entry>> {
    let entries = match &node.kind {
        Kind::Map(entries) => entries,
        Kind::Null => return Some(Vec::new()),
        other => {
            let message = format!("expected {expected}, found {}", other.describe());
            cx.error(Rule::Shape, node.spot, path, message, None);
            return None;
        }
    };
    let mut once = Once::new();
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let key = entry.key.text.as_str();
        let what = || format!("duplicate key `{key}`: a key may appear once in a mapping");
        let hint = Some("remove or rename one of them");
        if once.first(
            key,
            &entry.key,
            Rule::Yaml,
            what,
            (&join(path, key), hint),
            cx,
        ) {
            out.push(entry);
        }
    }
    Some(out)
}

/// The entries whose key is one of `valid`; each other key is reported
/// (rule 2) with the valid keys in the hint.
pub(crate) fn known<'n>(
    entries: &[&'n Entry],
    valid: &[&str],
    path: &str,
    what: &str,
    cx: &mut Context<'_>,
) -> Vec<&'n Entry> {
    let mut out = Vec::with_capacity(entries.len());
    for &entry in entries {
        let key = entry.key.text.as_str();
        if valid.contains(&key) {
            out.push(entry);
            continue;
        }
        let listed = valid
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let hint = match suggest::closest(key, valid) {
            Some(c) => format!("did you mean `{c}`? the keys of {what} are {listed}"),
            None => format!("the keys of {what} are {listed}"),
        };
        let message = format!("unknown key `{key}`");
        cx.error(
            Rule::UnknownKey,
            entry.key.spot,
            &join(path, key),
            message,
            Some(hint),
        );
    }
    out
}

/// A scalar's text; `None` (reported) for an empty value or any other kind.
pub(crate) fn scalar(
    node: &Node,
    path: &str,
    expected: &str,
    cx: &mut Context<'_>,
) -> Option<Text> {
    match &node.kind {
        Kind::Scalar(text) => Some(text.clone()),
        other => {
            let message = format!("expected {expected}, found {}", other.describe());
            cx.error(Rule::Shape, node.spot, path, message, None);
            None
        }
    }
}

/// A scalar's text; `None` for an empty value; reported for any other kind.
fn optional(node: &Node, path: &str, expected: &str, cx: &mut Context<'_>) -> Option<Text> {
    match &node.kind {
        Kind::Null => None,
        _ => scalar(node, path, expected, cx),
    }
}

/// A list of scalars (an empty value is an empty list); each item that is
/// not a scalar is reported and left out. `items` and `item` say what the
/// items are, in plural and singular with its article.
fn list(node: &Node, path: &str, items_are: &str, item: &str, cx: &mut Context<'_>) -> Vec<Text> {
    let items = match &node.kind {
        Kind::Seq(items) => items,
        Kind::Null => return Vec::new(),
        other => {
            let message = format!("expected a list of {items_are}, found {}", other.describe());
            let hint = match &node.kind {
                Kind::Scalar(text) => Some(format!("write it as a list: `[{}]`", text.text)),
                _ => None,
            };
            cx.error(Rule::Shape, node.spot, path, message, hint);
            return Vec::new();
        }
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(i, n)| scalar(n, &index(path, i), item, cx))
        .collect()
}

/// A list of names of a kind of entry (`what`: "event").
pub(crate) fn names(node: &Node, path: &str, what: &str, cx: &mut Context<'_>) -> Vec<Text> {
    let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    let item = format!("{article} {what} name");
    list(node, path, &format!("{what} names"), &item, cx)
}
