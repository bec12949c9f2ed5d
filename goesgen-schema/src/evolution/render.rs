//! How a [`Change`] is shown: as a [`SchemaError`] rendered like every
//! other schema error (file, line, caret, hint), so `goesgen diff` and
//! `include_schema!`'s baseline check print it alike.

use super::{Change, Side};
use crate::error::{Rule, SchemaError};

impl Change {
    /// The change as a [`SchemaError`] (rule [`Rule::Evolution`]), rendered
    /// like every other schema error: file, line and column, the line of
    /// `old_source` or `new_source` (the one the change is located in),
    /// a caret, and the hint. The message starts with the classification.
    pub fn to_error(&self, old_source: &str, new_source: &str) -> SchemaError {
        let source = match self.side {
            Side::Old => old_source,
            Side::New => new_source,
        };
        let line_text = source
            .lines()
            .nth(self.at.line.saturating_sub(1))
            .unwrap_or_default()
            .to_string();
        let width = if self.width > 0 {
            self.width
        } else {
            entry_width(&line_text, self.at.column)
        };
        SchemaError {
            file: self.file.clone(),
            at: self.at,
            path: self.path.clone(),
            message: format!("{} change: {}", self.class, self.message),
            hint: self.hint.clone(),
            line_text,
            width,
            rule: Rule::Evolution,
        }
    }
}

/// The width of what is written from `column` to the end of the line,
/// without a trailing comment or spaces.
fn entry_width(line: &str, column: usize) -> usize {
    let rest: String = line.chars().skip(column.saturating_sub(1)).collect();
    let rest = match rest.find(" #") {
        Some(comment) => &rest[..comment],
        None => &rest,
    };
    rest.trim_end().chars().count().max(1)
}
