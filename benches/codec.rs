//! Throughput of the generated codec on goesgen's tickets schema: encoding
//! and decoding small events one by one (the wire format), as a batch (one
//! JSON array), and as the event log stores them (kind + payload).
//!
//! `cargo bench --bench codec`. Criterion reports events/s; the bytes per
//! event are printed once at start, to turn that into MB/s.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "../tests/support/mod.rs"]
mod support;

use support::schema::events::Event;
#[allow(unused_imports)]
use support::{TicketCommentMessage, TicketDescription, TicketTitle, UserName, id, service};

const EVENTS: usize = 1000;

fn workload() -> Vec<Event> {
    support::one_of_each()
        .into_iter()
        .cycle()
        .take(EVENTS)
        .collect()
}

fn codec(c: &mut Criterion) {
    let events = workload();
    let encoded: Vec<Vec<u8>> = events.iter().map(|e| e.to_json().unwrap()).collect();
    let records: Vec<(String, Vec<u8>)> = events
        .iter()
        .map(|e| {
            let new = e.to_new_event().unwrap();
            (new.kind, new.payload)
        })
        .collect();
    let batch = Event::to_json_batch(&events).unwrap();
    let wire_bytes: usize = encoded.iter().map(Vec::len).sum();
    let payload_bytes: usize = records.iter().map(|(_, p)| p.len()).sum();
    eprintln!(
        "codec bench: {EVENTS} events, {wire_bytes} bytes in the wire format ({:.1} per event), \
         {payload_bytes} bytes of payloads ({:.1} per event), batch {} bytes",
        wire_bytes as f64 / EVENTS as f64,
        payload_bytes as f64 / EVENTS as f64,
        batch.len()
    );

    let mut group = c.benchmark_group("codec");
    group
        .throughput(Throughput::Elements(EVENTS as u64))
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("encode one by one (to_json)", |b| {
        b.iter(|| {
            for event in &events {
                black_box(event.to_json().unwrap());
            }
        })
    });
    group.bench_function("decode one by one (from_json)", |b| {
        b.iter(|| {
            for bytes in &encoded {
                black_box(Event::from_json(bytes).unwrap());
            }
        })
    });
    group.bench_function("encode batch (to_json_batch)", |b| {
        b.iter(|| black_box(Event::to_json_batch(&events).unwrap()))
    });
    group.bench_function("decode batch (from_json_batch)", |b| {
        b.iter(|| black_box(Event::from_json_batch(&batch).unwrap()))
    });
    group.bench_function("encode for the log (to_new_event)", |b| {
        b.iter(|| {
            for event in &events {
                black_box(event.to_new_event().unwrap());
            }
        })
    });
    group.bench_function("decode from the log (from_record)", |b| {
        b.iter(|| {
            for (kind, payload) in &records {
                black_box(Event::from_record(kind, payload).unwrap());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
