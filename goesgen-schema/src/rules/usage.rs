//! Unused events (rule 16): an event that no projection (`createOn`),
//! transition or method (`emits`) refers to is a mistake, a leftover or a
//! typo elsewhere.

use std::collections::HashSet;

use crate::ast::Decl;
use crate::context::Context;
use crate::error::Rule;
use crate::shape::join;

/// Reports each event of `decl` nothing refers to.
pub(crate) fn check_unused(decl: &Decl, cx: &mut Context<'_>) {
    let mut used: HashSet<&str> = HashSet::new();
    for projection in &decl.projections {
        used.extend(projection.create_on.iter().map(|t| t.text.as_str()));
        used.extend(projection.transitions.iter().map(|t| t.event.text.as_str()));
    }
    for service in &decl.services {
        for method in &service.methods {
            used.extend(method.emits.iter().map(|t| t.text.as_str()));
        }
    }
    for event in &decl.events {
        if !used.contains(event.name.text.as_str()) {
            let message = format!(
                "event `{}` is never used: no projection (`createOn`), transition or method \
                 (`emits`) refers to it",
                event.name.text
            );
            let hint = Some("emit it from a method, or remove it".to_string());
            let path = join("events", &event.name.text);
            cx.error(Rule::UnusedEvent, event.name.spot, &path, message, hint);
        }
    }
}
