//! Type references (rule 4): a property's, `in`'s or `out`'s type, parsed
//! and resolved to the Rust type it stands for.
//!
//! Accepted, anywhere a type may stand (also inside generics):
//! - a dotted goesgen reference, `id.User` or `service.users.io.CreateUserIn`:
//!   modules below the crate root, so `crate::id::User`;
//! - a bare name, `TicketTitle`: `crate::TicketTitle`;
//! - a primitive (`u64`, `bool`, `char`...) or a prelude type (`String`,
//!   `Vec`, `Option`, `Box`, `Result`): as written;
//! - a Rust path, `crate::money::Cents`, `::uuid::Uuid`,
//!   `std::collections::BTreeMap`: as written;
//! - generics on the last segment, `Vec<id.User>`, `Option<String>`;
//!   tuples `(A, B)`, the unit type `()`, arrays `[u8; 32]`.
//!
//! `self::` and `super::` paths are refused: generated code lives in
//! sub-modules, so they would not mean what they seem to; write the path
//! from the crate root instead.

use crate::naming::is_keyword;

/// Primitive types and the prelude's types: a single-segment reference to
/// one of these is kept as written, any other is a type at the crate root.
const STD_NAMES: &[&str] = &[
    "bool", "char", "str", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64",
    "i128", "isize", "f32", "f64", "String", "Vec", "Option", "Box", "Result",
];

/// Deepest nesting of generics, tuples and arrays accepted.
const MAX_DEPTH: usize = 32;

/// Why a type reference is not one, and where in it (in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TypeError {
    /// Characters before the offending part.
    pub offset: usize,
    /// Width of the offending part, in characters.
    pub width: usize,
    /// What is wrong.
    pub message: String,
}

/// The Rust type `written` stands for, as Rust source text.
pub(crate) fn resolve(written: &str) -> Result<String, TypeError> {
    let tokens = tokenize(written)?;
    let end = written.chars().count();
    let mut parser = Parser {
        tokens,
        next: 0,
        end,
    };
    if parser.tokens.is_empty() {
        return Err(TypeError {
            offset: 0,
            width: 1,
            message: "the type is empty".to_string(),
        });
    }
    let ty = parser.ty(0)?;
    if let Some(token) = parser.peek() {
        return Err(token.unexpected("after the type"));
    }
    let mut out = String::with_capacity(written.len() + 8);
    ty.render(&mut out);
    Ok(out)
}

/// A lexical token of a type reference.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    kind: TokenKind,
    text: String,
    offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    Ident,
    Int,
    Punct,
}

impl Token {
    fn width(&self) -> usize {
        self.text.chars().count().max(1)
    }

    fn is(&self, punct: &str) -> bool {
        self.kind == TokenKind::Punct && self.text == punct
    }

    fn unexpected(&self, context: &str) -> TypeError {
        TypeError {
            offset: self.offset,
            width: self.width(),
            message: format!("unexpected `{}` {context}", self.text),
        }
    }
}

fn tokenize(written: &str) -> Result<Vec<Token>, TypeError> {
    let chars: Vec<char> = written.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let start = i;
        let (kind, len) = if c.is_whitespace() {
            i += 1;
            continue;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let len = chars[i..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .count();
            (TokenKind::Ident, len)
        } else if c.is_ascii_digit() {
            let len = chars[i..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                .count();
            (TokenKind::Int, len)
        } else if c == ':' {
            if chars.get(i + 1) != Some(&':') {
                return Err(TypeError {
                    offset: i,
                    width: 1,
                    message: "a single `:`: path segments are separated by `::` or `.`".to_string(),
                });
            }
            (TokenKind::Punct, 2)
        } else if "<>,()[];.".contains(c) {
            (TokenKind::Punct, 1)
        } else {
            return Err(TypeError {
                offset: i,
                width: 1,
                message: format!("`{c}` cannot appear in a type"),
            });
        };
        i += len;
        tokens.push(Token {
            kind,
            text: chars[start..i].iter().collect(),
            offset: start,
        });
    }
    Ok(tokens)
}

/// A parsed type.
#[derive(Debug)]
enum Ty {
    /// A path: `crate::id::User`, `id.User`, `Vec<T>`.
    Path {
        /// Written with a leading `::`.
        global: bool,
        /// Written with `.` separators (goesgen style).
        dotted: bool,
        /// Its segments.
        segments: Vec<String>,
        /// The generic arguments of its last segment.
        args: Vec<Ty>,
    },
    /// `(A, B)`; `()`.
    Tuple(Vec<Ty>),
    /// `[T; N]`.
    Array(Box<Ty>, String),
}

impl Ty {
    fn render(&self, out: &mut String) {
        match self {
            Ty::Path {
                global,
                dotted,
                segments,
                args,
            } => {
                let bare = !global && segments.len() == 1;
                let std = bare && segments.iter().all(|s| STD_NAMES.contains(&s.as_str()));
                if *dotted || (bare && !std) {
                    out.push_str("crate::");
                } else if *global {
                    out.push_str("::");
                }
                for (i, segment) in segments.iter().enumerate() {
                    if i > 0 {
                        out.push_str("::");
                    }
                    if *dotted && is_keyword(segment) {
                        out.push_str("r#");
                    }
                    out.push_str(segment);
                }
                if !args.is_empty() {
                    out.push('<');
                    render_list(args, out);
                    out.push('>');
                }
            }
            Ty::Tuple(items) => {
                out.push('(');
                render_list(items, out);
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Ty::Array(item, len) => {
                out.push('[');
                item.render(out);
                out.push_str("; ");
                out.push_str(len);
                out.push(']');
            }
        }
    }
}

fn render_list(items: &[Ty], out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        item.render(out);
    }
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    /// Length of the reference in characters (where "the end" is).
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.next)
    }

    fn bump(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.next).cloned();
        self.next += usize::from(token.is_some());
        token
    }

    fn eat(&mut self, punct: &str) -> bool {
        let found = self.peek().is_some_and(|t| t.is(punct));
        self.next += usize::from(found);
        found
    }

    /// An error at the end of the reference.
    fn at_end(&self, message: String) -> TypeError {
        TypeError {
            offset: self.end,
            width: 1,
            message,
        }
    }

    /// The next token, which must be `punct`.
    fn expect(&mut self, punct: &str, context: &str) -> Result<(), TypeError> {
        match self.bump() {
            Some(t) if t.is(punct) => Ok(()),
            Some(t) => Err(t.unexpected(&format!("{context}: expected `{punct}`"))),
            None => Err(self.at_end(format!("missing `{punct}` {context}"))),
        }
    }

    fn ty(&mut self, depth: usize) -> Result<Ty, TypeError> {
        let Some(token) = self.peek().cloned() else {
            return Err(self.at_end("a type is missing at the end".to_string()));
        };
        if depth > MAX_DEPTH {
            return Err(TypeError {
                offset: token.offset,
                width: token.width(),
                message: format!("types nested more than {MAX_DEPTH} deep"),
            });
        }
        if token.is("(") {
            self.next += 1;
            let items = self.list(")", "to close the tuple", depth)?;
            return Ok(Ty::Tuple(items));
        }
        if token.is("[") {
            self.next += 1;
            let item = self.ty(depth + 1)?;
            self.expect(";", "in the array type `[T; N]`")?;
            let len = match self.bump() {
                Some(t)
                    if t.kind == TokenKind::Int && t.text.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    t.text
                }
                Some(t) => return Err(t.unexpected("as an array length: expected a number")),
                None => return Err(self.at_end("missing the array length".to_string())),
            };
            self.expect("]", "to close the array type")?;
            return Ok(Ty::Array(Box::new(item), len));
        }
        self.path(depth)
    }

    /// Types separated by commas, up to `close` (a trailing comma allowed).
    fn list(&mut self, close: &str, context: &str, depth: usize) -> Result<Vec<Ty>, TypeError> {
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                return Ok(items);
            }
            if self.peek().is_none() {
                return Err(self.at_end(format!("missing `{close}` {context}")));
            }
            items.push(self.ty(depth + 1)?);
            if self.eat(",") {
                continue;
            }
            self.expect(close, context)?;
            return Ok(items);
        }
    }

    fn path(&mut self, depth: usize) -> Result<Ty, TypeError> {
        let global = self.eat("::");
        let mut segments: Vec<Token> = Vec::new();
        let mut separator: Option<Token> = None;
        loop {
            let segment = match self.bump() {
                Some(t) if t.kind == TokenKind::Ident => t,
                Some(t) => return Err(t.unexpected("where a name is expected")),
                None => return Err(self.at_end("a name is missing at the end".to_string())),
            };
            segments.push(segment);
            let Some(next) = self.peek().cloned() else {
                break;
            };
            if !(next.is("::") || next.is(".")) {
                break;
            }
            if let Some(first) = &separator
                && first.text != next.text
            {
                return Err(TypeError {
                    offset: next.offset,
                    width: next.width(),
                    message: format!(
                        "`{}` mixed with `{}`: write a dotted goesgen reference (`id.User`) \
                         or a Rust path (`crate::id::User`)",
                        next.text, first.text
                    ),
                });
            }
            separator = Some(next);
            self.next += 1;
        }
        let dotted = separator.as_ref().is_some_and(|s| s.is("."));
        if global && dotted {
            return Err(TypeError {
                offset: 0,
                width: 2,
                message: "a dotted goesgen reference cannot begin with `::`".to_string(),
            });
        }
        for (i, segment) in segments.iter().enumerate() {
            check_segment(segment, i, global, dotted, segments.len())?;
        }
        let mut args = Vec::new();
        if self.eat("<") {
            args = self.list(">", "to close the generic arguments", depth)?;
            if args.is_empty() {
                return Err(self.at_end("empty generic arguments `<>`".to_string()));
            }
        }
        Ok(Ty::Path {
            global,
            dotted,
            segments: segments.into_iter().map(|s| s.text).collect(),
            args,
        })
    }
}

/// Checks segment `i` of a path of `count` segments.
fn check_segment(
    segment: &Token,
    i: usize,
    global: bool,
    dotted: bool,
    count: usize,
) -> Result<(), TypeError> {
    let name = segment.text.as_str();
    let error = |message: String| TypeError {
        offset: segment.offset,
        width: segment.width(),
        message,
    };
    if name == "_" {
        return Err(error("`_` is not a type".to_string()));
    }
    match name {
        "self" | "super" | "Self" => {
            return Err(error(format!(
                "`{name}` cannot be used in a schema type: write the path from the crate root \
                 (`crate::...`) or a dotted reference (`id.User`)"
            )));
        }
        "crate" if dotted || global || i > 0 || count == 1 => {
            return Err(error(
                "`crate` can only begin a Rust path (`crate::id::User`)".to_string(),
            ));
        }
        "crate" => return Ok(()),
        _ => {}
    }
    if is_keyword(name) && !dotted {
        return Err(error(format!("`{name}` is a Rust keyword, not a type")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_each_form() {
        let ok = |w: &str| resolve(w).unwrap();
        assert_eq!(ok("id.User"), "crate::id::User");
        assert_eq!(ok("TicketTitle"), "crate::TicketTitle");
        assert_eq!(ok("u64"), "u64");
        assert_eq!(ok("::uuid::Uuid"), "::uuid::Uuid");
        assert_eq!(ok("Vec<id.User>"), "Vec<crate::id::User>");
        assert_eq!(ok("Result<u8,String>"), "Result<u8, String>");
        assert_eq!(ok("(u8, id.User)"), "(u8, crate::id::User)");
        assert_eq!(ok("[u8; 32]"), "[u8; 32]");
        assert_eq!(ok("type.Foo"), "crate::r#type::Foo");
    }

    #[test]
    fn rejects_non_types_with_place() {
        let err = |w: &str| resolve(w).unwrap_err();
        assert_eq!(err("id..User").offset, 3);
        assert_eq!(err("1abc").offset, 0);
        assert_eq!(err("Vec<").offset, 4);
        assert_eq!(err("foo bar").offset, 4);
        assert_eq!(err("").offset, 0);
        assert_eq!(err("a.b::C").offset, 3);
        assert_eq!(err("super::X").offset, 0);
        assert_eq!(err("Vec<>").offset, 5);
    }
}
