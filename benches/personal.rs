//! The cost of personal data in the codec (issue 25): encoding a
//! `UserRegistered` event (an id, a name, a plan) for the log without and
//! with its name personal (encode, then seal the name with the subject's
//! data key: ChaCha20-Poly1305, base64), and decoding it from the log
//! without and with (find and open the sealed value, then decode); plus
//! what every read now pays on records without personal data (the search
//! for a sealed value's marker) and on one whose key is gone.
//!
//! `cargo bench --bench personal`. Criterion reports events/s (wall
//! clock), per 1,000 events.

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde::{Deserialize, Serialize};

use goesgen::codec::{self, EventPayload, FieldSpec};
use goesgen::personal::{self, DataKey, DataKeys, Opening, PersonalSpec};
use goesgen::{Personal, Record};

const EVENTS: usize = 1000;

static SPEC: PersonalSpec = PersonalSpec {
    subject: "id",
    subject_kind: "User",
    fields: &["name"],
};

/// The event with its name in the clear.
#[derive(Serialize, Deserialize)]
struct Plain {
    id: String,
    name: String,
    plan: String,
}

impl EventPayload for Plain {
    const KIND: &'static str = "UserRegistered";
    const FIELDS: &'static [FieldSpec] = &[];
}

/// The event with its name personal.
#[derive(Serialize, Deserialize)]
struct Sealed {
    id: String,
    name: Personal<String>,
    plan: String,
}

impl EventPayload for Sealed {
    const KIND: &'static str = "UserRegistered";
    const FIELDS: &'static [FieldSpec] = &[];
    const PERSONAL: Option<&'static PersonalSpec> = Some(&SPEC);
}

fn record(position: u64, payload: Vec<u8>) -> Record {
    Record {
        position,
        recorded_at: SystemTime::UNIX_EPOCH,
        kind: "UserRegistered".into(),
        payload,
    }
}

fn personal(c: &mut Criterion) {
    let plain: Vec<Plain> = (0..EVENTS)
        .map(|n| Plain {
            id: format!("0190b6a2-8c1e-7000-8000-{n:012}"),
            name: format!("Ada Lovelace the {n}th"),
            plan: "free".into(),
        })
        .collect();
    let sealed: Vec<Sealed> = plain
        .iter()
        .map(|p| Sealed {
            id: p.id.clone(),
            name: p.name.clone().into(),
            plan: p.plan.clone(),
        })
        .collect();
    let key = DataKey::generate().unwrap();
    let encode = |event: &dyn erased::Encode| {
        let mut out = Vec::with_capacity(128);
        event.encode(&mut out);
        out
    };
    let plain_records: Vec<Record> = plain
        .iter()
        .enumerate()
        .map(|(n, p)| record(n as u64 + 1, encode(p)))
        .collect();
    let sealed_records: Vec<Record> = sealed
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let payload = personal::seal_payload(Sealed::KIND, &encode(s), &SPEC, &key).unwrap();
            record(n as u64 + 1, payload)
        })
        .collect();
    let keys: DataKeys = [key.clone()].into_iter().collect();
    eprintln!(
        "personal bench: {EVENTS} events, payloads {:.1} bytes in the clear, {:.1} sealed",
        plain_records.iter().map(|r| r.payload.len()).sum::<usize>() as f64 / EVENTS as f64,
        sealed_records
            .iter()
            .map(|r| r.payload.len())
            .sum::<usize>() as f64
            / EVENTS as f64,
    );

    let mut group = c.benchmark_group("personal");
    group
        .throughput(Throughput::Elements(EVENTS as u64))
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("encode, no personal field", |b| {
        b.iter(|| {
            for event in &plain {
                black_box(encode(event));
            }
        })
    });
    group.bench_function("encode and seal, one personal field", |b| {
        b.iter(|| {
            for event in &sealed {
                let payload = encode(event);
                black_box(personal::seal_payload(Sealed::KIND, &payload, &SPEC, &key).unwrap());
            }
        })
    });
    group.bench_function("decode, no personal field", |b| {
        b.iter(|| {
            for record in &plain_records {
                black_box(codec::decode_payload::<Plain>(&record.payload).unwrap());
            }
        })
    });
    group.bench_function("open and decode, no personal field", |b| {
        b.iter_batched(
            || plain_records.clone(),
            |mut records| {
                let opening = Opening::prepare(&records).unwrap();
                opening.open(&mut records, &keys).unwrap();
                for record in &records {
                    black_box(codec::decode_payload::<Plain>(&record.payload).unwrap());
                }
                // Dropped by criterion, outside the measurement.
                records
            },
            criterion::BatchSize::LargeInput,
        )
    });
    group.bench_function("open and decode, one personal field", |b| {
        b.iter_batched(
            || sealed_records.clone(),
            |mut records| {
                let opening = Opening::prepare(&records).unwrap();
                opening.open(&mut records, &keys).unwrap();
                for record in &records {
                    black_box(codec::decode_payload::<Sealed>(&record.payload).unwrap());
                }
                records
            },
            criterion::BatchSize::LargeInput,
        )
    });
    group.bench_function("open and decode, one personal field forgotten", |b| {
        b.iter_batched(
            || sealed_records.clone(),
            |mut records| {
                let opening = Opening::prepare(&records).unwrap();
                opening.open(&mut records, &DataKeys::new()).unwrap();
                for record in &records {
                    black_box(codec::decode_payload::<Sealed>(&record.payload).unwrap());
                }
                records
            },
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

/// Encoding either event type behind one function.
mod erased {
    pub trait Encode {
        fn encode(&self, out: &mut Vec<u8>);
    }

    impl<P: goesgen::codec::EventPayload> Encode for P {
        fn encode(&self, out: &mut Vec<u8>) {
            goesgen::codec::write_payload(out, self).unwrap();
        }
    }
}

criterion_group!(benches, personal);
criterion_main!(benches);
