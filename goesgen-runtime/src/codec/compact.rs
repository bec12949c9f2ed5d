//! [`to_writer`]: serde_json's compact JSON, byte for byte, written faster
//! where payloads spend their time: strings.
//!
//! serde_json looks at a string one byte at a time, splitting it at every
//! step, to find what needs escaping; ids, names and titles make up most of
//! a payload, so that scan was the largest single cost of encoding an event.
//! Here a string is scanned sixteen bytes at a time and, when nothing in it
//! needs escaping (no `"`, `\` or control character, the usual case),
//! copied in one go. Everything else is serde_json's own: numbers, `null`,
//! byte arrays, strings that need escaping and map keys are written by
//! serde_json on the same buffer, and objects and arrays follow its compact
//! formatter's rules (including its handling of a length of zero), so the
//! output is the same as `serde_json::to_writer`'s (the tests compare the
//! two on every shape of serde's data model).

use serde::Serialize;
use serde::ser::{self, Error as _};
use serde_json::Error;

use crate::bytes::any_byte;

/// The name serde_json gives the struct that carries a `RawValue` (and, with
/// its `arbitrary_precision` feature, a `Number`): its one field is written
/// as it is, unquoted.
const RAW_PREFIX: &str = "$serde_json::private::";

/// Appends the compact JSON of `value` to `out`, as `serde_json::to_writer`
/// does (on error, `out` may hold part of it).
pub(crate) fn to_writer<T: ?Sized + Serialize>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    value.serialize(Writer { out })
}

/// Appends `text` as a JSON string.
pub(crate) fn write_str(out: &mut Vec<u8>, text: &str) {
    if needs_escape(text.as_bytes()) {
        // Writing into a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut *out, text);
        return;
    }
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text.as_bytes());
    out.push(b'"');
}

/// Whether serde_json escapes any of `bytes`: a quote, a backslash or a
/// control character below the space (it leaves DEL and non-ASCII as they
/// are).
fn needs_escape(bytes: &[u8]) -> bool {
    any_byte(bytes, |b| b < b' ' || b == b'"' || b == b'\\')
}

/// Writes `value` through serde_json itself, on the same buffer.
fn delegate<T: ?Sized + Serialize>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    serde_json::to_writer(out, value)
}

/// The serializer: a buffer to append to.
struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

/// Where a compound is: nothing written yet, one element written, or
/// closed at once because it was announced empty (serde_json's states).
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Empty,
    First,
    Rest,
}

/// An array or an object being written; `close_variant` when it is the
/// value of a `{"Variant": ...}` wrapper that its end closes too.
struct Compound<'a> {
    out: &'a mut Vec<u8>,
    state: State,
    close_variant: bool,
}

impl<'a> Compound<'a> {
    /// Opens with `open`; announced empty, closes at once with `close`.
    fn open(out: &'a mut Vec<u8>, open: u8, close: u8, len: Option<usize>) -> Self {
        out.push(open);
        let state = if len == Some(0) {
            out.push(close);
            State::Empty
        } else {
            State::First
        };
        Compound {
            out,
            state,
            close_variant: false,
        }
    }

    /// Opens `{"variant":` and then the compound, which its end closes too.
    fn variant(out: &'a mut Vec<u8>, variant: &str, open: u8, close: u8, len: usize) -> Self {
        open_variant(out, variant);
        Compound {
            close_variant: true,
            ..Compound::open(out, open, close, Some(len))
        }
    }

    /// The comma before every element but the first.
    fn separate(&mut self) {
        if self.state != State::First {
            self.out.push(b',');
        }
        self.state = State::Rest;
    }

    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.separate();
        value.serialize(Writer { out: self.out })
    }

    fn field<T: ?Sized + Serialize>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.separate();
        write_str(self.out, key);
        self.out.push(b':');
        value.serialize(Writer { out: self.out })
    }

    fn close(self, close: u8) -> Result<(), Error> {
        if self.state != State::Empty {
            self.out.push(close);
        }
        if self.close_variant {
            self.out.push(b'}');
        }
        Ok(())
    }
}

/// Opens `{"variant":` before a variant's content.
fn open_variant(out: &mut Vec<u8>, variant: &str) {
    out.push(b'{');
    write_str(out, variant);
    out.push(b':');
}

/// A struct being written: an object, or serde_json's raw value.
enum Struct<'a> {
    Object(Compound<'a>),
    Raw(&'a mut Vec<u8>),
}

/// A map being written: keys go through serde_json's own rules.
struct Map<'a>(Compound<'a>);

/// Serializer methods of values serde_json writes itself (numbers and
/// bools: nothing to gain over its own code).
macro_rules! delegated {
    ($($method:ident($ty:ty)),* $(,)?) => {$(
        fn $method(self, v: $ty) -> Result<(), Error> {
            delegate(self.out, &v)
        }
    )*};
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Map<'a>;
    type SerializeStruct = Struct<'a>;
    type SerializeStructVariant = Compound<'a>;

    delegated! {
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        // serde_json writes a byte string as the array of its numbers,
        // which is what a slice serializes to.
        delegate(self.out, v)
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        open_variant(self.out, variant);
        value.serialize(Writer {
            out: &mut *self.out,
        })?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(Compound::open(self.out, b'[', b']', len))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, Error> {
        Ok(Compound::variant(self.out, variant, b'[', b']', len))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Map<'a>, Error> {
        Ok(Map(Compound::open(self.out, b'{', b'}', len)))
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Struct<'a>, Error> {
        if name.starts_with(RAW_PREFIX) {
            return Ok(Struct::Raw(self.out));
        }
        Ok(Struct::Object(Compound::open(
            self.out,
            b'{',
            b'}',
            Some(len),
        )))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, Error> {
        Ok(Compound::variant(self.out, variant, b'{', b'}', len))
    }
}

/// The array-like compounds differ only in their trait and its method.
macro_rules! arrays {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.close(b']')
            }
        }
    )*};
}

arrays!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b'}')
    }
}

impl ser::SerializeStruct for Struct<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        match self {
            Struct::Object(object) => object.field(key, value),
            Struct::Raw(out) => write_raw(out, value),
        }
    }
    fn end(self) -> Result<(), Error> {
        match self {
            Struct::Object(object) => object.close(b'}'),
            Struct::Raw(_) => Ok(()),
        }
    }
}

/// Writes the text `value` serializes to as it is, as serde_json does for
/// the field of its raw value: taken back out of its JSON string (a rare
/// path: a payload holding a `RawValue`).
fn write_raw<T: ?Sized + Serialize>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    match serde_json::to_value(value)? {
        serde_json::Value::String(raw) => {
            out.extend_from_slice(raw.as_bytes());
            Ok(())
        }
        _ => Err(Error::custom("a raw JSON value must be a string")),
    }
}

impl ser::SerializeMap for Map<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        self.0.separate();
        write_key(self.0.out, key)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.0.out.push(b':');
        value.serialize(Writer { out: self.0.out })
    }
    fn end(self) -> Result<(), Error> {
        self.0.close(b'}')
    }
}

/// Writes a map key by serde_json's rules (a string as it is, a number or
/// a bool quoted, anything else refused): serde_json writes the key in a
/// one-entry object, and the key is cut out of it.
fn write_key<K: ?Sized + Serialize>(out: &mut Vec<u8>, key: &K) -> Result<(), Error> {
    struct OneEntry<'k, K: ?Sized>(&'k K);
    impl<K: ?Sized + Serialize> Serialize for OneEntry<'_, K> {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use ser::SerializeMap as _;
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry(self.0, &())?;
            map.end()
        }
    }
    const END: &[u8] = b":null}";
    let start = out.len();
    delegate(out, &OneEntry(key))?;
    out.truncate(out.len() - END.len());
    out.remove(start);
    Ok(())
}

#[cfg(test)]
mod tests;
