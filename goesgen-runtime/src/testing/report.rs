//! What a failed assertion of the test kit says, piece by piece: the call
//! ([`Call`]: the method, the given events, how many events it appended),
//! an event as the messages show it ([`Described`]: its type and its JSON
//! payload, the schema's property names), and an error with its `source()`
//! chain.

use std::error::Error;
use std::fmt::{self, Write as _};

use crate::codec::{EventKindSet, EventSet};

/// One call of a method as the failure messages name it.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    /// The method's name in the schema.
    pub method: &'static str,
    /// The given events, as [`Described`] shows them.
    pub given: Vec<String>,
    /// How many events the log took during the call.
    pub appended: u64,
}

impl Call {
    /// The message's head: `<Method>: <what went wrong>`, then the given
    /// events, one a line.
    pub fn headline(&self, what: &str) -> String {
        let mut out = format!("{}: {what}\n", self.method);
        if self.given.is_empty() {
            out.push_str("given: no events\n");
        } else {
            out.push_str("given:\n");
            list(&mut out, &self.given);
        }
        out
    }
}

/// Appends `items` to `out`, one a line, numbered from 1 and indented.
pub(crate) fn list(out: &mut String, items: &[impl fmt::Display]) {
    for (index, item) in items.iter().enumerate() {
        let _ = writeln!(out, "  {}. {item}", index + 1);
    }
}

/// An event as the messages show it: its type and its payload as JSON.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Described {
    /// The event's type.
    pub kind: &'static str,
    /// Its payload, or where it does not encode, the reason.
    pub payload: Result<serde_json::Value, String>,
}

impl fmt::Display for Described {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.payload {
            Ok(payload) => write!(f, "{} {payload}", self.kind),
            Err(error) => write!(f, "{} (does not encode: {error})", self.kind),
        }
    }
}

/// `event` as the messages show it.
pub(crate) fn describe<Ev: EventSet>(event: &Ev) -> Described {
    let mut bytes = Vec::new();
    let payload = event
        .write_payload(&mut bytes)
        .map_err(|error| error.to_string())
        .and_then(|()| serde_json::from_slice(&bytes).map_err(|error| error.to_string()));
    Described {
        kind: event.kind().name(),
        payload,
    }
}

/// `error` and its causes, one a line: `error: ..`, then `caused by: ..`
/// for each `source()`.
pub(crate) fn chain(error: &(dyn Error + 'static)) -> String {
    let mut out = format!("error: {error}\n");
    let mut cause = error.source();
    while let Some(error) = cause {
        let _ = writeln!(out, "  caused by: {error}");
        cause = error.source();
    }
    out
}
