//! Parse + validate throughput of the schema front end: goesgen's tickets
//! schema, and a generated schema of 1,000 events, 100 projections and 100
//! services (10 methods each), as a large system would have.

use std::fmt::Write;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use goesgen_schema::parse;

const TICKETS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/goesgen/schema.yml"
));

/// Events in the generated schema.
const EVENTS: usize = 1_000;
/// Services (and projections) in the generated schema.
const SERVICES: usize = 100;

/// A valid schema of [`EVENTS`] events with three documented properties
/// each, [`SERVICES`] projections (one `createOn` and nine transition events
/// each) and [`SERVICES`] services (one projection and ten methods each,
/// every event emitted by one method).
fn big_schema() -> String {
    let per = EVENTS / SERVICES;
    let mut s = String::from("events:\n");
    for e in 0..EVENTS {
        let _ = write!(
            s,
            "  # Event{e:04} happened.\n  Event{e:04}:\n    # id is the subject.\n    id: id.Thing\n    \
             count: u64\n    tags: Vec<String>\n"
        );
    }
    s.push_str("projections:\n");
    for p in 0..SERVICES {
        let _ = write!(
            s,
            "  Projection{p:03}:\n    states: [Open, Busy, Closed]\n    properties:\n      owner: id.User\n    \
             createOn: Event{:04}\n    transitions:\n",
            p * per
        );
        for e in 1..per {
            let _ = write!(
                s,
                "      Event{:04}:\n        - Open -> Busy\n        - Busy -> Closed\n",
                p * per + e
            );
        }
    }
    s.push_str("services:\n");
    for v in 0..SERVICES {
        let _ = write!(
            s,
            "  Service{v:03}:\n    projections: [Projection{v:03}]\n    methods:\n"
        );
        for m in 0..per {
            let _ = write!(
                s,
                "      # Method{m:02} does its work.\n      Method{m:02}:\n        in: service.io.In{m:02}\n        \
                 out: service.io.Out{m:02}\n        emits: [Event{:04}]\n",
                v * per + m
            );
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let big = big_schema();
    // The generated schema must be valid, or the bench measures errors.
    if let Err(errors) = parse(&big, "big.yml") {
        panic!("generated schema is invalid:\n{errors}");
    }
    let mut group = c.benchmark_group("schema_parse");
    group.throughput(Throughput::Bytes(TICKETS.len() as u64));
    group.bench_function("tickets", |b| {
        b.iter(|| parse(black_box(TICKETS), "schema.yml"))
    });
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.sample_size(20);
    group.bench_function("1000_events_100_services", |b| {
        b.iter(|| parse(black_box(&big), "big.yml"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
