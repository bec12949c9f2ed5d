//! Tests of the codec's paths that only a failing or hand-written event
//! reaches: a `Serialize` that refuses, either key order, the fast path
//! against the precise one, and the list of known kinds.

use serde::{Deserialize, Serialize};

use super::decode::{Fast, decode_envelope_precisely};
use super::kind::list_names;
use super::*;

/// A payload whose `Serialize` always fails.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Broken {
    value: u8,
}

impl Serialize for Broken {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("refused"))
    }
}

impl EventPayload for Broken {
    const KIND: &'static str = "Broken";
    const FIELDS: &'static [FieldSpec] = &[FieldSpec {
        name: "value",
        check: check_field::<u8>,
    }];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct OnlyKind;

impl EventKindSet for OnlyKind {
    const ALL: &'static [Self] = &[OnlyKind];
    fn name(self) -> &'static str {
        "Broken"
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Events(Broken);

impl EventSet for Events {
    type Kind = OnlyKind;
    fn kind(&self) -> OnlyKind {
        OnlyKind
    }
    fn write_payload(&self, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        write_payload(out, &self.0)
    }
    fn decode_payload(kind: &str, payload: &[u8]) -> Result<Self, DecodeError> {
        match kind {
            "Broken" => decode_payload::<Broken>(payload).map(Events),
            _ => Err(unknown_kind::<OnlyKind>(kind).into()),
        }
    }
    fn deserialize_payload<'de, D: serde::Deserializer<'de>>(
        kind: &str,
        deserializer: D,
    ) -> Option<Result<Self, D::Error>> {
        match kind {
            "Broken" => Some(Broken::deserialize(deserializer).map(Events)),
            _ => None,
        }
    }
}

#[test]
fn a_failing_serialize_is_an_error_and_leaves_the_buffer_as_it_was() {
    let mut out = b"[".to_vec();
    let error = encode_into(&Events(Broken { value: 1 }), &mut out).unwrap_err();
    assert_eq!(out, b"[");
    assert_eq!(error.kind, "Broken");
    // The cause is the source, not repeated in the message.
    assert!(!error.to_string().contains("refused"), "{error}");
    let cause = std::error::Error::source(&error).map(ToString::to_string);
    assert!(cause.is_some_and(|c| c.contains("refused")));
    assert!(encode_batch(&[Events(Broken { value: 1 })]).is_err());
    assert!(to_new_event(&Events(Broken { value: 1 })).is_err());
}

#[test]
fn decoding_names_the_field_and_accepts_either_key_order() {
    let event: Events = decode(br#"{"payload":{"value":7},"type":"Broken"}"#).unwrap();
    assert_eq!(event, Events(Broken { value: 7 }));
    let error = decode::<Events>(br#"{"type":"Broken","payload":{"value":300}}"#).unwrap_err();
    assert_eq!(error.field(), Some("value"));
    assert_eq!(error.kind(), Some("Broken"));
    let error = decode_record::<Events>("Broken", b"{}").unwrap_err();
    assert!(matches!(
        error,
        DecodeError::Field {
            problem: FieldProblem::Missing,
            ..
        }
    ));
}

#[test]
fn the_fast_path_agrees_with_the_precise_one() {
    let plain = br#"{"type":"Broken","payload":{"value":7},"extra":[1]}"#;
    assert!(serde_json::from_slice::<Fast<Events>>(plain).is_ok());
    let reversed = br#"{"payload":{"value":7},"type":"Broken"}"#;
    assert!(serde_json::from_slice::<Fast<Events>>(reversed).is_err());
    assert_eq!(
        decode::<Events>(reversed).unwrap(),
        Events(Broken { value: 7 })
    );
    assert_eq!(
        decode::<Events>(plain),
        decode_envelope_precisely::<Events>(plain)
    );
    assert_eq!(
        decode::<Events>(plain).unwrap(),
        Events(Broken { value: 7 })
    );
    let twice = br#"{"type":"Broken","payload":{"value":7},"type":"Broken"}"#;
    assert!(decode::<Events>(twice).is_err());
    assert_eq!(
        decode::<Events>(twice),
        decode_envelope_precisely::<Events>(twice)
    );
    let batch =
        br#"[{"type":"Broken","payload":{"value":1}},{"payload":{"value":2},"type":"Broken"}]"#;
    assert_eq!(
        decode_batch::<Events>(batch).unwrap(),
        vec![Events(Broken { value: 1 }), Events(Broken { value: 2 })]
    );
}

#[test]
fn unknown_kinds_list_a_bounded_number_of_names() {
    let names: Vec<&str> = vec!["A"; 20];
    assert!(list_names(&names).ends_with("and 8 more"));
    assert_eq!(list_names(&[]), "no events");
    let error = parse_kind::<OnlyKind>("Nope").unwrap_err();
    assert_eq!(
        error.to_string(),
        "unknown event type `Nope`: the schema defines `Broken`"
    );
}
