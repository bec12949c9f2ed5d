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

impl<S: ServiceStore> Engine<S> {
    /// Looks again at `error`, the end of a call with `options` decided at
    /// `version` (`locked`: under the log's write lock, where the state
    /// cannot be stale). Errors other than refusals stand as they are; a
    /// failing look lets the refusal stand.
    pub(crate) async fn second_look<M>(
        &self,
        error: ServiceError<M>,
        options: &CallOptions,
        version: Position,
        locked: bool,
    ) -> SecondLook<M> {
        if !matches!(
            error,
            ServiceError::Method(_) | ServiceError::Refused { .. }
        ) {
            return SecondLook::Stands(error);
        }
        if let Some(key) = &options.key
            && let Ok(Some(record)) = self.core.log.find_key(key).await
        {
            return SecondLook::Replayed(replayed(&record, options));
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
