//! The schema front end on goesgen's own schemas: they are accepted
//! unchanged, and their model is the one code generation needs.

use goesgen_schema::{MethodKind, Schema, parse};

const TICKETS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/goesgen/schema.yml"
));
const VALID: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/goesgen/valid-schema.yml"
));

fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<&str> {
    items.iter().map(name).collect()
}

fn event_names(schema: &Schema, indices: &[usize]) -> Vec<String> {
    indices
        .iter()
        .map(|&i| schema.events[i].name.text.clone())
        .collect()
}

#[test]
fn tickets_schema_is_accepted_with_its_model() {
    let schema = match parse(TICKETS, "schema.yml") {
        Ok(schema) => schema,
        Err(errors) => panic!("{errors}"),
    };
    assert_eq!(schema.file, "schema.yml");
    assert_eq!(
        names(&schema.events, |e| e.name.as_str()),
        [
            "TicketCreated",
            "TicketClosed",
            "TicketCommented",
            "UserAssignedToTicket",
            "UserUnassignedFromTicket",
            "TicketDescriptionChanged",
            "TicketTitleChanged",
            "UserCreated",
        ]
    );
    let created = &schema.events[0];
    assert_eq!(created.name.at.line, 2);
    assert_eq!(created.name.at.column, 3);
    assert_eq!(
        names(&created.properties, |p| p.name.as_str()),
        ["id", "title", "description", "author"]
    );
    let rust: Vec<&str> = created
        .properties
        .iter()
        .map(|p| p.ty.rust.as_str())
        .collect();
    assert_eq!(
        rust,
        [
            "crate::id::Ticket",
            "crate::TicketTitle",
            "crate::TicketDescription",
            "crate::id::User"
        ]
    );
    assert_eq!(created.properties[3].ty.written, "id.User");
    let changed = &schema.events[5];
    assert_eq!(changed.properties[1].name.as_str(), "newDescription");
    assert_eq!(changed.properties[1].name.ident(), "new_description");

    assert_eq!(
        names(&schema.projections, |p| p.name.as_str()),
        ["User", "Ticket"]
    );
    let ticket = &schema.projections[1];
    assert_eq!(
        names(&ticket.states, |s| s.name.as_str()),
        ["New", "InProgress", "Closed", "Stalled"]
    );
    assert_eq!(ticket.create_on.name.as_str(), "TicketCreated");
    assert_eq!(ticket.create_on.index, 0);
    assert!(ticket.properties.is_empty());
    let transition_events: Vec<&str> = ticket
        .transitions
        .iter()
        .map(|t| t.event.name.as_str())
        .collect();
    assert_eq!(
        transition_events,
        [
            "UserAssignedToTicket",
            "TicketClosed",
            "TicketCommented",
            "UserUnassignedFromTicket",
            "TicketDescriptionChanged",
            "TicketTitleChanged",
        ]
    );
    let unassigned = &ticket.transitions[3];
    let moves: Vec<(usize, usize)> = unassigned.moves.iter().map(|m| (m.from, m.to)).collect();
    assert_eq!(moves, [(1, 1), (1, 3)]);
    assert_eq!(unassigned.moves[1].at.line, 63);
    assert_eq!(unassigned.moves[1].at.column, 11);

    assert_eq!(
        names(&schema.services, |s| s.name.as_str()),
        ["Users", "Tickets"]
    );
    let users = &schema.services[0];
    assert_eq!(event_names(&schema, &users.subscriptions), ["UserCreated"]);
    assert_eq!(users.methods[0].name.as_str(), "GetUserByID");
    assert_eq!(users.methods[0].name.snake(), "get_user_by_id");
    assert_eq!(users.methods[0].kind, MethodKind::Readonly);
    assert_eq!(users.methods[1].kind, MethodKind::Transaction);
    assert_eq!(
        users.methods[1].input.as_ref().map(|t| t.rust.as_str()),
        Some("crate::service::users::io::CreateUserIn")
    );

    let tickets = &schema.services[1];
    assert_eq!(
        names(&tickets.projections, |p| p.name.as_str()),
        ["Ticket", "User"]
    );
    assert_eq!(tickets.projections[1].index, 0);
    assert_eq!(
        event_names(&schema, &tickets.subscriptions),
        [
            "TicketCreated",
            "TicketClosed",
            "TicketCommented",
            "UserAssignedToTicket",
            "UserUnassignedFromTicket",
            "TicketDescriptionChanged",
            "TicketTitleChanged",
            "UserCreated",
        ]
    );
    let kinds: Vec<MethodKind> = tickets.methods.iter().map(|m| m.kind).collect();
    assert_eq!(kinds[0], MethodKind::Readonly);
    assert!(kinds[1..].iter().all(|k| *k == MethodKind::Transaction));
    let update = &tickets.methods[6];
    assert_eq!(update.name.as_str(), "UpdateTicket");
    assert_eq!(update.output, None);
    assert_eq!(
        names(&update.emits, |e| e.name.as_str()),
        ["TicketDescriptionChanged", "TicketTitleChanged"]
    );
    assert_eq!(update.emits[1].index, 6);
    assert!(schema.events.iter().all(|e| e.doc.is_empty()));
}

#[test]
fn valid_schema_is_accepted_with_its_model() {
    let schema = match parse(VALID, "valid-schema.yml") {
        Ok(schema) => schema,
        Err(errors) => panic!("{errors}"),
    };
    assert_eq!(
        names(&schema.events, |e| e.name.as_str()),
        ["E1", "E2", "E3"]
    );
    let e1 = &schema.events[0];
    assert_eq!(e1.properties[0].doc.lines, ["Foo defines foo"]);
    assert_eq!(e1.properties[0].ty.rust, "crate::Foo");
    let e2 = &schema.events[1];
    assert_eq!(e2.properties[0].ty.rust, "crate::sub::Bar");
    assert!(e2.properties[0].doc.is_empty());
    assert_eq!(
        e2.properties[1].doc.lines,
        ["Baz represents baz", "", "and another ## comment line"]
    );
    assert_eq!(e2.properties[1].ty.rust, "crate::sub::subsub::Baz");

    let p1 = &schema.projections[0];
    assert_eq!(
        names(&p1.properties, |p| p.name.as_str()),
        ["prop1", "prop2"]
    );
    assert_eq!(p1.properties[1].ty.rust, "crate::sub::subsub::Baz");
    assert_eq!(
        names(&p1.states, |s| s.name.as_str()),
        ["ST1", "ST2", "ST3"]
    );
    assert_eq!(p1.create_on.index, 0);
    let moves: Vec<Vec<(usize, usize)>> = p1
        .transitions
        .iter()
        .map(|t| t.moves.iter().map(|m| (m.from, m.to)).collect())
        .collect();
    assert_eq!(moves, [vec![(0, 1)], vec![(1, 1), (2, 2)]]);

    let s1 = &schema.services[0];
    assert_eq!(event_names(&schema, &s1.subscriptions), ["E1", "E2", "E3"]);
    let methods: Vec<(&str, MethodKind)> = s1
        .methods
        .iter()
        .map(|m| (m.name.as_str(), m.kind))
        .collect();
    assert_eq!(
        methods,
        [
            ("M1", MethodKind::Transaction),
            ("M2", MethodKind::Append),
            ("M3", MethodKind::Readonly),
            ("M4", MethodKind::Readonly),
            ("M5", MethodKind::Transaction),
        ]
    );
    assert_eq!(s1.methods[0].doc.lines, ["M1 does something"]);
    assert_eq!(
        s1.methods[1].doc.lines,
        ["M2 does something", "", "another line"]
    );
    assert_eq!(
        s1.methods[0].input.as_ref().map(|t| t.rust.as_str()),
        Some("crate::Foo")
    );
    assert_eq!(
        s1.methods[2].output.as_ref().map(|t| t.rust.as_str()),
        Some("crate::sub::subsub::Baz")
    );
    assert!(s1.methods[3].emits.is_empty());
}

#[test]
fn parse_is_deterministic() {
    let a = parse(TICKETS, "schema.yml");
    let b = parse(TICKETS, "schema.yml");
    assert_eq!(a, b);
}
