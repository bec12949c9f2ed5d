//! Services: at least one method each (rule 8), the projections they keep
//! (rule 13: defined, none twice), their methods' names not colliding (rule
//! 17), and the events each subscribes to.

use std::collections::BTreeSet;

use crate::ast::ServiceDecl;
use crate::comments;
use crate::context::Context;
use crate::error::Rule;
use crate::model::{Projection, ProjectionRef, Service};
use crate::rules::names::{
    Case, GENERATED_MODULES, check_case, check_collisions, check_reserved, snake_ident,
};
use crate::rules::{Once, Table, keep, methods, name};
use crate::shape::{index, join};

/// The service `decl`, checked; `None` if it cannot be built (reported).
/// `projections` are the schema's projections as built (`None` for one that
/// could not be), in the order of `projection_table`.
pub(crate) fn service(
    decl: &ServiceDecl,
    projection_table: &Table<'_>,
    projections: &[Option<Projection>],
    events: &Table<'_>,
    cx: &mut Context<'_>,
) -> Option<Service> {
    let path = join("services", &decl.name.text);
    check_case(&decl.name, Case::Pascal, "service", &path, cx);
    check_reserved(
        &decl.name,
        &snake_ident(&decl.name.text),
        GENERATED_MODULES,
        ("service", "module"),
        &path,
        cx,
    );
    let doc = comments::doc(&decl.name, cx);
    let kept = kept_projections(decl, projection_table, &path, cx);
    if decl.methods.is_empty() && decl.shaped {
        let message = format!(
            "service `{}` has no methods: expected at least one under `methods`",
            decl.name.text
        );
        let spot = decl.methods_key.unwrap_or(decl.name.spot);
        cx.error(Rule::Missing, spot, &join(&path, "methods"), message, None);
    }
    let mut methods = Some(Vec::with_capacity(decl.methods.len()));
    for method in &decl.methods {
        keep(&mut methods, methods::method(method, events, &path, cx));
    }
    let methods_path = join(&path, "methods");
    check_collisions(
        decl.methods
            .iter()
            .map(|m| (&m.name, join(&methods_path, &m.name.text))),
        snake_ident,
        "method",
        cx,
    );
    let kept = kept?;
    let subscriptions = subscriptions(&kept, projections)?;
    Some(Service {
        name: name(&decl.name),
        doc,
        projections: kept,
        methods: methods?,
        subscriptions,
    })
}

/// The projections the service keeps (rule 13).
fn kept_projections(
    decl: &ServiceDecl,
    table: &Table<'_>,
    path: &str,
    cx: &mut Context<'_>,
) -> Option<Vec<ProjectionRef>> {
    let path = join(path, "projections");
    let mut out = Some(Vec::with_capacity(decl.projections.len()));
    let mut once = Once::new();
    for (i, text) in decl.projections.iter().enumerate() {
        let path = index(&path, i);
        let what = || format!("projection `{}` is listed twice", text.text);
        let rule = Rule::ServiceProjection;
        if !once.first(text.text.as_str(), text, rule, what, (&path, None), cx) {
            out = None;
            continue;
        }
        let found = table.lookup(text, Rule::ServiceProjection, "projection", &path, cx);
        let kept = found.map(|index| ProjectionRef {
            name: name(text),
            index,
        });
        keep(&mut out, kept);
    }
    out
}

/// The events a service keeping `kept` subscribes to: each projection's
/// `createOn` and transition events, ascending, once each. `None` if a kept
/// projection could not be built (reported).
fn subscriptions(kept: &[ProjectionRef], projections: &[Option<Projection>]) -> Option<Vec<usize>> {
    let mut events = BTreeSet::new();
    for reference in kept {
        let projection = projections.get(reference.index)?.as_ref()?;
        events.insert(projection.create_on.index);
        events.extend(projection.transitions.iter().map(|t| t.event.index));
    }
    Some(events.into_iter().collect())
}
