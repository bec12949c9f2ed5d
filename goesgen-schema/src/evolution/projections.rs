//! The rules for projections, rebuilt by replaying the log: a changed
//! `createOn` or initial state, and a removed state or transition that
//! stored events can reach, break the replay; the rest is compatible.

use std::collections::VecDeque;

use super::{At, Changes, find};
use super::{ChangeKind, Class, Side};
use crate::model::{Location, Projection, Property, Schema};

impl Changes<'_> {
    pub(super) fn projections(&mut self) {
        let (old, new) = (self.old, self.new);
        for projection in &new.projections {
            let path = format!("projections.{}", projection.name);
            match find(&old.projections, projection.name.as_str(), |p| &p.name) {
                Some(before) => self.projection(&path, before, projection),
                None => self.push(
                    ChangeKind::ProjectionAdded,
                    Class::Compatible,
                    At::name(Side::New, path, &projection.name),
                    format!("projection `{}` added", projection.name),
                    None,
                ),
            }
        }
        for projection in &old.projections {
            if find(&new.projections, projection.name.as_str(), |p| &p.name).is_none() {
                self.push(
                    ChangeKind::ProjectionRemoved,
                    Class::Compatible,
                    At::name(
                        Side::Old,
                        format!("projections.{}", projection.name),
                        &projection.name,
                    ),
                    format!(
                        "projection `{}` removed (it holds no data of its own)",
                        projection.name
                    ),
                    None,
                );
            }
        }
    }

    /// The changes of one projection present in both schemas.
    fn projection(&mut self, path: &str, old: &Projection, new: &Projection) {
        let (old_schema, new_schema) = (self.old, self.new);
        let old_create = old_schema.event(&old.create_on);
        let new_create = new_schema.event(&new.create_on);
        if self.renamed(&old_create.name.text) != new_create.name.text {
            self.push(
                ChangeKind::CreateOnChanged,
                Class::Breaking,
                At::name(Side::New, format!("{path}.createOn"), &new.create_on.name),
                format!(
                    "`createOn` changed from `{}` to `{}`: instances created by `{}` in the log are no longer created on replay",
                    old_create.name, new_create.name, old_create.name
                ),
                Some("keep the `createOn` event; add a new projection for the new one"),
            );
        }
        let reachable = reachable(old);
        // The initial state.
        if let (Some(before), Some(after)) = (old.states.first(), new.states.first())
            && before.name.text != after.name.text
        {
            self.push(
                ChangeKind::InitialStateChanged,
                Class::Breaking,
                At::name(Side::New, format!("{path}.states"), &after.name),
                format!(
                    "the initial state changed from `{}` to `{}`: replaying the log starts stored instances elsewhere",
                    before.name, after.name
                ),
                Some("keep the first state first; list new states after it"),
            );
        }
        for state in &new.states {
            if find(&old.states, state.name.as_str(), |s| &s.name).is_none() {
                self.push(
                    ChangeKind::StateAdded,
                    Class::Compatible,
                    At::name(
                        Side::New,
                        format!("{path}.states.{}", state.name),
                        &state.name,
                    ),
                    format!("state `{}` added", state.name),
                    None,
                );
            }
        }
        for (index, state) in old.states.iter().enumerate() {
            if find(&new.states, state.name.as_str(), |s| &s.name).is_some() {
                continue;
            }
            let at = At::name(
                Side::New,
                format!("{path}.states.{}", state.name),
                &new.name,
            );
            if reachable[index] {
                self.push(
                    ChangeKind::StateRemoved,
                    Class::Breaking,
                    at,
                    format!(
                        "state `{}` removed: stored events can lead instances into it",
                        state.name
                    ),
                    Some("keep the state (and the transitions into it)"),
                );
            } else {
                self.push(
                    ChangeKind::StateRemoved,
                    Class::Compatible,
                    at,
                    format!(
                        "state `{}` removed (no event could lead into it)",
                        state.name
                    ),
                    None,
                );
            }
        }
        let mut old_moves = moves(old_schema, old);
        // A move on an event renamed with `was` is the same move.
        for (event, ..) in &mut old_moves {
            *event = self.renamed(event).to_string();
        }
        let new_moves = moves(new_schema, new);
        for (event, from, to, at) in &new_moves {
            if !old_moves
                .iter()
                .any(|(e, f, t, _)| (e, f, t) == (event, from, to))
            {
                self.push(
                    ChangeKind::TransitionAdded,
                    Class::Compatible,
                    At::place(Side::New, format!("{path}.transitions.{event}"), *at),
                    format!("transition `{from} -> {to}` on `{event}` added"),
                    None,
                );
            }
        }
        for (event, from, to, _) in &old_moves {
            if new_moves
                .iter()
                .any(|(e, f, t, _)| (e, f, t) == (event, from, to))
            {
                continue;
            }
            let path = format!("{path}.transitions.{event}");
            // At the event's transitions in the new schema if it still has
            // some, else at the projection.
            let at = match new.transitions.iter().find(|t| t.event.name.text == *event) {
                Some(transitions) => At::name(Side::New, path, &transitions.event.name),
                None => At::name(Side::New, path, &new.name),
            };
            let from_reachable = old
                .states
                .iter()
                .position(|s| s.name.text == *from)
                .is_some_and(|index| reachable[index]);
            if from_reachable {
                self.push(
                    ChangeKind::TransitionRemoved,
                    Class::Breaking,
                    at,
                    format!(
                        "transition `{from} -> {to}` on `{event}` removed: replaying the log would refuse `{event}` events it accepted"
                    ),
                    Some("keep the transition"),
                );
            } else {
                self.push(
                    ChangeKind::TransitionRemoved,
                    Class::Compatible,
                    at,
                    format!(
                        "transition `{from} -> {to}` on `{event}` removed (no stored instance could be in `{from}`)"
                    ),
                    None,
                );
            }
        }
        self.projection_properties(path, new, &old.properties, &new.properties);
    }

    /// A projection's properties: state built from events, so every change
    /// is compatible.
    fn projection_properties(
        &mut self,
        path: &str,
        projection: &Projection,
        old: &[Property],
        new: &[Property],
    ) {
        for property in new {
            let at = At::name(
                Side::New,
                format!("{path}.properties.{}", property.name),
                &property.name,
            );
            match find(old, property.name.as_str(), |p| &p.name) {
                None => self.push(
                    ChangeKind::ProjectionPropertyChanged,
                    Class::Compatible,
                    at,
                    format!("projection property `{}` added", property.name),
                    None,
                ),
                Some(before) if before.ty.rust != property.ty.rust => self.push(
                    ChangeKind::ProjectionPropertyChanged,
                    Class::Compatible,
                    At::ty(
                        Side::New,
                        format!("{path}.properties.{}", property.name),
                        &property.ty,
                    ),
                    format!(
                        "projection property `{}` changed type from `{}` to `{}`",
                        property.name, before.ty.written, property.ty.written
                    ),
                    None,
                ),
                Some(_) => {}
            }
        }
        for property in old {
            if find(new, property.name.as_str(), |p| &p.name).is_none() {
                self.push(
                    ChangeKind::ProjectionPropertyChanged,
                    Class::Compatible,
                    At::name(
                        Side::New,
                        format!("{path}.properties.{}", property.name),
                        &projection.name,
                    ),
                    format!("projection property `{}` removed", property.name),
                    None,
                );
            }
        }
    }
}

/// Which states of `projection` stored events can lead an instance into:
/// the initial state, and every state a transition reaches from one of
/// them.
fn reachable(projection: &Projection) -> Vec<bool> {
    let mut seen = vec![false; projection.states.len()];
    let mut queue = VecDeque::new();
    if !seen.is_empty() {
        seen[0] = true;
        queue.push_back(0);
    }
    while let Some(state) = queue.pop_front() {
        for transitions in &projection.transitions {
            for step in &transitions.moves {
                if step.from == state && !seen[step.to] {
                    seen[step.to] = true;
                    queue.push_back(step.to);
                }
            }
        }
    }
    seen
}

/// The moves of a projection by name: (event, from, to, where written).
fn moves(schema: &Schema, projection: &Projection) -> Vec<(String, String, String, Location)> {
    let state = |index: usize| projection.states[index].name.text.clone();
    projection
        .transitions
        .iter()
        .flat_map(|transitions| {
            let event = schema.event(&transitions.event).name.text.clone();
            transitions
                .moves
                .iter()
                .map(move |step| (event.clone(), state(step.from), state(step.to), step.at))
        })
        .collect()
}
