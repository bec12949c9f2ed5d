//! Following the log: [`Engine::follow`] keeps a store current as the log
//! grows, waking on the log's subscription, until its future is dropped.

use std::convert::Infallible;
use std::time::Duration;

use crate::service::engine::Engine;
use crate::service::error::ServiceError;
use crate::service::store::ServiceStore;

/// The first pause after a failed sync; it doubles up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(10);
/// The longest pause between retries of a failed sync.
const MAX_PAUSE: Duration = Duration::from_secs(5);

impl<S: ServiceStore> Engine<S> {
    /// Keeps the store current: syncs, waits for the head of the log to
    /// move, syncs again, for as long as the future is polled. Drop it (or
    /// abort its task) to stop; a sync cut off that way leaves its write
    /// transaction to the store's drop, which discards it.
    ///
    /// A log that is unavailable for a while is retried with growing pauses
    /// (logged as warnings); any other error (a record that does not decode,
    /// an unknown kind, a store failure, a closed log) ends the future with
    /// that error.
    ///
    /// Runs in a `debug` span `follow` naming the `service`; each sync in
    /// it has its own span (see [`sync`](Self::sync)) and logs at `info`
    /// what it caught up with.
    #[tracing::instrument(level = "debug", name = "follow", skip_all, fields(service = S::SERVICE))]
    pub async fn follow<M>(&self) -> Result<Infallible, ServiceError<M>> {
        let mut heads = self.core.log.subscribe();
        let mut pause = FIRST_PAUSE;
        loop {
            match self.sync().await {
                Ok(version) => {
                    pause = FIRST_PAUSE;
                    heads
                        .wait_for(version + 1)
                        .await
                        .map_err(ServiceError::Log)?;
                }
                Err(ServiceError::Log(error)) if error.is_retryable() => {
                    tracing::warn!(
                        service = S::SERVICE,
                        %error,
                        retry_in = ?pause,
                        "following the log: sync failed; retrying"
                    );
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_PAUSE);
                }
                Err(error) => return Err(error),
            }
        }
    }
}
