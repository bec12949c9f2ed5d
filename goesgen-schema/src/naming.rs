//! Names and their Rust forms: a schema name as written (`GetUserByID`,
//! `newDescription`), as a snake_case identifier (`get_user_by_id`,
//! `new_description`), and as a raw identifier where it is a Rust keyword
//! (`r#type`).

use crate::model::Location;

/// A name written in the schema, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The name exactly as written: the type name of events, projections,
    /// states and services; the wire name of properties.
    pub text: String,
    /// Where it is written.
    pub at: Location,
}

impl Name {
    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The name in snake_case: `GetUserByID` is `get_user_by_id`,
    /// `newDescription` is `new_description`.
    pub fn snake(&self) -> String {
        snake_case(&self.text)
    }

    /// The snake_case name as a Rust identifier: a raw identifier where it is
    /// a keyword (`r#type`, `r#move`).
    pub fn ident(&self) -> String {
        ident(&self.snake())
    }
}

impl std::fmt::Display for Name {
    /// The name as written.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// `text` in snake_case. A run of capitals is one word (`HTTPServer` is
/// `http_server`, `ByID` is `by_id`), digits stay with the word before them.
pub fn snake_case(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1).copied();
            let starts_word = match prev {
                None | Some('_') => false,
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                Some(_) => false,
            };
            if starts_word {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The name of the store hook that forgets the data subjects of kind
/// `kind` (`forget_user` for `User`, `forget_user_id` for `UserID`).
pub fn forget_hook(kind: &str) -> String {
    format!("forget_{}", snake_case(kind))
}

/// `snake` as a Rust identifier: raw (`r#type`) where it is a keyword that
/// may be raw. `self`, `super`, `crate` and `Self` cannot be raw identifiers;
/// they get a trailing underscore (`self_`).
pub fn ident(snake: &str) -> String {
    if NON_RAW_KEYWORDS.contains(&snake) {
        format!("{snake}_")
    } else if is_keyword(snake) {
        format!("r#{snake}")
    } else {
        snake.to_string()
    }
}

/// Whether `word` is a Rust keyword (strict or reserved, any edition).
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// Keywords that cannot be written as raw identifiers.
const NON_RAW_KEYWORDS: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Strict and reserved keywords of all editions up to 2024 (weak keywords
/// such as `union` are valid identifiers and not listed).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "try",
    "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_splits_words_and_acronyms() {
        assert_eq!(snake_case("GetUserByID"), "get_user_by_id");
        assert_eq!(snake_case("GetUserById"), "get_user_by_id");
        assert_eq!(snake_case("newDescription"), "new_description");
        assert_eq!(snake_case("new_description"), "new_description");
        assert_eq!(snake_case("HTTPServer"), "http_server");
        assert_eq!(snake_case("TicketCreated"), "ticket_created");
        assert_eq!(snake_case("E1"), "e1");
        assert_eq!(snake_case("prop1"), "prop1");
        assert_eq!(snake_case("Ticket2Closed"), "ticket2_closed");
    }

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(ident("type"), "r#type");
        assert_eq!(ident("move"), "r#move");
        assert_eq!(ident("title"), "title");
        assert_eq!(ident("self"), "self_");
    }
}
