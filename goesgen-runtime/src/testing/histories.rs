//! Histories from the state machine: random walks through a projection's
//! transition table ([`walks`], a proptest strategy), turned into events by
//! the user's strategy per step ([`histories`]: the user knows how to fill
//! an event's properties, with strategies for their own types), and the
//! ready property ([`check`]): a store applies every event of such a
//! history, and the instance is then in the state the table predicts.

use std::fmt;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;

use super::report::{chain, describe};
use crate::codec::{EventKindSet, EventSet};
use crate::projection::ProjectionState;
use crate::service::{Dispatch, Recorded};
use crate::store::Store;

/// One move of a walk: an event of `kind` moves the instance from `from`
/// to `to`, as the table declares. The first step of a history, its
/// `createOn` event, is `CREATE_ON` from the initial state to itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step<S: ProjectionState> {
    /// The event's kind.
    pub kind: S::Kind,
    /// The state before it.
    pub from: S,
    /// The state after it.
    pub to: S,
}

/// Walks through the table of `S` from its initial state: up to `max`
/// declared moves, each from the state the one before reached (a walk
/// stops early in a state with no move out). Shrinks towards shorter walks
/// (the length shrinks on its own, so a failing walk's prefix is tried
/// first) and earlier-declared moves.
pub fn walks<S: ProjectionState>(max: usize) -> impl Strategy<Value = Vec<Step<S>>> {
    let choices = proptest::collection::vec(any::<Index>(), max);
    (choices, 0..=max).prop_map(|(choices, len)| walk(&choices[..len]))
}

/// The walk `choices` picks: at each state, one of its declared moves.
fn walk<S: ProjectionState>(choices: &[Index]) -> Vec<Step<S>> {
    let mut state = S::INITIAL;
    let mut steps = Vec::new();
    for choice in choices {
        let moves: Vec<(S::Kind, S)> = <S::Kind as EventKindSet>::ALL
            .iter()
            .flat_map(|&kind| state.targets(kind).iter().map(move |&to| (kind, to)))
            .collect();
        if moves.is_empty() {
            break;
        }
        let (kind, to) = moves[choice.index(moves.len())];
        steps.push(Step {
            kind,
            from: state,
            to,
        });
        state = to;
    }
    steps
}

/// The history of one instance: its key, its events (the `createOn` event
/// first), and the state the table predicts after each.
#[derive(Debug, Clone)]
pub struct History<S, K, Ev> {
    /// The instance's key (the id its events name).
    pub key: K,
    /// Its events, in order.
    pub events: Vec<Ev>,
    /// The state the walk is in after each event.
    pub states: Vec<S>,
}

/// Histories of one instance of the projection `S`, of up to `max` moves:
/// a key drawn from `key`, then per step (the `createOn` step first) an
/// event drawn from `event(key, step)`. `event` must give an event that
/// takes exactly that step (where the table has two targets for one event
/// and state, the event's properties decide which).
pub fn histories<S, K, Ev>(
    max: usize,
    key: impl Strategy<Value = K>,
    event: impl Fn(&K, Step<S>) -> BoxedStrategy<Ev> + Send + Sync + 'static,
) -> impl Strategy<Value = History<S, K, Ev>>
where
    S: ProjectionState,
    K: Clone + fmt::Debug,
    Ev: Clone + fmt::Debug + 'static,
{
    let event = Arc::new(event);
    (key, walks::<S>(max)).prop_flat_map(move |(key, steps)| {
        let created = Step {
            kind: S::CREATE_ON,
            from: S::INITIAL,
            to: S::INITIAL,
        };
        let events: Vec<BoxedStrategy<Ev>> = std::iter::once(created)
            .chain(steps.iter().copied())
            .map(|step| event(&key, step))
            .collect();
        let states: Vec<S> = std::iter::once(S::INITIAL)
            .chain(steps.iter().map(|step| step.to))
            .collect();
        let key = key.clone();
        events.prop_map(move |events| History {
            key: key.clone(),
            events,
            states: states.clone(),
        })
    })
}

/// The property: `store` applies every event of `history` through the
/// service's dispatch `D` (each in its own write transaction, at
/// consecutive positions), and after each, `state` reads the instance in
/// the state the table predicts. Run it in a proptest on a new store per
/// case.
///
/// # Errors
/// A failed case naming the first event the store refused (with the
/// error's causes), or the first after which it reads another state than
/// the one predicted.
pub fn check<D, S, K>(
    store: &D::Store,
    history: &History<S, K, D::Event>,
    state: impl Fn(&<D::Store as Store>::Read, &K) -> Option<S>,
) -> Result<(), TestCaseError>
where
    D: Dispatch,
    S: ProjectionState,
    D::Event: EventSet + fmt::Debug,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|error| TestCaseError::fail(format!("no runtime: {error}")))?;
    runtime.block_on(async {
        for (index, (event, expected)) in history.events.iter().zip(&history.states).enumerate() {
            let number = index + 1;
            let at = Recorded {
                position: number as u64,
                recorded_at: std::time::SystemTime::now(),
            };
            let applied = async {
                let mut txn = store.begin_write().await?;
                D::apply(store, &mut txn, &at, event).await?;
                store.commit(txn).await?;
                store.begin_read().await
            };
            let read = applied.await.map_err(|error| {
                TestCaseError::fail(format!(
                    "the store refused event {number} of the history ({}):\n{}",
                    describe(event),
                    chain(&error)
                ))
            })?;
            let reached = state(&read, &history.key);
            if reached != Some(*expected) {
                let shown = reached.map_or("no instance", |state| state.name());
                return Err(TestCaseError::fail(format!(
                    "after event {number} of the history ({}) the {} projection reads {shown}, \
                     its table predicts {}",
                    describe(event),
                    S::PROJECTION,
                    expected.name()
                )));
            }
        }
        Ok(())
    })
}
