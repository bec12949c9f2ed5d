//! [`Kit`]: what a generated harness holds beside its service: the
//! in-memory log the service runs on, the events the test gave (for the
//! failure messages), and the clock the service stamps its methods' events
//! with, which the test sets.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use super::report::{Call, describe};
use super::{Answered, Written};
use crate::codec::{EventSet, to_new_event};
use crate::log::{Append, Appended, SharedLog};
use crate::memory::MemoryLog;
use crate::service::{Clock, Committed, ServiceError, ServiceOptions};

/// The generic state of a service's test harness over the schema's event
/// enum `Ev`: a new [`MemoryLog`], the given events, and a settable clock.
pub struct Kit<Ev> {
    log: SharedLog,
    now: Arc<Mutex<Option<SystemTime>>>,
    given: Mutex<Vec<String>>,
    events: PhantomData<fn(Ev)>,
}

impl<Ev: EventSet> Default for Kit<Ev> {
    fn default() -> Self {
        Self::new()
    }
}

impl<Ev: EventSet> Kit<Ev> {
    /// A kit on a new, empty in-memory log, its clock the system's until
    /// [`set_time`](Self::set_time).
    pub fn new() -> Self {
        Self {
            log: MemoryLog::shared(),
            now: Arc::new(Mutex::new(None)),
            given: Mutex::new(Vec::new()),
            events: PhantomData,
        }
    }

    /// The log the service under test runs on.
    pub fn log(&self) -> &SharedLog {
        &self.log
    }

    /// The options the service under test runs with: the defaults, with
    /// the kit's clock.
    pub fn options(&self) -> ServiceOptions {
        let now = self.now.clone();
        ServiceOptions::default().clock(Clock::from_fn(move || stopped_or_now(&now)))
    }

    /// Stops the clock at `time`: the given events from now on, and the
    /// events the methods emit, are recorded at `time` (cut to
    /// microseconds) until the clock is set again.
    pub fn set_time(&self, time: SystemTime) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = Some(time);
    }

    /// Moves the stopped clock on by `by` (from now, if it was not
    /// stopped).
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now = Some(now.unwrap_or_else(SystemTime::now) + by);
    }

    /// The kit's time: where the clock was stopped, or now.
    pub fn now(&self) -> SystemTime {
        stopped_or_now(&self.now)
    }

    /// Appends `events` to the log in one batch, as another writer would,
    /// recorded at the kit's time, and keeps them for the failure messages.
    /// The harness then syncs its service.
    ///
    /// # Errors
    /// An event that does not encode, or the log's failure.
    pub async fn given<E>(
        &self,
        events: impl IntoIterator<Item = Ev>,
    ) -> Result<Appended, ServiceError<E>> {
        let events: Vec<Ev> = events.into_iter().collect();
        let new = events
            .iter()
            .map(to_new_event)
            .collect::<Result<Vec<_>, _>>()?;
        let append = Append::new(new).recorded_at(self.now());
        let appended = self
            .log
            .append_with(append)
            .await
            .map_err(ServiceError::Log)?;
        self.given
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(events.iter().map(|event| describe(event).to_string()));
        Ok(appended)
    }

    /// Runs `call`, a call of the write method `method`, and keeps what it
    /// gave with what the assertions need: the log's head before and after
    /// it and the given events.
    pub async fn written<O, M, E>(
        &self,
        method: &'static str,
        call: impl Future<Output = Result<Committed<O, M>, ServiceError<E>>>,
    ) -> Written<O, M, E>
    where
        M: Clone + Into<Ev>,
    {
        let before = self.head().await;
        let result = call.await;
        let after = self.head().await;
        Written::new(
            self.call(method, before, after),
            result,
            describe_as::<M, Ev>,
        )
    }

    /// Runs `call`, a call of the readonly method `method`, and keeps what
    /// it gave for the assertions (a readonly call appends nothing: no
    /// reads of the log's head around it).
    pub async fn answered<O, E>(
        &self,
        method: &'static str,
        call: impl Future<Output = Result<O, ServiceError<E>>>,
    ) -> Answered<O, E> {
        let result = call.await;
        Answered::new(self.call(method, 0, 0), result)
    }

    fn call(&self, method: &'static str, before: u64, after: u64) -> Call {
        Call {
            method,
            given: self
                .given
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            appended: after.saturating_sub(before),
        }
    }

    /// The log's head; a failure to read it (the memory log does not fail)
    /// reads as 0.
    async fn head(&self) -> u64 {
        self.log.head().await.unwrap_or(0)
    }
}

/// The time the clock `now` was stopped at, or the system's.
fn stopped_or_now(now: &Mutex<Option<SystemTime>>) -> SystemTime {
    (*now.lock().unwrap_or_else(PoisonError::into_inner)).unwrap_or_else(SystemTime::now)
}

/// How the failure messages show an event `M` of a method: as the schema's
/// event it converts into.
fn describe_as<M: Clone + Into<Ev>, Ev: EventSet>(event: &M) -> super::report::Described {
    describe(&event.clone().into())
}
