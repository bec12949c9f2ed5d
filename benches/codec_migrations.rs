//! What migration declarations cost decoding (`examples/tickets/
//! schema.v2.yml`: a renamed event and property, a default, an upcaster).
//!
//! - Records that need nothing: the same version 2 records decoded by
//!   version 2's code with its declarations, and by the same schema without
//!   them (`benches/fixtures/tickets.v2.plain.yml`). The declarations must
//!   cost these nothing.
//! - Records that need migrating: version 1's records (`TicketClosed`
//!   under its former name, `UserCreated` without its handle: two kinds of
//!   the eight) decoded by version 2, against version 1's code decoding
//!   them as they are.
//!
//! `cargo bench --bench codec_migrations`. Criterion reports events/s
//! (wall clock); then the rates per CPU-second are printed, the plain and
//! declared decoders measured in alternating rounds (on a shared machine
//! the ratio is what to read).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};

#[path = "../tests/evolution/migrations.rs"]
pub mod migrations;
#[path = "../tests/support/mod.rs"]
mod support;

#[allow(unused_imports)]
use support::{TicketCommentMessage, TicketDescription, TicketTitle, UserName, id, service};

/// A user's handle (version 2).
#[cfg_attr(feature = "contracts", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UserHandle(pub String);

mod v2 {
    goesgen::include_schema!("../examples/tickets/schema.v2.yml");
}

mod plain {
    goesgen::include_schema!("fixtures/tickets.v2.plain.yml");
}

const EVENTS: usize = 1000;

type Records = Vec<(String, Vec<u8>)>;

/// Version 1's log: one event of each kind, over and over.
fn v1_records() -> Records {
    support::one_of_each()
        .iter()
        .cycle()
        .take(EVENTS)
        .map(|e| {
            let new = e.to_new_event().unwrap();
            (new.kind, new.payload)
        })
        .collect()
}

/// Version 2's log: version 1's records read by version 2 and written
/// again, in the current shape.
fn v2_records() -> Records {
    v1_records()
        .iter()
        .map(|(kind, payload)| {
            let new = v2::events::Event::from_record(kind, payload)
                .unwrap()
                .to_new_event()
                .unwrap();
            (new.kind, new.payload)
        })
        .collect()
}

fn decode_v2(records: &Records) {
    for (kind, payload) in records {
        black_box(v2::events::Event::from_record(kind, payload).unwrap());
    }
}

fn decode_plain(records: &Records) {
    for (kind, payload) in records {
        black_box(plain::events::Event::from_record(kind, payload).unwrap());
    }
}

fn decode_v1(records: &Records) {
    for (kind, payload) in records {
        black_box(support::schema::events::Event::from_record(kind, payload).unwrap());
    }
}

fn codec_migrations(c: &mut Criterion) {
    let (v1, v2) = (v1_records(), v2_records());
    let mut group = c.benchmark_group("codec_migrations");
    group
        .throughput(Throughput::Elements(EVENTS as u64))
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("current records, no declarations", |b| {
        b.iter(|| decode_plain(&v2))
    });
    group.bench_function("current records, declarations", |b| {
        b.iter(|| decode_v2(&v2))
    });
    group.bench_function("v1 records read by v1", |b| b.iter(|| decode_v1(&v1)));
    group.bench_function("v1 records read by v2 (migrated)", |b| {
        b.iter(|| decode_v2(&v1))
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

/// Events per CPU-second of each of `runs`, measured in alternating
/// rounds of at least one CPU-second each: the median of 7 rounds per run.
fn alternating(runs: &[&dyn Fn()]) -> Option<Vec<f64>> {
    let mut rates = vec![Vec::new(); runs.len()];
    for _ in 0..7 {
        for (run, rates) in runs.iter().zip(&mut rates) {
            let start = cpu_seconds()?;
            let (mut rounds, mut used) = (0u64, 0.0);
            while used < 1.0 {
                for _ in 0..50 {
                    run();
                }
                rounds += 50;
                used = cpu_seconds()? - start;
            }
            rates.push(rounds as f64 * EVENTS as f64 / used);
        }
    }
    Some(
        rates
            .into_iter()
            .map(|mut r| {
                r.sort_by(f64::total_cmp);
                r[r.len() / 2]
            })
            .collect(),
    )
}

/// The CPU-time report printed after criterion's (skipped when criterion
/// runs in test mode or with a filter).
fn cpu_report() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--test" || a == "--list") || args.len() > 2 {
        return;
    }
    let (v1, v2) = (v1_records(), v2_records());
    let Some(rates) = alternating(&[
        &|| decode_plain(&v2),
        &|| decode_v2(&v2),
        &|| decode_v1(&v1),
        &|| decode_v2(&v1),
    ]) else {
        eprintln!("codec_migrations: no CPU clock on this platform");
        return;
    };
    let names = [
        "current records, no declarations",
        "current records, declarations",
        "v1 records read by v1",
        "v1 records read by v2 (migrated)",
    ];
    for (name, rate) in names.iter().zip(&rates) {
        eprintln!(
            "codec_migrations per CPU-second: {name}: {:.2} M events/s",
            rate / 1e6
        );
    }
    eprintln!(
        "codec_migrations: declarations on records needing nothing: {:.3}x the plain rate; \
         v1's log read by v2: {:.3}x v1's own rate",
        rates[1] / rates[0],
        rates[3] / rates[2]
    );
}

criterion_group!(benches, codec_migrations);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    cpu_report();
}
