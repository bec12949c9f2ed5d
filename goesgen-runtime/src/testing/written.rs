//! [`Written`]: what a call of a write method gave in a test, and the
//! assertions on it: it emitted these events (`then_emits`), it succeeded
//! and appended nothing (`then_appends_nothing`), or it refused, with the
//! method's own error (`then_refuses`), the store's (`then_store_refuses`)
//! or a move the state machine does not declare
//! (`then_refuses_transition`). A failed assertion panics with the
//! method's name, the given events, and a field-by-field diff or the error
//! with its cause chain.

use std::error::Error;
use std::fmt::Write as _;

use super::diff;
use super::report::{Call, Described, chain, list};
use crate::projection::TransitionError;
use crate::service::{Committed, ServiceError, StoreError};

/// A call of a write method `M` and what it gave: its output `O` and
/// events, or its error (the method's own `E`, or the service's).
pub struct Written<O, M, E> {
    call: Call,
    result: Result<Committed<O, M>, ServiceError<E>>,
    describe: fn(&M) -> Described,
}

/// `Ok(value)`, or a panic with `message` at the caller's caller.
#[track_caller]
fn or_panic<T>(checked: Result<T, String>) -> T {
    match checked {
        Ok(value) => value,
        Err(message) => panic!("{message}"),
    }
}

impl<O, M, E> Written<O, M, E> {
    pub(crate) fn new(
        call: Call,
        result: Result<Committed<O, M>, ServiceError<E>>,
        describe: fn(&M) -> Described,
    ) -> Self {
        Self {
            call,
            result,
            describe,
        }
    }
}

impl<O, M, E> Written<O, M, E>
where
    M: PartialEq,
    E: Error + 'static,
{
    /// What the call gave, as the service returned it.
    pub fn result(&self) -> &Result<Committed<O, M>, ServiceError<E>> {
        &self.result
    }

    /// What the call gave, as the service returned it.
    pub fn into_result(self) -> Result<Committed<O, M>, ServiceError<E>> {
        self.result
    }

    /// Asserts that the call succeeded and emitted exactly `expected`, in
    /// order; returns its output.
    ///
    /// # Panics
    /// Otherwise, naming the method and the given events, with a
    /// field-by-field diff of the events, or the error and its causes.
    #[track_caller]
    pub fn then_emits<T: Into<M>>(self, expected: impl IntoIterator<Item = T>) -> O {
        let expected = expected.into_iter().map(Into::into).collect();
        or_panic(self.check_emits(expected))
    }

    /// As [`then_emits`](Self::then_emits), with the expected events built
    /// from the call's output (for what the method chose: a new id, a
    /// time).
    ///
    /// # Panics
    /// As `then_emits`.
    #[track_caller]
    pub fn then_emits_with<T: Into<M>, I: IntoIterator<Item = T>>(
        self,
        expected: impl FnOnce(&O) -> I,
    ) -> O {
        let expected = match &self.result {
            Ok(committed) => expected(&committed.output)
                .into_iter()
                .map(Into::into)
                .collect(),
            Err(_) => Vec::new(),
        };
        or_panic(self.check_emits(expected))
    }

    /// Asserts that the call succeeded and appended nothing; returns its
    /// output.
    ///
    /// # Panics
    /// Otherwise, listing what it emitted, or the error and its causes.
    #[track_caller]
    pub fn then_appends_nothing(self) -> O {
        or_panic(self.check_emits(Vec::new()))
    }

    /// Asserts that the method refused with its own error, one that `is`
    /// accepts, and that nothing was appended; returns the error.
    ///
    /// # Panics
    /// Otherwise: what it emitted, or the error it failed with instead.
    #[track_caller]
    pub fn then_refuses(self, is: impl FnOnce(&E) -> bool) -> E {
        or_panic(self.refusal("the method's own error", |error| match error {
            ServiceError::Method(error) if is(&error) => Ok(error),
            other => Err(other),
        }))
    }

    /// Asserts that the store refused the call (an event the method
    /// emitted, or a read) with an error `is` accepts, and that nothing was
    /// appended; returns the store's error.
    ///
    /// # Panics
    /// Otherwise: what it emitted, or the error it failed with instead.
    #[track_caller]
    pub fn then_store_refuses(self, is: impl Fn(&StoreError) -> bool) -> StoreError {
        or_panic(self.refusal("a refusal of the store", |error| match error {
            ServiceError::Refused { source, .. } | ServiceError::Store(source) if is(&source) => {
                Ok(source)
            }
            other => Err(other),
        }))
    }

    /// Asserts that the call was refused for a move the projection's
    /// transition table does not declare (a `TransitionError` in its error
    /// or the error's causes, from the method or the store) that `is`
    /// accepts, and that nothing was appended; returns the refused move.
    ///
    /// # Panics
    /// Otherwise: what it emitted, or the error it failed with instead.
    #[track_caller]
    pub fn then_refuses_transition(
        self,
        is: impl FnOnce(&TransitionError) -> bool,
    ) -> TransitionError {
        or_panic(self.refusal(
            "a move the transition table refuses",
            |error| match find_transition(&error) {
                Some(refused) if is(refused) => Ok(refused.clone()),
                _ => Err(error),
            },
        ))
    }

    /// The call's output if it emitted `expected`, else the message.
    fn check_emits(self, expected: Vec<M>) -> Result<O, String> {
        let Self {
            call,
            result,
            describe,
        } = self;
        let want: Vec<Described> = expected.iter().map(describe).collect();
        let committed = match result {
            Ok(committed) => committed,
            Err(error) => {
                let what = if want.is_empty() {
                    "refused, but it was expected to succeed and append nothing".to_string()
                } else {
                    format!("refused, but it was expected to emit {}", count(want.len()))
                };
                let mut out = call.headline(&what);
                if !want.is_empty() {
                    out.push_str("expected:\n");
                    list(&mut out, &want);
                }
                out.push_str(&chain(&error));
                return Err(out);
            }
        };
        if committed.events == expected {
            return Ok(committed.output);
        }
        let got: Vec<Described> = committed.events.iter().map(describe).collect();
        let what = if want.is_empty() {
            format!(
                "emitted {}, but it was expected to append nothing",
                count(got.len())
            )
        } else {
            format!(
                "emitted other events than expected ({} expected, {} emitted)",
                want.len(),
                got.len()
            )
        };
        let mut out = call.headline(&what);
        if !want.is_empty() {
            out.push_str("expected:\n");
            list(&mut out, &want);
        }
        out.push_str("emitted:\n");
        list(&mut out, &got);
        if !want.is_empty() {
            out.push_str("differences:\n");
            out.push_str(&diff::events(&want, &got));
        }
        Err(out)
    }

    /// The refusal `accept` takes out of the call's error, else the
    /// message: what it emitted, or the error it failed with instead of
    /// `expected`.
    fn refusal<R>(
        self,
        expected: &str,
        accept: impl FnOnce(ServiceError<E>) -> Result<R, ServiceError<E>>,
    ) -> Result<R, String> {
        let Self {
            call,
            result,
            describe,
        } = self;
        match result {
            Ok(committed) => {
                let emitted: Vec<Described> = committed.events.iter().map(describe).collect();
                let what = if emitted.is_empty() {
                    format!(
                        "succeeded (emitting nothing), but it was expected to refuse with {expected}"
                    )
                } else {
                    format!(
                        "emitted {}, but it was expected to refuse with {expected}",
                        count(emitted.len())
                    )
                };
                let mut out = call.headline(&what);
                if !emitted.is_empty() {
                    out.push_str("emitted:\n");
                    list(&mut out, &emitted);
                }
                Err(out)
            }
            Err(error) => match accept(error) {
                Ok(refusal) if call.appended == 0 => Ok(refusal),
                Ok(_) => Err(appended_during(&call)),
                Err(error) => {
                    let what = format!("refused, but not with {expected} the test accepts");
                    let mut out = call.headline(&what);
                    out.push_str(&chain(&error));
                    Err(out)
                }
            },
        }
    }
}

/// The message of a refused call during which the log took events.
fn appended_during(call: &Call) -> String {
    let mut out = call.headline("refused, but the log took events during the call");
    let appended = usize::try_from(call.appended).unwrap_or(usize::MAX);
    let _ = writeln!(out, "appended: {}", count(appended));
    out
}

/// "1 event", "2 events".
fn count(n: usize) -> String {
    if n == 1 {
        "1 event".to_string()
    } else {
        format!("{n} events")
    }
}

/// The first `TransitionError` among `error` and its causes.
fn find_transition<'a>(error: &'a (dyn Error + 'static)) -> Option<&'a TransitionError> {
    std::iter::successors(Some(error), |&error| error.source())
        .find_map(|error| error.downcast_ref::<TransitionError>())
}
