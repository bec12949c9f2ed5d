//! [`PostgresLog`]: the event log on PostgreSQL, for many processes on many
//! hosts sharing one log.
//!
//! - `schema`: validated schema and table names and the SQL built from
//!   them;
//! - `append`: the single writer task with group commit;
//! - `check`: the check of positions and kinds when the log is opened;
//! - `listen`: the `LISTEN/NOTIFY` follower that publishes heads;
//! - `connect`: connections, reconnection backoff and error mapping;
//! - `tls`: TLS on rustls with libpq's `sslmode` meanings ([`SslMode`]);
//! - `conninfo`: the TLS settings taken out of a connection string;
//! - `pool`: the small pool of read connections;
//! - `read`: the read statements: heads, pages of records, keys;
//! - `lock`: the write lock ([`EventLog::lock_writes`]);
//! - `personal`: the key store of personal data, sealing in the append's
//!   transaction, the keys of reads, and [`EventLog::forget`];
//! - `plans`: [`PostgresLog::explain_plans`];
//! - `stats`: the counters of [`PostgresLog::stats`];
//! - `config`: [`PostgresOptions`], the configuration;
//! - `testing` (feature `testing`): the test database goesgen's tests
//!   share.
//!
//! It is built on [`goesgen_runtime::backend`] alone, as any backend can
//! be, and its tests run the runtime's conformance suite.
//!
//! Storage: one events table (`position bigint` primary key, `recorded_at
//! timestamptz`, `kind text`, `payload bytea`, kept byte for byte), an index
//! on `(kind, position)` for filtered reads, `<table>_kinds` holding each
//! kind's last position so a condition is checked in O(kinds), and
//! `<table>_keys` holding where each keyed append (or part of an append)
//! was written and its fingerprint (its idempotency key as primary key,
//! kept as long as the log), and the key store of personal data:
//! `<table>_datakeys` (each data subject's key, wrapped by the
//! application's master key) and `<table>_master` (the master key's check
//! value). Appends take a
//! transaction-scoped advisory lock first, so positions are gap-free and in
//! commit order, and a reader never misses an event committed "late". See
//! the project's `docs/decisions.md` ("PostgresLog") for the reasoning.

mod append;
mod check;
mod config;
mod connect;
mod conninfo;
mod listen;
mod lock;
mod personal;
mod plans;
mod pool;
mod read;
mod schema;
mod stats;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
mod tls;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};

pub use config::{
    DEFAULT_GROUP_TIMEOUT, DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT, DEFAULT_KEEPALIVES_IDLE,
    DEFAULT_KEEPALIVES_INTERVAL, DEFAULT_KEEPALIVES_RETRIES, DEFAULT_LOCK_TIMEOUT,
    DEFAULT_MAX_GROUP, DEFAULT_READ_CONNECTIONS, DEFAULT_SCHEMA, DEFAULT_STATEMENT_TIMEOUT,
    DEFAULT_TABLE, DEFAULT_TCP_USER_TIMEOUT, PostgresOptions,
};
pub use schema::MAX_TABLE_NAME_LEN;
pub use tls::SslMode;

use self::append::{PendingAppend, Writer};
use self::connect::{Connector, db_error};
use self::personal::Sealer;
use self::pool::ReadPool;
use self::read::{ReadConn, head_of, query_head};
use self::schema::Sql;
pub use self::stats::PostgresStats;
use self::stats::Stats;
use goesgen_runtime::backend::damage::Damage;
use goesgen_runtime::backend::parts;
use goesgen_runtime::backend::{checks, time};
use goesgen_runtime::error::LogError;
use goesgen_runtime::limits::LogLimits;
use goesgen_runtime::log::{
    Append, Appended, AppendedParts, BoxFuture, EventLog, HeadPublisher, IdempotencyKey, KeyRecord,
    KindFilter, ReadBatch, Subscription, WriteLock,
};
use goesgen_runtime::personal::{DataKeys, Forgot, KeyId, Subject};
use goesgen_runtime::record::Position;

/// How many appends may wait for the writer before `append` waits for room.
const QUEUE_CAPACITY: usize = 4096;

/// The event log in a PostgreSQL database: for several processes and hosts
/// sharing one log.
///
/// Open it with [`PostgresLog::connect`], [`PostgresLog::connect_with_config`]
/// or [`PostgresOptions`]. It keeps a small pool of read connections (up to
/// [`PostgresOptions::read_connections`], opened as needed), one connection
/// owned by its writer task (which commits the appends waiting in this
/// process together, one transaction and one fsync for all), and one in
/// `LISTEN` for heads appended by other processes. All use the same TLS
/// settings ([`SslMode`]) and timeouts. A lost connection fails the call
/// that was using it with [`LogError::Unavailable`]; the next call connects
/// again (waiting a growing, jittered backoff after failed attempts), and
/// the listener reconnects by itself. A failed login, a missing permission
/// or a refused certificate is [`LogError::Denied`].
///
/// A notification on the log's channel only wakes the listener, which then
/// reads the head from the table: a forged `NOTIFY` cannot move the head
/// subscribers see.
///
/// Payloads are stored as `bytea` and come back byte-identical; times with
/// microsecond precision (`timestamptz`).
///
/// If the connection is lost after an append's events were sent, the writer
/// asks the server (by transaction id, on a new connection) whether it
/// committed, and answers accordingly: committed is success, rolled back
/// is [`LogError::Unavailable`] (nothing was written); if it cannot find
/// out within five seconds the append is [`LogError::Indeterminate`], and
/// repeating it with the same idempotency key writes it at most once. An
/// append whose future is dropped after it was queued may still be
/// committed.
///
/// Opening the log checks its tables in time linear in the log, without
/// reading payloads: the positions must be exactly 1 to the head (one
/// `count`/`min`/`max` pass), and each kind's stored newest position the
/// newest event of that kind (one index probe per kind). Damage found
/// there, or by any later read, head, key lookup or append, is
/// [`LogError::Corrupt`] at the first position affected, and from then on
/// the handle refuses every append with `Corrupt` naming the first damaged
/// position it found, until the log is repaired and opened again; reads go
/// on, so `goesgen log verify` can still read a damaged log.
///
/// Idempotency keys live in `<table>_keys` (primary key: the key) for as
/// long as the log, written in the same transaction as their events: one
/// per keyed part of an append ([`EventLog::append_parts`]), with the
/// part's sub-range (empty for a part without events) and
/// [`Fingerprint`](goesgen_runtime::Fingerprint). Opening the log adds the
/// fingerprint column to a keys table made before parts.
/// [`EventLog::lock_writes`] opens a connection of its own that holds the
/// log's advisory lock in a transaction until it appends or is dropped.
#[derive(Debug)]
pub struct PostgresLog {
    sql: Arc<Sql>,
    connector: Arc<Connector>,
    limits: LogLimits,
    /// The master key and limits personal values are sealed with.
    sealer: Arc<Sealer>,
    readers: ReadPool,
    stats: Arc<Stats>,
    group_timeout: Duration,
    writer: mpsc::Sender<PendingAppend>,
    /// What [`EventLog::subscribe`] starts from (it holds no publisher, so
    /// it does not keep subscriptions open).
    heads: Subscription,
    /// Where write locks publish the heads they commit; taken by
    /// [`close`](PostgresLog::close), so subscriptions end once the
    /// background tasks (which hold the other publishers) have stopped.
    heads_tx: std::sync::Mutex<Option<HeadPublisher>>,
    shutdown: watch::Sender<bool>,
    closed: AtomicBool,
    /// The first damage this handle found: then it takes no appends.
    damage: Arc<Damage>,
}

impl PostgresLog {
    /// Opens the log in the default schema and table
    /// ([`DEFAULT_SCHEMA`].[`DEFAULT_TABLE`]) of the database at `conninfo`
    /// (a libpq connection string), creating the tables if absent. See
    /// [`PostgresOptions`] for the other settings.
    pub async fn connect(conninfo: &str) -> Result<Self, LogError> {
        PostgresOptions::new(conninfo).connect().await
    }

    /// Opens the log in the database `config` describes (a driver
    /// configuration built elsewhere), with the other settings of
    /// `options` (whose own connection settings are ignored).
    pub async fn connect_with_config(
        config: tokio_postgres::Config,
        options: PostgresOptions,
    ) -> Result<Self, LogError> {
        PostgresOptions {
            source: config::Source::Config(Box::new(config)),
            ..options
        }
        .connect()
        .await
    }

    /// Opens the log with `options`.
    async fn open(options: PostgresOptions) -> Result<Self, LogError> {
        let sql = Arc::new(Sql::new(&options.schema, &options.table)?);
        let connector = Arc::new(Connector::new(&options)?);
        let client = connector.connect().await?;
        client
            .batch_execute(&sql.create)
            .await
            .map_err(|e| db_error("cannot create the event log's tables", e))?;
        if let Some(master) = &options.master_key {
            personal::verify_master(&client, &sql, master).await?;
        }
        let reader = ReadConn::prepare(client, &sql).await?;
        let damage = Damage::after_open_check(check::check_log(&reader.client, &sql).await)?;
        let head = query_head(&reader).await?;
        let stats = Arc::new(Stats::default());
        tracing::debug!(schema = %sql.schema, table = %sql.table, head, "PostgreSQL event log opened");

        let heads_tx = HeadPublisher::new(head);
        let heads = heads_tx.subscribe();
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (writer, queue) = mpsc::channel(QUEUE_CAPACITY);
        let sealer = Arc::new(Sealer {
            master: options.master_key.clone(),
            limits: options.limits,
        });
        tokio::spawn(listen::run(
            Arc::clone(&connector),
            Arc::clone(&sql),
            heads_tx.clone(),
            shutdown_rx.clone(),
            Arc::clone(&stats),
        ));
        tokio::spawn(
            Writer::new(
                Arc::clone(&connector),
                Arc::clone(&sql),
                Arc::clone(&sealer),
                heads_tx.clone(),
                options.max_group,
                options.timeouts.group,
            )
            .run(queue, shutdown_rx),
        );
        let readers = ReadPool::new(options.read_connections);
        readers.put_back(Arc::new(reader));
        Ok(Self {
            sql,
            connector,
            limits: options.limits,
            sealer,
            readers,
            stats,
            group_timeout: options.timeouts.group,
            writer,
            heads,
            heads_tx: std::sync::Mutex::new(Some(heads_tx)),
            shutdown,
            closed: AtomicBool::new(false),
            damage,
        })
    }

    /// The schema the log's tables live in.
    pub fn schema(&self) -> &str {
        &self.sql.schema
    }

    /// The events table.
    pub fn table(&self) -> &str {
        &self.sql.table
    }

    /// The key of the transaction-scoped advisory lock
    /// (`pg_advisory_xact_lock`) every append to this table takes first.
    /// Anything else that writes to the table must take it too, or it
    /// breaks the commit order of positions, and must keep
    /// `<table>_kinds` (each kind's last position) up to date, or conditions
    /// miss its events.
    pub fn lock_key(&self) -> i64 {
        self.sql.lock_key
    }

    /// The `LISTEN/NOTIFY` channel on which appends announce the new head
    /// (the payload is the head in decimal).
    pub fn channel(&self) -> &str {
        &self.sql.channel
    }

    /// Closes the log: calls from now on fail with [`LogError::Closed`],
    /// appends still queued fail with it, the background tasks stop and
    /// subscriptions end. Dropping the log does the same.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.shutdown.send_replace(true);
        self.heads_tx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        self.readers.close();
    }

    fn check_open(&self) -> Result<(), LogError> {
        if self.closed.load(Ordering::SeqCst) {
            Err(LogError::Closed)
        } else {
            Ok(())
        }
    }

    /// Checks an append before it is queued or written: the log is open,
    /// its events are within the limits, its time is one PostgreSQL can
    /// store; and cuts that time to microseconds.
    fn prepare_append(&self, mut append: Append) -> Result<Append, LogError> {
        self.check_open()?;
        checks::check_append(&append, &self.limits)?;
        self.sealer.check(&append)?;
        parts::normalize(&mut append);
        if let Some(asked) = append.recorded_at {
            let (time, micros) = time::stamp(Some(asked));
            if micros < MIN_TIMESTAMPTZ_MICROS {
                return Err(LogError::Config(
                    "recorded_at is before 4714 BC, the earliest time PostgreSQL stores".to_owned(),
                ));
            }
            append.recorded_at = Some(time);
        }
        Ok(append)
    }

    async fn append_batch(&self, append: Append) -> Result<AppendedParts, LogError> {
        let append = self.prepare_append(append)?;
        if !parts::may_write(&append) {
            // Nothing to write (no events, no keys): only the head to
            // report.
            let head = self.read_head().await?;
            return parts::nothing_written(&append, head);
        }
        let (reply, outcome) = oneshot::channel();
        self.writer
            .send(PendingAppend { append, reply })
            .await
            .map_err(|_| LogError::Closed)?;
        outcome.await.map_err(|_| LogError::Closed)?
    }
}

/// The earliest time `timestamptz` holds (4714-11-24 BC), in microseconds
/// since the Unix epoch.
const MIN_TIMESTAMPTZ_MICROS: i64 = -210_866_803_200_000_000;

impl EventLog for PostgresLog {
    fn head(&self) -> BoxFuture<'_, Result<Position, LogError>> {
        Box::pin(self.damage.read(self.read_head()))
    }

    fn read<'a>(
        &'a self,
        after: Position,
        filter: &'a KindFilter,
        limit: usize,
    ) -> BoxFuture<'a, Result<ReadBatch, LogError>> {
        Box::pin(self.damage.read(self.read_batch(after, filter, limit)))
    }

    fn append_with(&self, append: Append) -> BoxFuture<'_, Result<Appended, LogError>> {
        Box::pin(async move {
            Ok(self
                .damage
                .append(self.append_batch(append))
                .await?
                .single())
        })
    }

    fn keyed_parts(&self) -> bool {
        true
    }

    fn append_parts(&self, append: Append) -> BoxFuture<'_, Result<AppendedParts, LogError>> {
        Box::pin(self.damage.append(self.append_batch(append)))
    }

    fn find_key<'a>(
        &'a self,
        key: &'a IdempotencyKey,
    ) -> BoxFuture<'a, Result<Option<KeyRecord>, LogError>> {
        Box::pin(self.damage.read(self.find(key)))
    }

    fn lock_writes(&self) -> BoxFuture<'_, Result<Box<dyn WriteLock + '_>, LogError>> {
        Box::pin(self.damage.lock(async move {
            let lock: Box<dyn WriteLock + '_> = Box::new(self.lock().await?);
            Ok(lock)
        }))
    }

    fn seals_personal(&self) -> bool {
        true
    }

    fn data_keys<'a>(&'a self, ids: &'a [KeyId]) -> BoxFuture<'a, Result<DataKeys, LogError>> {
        Box::pin(self.damage.read(self.read_data_keys(ids)))
    }

    fn forget<'a>(&'a self, subject: &'a Subject) -> BoxFuture<'a, Result<Forgot, LogError>> {
        Box::pin(self.damage.append(self.forget_subject(subject)))
    }

    fn subscribe(&self) -> Subscription {
        // A clone remembers what its original saw; a new subscription starts
        // from the head published now.
        self.heads.resubscribe()
    }
}
