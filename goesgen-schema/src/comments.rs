//! Doc comments: the `#` lines written directly above an event, property,
//! projection, service or method key become its rustdoc. They are read from
//! the source text (the YAML parser drops a bare `#` line, which is a
//! paragraph break here). For a property or method the first line must
//! begin with its name (rule 6), and is capitalised: `# title is ...`
//! becomes `Title is ...`.

use crate::context::Context;
use crate::error::Rule;
use crate::model::{Doc, Location};
use crate::raw::{Spot, Text};

/// A comment line as found: its text (without `#` and one space) and where
/// its `#` is.
struct Line {
    text: String,
    spot: Spot,
}

/// The comment lines directly above the key `key` (none when another token
/// precedes the key on its line, as in a flow mapping).
fn above(key: &Text, cx: &Context<'_>) -> Vec<Line> {
    let line = cx.line(key.spot.at.line);
    let before: String = line
        .chars()
        .take(key.spot.at.column.saturating_sub(1))
        .collect();
    if !before.chars().all(char::is_whitespace) {
        return Vec::new();
    }
    let mut lines = Vec::new();
    let mut number = key.spot.at.line;
    while number > 1 {
        number -= 1;
        let text = cx.line(number);
        let trimmed = text.trim_start();
        let Some(comment) = trimmed.strip_prefix('#') else {
            break;
        };
        let comment = comment.strip_prefix(' ').unwrap_or(comment).trim_end();
        let column = text.chars().count() - trimmed.chars().count() + 1;
        lines.push(Line {
            text: comment.to_string(),
            spot: Spot {
                at: Location {
                    line: number,
                    column,
                },
                width: 1,
            },
        });
    }
    lines.reverse();
    lines
}

/// The doc comment of an event, projection or service: the lines as
/// written.
pub(crate) fn doc(key: &Text, cx: &Context<'_>) -> Doc {
    Doc {
        lines: above(key, cx).into_iter().map(|l| l.text).collect(),
    }
}

/// The doc comment of a property or method (`what`: "property"): its first
/// line must begin with the name (reported, rule 6, if not), which is then
/// capitalised.
pub(crate) fn named_doc(key: &Text, what: &str, path: &str, cx: &mut Context<'_>) -> Doc {
    let mut lines = above(key, cx);
    let name = key.text.as_str();
    if let Some(first) = lines.first_mut() {
        if begins_with_name(&first.text, name) {
            first.text = capitalise(&first.text);
        } else {
            let message = format!(
                "the comment of {what} `{name}` must begin with its name, \
                 found `# {}`",
                first.text
            );
            let hint = Some(format!("write `# {name} ...`"));
            cx.error(Rule::DocComment, first.spot, path, message, hint);
        }
    }
    Doc {
        lines: lines.into_iter().map(|l| l.text).collect(),
    }
}

/// Whether `text` begins with the word `name` (its first letter in either
/// case): `title is` and `Title is` begin with `title`, `titles` does not.
fn begins_with_name(text: &str, name: &str) -> bool {
    let mut text_chars = text.chars();
    let mut name_chars = name.chars();
    match (text_chars.next(), name_chars.next()) {
        (Some(t), Some(n)) if t.eq_ignore_ascii_case(&n) => {}
        _ => return false,
    }
    let rest = text_chars.as_str();
    let Some(after) = rest.strip_prefix(name_chars.as_str()) else {
        return false;
    };
    !after
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// `text` with its first letter in upper case.
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn begins_with_name_is_a_word_match() {
        assert!(begins_with_name("title is the headline", "title"));
        assert!(begins_with_name("Title is the headline", "title"));
        assert!(begins_with_name("title", "title"));
        assert!(begins_with_name("M1 does something", "M1"));
        assert!(!begins_with_name("titles are", "title"));
        assert!(!begins_with_name("the title", "title"));
        assert!(!begins_with_name("", "title"));
    }

    #[test]
    fn capitalises_first_letter() {
        assert_eq!(capitalise("title is"), "Title is");
        assert_eq!(capitalise(""), "");
        assert_eq!(capitalise("éa"), "Éa");
    }
}
