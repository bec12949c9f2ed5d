//! Every event of the example's scenario, as goesgen writes it on the wire
//! (`Event::to_json`) and as the log stores it (kind and payload), valid
//! against the events' JSON Schema and against its AsyncAPI message; an
//! event the schema refuses is refused.

use goesgen::{KindFilter, MemoryLog};
use serde_json::{Value, json};

use super::schema::events::{self, Event};
use super::validate::{assert_valid, at_draft07, errors};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_event_of_the_scenario_is_valid() {
    let log = MemoryLog::shared();
    let users = super::service::users::store::in_memory().unwrap();
    super::scenario::run(log.clone(), users, &mut std::io::sink())
        .await
        .unwrap();
    let batch = log.read(0, &KindFilter::All, 100_000).await.unwrap();
    assert!(!batch.records.is_empty());
    let json_schema = jsonschema::draft202012::new(&events::json_schema()).unwrap();
    let asyncapi = events::asyncapi();
    let mut kinds = std::collections::BTreeSet::new();
    for record in &batch.records {
        let event = Event::from_record(&record.kind, &record.payload).unwrap();
        let wire: Value = serde_json::from_slice(&event.to_json().unwrap()).unwrap();
        assert_valid(&json_schema, &wire, &format!("event {}", record.kind));
        let payload: Value = serde_json::from_slice(&record.payload).unwrap();
        let message = at_draft07(
            &asyncapi,
            &format!("/components/messages/{}/payload", record.kind),
        );
        assert_valid(
            &message,
            &payload,
            &format!("the payload of {}", record.kind),
        );
        kinds.insert(record.kind.clone());
    }
    // Users and tickets were created, commented, assigned, closed.
    for kind in [
        "UserCreated",
        "TicketCreated",
        "TicketCommented",
        "UserAssignedToTicket",
        "TicketClosed",
    ] {
        assert!(kinds.contains(kind), "{kind} not in {kinds:?}");
    }
}

#[test]
fn what_the_schema_refuses_is_refused() {
    let validator = jsonschema::draft202012::new(&events::json_schema()).unwrap();
    let user = "6ba7b810-9dad-41d1-80b4-00c04fd430c8";
    let good = json!({"type": "UserCreated", "payload": {"id": user, "name": "Alice"}});
    assert!(errors(&validator, &good).is_empty());
    for bad in [
        json!({"type": "UserCreated", "payload": {"id": user}}),
        json!({"type": "UserCreated", "payload": {"id": 7, "name": "Alice"}}),
        json!({"type": "UserRenamed", "payload": {"id": user, "name": "Alice"}}),
        json!({"type": "UserCreated"}),
    ] {
        assert!(!errors(&validator, &bad).is_empty(), "{bad}");
    }
    let message = at_draft07(
        &events::asyncapi(),
        "/components/messages/UserCreated/payload",
    );
    assert!(errors(&message, &good["payload"]).is_empty());
    assert!(!errors(&message, &json!({"id": user})).is_empty());
}
