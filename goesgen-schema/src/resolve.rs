//! The declared schema to the validated model: runs every rule over it,
//! resolves names to indices and type references to Rust types, and keeps
//! declaration order throughout.

use crate::ast::Decl;
use crate::comments;
use crate::context::Context;
use crate::error::Rule;
use crate::model::{Event, Location, Schema};
use crate::raw::Spot;
use crate::rules::names::{
    Case, GENERATED_EVENT_TYPES, check_case, check_collisions, check_reserved, snake_ident,
};
use crate::rules::{
    Once, Table, keep, migrations, name, personal, projections, properties, services, usage,
};
use crate::shape::join;

/// The model of `decl`, or `None` when it breaks a rule (each reported).
pub(crate) fn resolve(decl: &Decl, file: &str, cx: &mut Context<'_>) -> Option<Schema> {
    let start = Spot {
        at: Location { line: 1, column: 1 },
        width: 1,
    };
    if decl.events.is_empty() {
        let spot = decl.events_key.unwrap_or(start);
        let message = "the schema has no events: expected at least one under `events`";
        cx.error(Rule::Missing, spot, "events", message, None);
    }
    if decl.services.is_empty() {
        let spot = decl.services_key.unwrap_or(start);
        let message = "the schema has no services: expected at least one under `services`";
        cx.error(Rule::Missing, spot, "services", message, None);
    }

    let event_table = Table::new("events", decl.events.iter().map(|e| e.name.text.as_str()));
    let mut events = Some(Vec::with_capacity(decl.events.len()));
    let mut former = Once::new();
    let mut subject_kinds = Vec::new();
    for event in &decl.events {
        let path = join("events", &event.name.text);
        check_case(&event.name, Case::Pascal, "event", &path, cx);
        check_reserved(
            &event.name,
            &event.name.text,
            GENERATED_EVENT_TYPES,
            ("event", "type"),
            &path,
            cx,
        );
        let doc = comments::doc(&event.name, cx);
        let properties = properties::properties(&event.properties, &path, cx);
        let (was, upcast) = migrations::event(event, &event_table, &mut former, &path, cx);
        let subject = personal::subject(&event.name, &event.properties, &path, cx);
        if let Some(subject) = &subject {
            let property = &event.properties[subject.property].name.text;
            subject_kinds.push((subject.kind.clone(), join(&path, property)));
        }
        let built = properties.map(|properties| Event {
            name: name(&event.name),
            doc,
            properties,
            was,
            upcast,
            subject,
        });
        keep(&mut events, built);
    }
    check_collisions(
        decl.events
            .iter()
            .map(|e| (&e.name, join("events", &e.name.text))),
        snake_ident,
        "event",
        cx,
    );
    personal::check_kind_collisions(&subject_kinds, cx);

    let projection_table = Table::new(
        "projections",
        decl.projections.iter().map(|p| p.name.text.as_str()),
    );
    let projections: Vec<_> = decl
        .projections
        .iter()
        .map(|p| projections::projection(p, &event_table, cx))
        .collect();
    check_collisions(
        decl.projections
            .iter()
            .map(|p| (&p.name, join("projections", &p.name.text))),
        snake_ident,
        "projection",
        cx,
    );

    let services: Vec<_> = decl
        .services
        .iter()
        .map(|s| services::service(s, &projection_table, &projections, &event_table, cx))
        .collect();
    check_collisions(
        decl.services
            .iter()
            .map(|s| (&s.name, join("services", &s.name.text))),
        snake_ident,
        "service",
        cx,
    );

    // Without services, every event is unused: that says nothing new.
    if !decl.services.is_empty() {
        usage::check_unused(decl, cx);
    }

    Some(Schema {
        file: file.to_string(),
        events: events?,
        projections: projections.into_iter().collect::<Option<_>>()?,
        services: services.into_iter().collect::<Option<_>>()?,
    })
}
