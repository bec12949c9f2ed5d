//! Connections to PostgreSQL: the parsed connection settings, opening a
//! connection (TCP with or without TLS, or a Unix socket), the backoff
//! between failed attempts to reconnect, and how driver errors become
//! [`LogError`]s.
//!
//! Every connection of the log (reads, the writer, the listener, write
//! locks) is opened here, so they all carry the same `application_name`,
//! TLS settings and timeouts. The server-side timeouts travel in the
//! startup packet's `options` (`-c lock_timeout=...`), so they cost no
//! round trip.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::time::Instant;
use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config, Connection, Socket};

use super::config::{PostgresOptions, Source, Timeouts};
use super::conninfo::split_conninfo;
use super::tls::{SslMode, Tls, TlsStream};
use goesgen_runtime::error::LogError;

/// How long a connection attempt may take unless the connection string says
/// otherwise (`connect_timeout`).
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The first wait after a failed connection attempt; it doubles with each
/// further failure up to [`MAX_BACKOFF`], and each wait is drawn at random
/// between half and all of it.
const FIRST_BACKOFF: Duration = Duration::from_millis(50);

/// The longest wait between two connection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The application name connections carry unless configured otherwise.
pub(crate) const DEFAULT_APPLICATION_NAME: &str = "goesgen";

/// A driver connection that is not yet being driven.
pub(crate) type RawConnection = Connection<Socket, TlsStream<Socket>>;

/// Opens connections with the log's settings.
#[derive(Debug)]
pub(crate) struct Connector {
    config: Config,
    tls: Tls,
    /// Whether every host is a Unix-domain socket (never TLS).
    local_only: bool,
    /// Whether a plain connection under `prefer` was already logged at
    /// `warn` (later ones are logged at `debug`).
    warned_plain: AtomicBool,
}

impl Connector {
    /// The connector for `options`: their connection string (or driver
    /// configuration), TLS settings, `application_name` and timeouts.
    pub fn new(options: &PostgresOptions) -> Result<Self, LogError> {
        let (mut config, mut ssl_mode, mut root_cert) = match &options.source {
            Source::Conninfo(conninfo) => {
                let split = split_conninfo(conninfo)?;
                // Config has no source: the parser's text is the only
                // explanation (it never quotes a password).
                let config: Config = split.rest.parse().map_err(|error| {
                    LogError::Config(format!("invalid PostgreSQL connection string: {error}"))
                })?;
                let mode = split
                    .ssl_mode
                    .unwrap_or_else(|| SslMode::from_driver(config.get_ssl_mode()));
                (config, mode, split.root_cert)
            }
            Source::Config(config) => {
                let mode = SslMode::from_driver(config.get_ssl_mode());
                ((**config).clone(), mode, None)
            }
        };
        if let Some(mode) = options.ssl_mode {
            ssl_mode = mode;
        }
        if let Some(path) = &options.root_cert {
            root_cert = Some(path.clone());
        }
        if let Some(name) = options.application_name.as_deref() {
            config.application_name(name);
        } else if config.get_application_name().is_none() {
            config.application_name(DEFAULT_APPLICATION_NAME);
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(DEFAULT_CONNECT_TIMEOUT);
        }
        apply_timeouts(&mut config, &options.timeouts);
        let tls = Tls::new(ssl_mode, root_cert.as_deref())?;
        let local_only = !config.get_hosts().is_empty()
            && config
                .get_hosts()
                .iter()
                .all(|host| !matches!(host, Host::Tcp(_)));
        // libpq ignores sslmode on Unix-domain sockets; so do we.
        config.ssl_mode(if local_only {
            tokio_postgres::config::SslMode::Disable
        } else {
            tls.mode().driver_mode()
        });
        Ok(Self {
            config,
            tls,
            local_only,
            warned_plain: AtomicBool::new(false),
        })
    }

    /// Opens a connection and hands back the client and the connection to
    /// drive (the listener drives it itself to see notifications).
    pub async fn connect_raw(&self) -> Result<(Client, RawConnection), LogError> {
        let (attempt, handshaken) = self.tls.attempt();
        let connected = self.config.connect(attempt).await;
        let handshaken = handshaken.load(Ordering::SeqCst);
        match connected {
            Ok(pair) => {
                if !handshaken && !self.local_only && self.tls.mode() == SslMode::Prefer {
                    if self.warned_plain.swap(true, Ordering::Relaxed) {
                        tracing::debug!("PostgreSQL connection without TLS (sslmode=prefer)");
                    } else {
                        tracing::warn!(
                            "PostgreSQL connection without TLS: the server does not offer it \
                             and sslmode=prefer allows plain text; use sslmode=verify-full \
                             (or disable, to say plain text is intended)"
                        );
                    }
                }
                Ok(pair)
            }
            Err(error) => Err(self.tls.connect_error(error, handshaken)),
        }
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

/// Puts the log's timeouts on a driver configuration: TCP settings on the
/// socket, server settings as `-c` startup options after any the
/// connection string carries (so these win).
fn apply_timeouts(config: &mut Config, timeouts: &Timeouts) {
    config.keepalives(true);
    config.keepalives_idle(timeouts.keepalives_idle);
    config.keepalives_interval(timeouts.keepalives_interval);
    config.keepalives_retries(timeouts.keepalives_retries);
    if let Some(timeout) = timeouts.tcp_user_timeout {
        config.tcp_user_timeout(timeout);
    }
    let mut options = config.get_options().unwrap_or_default().to_owned();
    for (name, value) in [
        ("lock_timeout", timeouts.lock),
        ("statement_timeout", timeouts.statement),
        (
            "idle_in_transaction_session_timeout",
            timeouts.idle_in_transaction,
        ),
    ] {
        if let Some(value) = value {
            // At least 1 ms: 0 would turn the timeout off.
            let millis = value.as_millis().max(1);
            if !options.is_empty() {
                options.push(' ');
            }
            options.push_str(&format!("-c {name}={millis}"));
        }
    }
    if !options.is_empty() {
        config.options(options);
    }
}

/// The error for a statement or connection that failed before anything
/// was written (or was answered by an ERROR, which rolls the transaction
/// back), classified by its SQLSTATE:
///
/// - a failed login or a missing permission (class `28`, `42501`) is
///   [`LogError::Denied`]: no retry fixes it;
/// - data corruption (`XX001`, `XX002`) is [`LogError::Corrupt`];
/// - a lock not granted within `lock_timeout` (`55P03`), a statement
///   canceled (`57014`, e.g. `statement_timeout`), a lost or refused
///   connection (class `08`), an administrator's shutdown (`57P01` to
///   `57P03`), a serialization failure or deadlock (`40001`, `40P01`),
///   and anything else is [`LogError::Unavailable`] (retryable; nothing
///   was written).
///
/// The message is `context` and the SQLSTATE (with what it means for the
/// timeouts), never the driver's text, which is the `source()` (a `Corrupt`
/// error has no source, so its reason carries the server's message).
/// Neither ever holds the password: the server does not echo it.
pub(crate) fn db_error(context: &str, error: tokio_postgres::Error) -> LogError {
    let Some(code) = error.code().map(|code| code.code().to_owned()) else {
        return LogError::unavailable(context, error);
    };
    let class = code.get(..2).unwrap_or_default();
    match code.as_str() {
        _ if class == "28" || code == "42501" => {
            LogError::denied(format!("{context} (SQLSTATE {code})"), error)
        }
        "XX001" | "XX002" => {
            let server = error
                .as_db_error()
                .map(|db| db.message().to_owned())
                .unwrap_or_default();
            tracing::error!(%error, "PostgreSQL reports data corruption");
            LogError::Corrupt {
                position: 0,
                reason: format!("{context} (SQLSTATE {code}): {server}"),
            }
        }
        "55P03" => LogError::unavailable(
            format!("{context}: a lock was not granted within lock_timeout (SQLSTATE {code})"),
            error,
        ),
        "57014" => LogError::unavailable(
            format!(
                "{context}: the statement was canceled, by statement_timeout or a cancel \
                 request (SQLSTATE {code})"
            ),
            error,
        ),
        _ => LogError::unavailable(format!("{context} (SQLSTATE {code})"), error),
    }
}

/// A random number, different on every call (`RandomState` gets fresh
/// keys): enough to spread reconnects, no generator needed.
fn random() -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    hasher.finish()
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

    /// Records a failed attempt and returns how long to wait before the
    /// next: between half and all of a ceiling that doubles with each
    /// failure, drawn at random, so that the processes that lost a server
    /// together do not all come back at the same instant.
    pub fn failed(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let delay = jittered(Self::ceiling(self.failures), random());
        self.retry_at = Some(Instant::now() + delay);
        delay
    }

    /// The longest wait after `failures` failures.
    fn ceiling(failures: u32) -> Duration {
        FIRST_BACKOFF
            .saturating_mul(1 << failures.saturating_sub(1).min(16))
            .min(MAX_BACKOFF)
    }

    /// Records a successful attempt: the next failure waits the shortest time
    /// again.
    pub fn succeeded(&mut self) {
        self.failures = 0;
        self.retry_at = None;
    }
}

/// Between half and all of `ceiling`, as `random` picks.
fn jittered(ceiling: Duration, random: u64) -> Duration {
    let half = ceiling / 2;
    let span = u64::try_from(half.as_micros()).unwrap_or(u64::MAX);
    half + Duration::from_micros(random % span.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_limit_with_jitter_and_resets() {
        let mut backoff = Backoff::default();
        assert!(backoff.check().is_ok());
        let within = |delay: Duration, ceiling: Duration| {
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "{delay:?} vs {ceiling:?}"
            );
        };
        within(backoff.failed(), Duration::from_millis(50));
        assert!(matches!(backoff.check(), Err(LogError::Unavailable { .. })));
        within(backoff.failed(), Duration::from_millis(100));
        within(backoff.failed(), Duration::from_millis(200));
        for _ in 0..40 {
            backoff.failed();
        }
        within(backoff.failed(), MAX_BACKOFF);
        backoff.succeeded();
        assert!(backoff.check().is_ok());
        within(backoff.failed(), Duration::from_millis(50));
        // The draw spans the whole half-to-full range.
        assert_eq!(jittered(MAX_BACKOFF, 0), MAX_BACKOFF / 2);
        assert_eq!(jittered(MAX_BACKOFF, 2_500_000), MAX_BACKOFF);
        let draws: std::collections::HashSet<Duration> =
            (0..20).map(|_| jittered(MAX_BACKOFF, random())).collect();
        assert!(draws.len() > 1, "{draws:?}");
    }

    fn connector(conninfo: &str) -> Result<Connector, LogError> {
        Connector::new(&PostgresOptions::new(conninfo))
    }

    #[test]
    fn bad_connection_strings_are_config_errors() {
        assert!(matches!(
            connector("host=localhost port=notaport"),
            Err(LogError::Config(_))
        ));
        assert!(matches!(
            connector("host=localhost sslmode=verify-everything"),
            Err(LogError::Config(_))
        ));
        let connector = Connector::new(&PostgresOptions::new("host=localhost")).unwrap();
        assert_eq!(
            connector.config.get_application_name(),
            Some(DEFAULT_APPLICATION_NAME)
        );
        let connector =
            Connector::new(&PostgresOptions::new("host=localhost").application_name("billing"))
                .unwrap();
        assert_eq!(connector.config.get_application_name(), Some("billing"));
    }

    #[test]
    fn ssl_modes_reach_the_driver_and_unix_sockets_skip_tls() {
        use tokio_postgres::config::SslMode as Driver;
        for (conninfo, mode, driver) in [
            ("host=db", SslMode::Prefer, Driver::Prefer),
            ("host=db sslmode=disable", SslMode::Disable, Driver::Disable),
            ("host=db sslmode=require", SslMode::Require, Driver::Require),
            (
                "host=db sslmode=verify-ca",
                SslMode::VerifyCa,
                Driver::Require,
            ),
            (
                "host=db sslmode=verify-full",
                SslMode::VerifyFull,
                Driver::Require,
            ),
            (
                "host=/run/postgresql sslmode=verify-full",
                SslMode::VerifyFull,
                Driver::Disable,
            ),
        ] {
            let connector = connector(conninfo).unwrap();
            assert_eq!(connector.tls.mode(), mode, "{conninfo}");
            assert_eq!(connector.config.get_ssl_mode(), driver, "{conninfo}");
        }
        let mut config = Config::new();
        config.host("db").ssl_mode(Driver::Require);
        let connector = Connector::new(&PostgresOptions::from_config(config.clone())).unwrap();
        assert_eq!(connector.tls.mode(), SslMode::Require);
        let connector =
            Connector::new(&PostgresOptions::from_config(config).ssl_mode(SslMode::VerifyFull))
                .unwrap();
        assert_eq!(connector.tls.mode(), SslMode::VerifyFull);
    }

    #[test]
    fn timeouts_travel_as_startup_options_after_the_callers() {
        let options = PostgresOptions::new("host=db options='-c search_path=app'")
            .lock_timeout(Some(Duration::from_millis(1500)))
            .statement_timeout(None);
        let connector = Connector::new(&options).unwrap();
        assert_eq!(
            connector.config.get_options(),
            Some(
                "-c search_path=app -c lock_timeout=1500 \
                 -c idle_in_transaction_session_timeout=60000"
            )
        );
        assert_eq!(
            connector.config.get_keepalives_idle(),
            super::super::config::DEFAULT_KEEPALIVES_IDLE
        );
        assert_eq!(
            connector.config.get_tcp_user_timeout(),
            Some(&super::super::config::DEFAULT_TCP_USER_TIMEOUT)
        );
    }
}
