//! Connections to PostgreSQL: the parsed connection settings, opening a
//! connection (plain TCP or a Unix socket, no TLS yet), the backoff between
//! failed attempts to reconnect, and how driver errors become [`LogError`]s.
//!
//! Every connection of the log (reads, the writer, the listener) is opened
//! here, so they all carry the same `application_name` and timeouts.

use std::time::Duration;

use tokio::time::Instant;
use tokio_postgres::tls::NoTlsStream;
use tokio_postgres::{Client, Config, Connection, NoTls, Socket};

use crate::error::LogError;

/// How long a connection attempt may take unless the connection string says
/// otherwise (`connect_timeout`).
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The first wait after a failed connection attempt; it doubles with each
/// further failure up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(50);

/// The longest wait between two connection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The application name connections carry unless configured otherwise.
pub(crate) const DEFAULT_APPLICATION_NAME: &str = "goesgen";

/// A driver connection that is not yet being driven.
pub(crate) type RawConnection = Connection<Socket, NoTlsStream>;

/// Opens connections with the log's settings.
#[derive(Debug)]
pub(crate) struct Connector {
    config: Config,
}

impl Connector {
    /// Parses a libpq-style connection string (`host=... user=...` or a
    /// `postgresql://` URL); `application_name` overrides the string's.
    pub fn new(conninfo: &str, application_name: Option<&str>) -> Result<Self, LogError> {
        // Config has no source: the parser's text is the only explanation.
        let mut config: Config = conninfo.parse().map_err(|error| {
            LogError::Config(format!("invalid PostgreSQL connection string: {error}"))
        })?;
        if let Some(name) = application_name {
            config.application_name(name);
        } else if config.get_application_name().is_none() {
            config.application_name(DEFAULT_APPLICATION_NAME);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
        if config.get_ssl_mode() == tokio_postgres::config::SslMode::Require {
            return Err(LogError::Config(
                "sslmode=require: PostgresLog does not support TLS yet; \
                 connect through a trusted network, a Unix socket or a TLS tunnel"
                    .to_owned(),
            ));
        }
        Ok(Self { config })
    }

    /// Opens a connection and hands back the client and the connection to
    /// drive (the listener drives it itself to see notifications).
    pub async fn connect_raw(&self) -> Result<(Client, RawConnection), LogError> {
        self.config
            .connect(NoTls)
            .await
            .map_err(|error| db_error("cannot connect to PostgreSQL", error))
    }

    /// Opens a connection driven by a task of its own; the task ends when the
    /// client is dropped or the connection is lost.
    pub async fn connect(&self) -> Result<Client, LogError> {
        let (client, connection) = self.connect_raw().await?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "PostgreSQL connection ended");
            }
        });
        Ok(client)
    }
}

/// The error for a statement or connection that failed before anything
/// was written, classified by its SQLSTATE: a failed login or a missing
/// permission (`28P01`, `28000`, `42501`) is [`LogError::Denied`], data
/// corruption (`XX001`, `XX002`) is [`LogError::Corrupt`], anything else
/// [`LogError::Unavailable`] (retryable; nothing was written). The message
/// is `context` and the SQLSTATE, never the driver's text: the driver's
/// error is the `source()` (a `Corrupt` error has no source, so its reason
/// carries the server's message).
pub(crate) fn db_error(context: &str, error: tokio_postgres::Error) -> LogError {
    let Some(code) = error.code().map(|code| code.code().to_owned()) else {
        return LogError::unavailable(context, error);
    };
    let message = format!("{context} (SQLSTATE {code})");
    match code.as_str() {
        "28P01" | "28000" | "42501" => LogError::denied(message, error),
        "XX001" | "XX002" => {
            let server = error
                .as_db_error()
                .map(|db| db.message().to_owned())
                .unwrap_or_default();
            tracing::error!(%error, "PostgreSQL reports data corruption");
            LogError::Corrupt {
                position: 0,
                reason: format!("{message}: {server}"),
            }
        }
        _ => LogError::unavailable(message, error),
    }
}

/// When the next connection attempt may be made after failed ones: calls in
/// between fail fast instead of hammering a server that is down.
#[derive(Debug, Default)]
pub(crate) struct Backoff {
    failures: u32,
    retry_at: Option<Instant>,
}

impl Backoff {
    /// Fails fast with [`LogError::Unavailable`] while waiting after a failed
    /// attempt.
    pub fn check(&self) -> Result<(), LogError> {
        match self.retry_at {
            Some(at) if Instant::now() < at => Err(LogError::Unavailable {
                message: format!(
                    "PostgreSQL unreachable after {} attempts; next attempt in {} ms",
                    self.failures,
                    at.saturating_duration_since(Instant::now()).as_millis()
                ),
                source: None,
            }),
            _ => Ok(()),
        }
    }

    /// Records a failed attempt and returns how long to wait before the next.
    pub fn failed(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let delay = FIRST_BACKOFF
            .saturating_mul(1 << self.failures.saturating_sub(1).min(16))
            .min(MAX_BACKOFF);
        self.retry_at = Some(Instant::now() + delay);
        delay
    }

    /// Records a successful attempt: the next failure waits the shortest time
    /// again.
    pub fn succeeded(&mut self) {
        self.failures = 0;
        self.retry_at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_limit_and_resets() {
        let mut backoff = Backoff::default();
        assert!(backoff.check().is_ok());
        assert_eq!(backoff.failed(), Duration::from_millis(50));
        assert!(matches!(backoff.check(), Err(LogError::Unavailable { .. })));
        assert_eq!(backoff.failed(), Duration::from_millis(100));
        assert_eq!(backoff.failed(), Duration::from_millis(200));
        for _ in 0..40 {
            backoff.failed();
        }
        assert_eq!(backoff.failed(), MAX_BACKOFF);
        backoff.succeeded();
        assert!(backoff.check().is_ok());
        assert_eq!(backoff.failed(), Duration::from_millis(50));
    }

    #[test]
    fn bad_connection_strings_are_config_errors() {
        assert!(matches!(
            Connector::new("host=localhost port=notaport", None),
            Err(LogError::Config(_))
        ));
        assert!(matches!(
            Connector::new("host=localhost sslmode=require", None),
            Err(LogError::Config(_))
        ));
        let connector = Connector::new("host=localhost", None).unwrap();
        assert_eq!(
            connector.config.get_application_name(),
            Some(DEFAULT_APPLICATION_NAME)
        );
        let connector = Connector::new("host=localhost", Some("billing")).unwrap();
        assert_eq!(connector.config.get_application_name(), Some("billing"));
    }
}
