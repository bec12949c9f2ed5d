//! The JSON codec of events, written once for every schema: code generated
//! by `include_schema!` implements [`EventPayload`] for each event struct,
//! [`EventKindSet`] for its `EventKind` and [`EventSet`] for its `Event`, and
//! calls the generic functions here.
//!
//! The wire format is goesgen's: one event is `{"type":"TicketCreated",
//! "payload":{...}}` (keys in either order on input), several events encoded
//! together are a JSON array of such objects. The event log stores the kind
//! and the payload apart ([`to_new_event`], [`decode_record`]).
//!
//! Decoding runs serde's derived code on the fast path; only when that fails
//! is the payload looked at field by field ([`EventPayload::FIELDS`]), so a
//! [`DecodeError`] names the event type and the field that is missing or
//! invalid, at no cost to inputs that decode. Payload fields the event does
//! not declare are ignored, as goesgen's decoder ignores them.

use std::borrow::Cow;
use std::fmt;
use std::hash::Hash;

use serde::Deserialize;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::record::NewEvent;

mod compact;

/// An event struct generated from the schema: its type name on the wire and
/// its payload fields.
pub trait EventPayload: Serialize + DeserializeOwned {
    /// The event's type name, as in the schema and on the wire.
    const KIND: &'static str;
    /// Its payload fields in schema order, to name the one that failed when a
    /// payload does not decode.
    const FIELDS: &'static [FieldSpec];
}

/// One payload field of an event: its wire name and a check that a JSON
/// value decodes to the field's type.
#[derive(Clone, Copy)]
pub struct FieldSpec {
    /// The property name as on the wire (`newDescription`).
    pub name: &'static str,
    /// Decodes a JSON value as the field's type (usually
    /// [`check_field::<T>`](check_field)).
    pub check: fn(&Value) -> Result<(), serde_json::Error>,
}

impl fmt::Debug for FieldSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FieldSpec")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Whether `value` decodes as a `T`: the check of a [`FieldSpec`].
pub fn check_field<T: DeserializeOwned>(value: &Value) -> Result<(), serde_json::Error> {
    T::deserialize(value).map(drop)
}

/// The field-less enum of a schema's event types (`EventKind`).
pub trait EventKindSet: Copy + Eq + Ord + Hash + fmt::Debug + Send + Sync + 'static {
    /// Every kind, in schema order.
    const ALL: &'static [Self];
    /// The kind's type name, as in the schema and on the wire.
    fn name(self) -> &'static str;
}

/// The enum of all events of a schema (`Event`).
pub trait EventSet: Sized {
    /// Its kinds.
    type Kind: EventKindSet;
    /// The kind of this event.
    fn kind(&self) -> Self::Kind;
    /// Appends the JSON payload of this event (without the envelope) to
    /// `out`.
    fn write_payload(&self, out: &mut Vec<u8>) -> Result<(), EncodeError>;
    /// Decodes a payload of the event type `kind`.
    fn decode_payload(kind: &str, payload: &[u8]) -> Result<Self, DecodeError>;
    /// Deserialises a payload of the event type `kind` straight from
    /// `deserializer`: the fast path of [`decode`] and [`decode_batch`], its
    /// errors never shown (on failure the precise path runs and names the
    /// field). `None` for an unknown kind. The default takes no fast path.
    fn deserialize_payload<'de, D: serde::Deserializer<'de>>(
        kind: &str,
        deserializer: D,
    ) -> Option<Result<Self, D::Error>> {
        let _ = (kind, deserializer);
        None
    }
}

/// A name that is not one of a schema's event types.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event type `{name}`: the schema defines {}", list_names(.known))]
pub struct UnknownKind {
    /// The name that was given.
    pub name: String,
    /// The event types the schema defines, in schema order.
    pub known: Vec<&'static str>,
}

fn list_names(names: &[&str]) -> String {
    const SHOWN: usize = 12;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    if text.is_empty() {
        text.push_str("no events");
    }
    text
}

/// The kind named `name`, or [`UnknownKind`] listing the defined ones.
pub fn parse_kind<K: EventKindSet>(name: &str) -> Result<K, UnknownKind> {
    K::ALL
        .iter()
        .copied()
        .find(|kind| kind.name() == name)
        .ok_or_else(|| unknown_kind::<K>(name))
}

/// The [`UnknownKind`] error for `name` among the kinds `K`.
pub fn unknown_kind<K: EventKindSet>(name: &str) -> UnknownKind {
    UnknownKind {
        name: name.to_string(),
        known: K::ALL.iter().map(|kind| kind.name()).collect(),
    }
}

/// An event could not be encoded: one of its property types failed to
/// serialise (a custom `Serialize` that returned an error, a map with
/// non-string keys), or a hand-written method event type does not convert
/// back from the schema's event enum (see
/// [`Emitted`](crate::service::Emitted)).
#[derive(Debug, thiserror::Error)]
#[error("cannot encode a {kind} event; {hint}")]
pub struct EncodeError {
    /// The event's type name.
    pub kind: &'static str,
    /// serde_json's error.
    #[source]
    pub source: serde_json::Error,
    /// What to check.
    hint: &'static str,
}

impl EncodeError {
    /// A property type failed to serialise.
    fn serialize(kind: &'static str, source: serde_json::Error) -> Self {
        Self {
            kind,
            source,
            hint: "check the Serialize impls of its property types",
        }
    }

    /// The schema's event did not convert back to the method's event type.
    pub(crate) fn not_emitted(kind: &'static str) -> Self {
        Self {
            kind,
            source: serde::ser::Error::custom(
                "the schema's event does not convert back to the method's event type",
            ),
            hint: "the method's event type's TryFrom disagrees with its Into",
        }
    }
}

/// What is wrong with a payload field.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FieldProblem {
    /// The payload lacks the field (and its type has no value for "absent").
    Missing,
    /// The field's value does not decode as its type; serde's reason.
    Invalid(String),
}

impl fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldProblem::Missing => f.write_str("is missing"),
            FieldProblem::Invalid(reason) => write!(f, "is invalid: {reason}"),
        }
    }
}

/// Encoded events could not be decoded. Says which event type and which
/// field failed, where it got that far; nothing is ever decoded partially.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The input holds nothing but whitespace.
    #[error(
        "empty input: expected an encoded event {{\"type\": ..., \"payload\": {{...}}}} or an array of them"
    )]
    Empty,
    /// The input is not JSON (or ends too early).
    #[error("not valid JSON: {message}")]
    Json {
        /// serde_json's message, with line and column.
        message: String,
    },
    /// The JSON is not an event envelope `{"type": ..., "payload": {...}}`.
    #[error(
        "not an encoded event: {reason}; expected {{\"type\": \"EventName\", \"payload\": {{...}}}}"
    )]
    Envelope {
        /// What is wrong with it.
        reason: String,
    },
    /// The event type is not one the schema defines.
    #[error(transparent)]
    UnknownKind(#[from] UnknownKind),
    /// A field of the payload is missing or invalid.
    #[error("{kind} event: field `{field}` {problem}")]
    Field {
        /// The event's type name.
        kind: String,
        /// The field's wire name.
        field: String,
        /// What is wrong with it.
        problem: FieldProblem,
    },
    /// The payload does not decode for another reason (it is not a JSON
    /// object, or a custom `Deserialize` refused it as a whole).
    #[error("{kind} event: invalid payload: {reason}")]
    Payload {
        /// The event's type name.
        kind: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An event of a batch (JSON array) failed to decode.
    #[error("event #{index} of the batch (counting from 0): {source}")]
    InBatch {
        /// The event's index in the array.
        index: usize,
        /// Why it failed.
        #[source]
        source: Box<DecodeError>,
    },
    /// A single event was expected, the input is an array.
    #[error(
        "expected one encoded event, found a JSON array; decode it with the batch decoder (`Event::from_json_batch`)"
    )]
    Batch,
}

impl DecodeError {
    /// The event type that failed, where decoding got as far as reading it.
    pub fn kind(&self) -> Option<&str> {
        match self {
            DecodeError::Field { kind, .. } | DecodeError::Payload { kind, .. } => Some(kind),
            DecodeError::UnknownKind(unknown) => Some(&unknown.name),
            DecodeError::InBatch { source, .. } => source.kind(),
            _ => None,
        }
    }

    /// The payload field that failed, where one did.
    pub fn field(&self) -> Option<&str> {
        match self {
            DecodeError::Field { field, .. } => Some(field),
            DecodeError::InBatch { source, .. } => source.field(),
            _ => None,
        }
    }

    /// The index in the batch of the event that failed, for batches.
    pub fn index(&self) -> Option<usize> {
        match self {
            DecodeError::InBatch { index, .. } => Some(*index),
            _ => None,
        }
    }

    fn json(error: &serde_json::Error) -> Self {
        DecodeError::Json {
            message: error.to_string(),
        }
    }

    fn in_batch(index: usize, error: DecodeError) -> Self {
        DecodeError::InBatch {
            index,
            source: Box::new(error),
        }
    }
}

/// The envelope of one encoded event, its payload left undecoded.
#[derive(Deserialize)]
struct Envelope<'a> {
    /// The event type; empty when absent.
    #[serde(rename = "type", borrow, default)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    payload: Option<&'a RawValue>,
}

/// Encodes `event` in the wire format: `{"type":...,"payload":{...}}`.
pub fn encode<E: EventSet>(event: &E) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(128);
    encode_into(event, &mut out)?;
    Ok(out)
}

/// Appends the wire form of `event` to `out` (leaving `out` as it was on
/// error).
pub fn encode_into<E: EventSet>(event: &E, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    out.extend_from_slice(b"{\"type\":");
    compact::write_str(out, event.kind().name());
    out.extend_from_slice(b",\"payload\":");
    if let Err(error) = event.write_payload(out) {
        out.truncate(start);
        return Err(error);
    }
    out.push(b'}');
    Ok(())
}

/// Encodes several events as one JSON array, as goesgen writes the events of
/// one call.
pub fn encode_batch<E: EventSet>(events: &[E]) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(2 + 128 * events.len());
    out.push(b'[');
    for (index, event) in events.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        encode_into(event, &mut out)?;
    }
    out.push(b']');
    Ok(out)
}

/// Encodes the payload of `payload` into `out`: what generated
/// [`EventSet::write_payload`] calls. The JSON is serde_json's compact
/// form, byte for byte, written faster (see the `compact` module).
pub fn write_payload<P: EventPayload>(out: &mut Vec<u8>, payload: &P) -> Result<(), EncodeError> {
    let start = out.len();
    compact::to_writer(out, payload).map_err(|source| {
        out.truncate(start);
        EncodeError::serialize(P::KIND, source)
    })
}

/// The event as the event log stores it: kind and payload apart.
///
/// The payload is written into a buffer kept per thread and copied out at
/// its exact size: one allocation, no regrowth, and no spare capacity kept
/// with every record a log holds in memory.
pub fn to_new_event<E: EventSet>(event: &E) -> Result<NewEvent, EncodeError> {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    /// A scratch buffer grown past this is given back rather than kept.
    const KEEP: usize = 64 * 1024;
    let payload = SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
        Ok(mut scratch) => {
            scratch.clear();
            let written = event.write_payload(&mut scratch).map(|()| scratch.to_vec());
            if scratch.capacity() > KEEP {
                *scratch = Vec::new();
            }
            written
        }
        // Only reachable if a payload's `Serialize` encodes an event itself.
        Err(_) => {
            let mut payload = Vec::new();
            event.write_payload(&mut payload).map(|()| payload)
        }
    })?;
    Ok(NewEvent {
        kind: event.kind().name().to_string(),
        payload,
    })
}

/// Decodes an event the event log stored: its kind and its JSON payload.
pub fn decode_record<E: EventSet>(kind: &str, payload: &[u8]) -> Result<E, DecodeError> {
    E::decode_payload(kind, payload)
}

/// Decodes one event in the wire format. An array is refused
/// ([`DecodeError::Batch`]): use [`decode_batch`] for those.
pub fn decode<E: EventSet>(bytes: &[u8]) -> Result<E, DecodeError> {
    match first_byte(bytes) {
        None => Err(DecodeError::Empty),
        Some(b'[') => Err(DecodeError::Batch),
        Some(_) => decode_envelope(bytes),
    }
}

/// Decodes what one encode call wrote: a JSON array of events, or a single
/// event object (goesgen writes both). All or nothing: the first event that
/// fails fails the batch, naming its index.
pub fn decode_batch<E: EventSet>(bytes: &[u8]) -> Result<Vec<E>, DecodeError> {
    match first_byte(bytes) {
        None => Err(DecodeError::Empty),
        Some(b'[') => {
            if let Ok(events) = serde_json::from_slice::<Vec<Fast<E>>>(bytes) {
                return Ok(events.into_iter().map(|Fast(event)| event).collect());
            }
            let items: Vec<&RawValue> = serde_json::from_slice(bytes).map_err(|error| {
                if error.is_data() {
                    DecodeError::Envelope {
                        reason: error.to_string(),
                    }
                } else {
                    DecodeError::json(&error)
                }
            })?;
            items
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    decode_envelope_precisely(item.get().as_bytes())
                        .map_err(|error| DecodeError::in_batch(index, error))
                })
                .collect()
        }
        Some(_) => decode_envelope(bytes).map(|event| vec![event]),
    }
}

fn first_byte(bytes: &[u8]) -> Option<u8> {
    bytes.iter().copied().find(|b| !b.is_ascii_whitespace())
}

/// Decodes one envelope: the fast path first, the precise one on failure.
fn decode_envelope<E: EventSet>(bytes: &[u8]) -> Result<E, DecodeError> {
    match serde_json::from_slice::<Fast<E>>(bytes) {
        Ok(Fast(event)) => Ok(event),
        Err(_) => decode_envelope_precisely(bytes),
    }
}

/// Decodes one envelope in two steps (envelope, then payload), so that a
/// failure names what failed; accepts the keys in either order.
fn decode_envelope_precisely<E: EventSet>(bytes: &[u8]) -> Result<E, DecodeError> {
    let envelope: Envelope<'_> = serde_json::from_slice(bytes).map_err(|error| {
        if error.is_data() {
            DecodeError::Envelope {
                reason: describe_envelope_error(bytes, &error),
            }
        } else {
            DecodeError::json(&error)
        }
    })?;
    if envelope.kind.is_empty() {
        return Err(DecodeError::Envelope {
            reason: "`type` is missing or empty".to_string(),
        });
    }
    let Some(payload) = envelope.payload else {
        return Err(DecodeError::Envelope {
            reason: format!("the {} event has no `payload` object", envelope.kind),
        });
    };
    E::decode_payload(&envelope.kind, payload.get().as_bytes())
}

/// The fast path of decoding: an envelope whose `type` comes before its
/// `payload` (as every encoder writes it) is read in one pass, the payload
/// deserialised straight into its event type. Anything else (keys in the
/// other order, a bad payload, an unknown type) fails here without a
/// useful message, and the caller decodes again precisely.
struct Fast<E>(E);

impl<'de, E: EventSet> Deserialize<'de> for Fast<E> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(FastVisitor(std::marker::PhantomData))
    }
}

struct FastVisitor<E>(std::marker::PhantomData<E>);

impl<'de, E: EventSet> serde::de::Visitor<'de> for FastVisitor<E> {
    type Value = Fast<E>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event {\"type\": ..., \"payload\": {...}}")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        use serde::de::Error;
        let slow = || A::Error::custom("not on the fast path");
        if map
            .next_key::<Text<'de>>()?
            .is_none_or(|key| key.0 != "type")
        {
            return Err(slow());
        }
        let kind = map.next_value::<Text<'de>>()?.0;
        if map
            .next_key::<Text<'de>>()?
            .is_none_or(|key| key.0 != "payload")
        {
            return Err(slow());
        }
        let event = map.next_value_seed(PayloadSeed::<E> {
            kind: &kind,
            event: std::marker::PhantomData,
        })?;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            if key.0 == "type" || key.0 == "payload" {
                return Err(slow());
            }
            map.next_value::<serde::de::IgnoredAny>()?;
        }
        Ok(Fast(event))
    }
}

struct PayloadSeed<'k, E> {
    kind: &'k str,
    event: std::marker::PhantomData<E>,
}

impl<'de, E: EventSet> serde::de::DeserializeSeed<'de> for PayloadSeed<'_, E> {
    type Value = E;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<E, D::Error> {
        E::deserialize_payload(self.kind, deserializer)
            .unwrap_or_else(|| Err(serde::de::Error::custom("unknown event type")))
    }
}

/// A string, borrowed from the input where it has no escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> serde::de::Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }
            fn visit_str<E>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text.to_string())))
            }
            fn visit_string<E>(self, text: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// Why a JSON document is not an envelope, in words: serde's message names
/// its private struct, so say what the document is instead where we can.
fn describe_envelope_error(bytes: &[u8], error: &serde_json::Error) -> String {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value) if !value.is_object() => format!("the JSON is {}", describe_value(&value)),
        _ => error.to_string(),
    }
}

fn describe_value(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Decodes the payload of an event of type `P`: what generated
/// [`EventSet::decode_payload`] calls for each kind.
pub fn decode_payload<P: EventPayload>(payload: &[u8]) -> Result<P, DecodeError> {
    serde_json::from_slice(payload).map_err(|error| diagnose::<P>(payload, &error))
}

/// The precise error for a payload that failed to decode as `P`: the first
/// field, in schema order, that is missing or does not decode.
fn diagnose<P: EventPayload>(payload: &[u8], error: &serde_json::Error) -> DecodeError {
    let value: Value = match serde_json::from_slice(payload) {
        Ok(value) => value,
        Err(syntax) => return DecodeError::json(&syntax),
    };
    let Value::Object(fields) = &value else {
        return DecodeError::Payload {
            kind: P::KIND.to_string(),
            reason: format!(
                "the payload is {}, not a JSON object",
                describe_value(&value)
            ),
        };
    };
    for field in P::FIELDS {
        let problem = match fields.get(field.name) {
            // A type that decodes from null (an Option) may be absent.
            None => (field.check)(&Value::Null)
                .err()
                .map(|_| FieldProblem::Missing),
            Some(value) => (field.check)(value)
                .err()
                .map(|error| FieldProblem::Invalid(error.to_string())),
        };
        if let Some(problem) = problem {
            return DecodeError::Field {
                kind: P::KIND.to_string(),
                field: field.name.to_string(),
                problem,
            };
        }
    }
    DecodeError::Payload {
        kind: P::KIND.to_string(),
        reason: error.to_string(),
    }
}

#[cfg(test)]
mod tests {
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
}
