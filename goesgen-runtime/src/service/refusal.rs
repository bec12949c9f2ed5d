//! A refusal is checked before it is believed. A transaction decides on
//! the state its store caught up to, which can be short of the log (the
//! head this process was told of lags another process's append) or
//! already hold the call's own first effect (a repeat of a keyed call
//! whose first attempt landed). So when a call refuses (its method's
//! error, or the store refusing its events), the engine looks once more:
//! a key of the call that the log holds makes the answer
//! [`ServiceError::Duplicate`] (or [`ServiceError::KeyReused`]); a log that
//! moved past the state it decided on makes it decide again on the
//! caught-up state. A call that does not refuse costs neither look: its
//! append itself finds a repeated key (see `keys.rs`).

use crate::record::Position;
use crate::service::call::CallOptions;
use crate::service::engine::Engine;
use crate::service::error::ServiceError;
use crate::service::keys::replayed;
use crate::service::store::ServiceStore;

/// What a second look at a refusal found.
pub(crate) enum SecondLook<M> {
    /// The refusal stands.
    Stands(ServiceError<M>),
    /// The call's key is in the log: this is the call's answer.
    Replayed(ServiceError<M>),
    /// The log moved past the state the call decided on, to `head`: decide
    /// again (the refusal if no attempts are left).
    Stale {
        head: Position,
        refusal: ServiceError<M>,
    },
}

/// Whether `error` is a call's own refusal: its method's error, or the
/// store refusing its events.
fn is_refusal<M>(error: &ServiceError<M>) -> bool {
    matches!(
        error,
        ServiceError::Method(_) | ServiceError::Refused { .. }
    )
}

impl<S: ServiceStore> Engine<S> {
    /// The answer of a call with `options` that refused with `error`, if
    /// its key is in the log: a repeat refusing on its own first effect
    /// (a failing look finds nothing).
    pub(crate) async fn repeat_of<M>(
        &self,
        error: &ServiceError<M>,
        options: &CallOptions,
    ) -> Option<ServiceError<M>> {
        let key = options.key.as_ref().filter(|_| is_refusal(error))?;
        match self.core.log.find_key(key).await {
            Ok(Some(record)) => Some(replayed(&record, options)),
            _ => None,
        }
    }

    /// Looks again at `error`, the end of a call with `options` decided at
    /// `version` (`locked`: under the log's write lock, where the state
    /// cannot be stale): [`repeat_of`](Self::repeat_of) first, then the
    /// log's head. Errors other than refusals stand as they are; a failing
    /// look lets the refusal stand.
    pub(crate) async fn second_look<M>(
        &self,
        error: ServiceError<M>,
        options: &CallOptions,
        version: Position,
        locked: bool,
    ) -> SecondLook<M> {
        if !is_refusal(&error) {
            return SecondLook::Stands(error);
        }
        if let Some(answer) = self.repeat_of(&error, options).await {
            return SecondLook::Replayed(answer);
        }
        if locked {
            return SecondLook::Stands(error);
        }
        match self.core.log.head().await {
            Ok(head) if head > version => SecondLook::Stale {
                head,
                refusal: error,
            },
            _ => SecondLook::Stands(error),
        }
    }
}
