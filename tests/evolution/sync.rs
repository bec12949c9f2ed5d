//! A service's sync over a log written under a former event name: version
//! 2 of the counter (`Counted` renamed `Incremented`, with a default
//! `step`) applies version 1's records as its own, whether it fails on
//! kinds the schema does not define (reading every kind) or skips them
//! (reading the subscribed kinds only), and appends its own events in the
//! new shape only.

use goesgen::kits::{MemoryRead, MemoryWrite};
use goesgen::{
    Condition, MemoryLog, MemoryStore, MethodError, Recorded, ServiceOptions, StoreError,
    UnknownEvents,
};

use crate::CounterUnit;
use crate::schemas::counter_v1;
use crate::schemas::counter_v2::counters::{
    CountEvent, CountersInMemory, CountersMethods, CountersService,
};
use crate::schemas::counter_v2::events::Incremented;

/// Each counter's total and the step and unit of its last increment.
#[derive(Clone, Default)]
struct Totals(imbl::HashMap<String, (u64, u64, CounterUnit)>);

impl CountersInMemory for Totals {
    fn apply_incremented(&mut self, _: &Recorded, event: &Incremented) -> Result<(), StoreError> {
        self.0.insert(
            event.counter.clone(),
            (event.total, event.step, event.unit.clone()),
        );
        Ok(())
    }
}

struct Logic;

impl CountersMethods for Logic {
    type Store = MemoryStore<Totals>;
    type Context = ();
    type Error = std::convert::Infallible;

    async fn total(
        &self,
        _: &(),
        txn: &mut MemoryRead<Totals>,
        counter: String,
    ) -> Result<u64, MethodError<Self::Error>> {
        Ok(txn.0.get(&counter).map_or(0, |(total, ..)| *total))
    }

    async fn count(
        &self,
        _: &(),
        txn: &mut MemoryWrite<Totals>,
        counter: String,
    ) -> Result<(u64, Vec<CountEvent>), MethodError<Self::Error>> {
        let total = txn.0.get(&counter).map_or(0, |(total, ..)| *total) + 2;
        Ok((
            total,
            vec![
                Incremented {
                    counter,
                    total,
                    step: 2,
                    unit: CounterUnit("visits".into()),
                }
                .into(),
            ],
        ))
    }
}

#[tokio::test]
async fn the_service_applies_records_of_the_former_kind() {
    applies_records_of_the_former_kind(ServiceOptions::default()).await;
}

#[tokio::test]
async fn reads_filtered_to_the_subscribed_kinds_include_former_names() {
    // Skipping unknown kinds filters reads to the subscribed kinds.
    applies_records_of_the_former_kind(
        ServiceOptions::default().unknown_events(UnknownEvents::Skip),
    )
    .await;
}

/// Version 1's records, then the version 2 service over them with
/// `options`.
async fn applies_records_of_the_former_kind(options: ServiceOptions) {
    let log = MemoryLog::shared();
    let v1_events = (1..=3)
        .map(|total| {
            counter_v1::events::Event::from(counter_v1::events::Counted {
                counter: "visits".into(),
                total,
            })
            .to_new_event()
            .unwrap()
        })
        .collect();
    log.append(v1_events, Condition::None).await.unwrap();

    let service = CountersService::new(Logic, MemoryStore::default(), log.clone(), options);
    assert_eq!(service.sync().await.unwrap(), 3);
    assert_eq!(service.total(&(), "visits".into()).await.unwrap(), 3);
    let applied = goesgen::Store::begin_read(service.store()).await.unwrap();
    assert_eq!(
        applied.0.get("visits"),
        Some(&(3, 1, CounterUnit("times".into()))),
        "version 1's records read the defaults"
    );
    let counted = service.count(&(), "visits".into()).await.unwrap();
    assert_eq!(counted.output, 5);

    let records = log.read(0, &goesgen::KindFilter::All, 10).await.unwrap();
    let kinds: Vec<&str> = records.records.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["Counted", "Counted", "Counted", "Incremented"],
        "old records stay as written, new ones are in the new shape"
    );
}
