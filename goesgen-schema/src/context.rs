//! The one place errors are collected while a schema is read and checked
//! (as serde_derive's `Ctxt`): every check reports here and goes on, so a
//! user sees all problems of a schema at once, in file order.

use crate::error::{Rule, SchemaError, SchemaErrors};
use crate::model::Location;
use crate::raw::{Spot, YamlError};

/// Collects the errors of one schema and knows its source lines (for the
/// snippet of each error, and for doc comments).
pub(crate) struct Context<'a> {
    file: &'a str,
    lines: Vec<&'a str>,
    errors: Vec<SchemaError>,
}

impl<'a> Context<'a> {
    /// A context for `source`, read from `file`.
    pub fn new(source: &'a str, file: &'a str) -> Self {
        Context {
            file,
            lines: lines(source),
            errors: Vec::new(),
        }
    }

    /// The source line `number` (1-based), without its line break; empty
    /// past the end.
    pub fn line(&self, number: usize) -> &'a str {
        number
            .checked_sub(1)
            .and_then(|i| self.lines.get(i))
            .copied()
            .unwrap_or("")
    }

    /// Reports an error at `spot`, in the schema entry `path`.
    pub fn error(
        &mut self,
        rule: Rule,
        spot: Spot,
        path: &str,
        message: impl Into<String>,
        hint: Option<String>,
    ) {
        self.errors.push(SchemaError {
            file: self.file.to_string(),
            at: spot.at,
            path: one_line(path),
            message: one_line(&message.into()),
            hint: hint.as_deref().map(one_line),
            line_text: self.line(spot.at.line).to_string(),
            width: spot.width.max(1),
            rule,
        });
    }

    /// Reports a YAML error (rule 1), at its place if the parser gave one.
    pub fn yaml_error(&mut self, error: &YamlError) {
        let at = error.at.unwrap_or(Location { line: 1, column: 1 });
        let message = format!("invalid YAML: {}", error.message);
        self.error(Rule::Yaml, Spot { at, width: 1 }, "", message, None);
    }

    /// `value` if no error was reported, else all errors in file order.
    /// (`None` without an error would be a bug of this crate: it is reported
    /// as such rather than lost.)
    pub fn finish<T>(mut self, value: Option<T>) -> Result<T, SchemaErrors> {
        match value {
            Some(value) if self.errors.is_empty() => Ok(value),
            None if self.errors.is_empty() => {
                let message = "internal error: the schema was not built, though no rule \
                               reported an error; please report this";
                let spot = Spot {
                    at: Location { line: 1, column: 1 },
                    width: 1,
                };
                self.error(Rule::Shape, spot, "", message, None);
                Err(SchemaErrors::new(self.errors))
            }
            _ => Err(SchemaErrors::new(self.errors)),
        }
    }
}

/// `text` on one line: a control character a name may hold (a quoted key
/// `"a\nb"`) is shown escaped, so each error stays one header line.
fn one_line(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The lines of `source`, split at YAML's line breaks (`\n`, `\r\n` and a
/// lone `\r`), without a leading byte order mark: so that lines and
/// columns agree with the YAML parser's.
fn lines(source: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    // A byte order mark is no column of the first line.
    let mut rest = source.strip_prefix('\u{feff}').unwrap_or(source);
    while let Some(end) = rest.find(['\n', '\r']) {
        lines.push(&rest[..end]);
        let skip = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + skip..];
    }
    lines.push(rest);
    lines
}

#[cfg(test)]
mod tests {
    use super::lines;

    #[test]
    fn lines_split_at_every_yaml_break() {
        assert_eq!(lines("a\nb\r\nc\rd"), ["a", "b", "c", "d"]);
        assert_eq!(lines(""), [""]);
        assert_eq!(lines("a\n"), ["a", ""]);
        assert_eq!(lines("\r\r\n"), ["", "", ""]);
        assert_eq!(lines("\u{feff}a: b"), ["a: b"]);
    }

    #[test]
    fn messages_stay_on_one_line() {
        assert_eq!(super::one_line("key `a\nb`"), "key `a\\nb`");
        assert_eq!(super::one_line("plain"), "plain");
    }
}
