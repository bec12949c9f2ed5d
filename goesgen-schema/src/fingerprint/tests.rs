//! The fingerprint's promises: the same for the same projections whatever
//! the order of the file, blind to what the service does not subscribe
//! to, and different when what its store was built from changes.

use super::*;
use crate::parse;

const BASE: &str = "\
events:
  TicketOpened:
    ticket: id.Ticket
    title: String
  TicketClosed:
    ticket: id.Ticket
    note: Option<String>
  Pinged:
    at: u64
projections:
  Ticket:
    states: [Open, Stalled, Closed]
    createOn: TicketOpened
    transitions:
      TicketClosed:
        - Open -> Closed
        - Stalled -> Closed
services:
  Tickets:
    projections: [Ticket]
    methods:
      Open: {emits: [TicketOpened]}
      Close: {emits: [TicketClosed]}
      Ping: {emits: [Pinged]}
";

/// The fingerprint of the service `Tickets` of `source`.
fn of(source: &str) -> u64 {
    let schema = parse(source, "schema.yml").unwrap_or_else(|e| panic!("{e}"));
    let service = schema
        .services
        .iter()
        .find(|s| s.name.as_str() == "Tickets")
        .expect("a Tickets service");
    fingerprint(&schema, service)
}

/// `BASE` with `from` replaced by `to` (which must be there).
fn edited(from: &str, to: &str) -> String {
    assert!(BASE.contains(from), "`{from}` is not in the schema");
    BASE.replacen(from, to, 1)
}

#[test]
fn fnv1a64_gives_the_published_test_vectors() {
    assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
}

#[test]
fn the_canonical_text_sorts_what_the_file_orders_and_keeps_the_initial_state() {
    let schema = parse(BASE, "schema.yml").unwrap();
    let text = ProjectionsShape::of(&schema, &schema.services[0]).text();
    assert_eq!(
        text,
        "\
goesgen projection fingerprint 1
event TicketClosed
  property note: Option<String>; optional
  property ticket: crate::id::Ticket; required
event TicketOpened
  property ticket: crate::id::Ticket; required
  property title: String; required
projection Ticket
  createOn: TicketOpened
  initial: Open
  states: Closed, Open, Stalled
  transition TicketClosed: Open -> Closed, Stalled -> Closed
"
    );
    // The number kept on disk for this text: a change of the hash or of
    // the text's format shows here (and makes every store stale).
    assert_eq!(of(BASE), fnv1a64(text.as_bytes()));
    assert_eq!(format!("{:016x}", of(BASE)), "6c4308e281a9e386");
}

#[test]
fn reordering_the_file_or_commenting_it_changes_nothing() {
    let reordered = "\
services:
  Tickets:
    methods:
      Ping: {emits: [Pinged]}
      Close: {emits: [TicketClosed]}
      Open: {emits: [TicketOpened]}
    projections: [Ticket]
projections:
  Ticket:
    transitions:
      TicketClosed:
        - Stalled -> Closed
        - Open -> Closed
    createOn: TicketOpened
    states: [Open, Closed, Stalled]
events:
  Pinged:
    at: u64
  # TicketClosed closes a ticket.
  TicketClosed:
    note: Option<String>
    ticket: crate::id::Ticket
  TicketOpened:
    title: String
    ticket: id.Ticket
";
    assert_eq!(of(reordered), of(BASE));
}

#[test]
fn what_the_service_does_not_subscribe_to_changes_nothing() {
    let base = of(BASE);
    let unrelated_event = edited(
        "      Ping: {emits: [Pinged]}\n",
        "      Ping: {emits: [Pinged]}\n      Wave: {emits: [Waved]}\n",
    )
    .replacen("  Pinged:\n", "  Waved:\n    by: String\n  Pinged:\n", 1);
    assert_eq!(of(&unrelated_event), base);
    assert_eq!(of(&edited("at: u64", "at: String")), base);
    let method_changed = edited(
        "Ping: {emits: [Pinged]}",
        "Ping: {type: append, emits: [Pinged]}",
    );
    assert_eq!(of(&method_changed), base);
}

#[test]
fn what_the_store_was_built_from_changes_it() {
    let base = of(BASE);
    let changes = [
        (
            "a subscribed event added",
            edited(
                "        - Stalled -> Closed\n",
                "        - Stalled -> Closed\n      Pinged:\n        - Open -> Stalled\n",
            ),
        ),
        (
            "a subscribed event's property retyped",
            edited("title: String", "title: u64"),
        ),
        (
            "a subscribed event's property made optional",
            edited("title: String", "title: Option<String>"),
        ),
        (
            "a subscribed event's property added",
            edited(
                "    title: String\n",
                "    title: String\n    tag: Option<u8>\n",
            ),
        ),
        (
            "a subscribed event's property made personal",
            edited(
                "    ticket: id.Ticket\n    title: String\n",
                "    ticket: {type: id.Ticket, subject: true}\n    title: {type: String, personal: true}\n",
            ),
        ),
        (
            "the initial state",
            edited("[Open, Stalled, Closed]", "[Stalled, Open, Closed]"),
        ),
        (
            "a state added",
            edited("[Open, Stalled, Closed]", "[Open, Stalled, Closed, Gone]"),
        ),
        (
            "a transition added",
            edited(
                "        - Stalled -> Closed\n",
                "        - Stalled -> Closed\n        - Closed -> Closed\n",
            ),
        ),
    ];
    for (what, source) in changes {
        assert_ne!(of(&source), base, "{what} left the fingerprint as it was");
    }
}
