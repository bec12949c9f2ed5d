//! Schema errors and how they read: [`SchemaError`] is one located problem,
//! [`SchemaErrors`] all problems of one schema, in file order. Their
//! `Display` is the text a user sees (the proc macro prints it verbatim in a
//! compile error), so it is rendered like rustc's messages: a header with
//! file, line and column, the offending source line, a caret under the
//! offending token, and a hint where there is one.

use std::fmt;

use crate::model::Location;

/// The rule of the schema language (`docs/schema.md`, "Rules") an error
/// breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// 1. Not valid YAML, or a key written twice in one mapping.
    Yaml,
    /// 2. An unknown key.
    UnknownKey,
    /// 3. A name that is not PascalCase / camelCase, or that cannot be a Rust
    ///    identifier at all (`Self`).
    NameCase,
    /// 4. A type reference that is neither a dotted goesgen reference nor a
    ///    Rust type.
    TypeRef,
    /// 5. A transition not of the form `From -> To`.
    TransitionSyntax,
    /// 6. A property or method comment whose first line does not start with
    ///    its name.
    DocComment,
    /// 7. An illegal method `type`.
    MethodType,
    /// 8. No events, no services, or a service without methods.
    Missing,
    /// 9. A projection without states, or a state listed twice.
    States,
    /// 10. `createOn` missing or naming an undefined event.
    CreateOn,
    /// 11. A transition on an undefined event, from or to an undefined state,
    ///     listed twice, or listing no moves.
    Transition,
    /// 12. The `createOn` event also used in the projection's transitions.
    CreateOnTransition,
    /// 13. A service naming an undefined projection, or one twice.
    ServiceProjection,
    /// 14. A method emitting an undefined event, or one twice.
    Emits,
    /// 15. `readonly` with emits; `append`/`transaction` without.
    MethodKind,
    /// 16. An event nothing refers to.
    UnusedEvent,
    /// 17. Two names that become the same Rust identifier.
    NameCollision,
    /// 18. A migration declaration (a property's `default` or `was`, an
    ///     event's `was` or `upcast`) that cannot apply: a default that is
    ///     not of the property's type, a former name still in use or
    ///     claimed twice, an upcaster that is not a path from the crate
    ///     root.
    Migration,
    /// 19. Personal data that cannot be sealed or forgotten: a personal
    ///     property on an event without exactly one subject, a subject
    ///     that is itself personal, optional or not an id type (`id.X`),
    ///     or a subject on an event without personal data.
    Personal,
    /// A value of the wrong YAML kind (a list where a mapping is expected, a
    /// mapping where a name is expected...). Not numbered in
    /// `docs/schema.md`: it is the "what was expected" of the schema's shape.
    Shape,
    /// A change against a baseline schema that breaks events already in a
    /// log (see [`evolution`](crate::evolution)). Not numbered in
    /// `docs/schema.md`: it is no rule of one schema but of two versions.
    Evolution,
}

impl Rule {
    /// The rule's number in `docs/schema.md`, `None` for [`Rule::Shape`] and
    /// [`Rule::Evolution`].
    pub fn number(self) -> Option<u8> {
        Some(match self {
            Rule::Yaml => 1,
            Rule::UnknownKey => 2,
            Rule::NameCase => 3,
            Rule::TypeRef => 4,
            Rule::TransitionSyntax => 5,
            Rule::DocComment => 6,
            Rule::MethodType => 7,
            Rule::Missing => 8,
            Rule::States => 9,
            Rule::CreateOn => 10,
            Rule::Transition => 11,
            Rule::CreateOnTransition => 12,
            Rule::ServiceProjection => 13,
            Rule::Emits => 14,
            Rule::MethodKind => 15,
            Rule::UnusedEvent => 16,
            Rule::NameCollision => 17,
            Rule::Migration => 18,
            Rule::Personal => 19,
            Rule::Shape | Rule::Evolution => return None,
        })
    }
}

/// One problem in a schema, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// The file name, as given to [`parse`](crate::parse).
    pub file: String,
    /// Line and column (1-based) of the offending entry.
    pub at: Location,
    /// Where in the schema: `services.Tickets.methods.CloseTicket.emits[1]`
    /// (empty for the document as a whole).
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
    /// A suggestion: the closest defined name, the defined names, the valid
    /// keys.
    pub hint: Option<String>,
    /// The offending source line, verbatim (without its line break).
    pub line_text: String,
    /// How many characters the caret underlines (at least 1).
    pub width: usize,
    /// The rule broken.
    pub rule: Rule,
}

impl SchemaError {
    /// The rule broken.
    pub fn rule(&self) -> Rule {
        self.rule
    }
}

/// A place as a message says it: `line 4, column 7`.
pub(crate) fn place(at: Location) -> String {
    format!("line {}, column {}", at.line, at.column)
}

/// Tab stops used when a source line is shown: a tab is shown as this many
/// spaces, so the caret stays under the token.
const TAB: &str = "    ";

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.at.line, self.at.column, self.message
        )?;
        if !self.path.is_empty() {
            write!(f, " in {}", self.path)?;
        }
        let number = self.at.line.to_string();
        let gutter = " ".repeat(number.len());
        writeln!(f)?;
        writeln!(f, "{gutter} |")?;
        let mut shown = String::new();
        let mut pad = String::new();
        let mut underline = 0;
        let start = self.at.column.max(1) - 1;
        let width = self.width.max(1);
        for (i, c) in self.line_text.chars().enumerate() {
            let cells = if c == '\t' { TAB.len() } else { 1 };
            if c == '\t' {
                shown.push_str(TAB);
            } else if c.is_control() {
                shown.push(' ');
            } else {
                shown.push(c);
            }
            if i < start {
                pad.push_str(&" ".repeat(cells));
            } else if i < start.saturating_add(width) {
                underline += cells;
            }
        }
        // A column past the end of the line (an error at the end of the
        // file): pad up to it, underline one character.
        let len = self.line_text.chars().count();
        if start > len {
            pad.push_str(&" ".repeat(start - len));
        }
        let underline = underline.max(1);
        writeln!(f, "{number} | {shown}")?;
        write!(f, "{gutter} | {pad}{}", "^".repeat(underline))?;
        if let Some(hint) = &self.hint {
            write!(f, "\n{gutter} = hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SchemaError {}

/// Every problem found in a schema, in file order (by line, then column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaErrors {
    errors: Vec<SchemaError>,
}

impl SchemaErrors {
    /// Wraps `errors`, putting them in file order (the order of errors at the
    /// same place is kept).
    pub fn new(mut errors: Vec<SchemaError>) -> Self {
        errors.sort_by_key(|e| e.at);
        SchemaErrors { errors }
    }

    /// The errors, in file order.
    pub fn iter(&self) -> std::slice::Iter<'_, SchemaError> {
        self.errors.iter()
    }

    /// How many errors.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors, in file order.
    pub fn into_vec(self) -> Vec<SchemaError> {
        self.errors
    }

    /// The errors, in file order.
    pub fn as_slice(&self) -> &[SchemaError] {
        &self.errors
    }
}

impl fmt::Display for SchemaErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                write!(f, "\n\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SchemaErrors {}

impl IntoIterator for SchemaErrors {
    type Item = SchemaError;
    type IntoIter = std::vec::IntoIter<SchemaError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl<'a> IntoIterator for &'a SchemaErrors {
    type Item = &'a SchemaError;
    type IntoIter = std::slice::Iter<'a, SchemaError>;

    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}
