//! Checking a payload against the schema's event properties, without the
//! generated code: each property's Rust type (as the schema resolved it)
//! is read as a JSON shape, and the payload must be an object with every
//! required property, each of its shape.
//!
//! What is checked: the built-in types of `docs/schema.md`, `bool` (a
//! boolean), the integers (an integer in the type's range; `u128`/`i128` only
//! up to 64 bits), `f32`/`f64` (a number), `char` (a one-character string),
//! `String` (a string), `Vec<T>` and arrays `[T; N]` (an array of `T`, of `N`
//! items), tuples (an array of the items), `()` (null), `Option<T>` (null,
//! absent, or `T`), `Box<T>` (`T`); and the same names under
//! `std::`/`core::`/`alloc::`.
//!
//! What cannot be: every other type (the user's own, `crate::id::User`,
//! and other library types) may hold any JSON value, since its
//! `Deserialize` is unknown here; a property not `Option<..>` must still be
//! present. Properties the schema does not declare are allowed (decoders
//! ignore them).

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use crate::error::CliError;
use crate::schema_file::SchemaFile;

/// The expected shape of each event's payload, by kind.
pub struct EventShapes {
    events: HashMap<String, Vec<(String, Shape)>>,
}

impl EventShapes {
    /// The shapes of the events of the schema at `path` (which must be
    /// valid).
    pub fn read(path: &Path) -> Result<Self, CliError> {
        let schema = SchemaFile::read(path)?.valid()?;
        Ok(EventShapes {
            events: schema
                .events
                .iter()
                .map(|event| {
                    let properties = event
                        .properties
                        .iter()
                        .map(|p| (p.name.text.clone(), Shape::of(&p.ty.rust)))
                        .collect();
                    (event.name.text.clone(), properties)
                })
                .collect(),
        })
    }

    /// What is wrong with `payload` (an object) as an event of `kind`:
    /// `None` when the schema has no such event, else the problems (none
    /// when it matches).
    pub fn check(&self, kind: &str, payload: &Value) -> Option<Vec<String>> {
        let properties = self.events.get(kind)?;
        let mut problems = Vec::new();
        for (name, shape) in properties {
            match payload.get(name) {
                None if shape.optional() => {}
                None => problems.push(format!("required property `{name}` is missing")),
                Some(value) => {
                    if let Err(expected) = shape.accepts(value) {
                        problems.push(format!(
                            "property `{name}`: expected {expected}, found {}",
                            short(value)
                        ));
                    }
                }
            }
        }
        Some(problems)
    }
}

/// A value as a message shows it, cut after 60 characters.
fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

/// The JSON a Rust type serialises to, as far as it is known.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// Unknown (a user's type): anything.
    Any,
    /// `()`.
    Null,
    /// `bool`.
    Bool,
    /// An integer type: signed, and its bits (128 checked as 64).
    Int(bool, u32),
    /// `f32`, `f64`.
    Float,
    /// `char`.
    Char,
    /// `String`, `str`.
    Str,
    /// `Vec<T>` or `[T; N]` (with `N`).
    Seq(Box<Shape>, Option<usize>),
    /// A tuple.
    Tuple(Vec<Shape>),
    /// `Option<T>`.
    Option(Box<Shape>),
}

impl Shape {
    /// The shape of the Rust type `rust` (the schema's resolved text);
    /// [`Shape::Any`] for what this reader does not know.
    fn of(rust: &str) -> Shape {
        let tokens = tokens(rust);
        let mut at = 0;
        match parse(&tokens, &mut at, 0) {
            Some(shape) if at == tokens.len() => shape,
            _ => Shape::Any,
        }
    }

    fn optional(&self) -> bool {
        matches!(self, Shape::Option(_))
    }

    /// `Ok` when `value` has this shape, else what was expected.
    fn accepts(&self, value: &Value) -> Result<(), String> {
        let ok = match self {
            Shape::Any => true,
            Shape::Null => value.is_null(),
            Shape::Bool => value.is_boolean(),
            Shape::Int(signed, bits) => int_fits(value, *signed, *bits),
            Shape::Float => value.is_number(),
            Shape::Char => value.as_str().is_some_and(|s| s.chars().count() == 1),
            Shape::Str => value.is_string(),
            Shape::Option(inner) => {
                return if value.is_null() {
                    Ok(())
                } else {
                    inner.accepts(value).map_err(|_| self.describe())
                };
            }
            Shape::Seq(item, len) => {
                let Some(items) = value.as_array() else {
                    return Err(self.describe());
                };
                if len.is_some_and(|len| len != items.len()) {
                    return Err(self.describe());
                }
                for (i, value) in items.iter().enumerate() {
                    item.accepts(value)
                        .map_err(|expected| format!("{expected} at index {i}"))?;
                }
                true
            }
            Shape::Tuple(items) => {
                let Some(values) = value.as_array() else {
                    return Err(self.describe());
                };
                if values.len() != items.len() {
                    return Err(self.describe());
                }
                for (i, (shape, value)) in items.iter().zip(values).enumerate() {
                    shape
                        .accepts(value)
                        .map_err(|expected| format!("{expected} at index {i}"))?;
                }
                true
            }
        };
        if ok { Ok(()) } else { Err(self.describe()) }
    }

    fn describe(&self) -> String {
        match self {
            Shape::Any => "anything".to_string(),
            Shape::Null => "null".to_string(),
            Shape::Bool => "a boolean".to_string(),
            Shape::Int(signed, bits) => format!(
                "an integer that fits {}{bits}",
                if *signed { "i" } else { "u" }
            ),
            Shape::Float => "a number".to_string(),
            Shape::Char => "a string of one character".to_string(),
            Shape::Str => "a string".to_string(),
            Shape::Seq(item, None) => format!("an array of {}", item.describe()),
            Shape::Seq(item, Some(len)) => {
                format!("an array of {len} items, each {}", item.describe())
            }
            Shape::Tuple(items) => format!("an array of {} items", items.len()),
            Shape::Option(inner) => format!("null or {}", inner.describe()),
        }
    }
}

fn int_fits(value: &Value, signed: bool, bits: u32) -> bool {
    let bits = bits.min(64);
    if let Some(n) = value.as_u64() {
        return if signed {
            bits == 64 && n <= i64::MAX as u64 || bits < 64 && n < 1 << (bits - 1)
        } else {
            bits == 64 || n < 1 << bits
        };
    }
    if let Some(n) = value.as_i64() {
        return signed && (bits == 64 || n >= -(1i64 << (bits - 1)));
    }
    false
}

/// The tokens of a resolved type: identifiers, integers, `::` and single
/// punctuation.
fn tokens(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' || c == '#' {
            let start = i;
            while chars
                .get(i)
                .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == '#')
            {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push("::".to_string());
            i += 2;
        } else {
            out.push(c.to_string());
            i += 1;
        }
    }
    out
}

/// Deepest nesting read.
const MAX_DEPTH: usize = 32;

fn parse(tokens: &[String], at: &mut usize, depth: usize) -> Option<Shape> {
    if depth > MAX_DEPTH {
        return None;
    }
    let token = tokens.get(*at)?.as_str();
    match token {
        "(" => {
            *at += 1;
            let items = list(tokens, at, ")", depth)?;
            Some(match items.len() {
                0 => Shape::Null,
                _ => Shape::Tuple(items),
            })
        }
        "[" => {
            *at += 1;
            let item = parse(tokens, at, depth + 1)?;
            expect(tokens, at, ";")?;
            let len = tokens.get(*at)?.parse::<usize>().ok()?;
            *at += 1;
            expect(tokens, at, "]")?;
            Some(Shape::Seq(Box::new(item), Some(len)))
        }
        _ => {
            let mut segments = Vec::new();
            if token == "::" {
                *at += 1;
            }
            loop {
                segments.push(tokens.get(*at)?.clone());
                *at += 1;
                if tokens.get(*at).map(String::as_str) == Some("::") {
                    *at += 1;
                } else {
                    break;
                }
            }
            let args = if tokens.get(*at).map(String::as_str) == Some("<") {
                *at += 1;
                list(tokens, at, ">", depth)?
            } else {
                Vec::new()
            };
            Some(path_shape(&segments, args))
        }
    }
}

/// Items separated by commas up to `close` (consumed); a trailing comma is
/// allowed.
fn list(tokens: &[String], at: &mut usize, close: &str, depth: usize) -> Option<Vec<Shape>> {
    let mut items = Vec::new();
    loop {
        if tokens.get(*at)? == close {
            *at += 1;
            return Some(items);
        }
        items.push(parse(tokens, at, depth + 1)?);
        match tokens.get(*at)?.as_str() {
            "," => *at += 1,
            t if t == close => {}
            _ => return None,
        }
    }
}

fn expect(tokens: &[String], at: &mut usize, token: &str) -> Option<()> {
    (tokens.get(*at)? == token).then(|| *at += 1)
}

/// The shape of a path type: a standard name alone or under
/// `std`/`core`/`alloc`; anything else is unknown.
fn path_shape(segments: &[String], mut args: Vec<Shape>) -> Shape {
    let standard = segments.len() == 1
        || segments
            .first()
            .is_some_and(|first| matches!(first.as_str(), "std" | "core" | "alloc"));
    let Some(last) = segments.last().filter(|_| standard) else {
        return Shape::Any;
    };
    let first_arg = |args: &mut Vec<Shape>| {
        if args.len() == 1 { args.pop() } else { None }
    };
    match (last.as_str(), args.is_empty()) {
        ("bool", true) => Shape::Bool,
        ("char", true) => Shape::Char,
        ("String" | "str", true) => Shape::Str,
        ("f32" | "f64", true) => Shape::Float,
        ("Vec", false) => {
            first_arg(&mut args).map_or(Shape::Any, |item| Shape::Seq(Box::new(item), None))
        }
        ("Option", false) => {
            first_arg(&mut args).map_or(Shape::Any, |item| Shape::Option(Box::new(item)))
        }
        ("Box", false) => first_arg(&mut args).unwrap_or(Shape::Any),
        (name, true) => int(name).unwrap_or(Shape::Any),
        _ => Shape::Any,
    }
}

fn int(name: &str) -> Option<Shape> {
    let (signed, bits) = name.split_at(1);
    let signed = match signed {
        "u" => false,
        "i" => true,
        _ => return None,
    };
    let bits = match bits {
        "size" => 64,
        bits => bits
            .parse::<u32>()
            .ok()
            .filter(|b| [8, 16, 32, 64, 128].contains(b))?,
    };
    Some(Shape::Int(signed, bits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_shapes_of_resolved_types() {
        assert_eq!(Shape::of("u8"), Shape::Int(false, 8));
        assert_eq!(Shape::of("crate::id::User"), Shape::Any);
        assert_eq!(
            Shape::of("Option<Vec<String>>"),
            Shape::Option(Box::new(Shape::Seq(Box::new(Shape::Str), None)))
        );
        assert_eq!(
            Shape::of("(u8, crate::X)"),
            Shape::Tuple(vec![Shape::Int(false, 8), Shape::Any])
        );
        assert_eq!(
            Shape::of("[bool; 2]"),
            Shape::Seq(Box::new(Shape::Bool), Some(2))
        );
        assert_eq!(Shape::of("::std::string::String"), Shape::Str);
        assert_eq!(Shape::of("()"), Shape::Null);
        assert_eq!(Shape::of("Result<u8, String>"), Shape::Any);
        assert_eq!(Shape::of("Vec<"), Shape::Any);
    }

    #[test]
    fn accepts_values_of_the_shape_only() {
        let u8 = Shape::of("u8");
        assert!(u8.accepts(&json!(255)).is_ok());
        assert!(u8.accepts(&json!(256)).is_err());
        assert!(u8.accepts(&json!(-1)).is_err());
        assert!(u8.accepts(&json!("1")).is_err());
        let i16 = Shape::of("i16");
        assert!(i16.accepts(&json!(-32768)).is_ok());
        assert!(i16.accepts(&json!(-32769)).is_err());
        assert!(Shape::of("i64").accepts(&json!(u64::MAX)).is_err());
        assert!(Shape::of("u64").accepts(&json!(u64::MAX)).is_ok());
        assert!(Shape::of("f64").accepts(&json!(1.5)).is_ok());
        assert!(Shape::of("char").accepts(&json!("ab")).is_err());
        let vec = Shape::of("Vec<Option<bool>>");
        assert!(vec.accepts(&json!([true, null])).is_ok());
        assert_eq!(
            vec.accepts(&json!([true, 1])).unwrap_err(),
            "null or a boolean at index 1"
        );
        assert!(Shape::of("[u8; 2]").accepts(&json!([1, 2, 3])).is_err());
        assert!(
            Shape::of("crate::Anything")
                .accepts(&json!({"x": [1]}))
                .is_ok()
        );
    }
}
