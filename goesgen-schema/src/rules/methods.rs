//! Methods: their `type` (rule 7) and how it goes with `emits` (rule 15,
//! `docs/schema.md`'s table of method types), the events they emit (rule 14),
//! their names (rule 3), doc comments (rule 6) and `in`/`out` types (rule 4).

use crate::ast::MethodDecl;
use crate::comments;
use crate::context::Context;
use crate::error::Rule;
use crate::model::{EventRef, Method, MethodKind};
use crate::raw::Text;
use crate::rules::names::{Case, check_case};
use crate::rules::{Once, Table, keep, name, type_ref};
use crate::shape::{index, join};
use crate::suggest;

/// The words `type:` accepts.
const KINDS: &[&str] = &["readonly", "append", "transaction"];

/// The method `decl` of the service at `path` (`services.Tickets`),
/// checked; `None` if it cannot be built (reported).
pub(crate) fn method(
    decl: &MethodDecl,
    events: &Table<'_>,
    path: &str,
    cx: &mut Context<'_>,
) -> Option<Method> {
    let path = join(&join(path, "methods"), &decl.name.text);
    check_case(&decl.name, Case::Pascal, "method", &path, cx);
    let doc = comments::named_doc(&decl.name, "method", &path, cx);
    let input = io_type(decl.input.as_ref(), &join(&path, "in"), cx);
    let output = io_type(decl.output.as_ref(), &join(&path, "out"), cx);
    let kind = kind(decl, &path, cx);
    let emits = emits(decl, events, &path, cx);
    Some(Method {
        name: name(&decl.name),
        doc,
        input: input?,
        output: output?,
        kind: kind?,
        emits: emits?,
    })
}

/// An optional `in`/`out` type: `Some(None)` when absent, `None` when
/// invalid (reported).
fn io_type(
    text: Option<&Text>,
    path: &str,
    cx: &mut Context<'_>,
) -> Option<Option<crate::model::TypeRef>> {
    match text {
        None => Some(None),
        Some(text) => type_ref(text, path, cx).map(Some),
    }
}

/// The method's kind from its `type` and whether it emits (rules 7, 15).
fn kind(decl: &MethodDecl, path: &str, cx: &mut Context<'_>) -> Option<MethodKind> {
    let emits = !decl.emits.is_empty();
    let Some(text) = &decl.kind else {
        return Some(if emits {
            MethodKind::Transaction
        } else {
            MethodKind::Readonly
        });
    };
    let path = join(path, "type");
    let written = match text.text.as_str() {
        "readonly" => MethodKind::Readonly,
        "append" => MethodKind::Append,
        "transaction" => MethodKind::Transaction,
        other => {
            let message =
                format!("illegal method type `{other}`: expected readonly, append or transaction");
            let hint = suggest::closest(other, KINDS).map(|k| format!("did you mean `{k}`?"));
            cx.error(Rule::MethodType, text.spot, &path, message, hint);
            return None;
        }
    };
    match (written, emits) {
        (MethodKind::Readonly, true) => {
            let message = format!(
                "method `{}` is readonly but emits events: a readonly method cannot emit",
                decl.name.text
            );
            let hint = Some("make it `transaction` or `append`, or remove `emits`".to_string());
            cx.error(Rule::MethodKind, text.spot, &path, message, hint);
            None
        }
        (MethodKind::Append | MethodKind::Transaction, false) => {
            let message = format!(
                "method `{}` is {} but emits nothing: an {} method must list the events it \
                 emits in `emits`",
                decl.name.text,
                text.text,
                if written == MethodKind::Append {
                    "append"
                } else {
                    "transaction"
                }
            );
            let hint = Some("add `emits: [...]`, or make it `readonly`".to_string());
            cx.error(Rule::MethodKind, text.spot, &path, message, hint);
            None
        }
        (kind, _) => Some(kind),
    }
}

/// The events the method emits (rule 14: defined, none twice).
fn emits(
    decl: &MethodDecl,
    events: &Table<'_>,
    path: &str,
    cx: &mut Context<'_>,
) -> Option<Vec<EventRef>> {
    let path = join(path, "emits");
    let mut out = Some(Vec::with_capacity(decl.emits.len()));
    let mut once = Once::new();
    for (i, text) in decl.emits.iter().enumerate() {
        let path = index(&path, i);
        let what = || format!("event `{}` is emitted twice", text.text);
        if !once.first(
            text.text.as_str(),
            text,
            Rule::Emits,
            what,
            (&path, None),
            cx,
        ) {
            out = None;
            continue;
        }
        let found = events.lookup(text, Rule::Emits, "event", &path, cx);
        let emitted = found.map(|index| EventRef {
            name: name(text),
            index,
        });
        keep(&mut out, emitted);
    }
    out
}
