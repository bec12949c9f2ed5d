//! How a [`PostgresLog`] is configured: [`PostgresOptions`], a builder over
//! the connection string, the schema and table, the connections'
//! `application_name`, the group commit limit and the [`LogLimits`].
//!
//! [`PostgresLog`]: super::PostgresLog

use std::fmt;

use super::PostgresLog;
use crate::error::LogError;
use crate::limits::LogLimits;

/// The schema the log's tables live in unless configured otherwise.
pub const DEFAULT_SCHEMA: &str = "public";

/// The events table unless configured otherwise.
pub const DEFAULT_TABLE: &str = "goesgen_events";

/// The most appends committed in one transaction unless configured
/// otherwise.
pub const DEFAULT_MAX_GROUP: usize = 512;

/// Settings of a [`PostgresLog`]; [`PostgresOptions::connect`] opens it.
///
/// ```no_run
/// # async fn example() -> Result<(), goesgen_runtime::LogError> {
/// use goesgen_runtime::postgres::PostgresOptions;
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
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresOptions {
    pub(crate) conninfo: String,
    pub(crate) schema: String,
    pub(crate) table: String,
    pub(crate) application_name: Option<String>,
    pub(crate) max_group: usize,
    pub(crate) limits: LogLimits,
}

impl PostgresOptions {
    /// Options for the database at `conninfo`, a libpq connection string
    /// (`host=db user=app dbname=app` or `postgresql://app@db/app`). TLS is
    /// not supported yet: `sslmode=require` is a configuration error.
    pub fn new(conninfo: impl Into<String>) -> Self {
        Self {
            conninfo: conninfo.into(),
            schema: DEFAULT_SCHEMA.to_owned(),
            table: DEFAULT_TABLE.to_owned(),
            application_name: None,
            max_group: DEFAULT_MAX_GROUP,
            limits: LogLimits::default(),
        }
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

    /// The events table (created if absent, with its companion
    /// `<table>_kinds`); default [`DEFAULT_TABLE`]. Named as for
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
    /// [`LogError::InvalidEvent`](crate::LogError::InvalidEvent) before it
    /// joins a group commit; a read stops (on the server) after the record
    /// whose payload reaches the read budget.
    #[must_use]
    pub fn limits(mut self, limits: LogLimits) -> Self {
        self.limits = limits;
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
        let parsed = self.conninfo.parse::<tokio_postgres::Config>();
        let mut debug = f.debug_struct("PostgresOptions");
        match &parsed {
            Ok(config) => debug.field("connection", config),
            Err(_) => debug.field("connection", &"<invalid connection string>"),
        };
        debug
            .field("schema", &self.schema)
            .field("table", &self.table)
            .field("application_name", &self.application_name)
            .field("max_group", &self.max_group)
            .field("limits", &self.limits)
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
    }
}
