//! How a [`PostgresLog`] is configured: [`PostgresOptions`], a builder over
//! the connection string (or a driver `Config`), TLS, the timeouts, the
//! schema and table, the connections' `application_name`, the group commit
//! limit, the read pool and the [`LogLimits`].
//!
//! [`PostgresLog`]: super::PostgresLog

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::PostgresLog;
use super::tls::SslMode;
use goesgen_runtime::error::LogError;
use goesgen_runtime::limits::LogLimits;
use goesgen_runtime::personal::MasterKey;

/// The schema the log's tables live in unless configured otherwise.
pub const DEFAULT_SCHEMA: &str = "public";

/// The events table unless configured otherwise.
pub const DEFAULT_TABLE: &str = "goesgen_events";

/// The most appends committed in one transaction unless configured
/// otherwise.
pub const DEFAULT_MAX_GROUP: usize = 512;

/// How many read connections a log keeps unless configured otherwise.
pub const DEFAULT_READ_CONNECTIONS: usize = 4;

/// How long an append waits for the log's advisory lock (`lock_timeout`)
/// unless configured otherwise.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one statement may run (`statement_timeout`) unless configured
/// otherwise.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a session may sit in an open transaction
/// (`idle_in_transaction_session_timeout`, which bounds a forgotten write
/// lock) unless configured otherwise.
pub const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a group commit may take from its first statement to the
/// `COMMIT`'s answer unless configured otherwise.
pub const DEFAULT_GROUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Idle time before the first TCP keepalive probe unless configured
/// otherwise.
pub const DEFAULT_KEEPALIVES_IDLE: Duration = Duration::from_secs(30);

/// Time between TCP keepalive probes unless configured otherwise.
pub const DEFAULT_KEEPALIVES_INTERVAL: Duration = Duration::from_secs(10);

/// Unanswered keepalive probes before the connection is dropped unless
/// configured otherwise.
pub const DEFAULT_KEEPALIVES_RETRIES: u32 = 3;

/// How long sent data may stay unacknowledged before the connection is
/// dropped (`TCP_USER_TIMEOUT`, Linux) unless configured otherwise.
pub const DEFAULT_TCP_USER_TIMEOUT: Duration = Duration::from_secs(30);

/// The server-side and TCP time limits of every connection of the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timeouts {
    pub lock: Option<Duration>,
    pub statement: Option<Duration>,
    pub idle_in_transaction: Option<Duration>,
    pub group: Duration,
    pub keepalives_idle: Duration,
    pub keepalives_interval: Duration,
    pub keepalives_retries: u32,
    pub tcp_user_timeout: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            lock: Some(DEFAULT_LOCK_TIMEOUT),
            statement: Some(DEFAULT_STATEMENT_TIMEOUT),
            idle_in_transaction: Some(DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT),
            group: DEFAULT_GROUP_TIMEOUT,
            keepalives_idle: DEFAULT_KEEPALIVES_IDLE,
            keepalives_interval: DEFAULT_KEEPALIVES_INTERVAL,
            keepalives_retries: DEFAULT_KEEPALIVES_RETRIES,
            tcp_user_timeout: Some(DEFAULT_TCP_USER_TIMEOUT),
        }
    }
}

/// Where the connection settings come from.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A libpq connection string.
    Conninfo(String),
    /// A driver configuration built by the caller.
    Config(Box<tokio_postgres::Config>),
}

/// Settings of a [`PostgresLog`]; [`PostgresOptions::connect`] opens it.
///
/// ```no_run
/// # async fn example() -> Result<(), goesgen_runtime::LogError> {
/// use goesgen_postgres::PostgresOptions;
///
/// let log = PostgresOptions::new("host=localhost user=app dbname=app")
///     .schema("billing")
///     .table("events")
///     .application_name("billing-service")
///     .connect()
///     .await?;
/// # drop(log);
/// # Ok(())
/// # }
/// ```
///
/// On a managed database, verify the server:
/// `host=db.example.com user=app dbname=app sslmode=verify-full
/// sslrootcert=/etc/ssl/db-ca.pem`. Every connection of the log (reads,
/// the writer, the listener, write locks) uses the same TLS settings and
/// timeouts.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    pub(crate) source: Source,
    pub(crate) ssl_mode: Option<SslMode>,
    pub(crate) root_cert: Option<PathBuf>,
    pub(crate) schema: String,
    pub(crate) table: String,
    pub(crate) application_name: Option<String>,
    pub(crate) max_group: usize,
    pub(crate) read_connections: usize,
    pub(crate) timeouts: Timeouts,
    pub(crate) limits: LogLimits,
    pub(crate) master_key: Option<MasterKey>,
}

impl PostgresOptions {
    /// Options for the database at `conninfo`, a libpq connection string
    /// (`host=db user=app dbname=app` or `postgresql://app@db/app`),
    /// including libpq's `sslmode` (`disable`, `prefer` (the default),
    /// `require`, `verify-ca`, `verify-full`) and `sslrootcert` (a PEM
    /// file of trusted roots; without it, the Mozilla roots compiled in).
    /// See [`SslMode`] for what each mode checks.
    pub fn new(conninfo: impl Into<String>) -> Self {
        Self::with_source(Source::Conninfo(conninfo.into()))
    }

    /// Options for the database a driver configuration describes (built
    /// elsewhere, e.g. with a password from a secret store). Its `sslmode`
    /// (`disable`, `prefer`, `require`) applies unless
    /// [`ssl_mode`](Self::ssl_mode) says otherwise.
    pub fn from_config(config: tokio_postgres::Config) -> Self {
        Self::with_source(Source::Config(Box::new(config)))
    }

    fn with_source(source: Source) -> Self {
        Self {
            source,
            ssl_mode: None,
            root_cert: None,
            schema: DEFAULT_SCHEMA.to_owned(),
            table: DEFAULT_TABLE.to_owned(),
            application_name: None,
            max_group: DEFAULT_MAX_GROUP,
            read_connections: DEFAULT_READ_CONNECTIONS,
            timeouts: Timeouts::default(),
            limits: LogLimits::default(),
            master_key: None,
        }
    }

    /// How TLS is used; overrides the connection string's `sslmode`.
    #[must_use]
    pub fn ssl_mode(mut self, mode: SslMode) -> Self {
        self.ssl_mode = Some(mode);
        self
    }

    /// A PEM file of the root certificates to trust; overrides the
    /// connection string's `sslrootcert`. Makes `require` check the chain,
    /// as in libpq.
    #[must_use]
    pub fn ssl_root_cert(mut self, path: impl Into<PathBuf>) -> Self {
        self.root_cert = Some(path.into());
        self
    }

    /// How long an append (or a write lock) waits for the log's advisory
    /// lock while another session holds it (PostgreSQL's `lock_timeout`,
    /// which also bounds row-lock waits); then it fails with
    /// [`LogError::Unavailable`], nothing written. Default
    /// [`DEFAULT_LOCK_TIMEOUT`]; `None` leaves the server's setting.
    #[must_use]
    pub fn lock_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeouts.lock = timeout;
        self
    }

    /// How long one statement may run (`statement_timeout`); a read or an
    /// append cut by it fails with [`LogError::Unavailable`]. Default
    /// [`DEFAULT_STATEMENT_TIMEOUT`]; `None` leaves the server's setting.
    #[must_use]
    pub fn statement_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeouts.statement = timeout;
        self
    }

    /// How long a session may stay idle inside a transaction
    /// (`idle_in_transaction_session_timeout`): a write lock held longer
    /// loses its connection, and its append fails. Default
    /// [`DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT`]; `None` leaves the server's
    /// setting.
    #[must_use]
    pub fn idle_in_transaction_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeouts.idle_in_transaction = timeout;
        self
    }

    /// The deadline of one group commit, from taking the lock to the
    /// `COMMIT`'s answer. Past it before the write was sent, its appends
    /// fail with [`LogError::Unavailable`]; after, the transaction is
    /// looked up (its backend terminated first) and they fail with
    /// [`LogError::Indeterminate`] unless that shows what happened.
    /// Default [`DEFAULT_GROUP_TIMEOUT`].
    #[must_use]
    pub fn group_timeout(mut self, timeout: Duration) -> Self {
        self.timeouts.group = timeout;
        self
    }

    /// TCP keepalives: idle time before the first probe, time between
    /// probes, and unanswered probes before the connection counts as
    /// lost; defaults [`DEFAULT_KEEPALIVES_IDLE`],
    /// [`DEFAULT_KEEPALIVES_INTERVAL`], [`DEFAULT_KEEPALIVES_RETRIES`]
    /// (a dead peer is noticed within about a minute).
    #[must_use]
    pub fn keepalives(mut self, idle: Duration, interval: Duration, retries: u32) -> Self {
        self.timeouts.keepalives_idle = idle;
        self.timeouts.keepalives_interval = interval;
        self.timeouts.keepalives_retries = retries;
        self
    }

    /// How long sent data may stay unacknowledged before the connection
    /// counts as lost (`TCP_USER_TIMEOUT`, Linux only); default
    /// [`DEFAULT_TCP_USER_TIMEOUT`], `None` for the system's.
    #[must_use]
    pub fn tcp_user_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeouts.tcp_user_timeout = timeout;
        self
    }

    /// How many connections reads (`read`, `head`, `find_key`) use at once;
    /// default [`DEFAULT_READ_CONNECTIONS`], at least 1. The writer and the
    /// listener have one connection each besides.
    #[must_use]
    pub fn read_connections(mut self, connections: usize) -> Self {
        self.read_connections = connections.max(1);
        self
    }

    /// The schema of the log's tables (created if absent); default
    /// [`DEFAULT_SCHEMA`]. A name of letters, digits and underscores,
    /// starting with a letter or underscore, at most 63 characters; anything
    /// else fails [`connect`](Self::connect) with [`LogError::Config`].
    #[must_use]
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = schema.into();
        self
    }

    /// The events table (created if absent, with its companions
    /// `<table>_kinds` and `<table>_keys`); default [`DEFAULT_TABLE`]. Named as for
    /// [`schema`](Self::schema), at most
    /// [`MAX_TABLE_NAME_LEN`](super::MAX_TABLE_NAME_LEN) characters.
    #[must_use]
    pub fn table(mut self, table: impl Into<String>) -> Self {
        self.table = table.into();
        self
    }

    /// The `application_name` the log's connections report (in
    /// `pg_stat_activity`); default: the connection string's, else
    /// `goesgen`.
    #[must_use]
    pub fn application_name(mut self, name: impl Into<String>) -> Self {
        self.application_name = Some(name.into());
        self
    }

    /// The most appends waiting in this process that are committed together
    /// in one transaction (group commit); default [`DEFAULT_MAX_GROUP`]; 1
    /// turns group commit off.
    #[must_use]
    pub fn max_group(mut self, appends: usize) -> Self {
        self.max_group = appends.max(1);
        self
    }

    /// The sizes the log accepts and returns at once; default
    /// [`LogLimits::default`]: kinds up to 256 bytes, payloads up to 4 MiB,
    /// reads up to 16 MiB of payloads. An append with an event over a
    /// limit fails alone with
    /// [`LogError::InvalidEvent`](goesgen_runtime::LogError::InvalidEvent) before it
    /// joins a group commit; a read stops (on the server) after the record
    /// whose payload reaches the read budget.
    #[must_use]
    pub fn limits(mut self, limits: LogLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The application's master key, which wraps the data keys of
    /// personal values ([`goesgen_runtime::personal`]): needed to append
    /// events with personal properties and to read them back in the
    /// clear; never stored in the database, which keeps only a check
    /// value of it. Opening a log whose check value is another key's
    /// fails with
    /// [`PersonalError::WrongMasterKey`](goesgen_runtime::personal::PersonalError::WrongMasterKey).
    /// Without one, the log appends and reads everything else, and
    /// [`forget`](goesgen_runtime::EventLog::forget) works (it unwraps
    /// nothing).
    #[must_use]
    pub fn master_key(mut self, key: MasterKey) -> Self {
        self.master_key = Some(key);
        self
    }

    /// Validates the settings, connects, creates the tables if absent and
    /// starts the log's writer and listener tasks (on the current tokio
    /// runtime).
    pub async fn connect(self) -> Result<PostgresLog, LogError> {
        PostgresLog::open(self).await
    }
}

/// Shows the connection settings the way the driver parsed them, with the
/// password redacted: options end up in logs.
impl fmt::Debug for PostgresOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("PostgresOptions");
        match &self.source {
            Source::Config(config) => debug.field("connection", config),
            Source::Conninfo(conninfo) => {
                match super::conninfo::split_conninfo(conninfo)
                    .ok()
                    .and_then(|split| split.rest.parse::<tokio_postgres::Config>().ok())
                {
                    Some(config) => debug.field("connection", &config),
                    None => debug.field("connection", &"<invalid connection string>"),
                }
            }
        };
        debug
            .field("ssl_mode", &self.ssl_mode)
            .field("root_cert", &self.root_cert)
            .field("schema", &self.schema)
            .field("table", &self.table)
            .field("application_name", &self.application_name)
            .field("max_group", &self.max_group)
            .field("read_connections", &self.read_connections)
            .field("timeouts", &self.timeouts)
            .field("limits", &self.limits)
            .field("master_key", &self.master_key)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_password() {
        for conninfo in [
            "host=db user=app password=s3cret dbname=app",
            "postgresql://app:s3cret@db/app",
        ] {
            let shown = format!("{:?}", PostgresOptions::new(conninfo).table("events"));
            assert!(!shown.contains("s3cret"), "{shown}");
            assert!(shown.contains("events"), "{shown}");
        }
        let shown = format!("{:?}", PostgresOptions::new("password='s3cret"));
        assert!(!shown.contains("s3cret"), "{shown}");
        let mut config = tokio_postgres::Config::new();
        config.host("db").password("s3cret");
        let shown = format!("{:?}", PostgresOptions::from_config(config));
        assert!(!shown.contains("s3cret"), "{shown}");
        let shown = format!(
            "{:?}",
            PostgresOptions::new("host=db password=s3cret sslmode=verify-full")
        );
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn debug_output_hides_the_master_key() {
        let key = MasterKey::generate().expect("master key");
        let shown = format!(
            "{:?}",
            PostgresOptions::new("host=db").master_key(key.clone())
        );
        assert!(!shown.contains(&key.to_base64()), "{shown}");
        assert!(shown.contains("master_key"), "{shown}");
    }
}
