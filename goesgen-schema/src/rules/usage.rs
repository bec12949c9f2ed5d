//! Unused events (rule 16): an event that no projection (`createOn`),
//! transition or method (`emits`) refers to is a mistake, a leftover or a
//! typo elsewhere. When it is the closest match of an undefined reference
//! (`createOn: DoorInstaled` for `DoorInstalled`), the typo's own error
//! already points at it, so it is not reported again as unused.

use std::collections::HashSet;

use crate::ast::Decl;
use crate::context::Context;
use crate::error::Rule;
use crate::raw::Text;
use crate::shape::join;
use crate::suggest;

/// Reports each event of `decl` nothing refers to.
pub(crate) fn check_unused(decl: &Decl, cx: &mut Context<'_>) {
    let names: Vec<&str> = decl.events.iter().map(|e| e.name.text.as_str()).collect();
    let defined: HashSet<&str> = names.iter().copied().collect();
    let mut references: Vec<&Text> = Vec::new();
    for projection in &decl.projections {
        references.extend(&projection.create_on);
        references.extend(projection.transitions.iter().map(|t| &t.event));
    }
    for service in &decl.services {
        for method in &service.methods {
            references.extend(&method.emits);
        }
    }
    let mut used: HashSet<&str> = HashSet::new();
    for text in references {
        let name = text.text.as_str();
        if defined.contains(name) {
            used.insert(name);
        } else if let Some(meant) = suggest::closest(name, &names) {
            used.insert(meant);
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
