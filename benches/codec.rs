//! Throughput of the generated codec on goesgen's tickets schema: encoding
//! and decoding small events one by one (the wire format), as a batch (one
//! JSON array), and as the event log stores them (kind + payload).
//!
//! `cargo bench --bench codec`. Criterion reports events/s (wall clock); the
//! bytes per event are printed once at start, to turn that into MB/s. Then
//! encode and decode rates per CPU-second are printed: on a shared machine
//! they say what one core does.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};

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

/// CPU time used by this process so far, in seconds (Linux: utime + stime
/// from `/proc/self/stat`, in ticks of 1/100 s); `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / 100.0)
}

/// Events per CPU-second of `run` (which handles `EVENTS` events): the
/// median of 5 rounds of at least 2 CPU-seconds each. On a loaded machine
/// this is what one core does, where wall-clock rates are shared.
fn per_cpu_second(mut run: impl FnMut()) -> Option<f64> {
    let mut rates = Vec::new();
    for _ in 0..5 {
        let start = cpu_seconds()?;
        let mut rounds = 0u64;
        let mut used = 0.0;
        while used < 2.0 {
            for _ in 0..100 {
                run();
            }
            rounds += 100;
            used = cpu_seconds()? - start;
        }
        rates.push(rounds as f64 * EVENTS as f64 / used);
    }
    rates.sort_by(f64::total_cmp);
    Some(rates[rates.len() / 2])
}

/// The CPU-time report printed after criterion's (skipped when criterion
/// runs in test mode or with a filter).
fn cpu_report() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--test" || a == "--list") || args.len() > 2 {
        return;
    }
    let events = workload();
    let encoded: Vec<Vec<u8>> = events.iter().map(|e| e.to_json().unwrap()).collect();
    let records: Vec<(String, Vec<u8>)> = events
        .iter()
        .map(|e| {
            let new = e.to_new_event().unwrap();
            (new.kind, new.payload)
        })
        .collect();
    let wire = encoded.iter().map(Vec::len).sum::<usize>() as f64 / EVENTS as f64;
    let payload = records.iter().map(|(_, p)| p.len()).sum::<usize>() as f64 / EVENTS as f64;
    let report = |name: &str, bytes_per_event: f64, rate: Option<f64>| match rate {
        Some(rate) => eprintln!(
            "codec per CPU-second: {name}: {:.2} M events/s, {:.0} MB/s",
            rate / 1e6,
            rate * bytes_per_event / 1e6
        ),
        None => eprintln!("codec per CPU-second: {name}: no CPU clock on this platform"),
    };
    report(
        "encode (to_json)",
        wire,
        per_cpu_second(|| {
            for event in &events {
                black_box(event.to_json().unwrap());
            }
        }),
    );
    report(
        "decode (from_json)",
        wire,
        per_cpu_second(|| {
            for bytes in &encoded {
                black_box(Event::from_json(bytes).unwrap());
            }
        }),
    );
    report(
        "decode from the log (from_record)",
        payload,
        per_cpu_second(|| {
            for (kind, payload) in &records {
                black_box(Event::from_record(kind, payload).unwrap());
            }
        }),
    );
}

criterion_group!(benches, codec);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    cpu_report();
}
