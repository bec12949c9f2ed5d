//! The documents of a [`LogContract`]: [`events_json_schema`] (JSON Schema
//! 2020-12 of the wire format) and [`asyncapi`] (AsyncAPI 3.0 of the log),
//! both over [`payload_schema`], one event's payload.

use serde_json::{Map, Value, json};

use super::{EventContract, JSON_SCHEMA_DIALECT, LogContract};

/// The AsyncAPI document's one channel: the log.
const CHANNEL: &str = "log";

/// The JSON Schema of `event`'s payload: an object with each property
/// (described by the schema's comment on it, where there is one), the
/// required ones (every property but the `Option` ones) required. Other
/// members are not refused: a reader of an older schema meets the
/// optional properties a newer one added.
pub fn payload_schema(event: &EventContract<'_>) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for property in &event.properties {
        let mut schema = property.schema.clone();
        if let (Some(object), false) = (schema.as_object_mut(), property.doc.is_empty()) {
            object.insert("description".into(), property.doc.into());
        }
        properties.insert(property.name.into(), schema);
        if property.required {
            required.push(Value::from(property.name));
        }
    }
    let mut schema = Map::new();
    schema.insert("type".into(), "object".into());
    schema.insert("title".into(), event.name.into());
    if !event.doc.is_empty() {
        schema.insert("description".into(), event.doc.into());
    }
    schema.insert("properties".into(), properties.into());
    schema.insert("required".into(), required.into());
    schema.into()
}

/// The JSON Schema (2020-12) of one event in goesgen's wire format,
/// `{"type": "<Kind>", "payload": {...}}`: a `oneOf` over the kinds, each
/// with its `type` constant and its [`payload_schema`]; the definitions
/// the payloads refer to under `$defs` (the contract's schemas must refer
/// to [`JSON_SCHEMA_DEFINITIONS`](super::JSON_SCHEMA_DEFINITIONS)).
pub fn events_json_schema(contract: &LogContract<'_>) -> Value {
    let kinds: Vec<Value> = contract
        .events
        .iter()
        .map(|event| {
            json!({
                "title": event.name,
                "type": "object",
                "properties": {
                    "type": {"const": event.name},
                    "payload": payload_schema(event),
                },
                "required": ["type", "payload"],
                "additionalProperties": false,
            })
        })
        .collect();
    json!({
        "$schema": JSON_SCHEMA_DIALECT,
        "title": format!("The events of {}", contract.title),
        "description": "One event in goesgen's wire format: its kind (`type`) and its payload.",
        "oneOf": kinds,
        "$defs": contract.definitions,
    })
}

/// The AsyncAPI 3.0 document of the log: one channel (`log`) carrying one
/// message per event kind (its payload the [`payload_schema`], in the
/// default schema format, so the contract's schemas should be JSON Schema
/// draft-07 referring to [`COMPONENT_SCHEMAS`](super::COMPONENT_SCHEMAS));
/// per service an operation `<Service>.send` with the kinds its methods
/// emit and `<Service>.receive` with those it subscribes to (each left out
/// where it has none).
pub fn asyncapi(contract: &LogContract<'_>) -> Value {
    let mut channel_messages = Map::new();
    let mut messages = Map::new();
    for event in &contract.events {
        channel_messages.insert(
            event.name.into(),
            json!({"$ref": format!("#/components/messages/{}", event.name)}),
        );
        let mut message = json!({
            "name": event.name,
            "title": event.name,
            "contentType": "application/json",
            "payload": payload_schema(event),
        });
        if !event.doc.is_empty() {
            message["description"] = event.doc.into();
        }
        messages.insert(event.name.into(), message);
    }
    let mut operations = Map::new();
    for service in &contract.services {
        for (action, kinds, verb) in [
            ("send", &service.sends, "appends"),
            ("receive", &service.receives, "reads"),
        ] {
            if kinds.is_empty() {
                continue;
            }
            let refs: Vec<Value> = kinds
                .iter()
                .map(|kind| json!({"$ref": format!("#/channels/{CHANNEL}/messages/{kind}")}))
                .collect();
            let mut operation = json!({
                "action": action,
                "channel": {"$ref": format!("#/channels/{CHANNEL}")},
                "title": format!("{} {action}", service.name),
                "summary": format!("What the {} service {verb}.", service.name),
                "messages": refs,
            });
            if !service.doc.is_empty() {
                operation["description"] = service.doc.into();
            }
            operations.insert(format!("{}.{action}", service.name), operation);
        }
    }
    json!({
        "asyncapi": "3.0.0",
        "info": {
            "title": contract.title,
            "version": contract.version,
            "description": "The event log: one totally ordered channel of every event, appended by the services' write methods and read by their projections.",
        },
        "defaultContentType": "application/json",
        "channels": {
            CHANNEL: {
                "address": CHANNEL,
                "title": "The event log",
                "description": "Each message is one event: its kind is the message's name, its payload the message's payload.",
                "messages": channel_messages,
            }
        },
        "operations": operations,
        "components": {
            "messages": messages,
            "schemas": contract.definitions,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contracts::{PropertyContract, ServiceContract, schema_of_rust_name};

    fn contract() -> LogContract<'static> {
        let property = |name, rust_type: &'static str, required| PropertyContract {
            name,
            doc: if name == "total" {
                "The new total."
            } else {
                ""
            },
            required,
            schema: schema_of_rust_name(rust_type),
        };
        LogContract {
            title: "counter.yml",
            version: "1.0.0",
            events: vec![EventContract {
                name: "Counted",
                doc: "A counter went up.",
                properties: vec![
                    property("counter", "String", true),
                    property("total", "u64", true),
                    property("note", "Option<String>", false),
                ],
            }],
            services: vec![
                ServiceContract {
                    name: "Counters",
                    doc: "",
                    sends: vec!["Counted"],
                    receives: vec!["Counted"],
                },
                ServiceContract {
                    name: "Readers",
                    doc: "Reads only.",
                    sends: vec![],
                    receives: vec!["Counted"],
                },
            ],
            definitions: Map::new(),
        }
    }

    #[test]
    fn a_payload_requires_all_but_its_optional_properties() {
        let payload = payload_schema(&contract().events[0]);
        assert_eq!(payload["required"], json!(["counter", "total"]));
        assert_eq!(payload["description"], "A counter went up.");
        assert_eq!(
            payload["properties"]["total"]["description"],
            "The new total."
        );
        assert!(payload["properties"]["note"]["anyOf"].is_array());
    }

    #[test]
    fn the_wire_format_is_one_of_the_kinds() {
        let schema = events_json_schema(&contract());
        let kinds = schema["oneOf"].as_array().unwrap();
        assert_eq!(kinds.len(), 1);
        assert_eq!(kinds[0]["properties"]["type"], json!({"const": "Counted"}));
        assert_eq!(kinds[0]["required"], json!(["type", "payload"]));
    }

    #[test]
    fn each_service_sends_what_it_emits_and_receives_what_it_reads() {
        let document = asyncapi(&contract());
        let operations = document["operations"].as_object().unwrap();
        let mut names: Vec<&str> = operations.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            ["Counters.receive", "Counters.send", "Readers.receive"]
        );
        assert_eq!(
            operations["Counters.send"]["messages"],
            json!([{"$ref": "#/channels/log/messages/Counted"}])
        );
        assert_eq!(
            document["channels"]["log"]["messages"]["Counted"],
            json!({"$ref": "#/components/messages/Counted"})
        );
        assert_eq!(document["info"]["version"], "1.0.0");
    }
}
