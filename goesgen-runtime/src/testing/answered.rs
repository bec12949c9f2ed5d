//! [`Answered`]: what a call of a readonly method gave in a test, and the
//! assertions on it: it answered this (`then_answers`, with a line diff of
//! the answers' `Debug` when they differ), or it refused with the method's
//! own error (`then_refuses`).

use std::error::Error;

use super::diff;
use super::report::{Call, chain};
use crate::service::ServiceError;

/// A call of a readonly method and what it gave: its answer `O`, or its
/// error (the method's own `E`, or the service's).
pub struct Answered<O, E> {
    call: Call,
    result: Result<O, ServiceError<E>>,
}

impl<O, E> Answered<O, E> {
    pub(crate) fn new(call: Call, result: Result<O, ServiceError<E>>) -> Self {
        Self { call, result }
    }
}

impl<O, E: Error + 'static> Answered<O, E> {
    /// What the call gave, as the service returned it.
    pub fn result(&self) -> &Result<O, ServiceError<E>> {
        &self.result
    }

    /// What the call gave, as the service returned it.
    pub fn into_result(self) -> Result<O, ServiceError<E>> {
        self.result
    }

    /// Asserts that the call answered; returns the answer.
    ///
    /// # Panics
    /// Otherwise, naming the method and the given events, with the error
    /// and its causes.
    #[track_caller]
    pub fn answer(self) -> O {
        match self.result {
            Ok(answer) => answer,
            Err(error) => panic!("{}", refused(&self.call, &error)),
        }
    }

    /// Asserts that the method refused with its own error, one that `is`
    /// accepts; returns the error.
    ///
    /// # Panics
    /// Otherwise, naming the method and the given events, with the answer
    /// or the error it failed with instead.
    #[track_caller]
    pub fn then_refuses(self, is: impl FnOnce(&E) -> bool) -> E
    where
        O: std::fmt::Debug,
    {
        match self.result {
            Err(ServiceError::Method(error)) if is(&error) => error,
            Err(error) => {
                let mut out = self
                    .call
                    .headline("refused, but not with the method's own error the test accepts");
                out.push_str(&chain(&error));
                panic!("{out}")
            }
            Ok(answer) => {
                let mut out = self.call.headline(
                    "answered, but it was expected to refuse with the method's own error",
                );
                out.push_str(&format!("answer:\n{}\n", indent(&format!("{answer:#?}"))));
                panic!("{out}")
            }
        }
    }
}

impl<O: PartialEq + std::fmt::Debug, E: Error + 'static> Answered<O, E> {
    /// Asserts that the call answered `expected`; returns the answer.
    ///
    /// # Panics
    /// Otherwise, naming the method and the given events, with a line diff
    /// of the expected answer and the actual one, or the error and its
    /// causes.
    #[track_caller]
    pub fn then_answers(self, expected: O) -> O {
        match self.result {
            Ok(answer) if answer == expected => answer,
            Ok(answer) => {
                let mut out = self.call.headline("answered other than expected");
                out.push_str("answer (- expected, + answered):\n");
                out.push_str(&diff::lines(
                    &format!("{expected:#?}"),
                    &format!("{answer:#?}"),
                ));
                panic!("{out}")
            }
            Err(error) => panic!("{}", refused(&self.call, &error)),
        }
    }
}

/// The message of a call expected to answer that refused.
fn refused<E: Error + 'static>(call: &Call, error: &ServiceError<E>) -> String {
    let mut out = call.headline("refused, but it was expected to answer");
    out.push_str(&chain(error));
    out
}

/// `text`, each line indented by two spaces.
fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}
