//! YAML text to a raw, located tree: every mapping keeps its entries in the
//! order written (duplicates included, so that they can be reported), every
//! node and key keeps its line, column and width. serde-saphyr parses; its
//! `Spanned` wrapper supplies the locations. Nothing here knows the schema
//! language: that is [`crate::shape`]'s job.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{DuplicateKeyPolicy, Spanned};

use crate::model::Location;

/// A place and the number of characters it covers (for the caret).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Spot {
    /// Line and column (1-based).
    pub at: Location,
    /// Width in characters, at least 1.
    pub width: usize,
}

/// A scalar as read: a key, a name, a type reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Text {
    /// Its value.
    pub text: String,
    /// Where it is written.
    pub spot: Spot,
    /// Whether the source shows the value exactly as it is (a plain scalar
    /// on one line): then a character of the value can be located precisely.
    pub verbatim: bool,
    /// Whether YAML typed the scalar (a number or boolean written plain),
    /// rather than a string: `0` but not `"0"`.
    pub typed: bool,
}

impl Text {
    /// The place of the part of the value starting `skip` characters in and
    /// `width` characters long; the whole scalar when it is not verbatim.
    pub fn part(&self, skip: usize, width: usize) -> Spot {
        if self.verbatim {
            Spot {
                at: Location {
                    line: self.spot.at.line,
                    column: self.spot.at.column + skip,
                },
                width: width.max(1),
            }
        } else {
            self.spot
        }
    }
}

/// A node of the raw tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    /// What it holds.
    pub kind: Kind,
    /// Where it is written.
    pub spot: Spot,
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An empty value or `null`/`~`.
    Null,
    /// A scalar.
    Scalar(Text),
    /// A sequence, in order.
    Seq(Vec<Node>),
    /// A mapping, in the order written, duplicates included.
    Map(Vec<Entry>),
}

impl Kind {
    /// How the kind is called in a message ("a list", "a mapping").
    pub fn describe(&self) -> &'static str {
        match self {
            Kind::Null => "nothing",
            Kind::Scalar(_) => "a single value",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// A mapping entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The key.
    pub key: Text,
    /// The value.
    pub value: Node,
}

/// A YAML error: the message and, where known, its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct YamlError {
    /// What the YAML parser says (without location).
    pub message: String,
    /// Where, if the parser says.
    pub at: Option<Location>,
}

/// Parses `source` into a raw tree (an empty document is [`Kind::Null`]).
pub(crate) fn read(source: &str) -> Result<Node, YamlError> {
    let options = serde_saphyr::options! {
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
    };
    match serde_saphyr::from_str_with_options::<Spanned<Inner>>(source, options) {
        Ok(root) => Ok(convert(root, source)),
        Err(error) => Err(yaml_error(&error)),
    }
}

/// The message and place of a serde-saphyr error.
fn yaml_error(error: &serde_saphyr::Error) -> YamlError {
    use serde_saphyr::MessageFormatter;
    let bare = error.without_snippet();
    let message = serde_saphyr::DefaultMessageFormatter
        .format_message(bare)
        .into_owned();
    let at = error
        .location()
        .and_then(|l| location(&l))
        .filter(|l| l.line > 0);
    YamlError { message, at }
}

/// A serde-saphyr location as ours (`None` when it is unknown).
fn location(l: &serde_saphyr::Location) -> Option<Location> {
    let line = usize::try_from(l.line()).ok()?;
    let column = usize::try_from(l.column()).ok()?;
    (line > 0).then_some(Location {
        line,
        column: column.max(1),
    })
}

/// The spot of a spanned value, and its source text where the span gives
/// byte offsets.
fn spot_and_source<'s, T>(value: &Spanned<T>, source: &'s str) -> (Spot, Option<&'s str>) {
    let l = &value.referenced;
    let at = location(l).unwrap_or(Location { line: 1, column: 1 });
    let span = l.span();
    let width = usize::try_from(span.len()).unwrap_or(1).max(1);
    let written = span.byte_offset().zip(span.byte_len()).and_then(|(o, n)| {
        let start = usize::try_from(o).ok()?;
        let end = start.checked_add(usize::try_from(n).ok()?)?;
        source.get(start..end)
    });
    (Spot { at, width }, written)
}

fn convert(value: Spanned<Inner>, source: &str) -> Node {
    let (spot, written) = spot_and_source(&value, source);
    let kind = match value.value {
        Inner::Null => Kind::Null,
        Inner::Scalar(text, typed) => Kind::Scalar(text_of(text, typed, spot, written)),
        Inner::Seq(items) => Kind::Seq(items.into_iter().map(|i| convert(i, source)).collect()),
        Inner::Map(entries) => Kind::Map(
            entries
                .into_iter()
                .map(|(key, value)| {
                    let (key_spot, key_written) = spot_and_source(&key, source);
                    Entry {
                        key: text_of(key.value, false, key_spot, key_written),
                        value: convert(value, source),
                    }
                })
                .collect(),
        ),
    };
    Node { kind, spot }
}

/// A scalar's text: for a number or boolean, as written in the source
/// (`0x10` stays `0x10`), else its value.
fn text_of(value: String, typed: bool, spot: Spot, written: Option<&str>) -> Text {
    let text = match written {
        Some(w) if typed => w.to_string(),
        _ => value,
    };
    let verbatim = written == Some(text.as_str()) && !text.contains('\n');
    Text {
        text,
        spot,
        verbatim,
        typed,
    }
}

/// The tree as serde sees it; locations are added by `Spanned`.
enum Inner {
    Null,
    /// The value; `true` when YAML typed it (number, boolean).
    Scalar(String, bool),
    Seq(Vec<Spanned<Inner>>),
    Map(Vec<(Spanned<String>, Spanned<Inner>)>),
}

impl<'de> Deserialize<'de> for Inner {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(InnerVisitor)
    }
}

struct InnerVisitor;

impl<'de> Visitor<'de> for InnerVisitor {
    type Value = Inner;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Inner, E> {
        Ok(Inner::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Inner, E> {
        Ok(Inner::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Inner, D::Error> {
        deserializer.deserialize_any(InnerVisitor)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Inner, D::Error> {
        deserializer.deserialize_any(InnerVisitor)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Inner, E> {
        Ok(Inner::Scalar(v.to_string(), true))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Inner, E> {
        Ok(Inner::Scalar(v.to_string(), true))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Inner, E> {
        Ok(Inner::Scalar(v.to_string(), true))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Inner, E> {
        Ok(Inner::Scalar(v.to_string(), true))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Inner, E> {
        Ok(Inner::Scalar(v.to_string(), true))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Inner, E> {
        Ok(Inner::Scalar(v.to_string(), true))
    }

    fn visit_char<E: de::Error>(self, v: char) -> Result<Inner, E> {
        Ok(Inner::Scalar(v.to_string(), false))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Inner, E> {
        Ok(Inner::Scalar(v.to_string(), false))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Inner, E> {
        Ok(Inner::Scalar(v, false))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Inner, E> {
        Ok(Inner::Scalar(String::from_utf8_lossy(v).into_owned(), true))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Inner, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Inner::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Inner, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value()?;
            entries.push((key, value));
        }
        Ok(Inner::Map(entries))
    }
}
