//! Decoding: the wire format (one envelope, or an array) and the log's
//! records back to events. The fast path deserialises an envelope in one
//! pass; when it fails, the precise path reads the envelope, then the
//! payload, and `diagnose` says what failed.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::diagnose::{describe_envelope_error, diagnose};
use super::{DecodeError, EventPayload, EventSet};

/// The envelope of one encoded event, its payload left undecoded.
#[derive(Deserialize)]
struct Envelope<'a> {
    /// The event type; empty when absent.
    #[serde(rename = "type", borrow, default)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    payload: Option<&'a RawValue>,
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
pub(super) fn decode_envelope_precisely<E: EventSet>(bytes: &[u8]) -> Result<E, DecodeError> {
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
pub(super) struct Fast<E>(E);

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

/// Decodes the payload of an event of type `P`: what generated
/// [`EventSet::decode_payload`] calls for each kind.
pub fn decode_payload<P: EventPayload>(payload: &[u8]) -> Result<P, DecodeError> {
    serde_json::from_slice(payload).map_err(|error| diagnose::<P>(payload, &error))
}
