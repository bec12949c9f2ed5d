//! Projections: states (rule 9), `createOn` (rule 10), transitions (rules 5,
//! 11 and 12), and the projection's own name and properties.

use crate::ast::{ProjectionDecl, TransitionsDecl};
use crate::comments;
use crate::context::Context;
use crate::error::Rule;
use crate::model::{EventRef, Move, Projection, State, Transitions};
use crate::raw::{Spot, Text};
use crate::rules::names::{Case, check_case, check_collisions, snake_ident};
use crate::rules::properties::properties;
use crate::rules::{Once, Table, keep, name};
use crate::shape::{index, join};

/// The projection `decl`, checked; `None` if it cannot be built (reported).
pub(crate) fn projection(
    decl: &ProjectionDecl,
    events: &Table<'_>,
    cx: &mut Context<'_>,
) -> Option<Projection> {
    let path = join("projections", &decl.name.text);
    check_case(&decl.name, Case::Pascal, "projection", &path, cx);
    let doc = comments::doc(&decl.name, cx);
    let states = states(decl, &path, cx);
    let state_table = Table::new("states", decl.states.iter().map(|s| s.text.as_str()));
    let properties = properties(&decl.properties, &join(&path, "properties"), cx);
    let create_on = create_on(decl, events, &path, cx);
    let mut transitions = Some(Vec::with_capacity(decl.transitions.len()));
    let transitions_path = join(&path, "transitions");
    for group in &decl.transitions {
        let built = transitions_of(group, decl, events, &state_table, &transitions_path, cx);
        keep(&mut transitions, built);
    }
    Some(Projection {
        name: name(&decl.name),
        doc,
        states: states?,
        properties: properties?,
        create_on: create_on?,
        transitions: transitions?,
    })
}

/// The states (rule 9: at least one, none twice; each PascalCase, none
/// colliding).
fn states(decl: &ProjectionDecl, path: &str, cx: &mut Context<'_>) -> Option<Vec<State>> {
    let states_path = join(path, "states");
    if decl.states.is_empty() {
        if decl.shaped {
            let message = format!(
                "projection `{}` has no states: expected a list of states, the first being \
                 the initial one",
                decl.name.text
            );
            let spot = decl.states_key.unwrap_or(decl.name.spot);
            let hint = Some("e.g. `states: [New, Closed]`".to_string());
            cx.error(Rule::States, spot, &states_path, message, hint);
        }
        return None;
    }
    let mut once = Once::new();
    let mut ok = true;
    for (i, state) in decl.states.iter().enumerate() {
        let path = index(&states_path, i);
        check_case(state, Case::Pascal, "state", &path, cx);
        let what = || format!("state `{}` is listed twice", state.text);
        ok &= once.first(
            state.text.as_str(),
            state,
            Rule::States,
            what,
            (&path, None),
            cx,
        );
    }
    check_collisions(
        decl.states
            .iter()
            .enumerate()
            .map(|(i, s)| (s, index(&states_path, i))),
        snake_ident,
        "state",
        cx,
    );
    ok.then(|| {
        decl.states
            .iter()
            .map(|s| State { name: name(s) })
            .collect()
    })
}

/// The `createOn` event (rule 10: given and defined).
fn create_on(
    decl: &ProjectionDecl,
    events: &Table<'_>,
    path: &str,
    cx: &mut Context<'_>,
) -> Option<EventRef> {
    let path = join(path, "createOn");
    let Some(text) = &decl.create_on else {
        if decl.shaped {
            let message = format!(
                "projection `{}` has no `createOn`: expected the event that creates an instance",
                decl.name.text
            );
            let hint = Some("e.g. `createOn: TicketCreated`".to_string());
            cx.error(Rule::CreateOn, decl.name.spot, &path, message, hint);
        }
        return None;
    };
    let index = events.lookup(text, Rule::CreateOn, "event", &path, cx)?;
    Some(EventRef {
        name: name(text),
        index,
    })
}

/// The transitions one event causes (rules 5, 11, 12).
fn transitions_of(
    group: &TransitionsDecl,
    decl: &ProjectionDecl,
    events: &Table<'_>,
    states: &Table<'_>,
    path: &str,
    cx: &mut Context<'_>,
) -> Option<Transitions> {
    let path = join(path, &group.event.text);
    let event = events.lookup(&group.event, Rule::Transition, "event", &path, cx);
    let creates = decl
        .create_on
        .as_ref()
        .is_some_and(|c| c.text == group.event.text);
    if creates {
        let message = format!(
            "event `{}` creates projection `{}` (its `createOn`), so it cannot also be one of \
             its transitions",
            group.event.text, decl.name.text
        );
        let hint = Some("remove the transition, or create the projection on another event".into());
        cx.error(
            Rule::CreateOnTransition,
            group.event.spot,
            &path,
            message,
            hint,
        );
    }
    if group.moves.is_empty() {
        let message = format!(
            "event `{}` lists no transitions: expected at least one `From -> To`",
            group.event.text
        );
        cx.error(Rule::Transition, group.event.spot, &path, message, None);
        return None;
    }
    let mut moves = Some(Vec::with_capacity(group.moves.len()));
    let mut once = Once::new();
    for (i, text) in group.moves.iter().enumerate() {
        let path = index(&path, i);
        let Some(m) = parse_move(text, states, &path, cx) else {
            moves = None;
            continue;
        };
        let what = || {
            format!(
                "transition `{}` is listed twice for event `{}`",
                text.text.trim(),
                group.event.text
            )
        };
        let new = once.first(
            (m.from, m.to),
            text,
            Rule::Transition,
            what,
            (&path, None),
            cx,
        );
        keep(&mut moves, new.then_some(m));
    }
    if creates {
        return None;
    }
    Some(Transitions {
        event: EventRef {
            name: name(&group.event),
            index: event?,
        },
        moves: moves?,
    })
}

/// One `From -> To` move (rule 5), its states defined (rule 11).
fn parse_move(text: &Text, states: &Table<'_>, path: &str, cx: &mut Context<'_>) -> Option<Move> {
    let Some((from, to)) = split_move(&text.text) else {
        let message = format!(
            "`{}` is not a transition: expected `From -> To`, two states and an arrow",
            text.text
        );
        let hint = Some("e.g. `- New -> Closed`".to_string());
        cx.error(Rule::TransitionSyntax, text.spot, path, message, hint);
        return None;
    };
    let mut state = |(skip, name): (usize, &str)| {
        let found = states.find(name);
        if found.is_none() {
            let message = format!("undefined state `{name}`");
            let spot: Spot = text.part(skip, name.chars().count());
            cx.error(
                Rule::Transition,
                spot,
                path,
                message,
                Some(states.hint(name)),
            );
        }
        found
    };
    let from = state(from);
    let to = state(to);
    Some(Move {
        from: from?,
        to: to?,
        at: text.spot.at,
    })
}

/// A state name in a transition, with the number of characters before it.
type Word<'a> = (usize, &'a str);

/// The two state names of `From -> To`; `None` if the text is not of that
/// form.
fn split_move(text: &str) -> Option<(Word<'_>, Word<'_>)> {
    let (left, right) = text.split_once("->")?;
    let from = state_word(left, 0)?;
    let to = state_word(right, left.chars().count() + 2)?;
    Some((from, to))
}

/// The one word of `part` (which begins `before` characters into the
/// transition), with the number of characters before it.
fn state_word(part: &str, before: usize) -> Option<Word<'_>> {
    let name = part.trim();
    let lead = part.chars().count() - part.trim_start().chars().count();
    let single = !name.is_empty() && !name.contains(char::is_whitespace) && !name.contains('-');
    single.then_some((before + lead, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_move_finds_both_states() {
        assert_eq!(
            split_move("New -> Closed"),
            Some(((0, "New"), (7, "Closed")))
        );
        assert_eq!(split_move("  A->B"), Some(((2, "A"), (5, "B"))));
        assert_eq!(split_move("New Closed"), None);
        assert_eq!(split_move("New -> "), None);
        assert_eq!(split_move("A -> B -> C"), None);
        assert_eq!(split_move("A B -> C"), None);
    }
}
