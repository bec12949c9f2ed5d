//! The JSON shape of a Rust type, as far as it can be known without
//! compiling: what `goesgen log verify --schema` checks payloads against and
//! what the schema checks a property's `default` against.
//!
//! Known: `bool` (a boolean), the integers (an integer in the type's range;
//! `u128`/`i128` only up to 64 bits), `f32`/`f64` (a number), `char` (a
//! one-character string), `String` (a string), `Vec<T>` and arrays `[T; N]`
//! (an array of `T`, of `N` items), tuples (an array of the items), `()`
//! (null), `Option<T>` (null, absent, or `T`), `Box<T>` (`T`); and the same
//! names under `std::`/`core::`/`alloc::`. Every other type (the user's
//! own, `crate::id::User`, and other library types) may hold any JSON value:
//! its `Deserialize` is unknown here ([`JsonShape::Any`]).

use serde_json::Value;

/// The JSON a Rust type serialises to, as far as it is known.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonShape {
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
    Seq(Box<JsonShape>, Option<usize>),
    /// A tuple.
    Tuple(Vec<JsonShape>),
    /// `Option<T>`.
    Option(Box<JsonShape>),
}

impl JsonShape {
    /// The shape of the Rust type `rust` (the schema's resolved text);
    /// [`JsonShape::Any`] for what this reader does not know.
    pub fn of(rust: &str) -> JsonShape {
        let tokens = tokens(rust);
        let mut at = 0;
        match parse(&tokens, &mut at, 0) {
            Some(shape) if at == tokens.len() => shape,
            _ => JsonShape::Any,
        }
    }

    /// Whether all of it is known (no [`JsonShape::Any`] anywhere inside):
    /// then a value it [accepts](JsonShape::accepts) decodes as the type.
    pub fn known(&self) -> bool {
        match self {
            JsonShape::Any => false,
            JsonShape::Seq(item, _) | JsonShape::Option(item) => item.known(),
            JsonShape::Tuple(items) => items.iter().all(JsonShape::known),
            _ => true,
        }
    }

    /// Whether a record may lack it (`Option<..>`).
    pub fn optional(&self) -> bool {
        matches!(self, JsonShape::Option(_))
    }

    /// `Ok` when `value` has this shape, else what was expected.
    pub fn accepts(&self, value: &Value) -> Result<(), String> {
        let ok = match self {
            JsonShape::Any => true,
            JsonShape::Null => value.is_null(),
            JsonShape::Bool => value.is_boolean(),
            JsonShape::Int(signed, bits) => int_fits(value, *signed, *bits),
            JsonShape::Float => value.is_number(),
            JsonShape::Char => value.as_str().is_some_and(|s| s.chars().count() == 1),
            JsonShape::Str => value.is_string(),
            JsonShape::Option(inner) => {
                return if value.is_null() {
                    Ok(())
                } else {
                    inner.accepts(value).map_err(|_| self.describe())
                };
            }
            JsonShape::Seq(item, len) => {
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
            JsonShape::Tuple(items) => {
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

    /// What it expects, in words ("a string").
    pub fn describe(&self) -> String {
        match self {
            JsonShape::Any => "anything".to_string(),
            JsonShape::Null => "null".to_string(),
            JsonShape::Bool => "a boolean".to_string(),
            JsonShape::Int(signed, bits) => format!(
                "an integer that fits {}{bits}",
                if *signed { "i" } else { "u" }
            ),
            JsonShape::Float => "a number".to_string(),
            JsonShape::Char => "a string of one character".to_string(),
            JsonShape::Str => "a string".to_string(),
            JsonShape::Seq(item, None) => format!("an array of {}", item.describe()),
            JsonShape::Seq(item, Some(len)) => {
                format!("an array of {len} items, each {}", item.describe())
            }
            JsonShape::Tuple(items) => format!("an array of {} items", items.len()),
            JsonShape::Option(inner) => format!("null or {}", inner.describe()),
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

fn parse(tokens: &[String], at: &mut usize, depth: usize) -> Option<JsonShape> {
    if depth > MAX_DEPTH {
        return None;
    }
    let token = tokens.get(*at)?.as_str();
    match token {
        "(" => {
            *at += 1;
            let items = list(tokens, at, ")", depth)?;
            Some(match items.len() {
                0 => JsonShape::Null,
                _ => JsonShape::Tuple(items),
            })
        }
        "[" => {
            *at += 1;
            let item = parse(tokens, at, depth + 1)?;
            expect(tokens, at, ";")?;
            let len = tokens.get(*at)?.parse::<usize>().ok()?;
            *at += 1;
            expect(tokens, at, "]")?;
            Some(JsonShape::Seq(Box::new(item), Some(len)))
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
fn list(tokens: &[String], at: &mut usize, close: &str, depth: usize) -> Option<Vec<JsonShape>> {
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
fn path_shape(segments: &[String], mut args: Vec<JsonShape>) -> JsonShape {
    let standard = segments.len() == 1
        || segments
            .first()
            .is_some_and(|first| matches!(first.as_str(), "std" | "core" | "alloc"));
    let Some(last) = segments.last().filter(|_| standard) else {
        return JsonShape::Any;
    };
    let first_arg = |args: &mut Vec<JsonShape>| {
        if args.len() == 1 { args.pop() } else { None }
    };
    match (last.as_str(), args.is_empty()) {
        ("bool", true) => JsonShape::Bool,
        ("char", true) => JsonShape::Char,
        ("String" | "str", true) => JsonShape::Str,
        ("f32" | "f64", true) => JsonShape::Float,
        ("Vec", false) => {
            first_arg(&mut args).map_or(JsonShape::Any, |item| JsonShape::Seq(Box::new(item), None))
        }
        ("Option", false) => {
            first_arg(&mut args).map_or(JsonShape::Any, |item| JsonShape::Option(Box::new(item)))
        }
        ("Box", false) => first_arg(&mut args).unwrap_or(JsonShape::Any),
        (name, true) => int(name).unwrap_or(JsonShape::Any),
        _ => JsonShape::Any,
    }
}

fn int(name: &str) -> Option<JsonShape> {
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
    Some(JsonShape::Int(signed, bits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_the_shapes_of_resolved_types() {
        assert_eq!(JsonShape::of("u8"), JsonShape::Int(false, 8));
        assert_eq!(JsonShape::of("crate::id::User"), JsonShape::Any);
        assert_eq!(
            JsonShape::of("Option<Vec<String>>"),
            JsonShape::Option(Box::new(JsonShape::Seq(Box::new(JsonShape::Str), None)))
        );
        assert_eq!(
            JsonShape::of("(u8, crate::X)"),
            JsonShape::Tuple(vec![JsonShape::Int(false, 8), JsonShape::Any])
        );
        assert_eq!(
            JsonShape::of("[bool; 2]"),
            JsonShape::Seq(Box::new(JsonShape::Bool), Some(2))
        );
        assert_eq!(JsonShape::of("::std::string::String"), JsonShape::Str);
        assert_eq!(JsonShape::of("()"), JsonShape::Null);
        assert_eq!(JsonShape::of("Result<u8, String>"), JsonShape::Any);
        assert_eq!(JsonShape::of("Vec<"), JsonShape::Any);
    }

    #[test]
    fn a_shape_is_known_when_nothing_inside_is_any() {
        for known in ["u8", "Vec<Option<String>>", "(u8, bool)", "[char; 2]", "()"] {
            assert!(JsonShape::of(known).known(), "{known}");
        }
        for unknown in [
            "crate::X",
            "Vec<crate::X>",
            "(u8, crate::X)",
            "Option<[crate::X; 1]>",
        ] {
            assert!(!JsonShape::of(unknown).known(), "{unknown}");
        }
    }

    #[test]
    fn accepts_values_of_the_shape_only() {
        let u8 = JsonShape::of("u8");
        assert!(u8.accepts(&json!(255)).is_ok());
        assert!(u8.accepts(&json!(256)).is_err());
        assert!(u8.accepts(&json!(-1)).is_err());
        assert!(u8.accepts(&json!("1")).is_err());
        let i16 = JsonShape::of("i16");
        assert!(i16.accepts(&json!(-32768)).is_ok());
        assert!(i16.accepts(&json!(-32769)).is_err());
        assert!(JsonShape::of("i64").accepts(&json!(u64::MAX)).is_err());
        assert!(JsonShape::of("u64").accepts(&json!(u64::MAX)).is_ok());
        assert!(JsonShape::of("f64").accepts(&json!(1.5)).is_ok());
        assert!(JsonShape::of("char").accepts(&json!("ab")).is_err());
        let vec = JsonShape::of("Vec<Option<bool>>");
        assert!(vec.accepts(&json!([true, null])).is_ok());
        assert_eq!(
            vec.accepts(&json!([true, 1])).unwrap_err(),
            "null or a boolean at index 1"
        );
        assert!(JsonShape::of("[u8; 2]").accepts(&json!([1, 2, 3])).is_err());
        assert!(
            JsonShape::of("crate::Anything")
                .accepts(&json!({"x": [1]}))
                .is_ok()
        );
    }
}
