//! Names: their case (rule 3: PascalCase for events, projections, states,
//! services and methods, camelCase for properties) and their Rust forms
//! (rule 17: two names of one namespace must not become the same Rust
//! identifier, as `GetUserByID` and `GetUserById` both become
//! `get_user_by_id`).
//!
//! `Self` is refused as a PascalCase name (rule 3): it cannot name a type or
//! an enum variant, not even as a raw identifier. Other Rust keywords are
//! fine: a property `type` becomes the field `r#type`, and `self`, `super`,
//! `crate` become `self_`, `super_`, `crate_` ([`crate::naming::ident`]).

use std::collections::HashMap;

use crate::context::Context;
use crate::error::{Rule, place};
use crate::naming::{ident, snake_case};
use crate::raw::Text;

/// Module names the generated code uses beside the services' modules: a
/// service must not become one of them.
pub(crate) const GENERATED_MODULES: &[&str] = &["events", "projections"];

/// Type names the generated code uses beside the events' own, in the
/// `events` module: an event must not be named like one of them.
pub(crate) const GENERATED_EVENT_TYPES: &[&str] = &["Event", "EventKind"];

/// The Rust identifier a name becomes in snake_case (a function, field or
/// module name): `GetUserByID` is `get_user_by_id`, `type` is `r#type`,
/// `crate` is `crate_`. Two names of a namespace must not share it.
pub(crate) fn snake_ident(text: &str) -> String {
    ident(&snake_case(text))
}

/// The case a name must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// `[A-Z][A-Za-z0-9_]*`: events, projections, states, services, methods.
    Pascal,
    /// `[a-z][A-Za-z0-9_]*`: properties.
    Camel,
}

/// Reports `name` (of a `what`: "event") if it does not have `case`.
pub(crate) fn check_case(name: &Text, case: Case, what: &str, path: &str, cx: &mut Context<'_>) {
    let text = name.text.as_str();
    let mut chars = text.chars();
    let first_ok = chars.next().is_some_and(|c| match case {
        Case::Pascal => c.is_ascii_uppercase(),
        Case::Camel => c.is_ascii_lowercase(),
    });
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    let (case_name, pattern) = match case {
        Case::Pascal => ("PascalCase", "[A-Z][A-Za-z0-9_]*"),
        Case::Camel => ("camelCase", "[a-z][A-Za-z0-9_]*"),
    };
    if !(first_ok && rest_ok) {
        let message = format!(
            "{what} name `{text}` is not {case_name}: expected a name matching `{pattern}`"
        );
        let fixed = recase(text, case);
        let hint = (!fixed.is_empty() && fixed != text).then(|| format!("write `{fixed}`"));
        cx.error(Rule::NameCase, name.spot, path, message, hint);
    } else if text == "Self" {
        let message = format!("{what} name `Self` is a Rust keyword that cannot name a type");
        let hint = Some("choose another name".to_string());
        cx.error(Rule::NameCase, name.spot, path, message, hint);
    }
}

/// `text` in `case`, as well as it can be guessed: words split at `_`, `-`,
/// spaces and other non-alphanumeric characters.
fn recase(text: &str, case: Case) -> String {
    let mut out = String::with_capacity(text.len());
    let mut upper_next = case == Case::Pascal;
    for c in text.chars() {
        if !c.is_ascii_alphanumeric() {
            upper_next = !out.is_empty() || case == Case::Pascal;
            continue;
        }
        if out.is_empty() && c.is_ascii_digit() {
            continue;
        }
        if out.is_empty() {
            out.push(match case {
                Case::Pascal => c.to_ascii_uppercase(),
                Case::Camel => c.to_ascii_lowercase(),
            });
        } else if upper_next {
            out.push(c.to_ascii_uppercase());
        } else {
            out.push(c);
        }
        upper_next = false;
    }
    out
}

/// Reports (rule 17) each name of one namespace whose Rust form (`form`)
/// is that of an earlier one. Names written identically are not compared
/// (a name listed twice is another rule's error). `what` is the kind
/// ("event"); `paths` gives each name's schema path.
pub(crate) fn check_collisions<'a>(
    names: impl IntoIterator<Item = (&'a Text, String)>,
    form: impl Fn(&str) -> String,
    what: &str,
    cx: &mut Context<'_>,
) {
    let mut seen: HashMap<String, &'a Text> = HashMap::new();
    for (name, path) in names {
        let rust = form(&name.text);
        match seen.get(&rust) {
            Some(first) if first.text != name.text => {
                let message = format!(
                    "{what} `{}` and {what} `{}` ({}) both become the Rust identifier `{rust}`",
                    name.text,
                    first.text,
                    place(first.spot.at)
                );
                let hint = Some("rename one of them".to_string());
                cx.error(Rule::NameCollision, name.spot, &path, message, hint);
            }
            Some(_) => {}
            None => {
                seen.insert(rust, name);
            }
        }
    }
}

/// Reports (rule 17) a name whose Rust form `rust` is one the generated
/// code uses for itself (`reserved`), `what` being the kind ("service") and
/// `generated` what the generated code uses the name for ("module").
pub(crate) fn check_reserved(
    name: &Text,
    rust: &str,
    reserved: &[&str],
    (what, generated): (&str, &str),
    path: &str,
    cx: &mut Context<'_>,
) {
    if reserved.contains(&rust) {
        let message = format!(
            "{what} `{}` becomes the {generated} `{rust}`, which the generated code \
             defines itself",
            name.text
        );
        let hint = Some(format!("rename the {what}"));
        cx.error(Rule::NameCollision, name.spot, path, message, hint);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recase_guesses_the_intended_name() {
        assert_eq!(recase("ticket_created", Case::Pascal), "TicketCreated");
        assert_eq!(recase("Title", Case::Camel), "title");
        assert_eq!(recase("new-title", Case::Camel), "newTitle");
        assert_eq!(recase("1abc", Case::Pascal), "Abc");
    }
}
