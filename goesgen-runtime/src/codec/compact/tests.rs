//! The compact writer against serde_json on every shape of serde's data
//! model: the same bytes, or an error from both.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::json;
use serde_json::value::RawValue;

use super::{needs_escape, to_writer, write_str};

/// Asserts that `value` is written exactly as serde_json writes it.
#[track_caller]
fn same<T: ?Sized + Serialize>(value: &T) {
    let expected = serde_json::to_vec(value).expect("serde_json writes it");
    let mut out = b"prefix ".to_vec();
    to_writer(&mut out, value).expect("the compact writer writes it");
    assert_eq!(
        String::from_utf8_lossy(&out[7..]),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(&out[..7], b"prefix ", "appended after what was there");
}

#[test]
fn strings_of_every_ascii_byte_and_beyond() {
    for byte in 0u8..=0x7f {
        let alone = char::from(byte).to_string();
        same(&alone);
        // Before, inside and after a run of sixteen plain bytes.
        for at in [0, 7, 15, 16, 17, 31, 40] {
            let mut text: Vec<char> = "0123456789abcdefghijklmnopqrstuvwxyzABCDEF"
                .chars()
                .collect();
            text.insert(at, char::from(byte));
            same(&text.into_iter().collect::<String>());
        }
    }
    for text in [
        "",
        "Grüße \"x\"",
        "日本語のチケット",
        "emoji 🎫 \u{2028}",
        "tab\tin",
        "\u{7f}del",
    ] {
        same(text);
        same(&text.repeat(9));
    }
}

#[test]
fn the_escape_scan_finds_what_serde_json_escapes() {
    for byte in 0u8..=0xff {
        let escaped = byte < 0x20 || byte == b'"' || byte == b'\\';
        for len in [1, 15, 16, 17, 33] {
            for at in [0, len - 1] {
                let mut bytes = vec![b'a'; len];
                bytes[at] = byte;
                assert_eq!(
                    needs_escape(&bytes),
                    escaped,
                    "byte {byte:#x} at {at} of {len}"
                );
            }
        }
    }
    let mut out = Vec::new();
    write_str(&mut out, "plain");
    write_str(&mut out, "a\"b");
    assert_eq!(out, br#""plain""a\"b""#);
}

#[derive(Serialize)]
struct Unit;

#[derive(Serialize)]
struct Newtype(String);

#[derive(Serialize)]
struct Tuple(u8, String, Option<i32>);

#[derive(Serialize)]
enum Shape {
    Plain,
    Newtype(String),
    Tuple(i64, f64),
    EmptyTuple(),
    Struct { id: String, tags: Vec<String> },
    EmptyStruct {},
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    ticket_id: String,
    title: Newtype,
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<String>,
    count: u64,
    signed: i64,
    ratio: f64,
    flag: bool,
    letter: char,
    big: i128,
    huge: u128,
    unit: (),
    unit_struct: Unit,
    tuple: Tuple,
    shapes: Vec<Shape>,
    nested: Vec<Vec<Option<String>>>,
    empty: Vec<u8>,
    #[serde(with = "bytes")]
    raw_bytes: Vec<u8>,
    by_name: BTreeMap<String, u32>,
    by_number: BTreeMap<u32, String>,
    by_signed: BTreeMap<i64, bool>,
    by_flag: BTreeMap<bool, u8>,
    by_letter: BTreeMap<char, u8>,
    empty_map: HashMap<String, String>,
    value: serde_json::Value,
    raw: Box<RawValue>,
}

/// Serializes bytes with `serialize_bytes` (serde's derive writes a `Vec<u8>`
/// as a sequence).
mod bytes {
    pub fn serialize<S: serde::Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(bytes)
    }
}

#[test]
fn every_shape_of_the_data_model() {
    let payload = Payload {
        ticket_id: "7c0e8a3e-2f4b-4f5c-9a47-0f3b8e1d2c6a".into(),
        title: Newtype("A \"quoted\"\ntitle".into()),
        skipped: None,
        count: u64::MAX,
        signed: i64::MIN,
        ratio: -0.1,
        flag: true,
        letter: '"',
        big: i128::MIN,
        huge: u128::MAX,
        unit: (),
        unit_struct: Unit,
        tuple: Tuple(7, "x".into(), None),
        shapes: vec![
            Shape::Plain,
            Shape::Newtype("n".into()),
            Shape::Tuple(-3, 2.5e300),
            Shape::EmptyTuple(),
            Shape::Struct {
                id: "s".into(),
                tags: vec!["a".into(), "b\\".into()],
            },
            Shape::EmptyStruct {},
        ],
        nested: vec![vec![], vec![Some("deep".into()), None]],
        empty: Vec::new(),
        raw_bytes: vec![0, 1, 255],
        by_name: [("b".to_owned(), 2), ("a\u{1}".to_owned(), 1)].into(),
        by_number: [(10, "ten".to_owned()), (2, "two".to_owned())].into(),
        by_signed: [(-5, true)].into(),
        by_flag: [(false, 0), (true, 1)].into(),
        by_letter: [('k', 1)].into(),
        empty_map: HashMap::new(),
        value: json!({"z": [1, 2.5, null, "s", {"k": false}], "a": {}}),
        raw: RawValue::from_string(r#"{"kept": [1, 2] }"#.to_owned()).expect("raw"),
    };
    same(&payload);
    same(&payload.shapes);
    same(&[f64::NAN, f64::INFINITY, -0.0, 1e-7]);
    same(&Some(Unit));
    same(&(1, "two", [3.0f32]));
}

#[test]
fn what_serde_json_refuses_is_refused() {
    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    struct Point {
        x: i32,
    }
    let by_point: BTreeMap<Point, u8> = [(Point { x: 1 }, 1)].into();
    assert!(serde_json::to_vec(&by_point).is_err());
    assert!(to_writer(&mut Vec::new(), &by_point).is_err());
}

/// A `Serialize` that announces no elements and then writes one: serde_json
/// closes the compound at the announcement, and so does the writer.
struct Lying;

impl Serialize for Lying {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let mut outer = serializer.serialize_seq(Some(0))?;
        outer.serialize_element(&LyingStruct)?;
        outer.end()
    }
}

struct LyingStruct;

impl Serialize for LyingStruct {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let mut object = serializer.serialize_struct("LyingStruct", 0)?;
        object.serialize_field("a", &1)?;
        object.end()
    }
}

#[test]
fn a_length_announced_as_zero_closes_at_once() {
    same(&Lying);
    same(&LyingStruct);
}
