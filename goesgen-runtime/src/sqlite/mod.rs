//! [`SqliteLog`]: the embedded, durable event log in one SQLite file, which
//! several processes on one machine may share.
//!
//! - `connection`: opening a connection with the log's settings, and the
//!   tables.
//! - `check`: the check of positions and kinds when the log is opened.
//! - `writer`: the writer thread that commits appends in groups.
//! - `read`: the pool of read connections and decoding of stored rows.
//! - `idle`: the idle read connections, kept up to a maximum (the log's
//!   pool and the SQLite store kit share it).
//! - `watcher`: the thread that sees other processes' commits and keeps
//!   the write-ahead log short.
//! - `personal`: the key store of personal data, in the log's file.
//! - `lock`: [`EventLog::lock_writes`], a connection holding SQLite's write
//!   lock until it appends or is dropped.
//!
//! Every rusqlite error becomes a [`LogError`] through one function,
//! `classify_at`, by SQLite's primary result code.

mod check;
mod connection;
pub(crate) mod idle;
mod lock;
pub(crate) mod personal;
mod read;
mod watcher;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::ErrorCode;
use tokio::sync::oneshot;

use crate::backend::checks;
use crate::backend::damage::Damage;
use crate::backend::parts;
use crate::error::LogError;
use crate::limits::LogLimits;
use crate::log::{
    Append, Appended, AppendedParts, BoxFuture, EventLog, HeadPublisher, IdempotencyKey, KeyRecord,
    KindFilter, ReadBatch, SharedLog, Subscription, WriteLock,
};
use crate::personal::{DataKeys, Forgot, KeyId, Subject};
use crate::record::Position;

/// How hard each commit is pushed to stable storage (SQLite's
/// `PRAGMA synchronous` in WAL mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// `synchronous=FULL`: the write-ahead log is synced at every commit, so
    /// an acknowledged append survives a power loss or an OS crash.
    #[default]
    Full,
    /// `synchronous=NORMAL`: the write-ahead log is synced only at
    /// checkpoints. An acknowledged append survives the crash of the process
    /// but the most recent ones may be rolled back by a power loss or an OS
    /// crash (the log stays consistent: whole batches vanish, never parts).
    Normal,
}

/// Settings of a [`SqliteLog`]; [`SqliteOptions::default`] is what
/// [`SqliteLog::open`] uses.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// Durability of each commit (default [`Synchronous::Full`]).
    pub synchronous: Synchronous,
    /// How long an append or a read waits for a lock held by another
    /// process before failing with [`LogError::Unavailable`] (default 5 s).
    pub busy_timeout: Duration,
    /// How often the watcher looks for commits by other processes
    /// (`PRAGMA data_version`); bounds how late a subscription learns of
    /// them (default 5 ms).
    pub poll_interval: Duration,
    /// How often, while appends keep coming, the watcher copies the
    /// write-ahead log into the database without blocking anyone (a passive
    /// checkpoint; default 250 ms).
    pub checkpoint_interval: Duration,
    /// After how long without commits the watcher checkpoints fully and
    /// truncates the write-ahead log file (default 1 s).
    pub truncate_after_idle: Duration,
    /// At most this many appends are committed together in one transaction
    /// (default 512).
    pub max_group: usize,
    /// At most this many idle read connections are kept (default 4).
    pub max_idle_readers: usize,
    /// At most this many appends wait for the writer thread (default 4,096);
    /// beyond, an append waits (asynchronously, without blocking a runtime
    /// thread) until the writer has taken some, so a flood of appends
    /// cannot exhaust memory.
    pub queue_capacity: usize,
    /// The sizes the log accepts and a read returns (default
    /// [`LogLimits::default`]: kinds up to 256 bytes, payloads up to 4 MiB,
    /// reads up to 16 MiB of payloads).
    pub limits: LogLimits,
    /// The permissions a new log file is created with (Unix; default
    /// `0o600`, readable and writable by its owner only; ignored
    /// elsewhere). SQLite gives the `-wal` and `-shm` files the
    /// permissions of the main file. An existing file keeps its own.
    pub file_mode: u32,
    /// Opens the file for reading only (`SQLITE_OPEN_READONLY`): reads work,
    /// and every append or write lock fails with [`LogError::Denied`]
    /// (`SQLITE_READONLY`). The file must already hold a log (default
    /// false).
    pub read_only: bool,
    /// The master key that wraps the data keys of personal values (see
    /// [`personal`](crate::personal)); none by default. Checked when the
    /// log is opened against the check value the file keeps (a wrong one
    /// is [`PersonalError::WrongMasterKey`](crate::PersonalError::WrongMasterKey));
    /// without it the log can neither seal nor open personal values.
    pub master_key: Option<crate::personal::MasterKey>,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            synchronous: Synchronous::Full,
            busy_timeout: Duration::from_secs(5),
            poll_interval: Duration::from_millis(5),
            checkpoint_interval: Duration::from_millis(250),
            truncate_after_idle: Duration::from_secs(1),
            max_group: 512,
            max_idle_readers: 4,
            queue_capacity: 4096,
            limits: LogLimits::default(),
            file_mode: 0o600,
            read_only: false,
            master_key: None,
        }
    }
}

/// The event log in one SQLite file (WAL mode), shared by every process
/// that opens it.
///
/// # Durability
///
/// With the default [`Synchronous::Full`], an append returns only after its
/// transaction is in the write-ahead log and the log file is synced
/// (`fsync`): everything acknowledged survives the crash of the process, of
/// the OS, or a power loss (as far as the disk honours `fsync`). A batch is
/// one transaction, so it is there whole or not at all. With
/// [`Synchronous::Normal`] the sync waits for the next checkpoint, and a
/// power loss can roll back the newest acknowledged batches.
///
/// # Writers and group commit
///
/// One writer thread per `SqliteLog` owns the write connection; appends are
/// sent to it and it never runs on the async runtime. While it commits one
/// group, new appends queue up; it takes all of them (up to
/// [`SqliteOptions::max_group`]) into the next `BEGIN IMMEDIATE`
/// transaction, judges each append's condition in order against the log as
/// it stands with the earlier members written, writes the members whose
/// condition holds, and commits once: many appends share one `fsync`. A
/// member whose condition fails gets its [`Conflict`](crate::Conflict)
/// alone, and a member whose idempotency key is already in the log is
/// answered with the first append's positions (a later member with the
/// same key as an earlier one replays it); an SQLite error rolls back the
/// whole group and every member gets the same error (nothing of the group
/// was written; a failed commit is [`LogError::Indeterminate`] when SQLite
/// reports an I/O error, since the commit may have reached the disk).
/// Events over [`SqliteOptions::limits`] are refused before they are
/// queued, so they never fail a group. At most
/// [`SqliteOptions::queue_capacity`] appends wait for the writer.
///
/// # Idempotency keys and recorded times
///
/// The key of each keyed append, or of each keyed part of an append
/// ([`EventLog::append_parts`]), is stored in the table `goesgen_keys`
/// (primary key: the key) with the part's first and last positions (an
/// empty range for a part without events), recorded time and
/// [`Fingerprint`](crate::Fingerprint), in the same transaction as its
/// events, for as long as the file exists: keys are never removed. A part
/// whose key is there (or was stored by an earlier member of the same
/// group, or an earlier part of the same append) is a replay. A file of
/// schema version 1 (before parts) is upgraded when opened writable. The time recorded is the one
/// the append asked for ([`Append::recorded_at`]), cut to microseconds,
/// else the time of the commit.
///
/// # Write lock
///
/// [`EventLog::lock_writes`] opens a connection of its own and runs
/// `BEGIN IMMEDIATE` on it (on a blocking thread, waiting up to
/// [`SqliteOptions::busy_timeout`]): this log's writer thread and every
/// other process wait for SQLite's write lock until the lock appends (and
/// commits through that connection) or is dropped (rollback). Reads go on
/// meanwhile. An append queued in the meantime fails with
/// [`LogError::Unavailable`] if the lock is held longer than the busy
/// timeout.
///
/// # Failing safe
///
/// Errors are classified by SQLite's result code: a damaged file
/// (`SQLITE_CORRUPT`, `SQLITE_NOTADB`) or stored values of the wrong type
/// are [`LogError::Corrupt`]; a read-only or inaccessible file
/// (`SQLITE_READONLY`, `SQLITE_PERM`, `SQLITE_CANTOPEN`) is
/// [`LogError::Denied`]; a busy or locked file, an I/O error or a full disk
/// is [`LogError::Unavailable`]. Positions are checked when the log is
/// opened (they must be exactly 1 to the head, counted in one pass without
/// reading payloads, and each kind's stored newest position must be the
/// newest event of that kind), as they are read (an unfiltered read finds
/// every gap) and by the writer before each commit (the rows committed
/// since it last looked, or the newest rows when it starts): a missing
/// position or one out of range is [`LogError::Corrupt`] at the first
/// position affected. Once a handle has met [`LogError::Corrupt`] (at open,
/// or in any read, head, key lookup or append), it refuses every append
/// with `Corrupt` naming the first damaged position it found, until the
/// log is repaired and opened again; reads go on, so `goesgen log verify`
/// and repair tools can still read a damaged log.
///
/// Writers in several processes are serialised by SQLite's write lock:
/// `BEGIN IMMEDIATE` takes it at once or waits for it up to
/// [`SqliteOptions::busy_timeout`]. Positions are assigned inside that
/// transaction as the head plus one, so they are gap-free and in commit
/// order across processes.
///
/// # Readers and followers
///
/// Reads run on a small pool of read connections in
/// [`tokio::task::spawn_blocking`], each in one read transaction (a WAL
/// snapshot), so they never wait for the writer and the records and head
/// they return agree. Appends in this process publish the new head at once;
/// commits by other processes are seen by a watcher thread polling
/// `PRAGMA data_version` every [`SqliteOptions::poll_interval`].
///
/// # Checkpoints
///
/// Automatic checkpoints are off on the write connection, so no append
/// waits for one. The watcher thread instead runs a passive checkpoint
/// every [`SqliteOptions::checkpoint_interval`] while commits keep coming
/// (it never blocks readers or writers; the WAL is then reused from its
/// start), and a `TRUNCATE` checkpoint once the file has been idle for
/// [`SqliteOptions::truncate_after_idle`] (it waits at most 100 ms for
/// readers and writers, then gives up until the next idle spell).
///
/// # What survives what
///
/// | event | with `Full` (default) | with `Normal` |
/// |---|---|---|
/// | the process crashes or is killed | every acknowledged batch | every acknowledged batch |
/// | power loss, OS crash | every acknowledged batch | all but the newest batches |
///
/// In every case a batch is there whole or not at all, positions stay
/// gap-free, and a batch that was not acknowledged may or may not be there
/// (the crash may come between the commit and the answer). The same holds
/// for an append whose future is dropped after it was handed to the writer.
///
/// Needs a Tokio runtime (reads use `spawn_blocking`). Dropping the last
/// handle stops its threads and closes its subscriptions.
#[derive(Debug)]
pub struct SqliteLog {
    path: PathBuf,
    options: SqliteOptions,
    requests: tokio::sync::mpsc::Sender<writer::AppendRequest>,
    readers: Arc<read::ReadPool>,
    heads: HeadPublisher,
    /// The first damage this handle found: then it takes no appends.
    damage: Arc<Damage>,
    /// Dropping it stops the watcher thread.
    _stop_watcher: mpsc::Sender<()>,
}

impl SqliteLog {
    /// Opens (or creates) the log in the SQLite file at `path` with the
    /// default [`SqliteOptions`].
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, LogError> {
        Self::open_with(path, SqliteOptions::default()).await
    }

    /// Opens (or creates) the log in the SQLite file at `path`.
    ///
    /// Creates the tables if they are missing, switches the file to WAL
    /// mode, and starts the writer and watcher threads.
    /// A new file is created with [`SqliteOptions::file_mode`] before SQLite
    /// opens it. [`LogError::Config`] if the file holds tables of another
    /// version of this log; [`LogError::Corrupt`] if it is damaged so that
    /// SQLite cannot read it or not an SQLite database (a log whose
    /// positions or kinds are damaged opens, for reading only: see
    /// "Failing safe"); [`LogError::Denied`] if it cannot be opened or
    /// written for lack of permission; [`LogError::Unavailable`] if it
    /// cannot be opened for now.
    pub async fn open_with(
        path: impl AsRef<Path>,
        options: SqliteOptions,
    ) -> Result<Self, LogError> {
        let path = path.as_ref().to_path_buf();
        run_blocking(move || Self::open_blocking(path, options)).await
    }

    fn open_blocking(path: PathBuf, options: SqliteOptions) -> Result<Self, LogError> {
        if !options.read_only {
            connection::create_file(&path, options.file_mode)?;
        }
        let write = connection::open(&path, &options)?;
        connection::create_tables(&write, options.read_only)?;
        if let Some(master) = &options.master_key {
            personal::verify_at_open(&write, master)?;
        }
        let damage = Damage::after_open_check(check::check_log(&write))?;
        let head = read::head(&write)?;
        let watch_connection = connection::open(&path, &options)?;
        let heads = HeadPublisher::new(head);
        let requests = writer::start(write, heads.clone(), &options)?;
        let stop_watcher = watcher::start(watch_connection, heads.clone(), &options)?;
        let readers = Arc::new(read::ReadPool::new(path.clone(), options.clone()));
        tracing::debug!(path = %path.display(), head, "opened SQLite event log");
        Ok(Self {
            path,
            options,
            requests,
            readers,
            heads,
            damage,
            _stop_watcher: stop_watcher,
        })
    }

    /// This log as a [`SharedLog`] for services.
    pub fn shared(self) -> SharedLog {
        Arc::new(self)
    }

    /// The path of the SQLite file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    async fn append_now(&self, mut append: Append) -> Result<AppendedParts, LogError> {
        checks::check_append(&append, &self.options.limits)?;
        parts::normalize(&mut append);
        if !parts::may_write(&append) {
            // Nothing to write (no events, no keys): the head.
            let readers = Arc::clone(&self.readers);
            let head = run_blocking(move || readers.with_connection(read::head)).await?;
            return parts::nothing_written(&append, head);
        }
        let member = writer::Member::new(append, &self.options)?;
        let (reply, answer) = oneshot::channel();
        // Waits for room in the bounded queue without blocking the runtime.
        self.requests
            .send(writer::AppendRequest { member, reply })
            .await
            .map_err(|_| LogError::Closed)?;
        answer.await.map_err(|_| LogError::Closed)?
    }

    async fn head_now(&self) -> Result<Position, LogError> {
        let readers = Arc::clone(&self.readers);
        run_blocking(move || readers.with_connection(read::head)).await
    }

    async fn read_now(
        &self,
        after: Position,
        filter: KindFilter,
        limit: usize,
    ) -> Result<ReadBatch, LogError> {
        let readers = Arc::clone(&self.readers);
        let limits = self.options.limits;
        run_blocking(move || {
            readers.with_connection(|connection| {
                read::read(connection, after, &filter, limit, &limits)
            })
        })
        .await
    }

    async fn find_key_now(&self, key: IdempotencyKey) -> Result<Option<KeyRecord>, LogError> {
        let readers = Arc::clone(&self.readers);
        run_blocking(move || {
            readers.with_connection(|connection| read::lookup_key(connection, &key))
        })
        .await
    }
}

/// Runs blocking SQLite work off the async runtime.
async fn run_blocking<T, F>(work: F) -> Result<T, LogError>
where
    F: FnOnce() -> Result<T, LogError> + Send + 'static,
    T: Send + 'static,
{
    let runtime = tokio::runtime::Handle::try_current()
        .map_err(|_| LogError::Config("SqliteLog needs a Tokio runtime".to_owned()))?;
    match runtime.spawn_blocking(work).await {
        Ok(result) => result,
        Err(error) => Err(LogError::unavailable("SQLite worker task failed", error)),
    }
}

/// An SQLite error while `doing` something not tied to one record:
/// [`classify_at`] position 0.
fn classify(doing: &str, error: rusqlite::Error) -> LogError {
    classify_at(doing, 0, error)
}

/// The one classification of SQLite errors, by primary result code, with
/// the rusqlite error kept as the `source()` (never repeated in the
/// message):
/// - a damaged file (`SQLITE_CORRUPT`, `SQLITE_NOTADB`) or a stored value
///   of the wrong type: [`LogError::Corrupt`] at `position` (the position
///   being read, or 0), not retryable;
/// - `SQLITE_READONLY`, `SQLITE_PERM`, `SQLITE_CANTOPEN`:
///   [`LogError::Denied`], naming the code;
/// - anything else (`SQLITE_BUSY`, `SQLITE_LOCKED`, `SQLITE_IOERR`,
///   `SQLITE_FULL`, ...): [`LogError::Unavailable`], nothing was written.
fn classify_at(doing: &str, position: Position, error: rusqlite::Error) -> LogError {
    let code = match &error {
        rusqlite::Error::SqliteFailure(failure, _) => Some(failure.code),
        rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => {
            return LogError::Corrupt {
                position,
                reason: format!("{doing}: a stored value has the wrong type ({error})"),
            };
        }
        _ => None,
    };
    let denied =
        |what: &str, error| LogError::denied(format!("SQLite event log: {doing}: {what}"), error);
    match code {
        Some(ErrorCode::DatabaseCorrupt) => LogError::Corrupt {
            position,
            reason: format!("{doing}: the file is damaged (SQLITE_CORRUPT: {error})"),
        },
        Some(ErrorCode::NotADatabase) => LogError::Corrupt {
            position,
            reason: format!("{doing}: the file is not an SQLite database (SQLITE_NOTADB)"),
        },
        Some(ErrorCode::ReadOnly) => denied("the log file is read-only (SQLITE_READONLY)", error),
        Some(ErrorCode::PermissionDenied) => {
            denied("no permission to access the log file (SQLITE_PERM)", error)
        }
        Some(ErrorCode::CannotOpen) => {
            denied("the log file cannot be opened (SQLITE_CANTOPEN)", error)
        }
        _ => LogError::unavailable(format!("SQLite event log: {doing}"), error),
    }
}

impl EventLog for SqliteLog {
    fn head(&self) -> BoxFuture<'_, Result<Position, LogError>> {
        Box::pin(self.damage.read(self.head_now()))
    }

    fn read<'a>(
        &'a self,
        after: Position,
        filter: &'a KindFilter,
        limit: usize,
    ) -> BoxFuture<'a, Result<ReadBatch, LogError>> {
        Box::pin(
            self.damage
                .read(self.read_now(after, filter.clone(), limit)),
        )
    }

    fn append_with(&self, append: Append) -> BoxFuture<'_, Result<Appended, LogError>> {
        Box::pin(async move { Ok(self.damage.append(self.append_now(append)).await?.single()) })
    }

    fn keyed_parts(&self) -> bool {
        true
    }

    fn append_parts(&self, append: Append) -> BoxFuture<'_, Result<AppendedParts, LogError>> {
        Box::pin(self.damage.append(self.append_now(append)))
    }

    fn find_key<'a>(
        &'a self,
        key: &'a IdempotencyKey,
    ) -> BoxFuture<'a, Result<Option<KeyRecord>, LogError>> {
        Box::pin(self.damage.read(self.find_key_now(key.clone())))
    }

    fn lock_writes(&self) -> BoxFuture<'_, Result<Box<dyn WriteLock + '_>, LogError>> {
        Box::pin(self.damage.lock(async move {
            let lock = lock::SqliteWriteLock::take(
                self.path.clone(),
                self.options.clone(),
                self.heads.clone(),
            )
            .await?;
            let lock: Box<dyn WriteLock + '_> = Box::new(lock);
            Ok(lock)
        }))
    }

    fn subscribe(&self) -> Subscription {
        self.heads.subscribe()
    }

    fn seals_personal(&self) -> bool {
        true
    }

    fn data_keys<'a>(&'a self, ids: &'a [KeyId]) -> BoxFuture<'a, Result<DataKeys, LogError>> {
        Box::pin(self.damage.read(self.data_keys_now(ids.to_vec())))
    }

    fn forget<'a>(&'a self, subject: &'a Subject) -> BoxFuture<'a, Result<Forgot, LogError>> {
        Box::pin(self.forget_now(subject))
    }
}
