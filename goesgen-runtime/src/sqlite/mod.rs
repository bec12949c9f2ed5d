//! [`SqliteLog`]: the embedded, durable event log in one SQLite file, which
//! several processes on one machine may share.
//!
//! - `connection`: opening a connection with the log's settings, and the
//!   tables.
//! - `writer`: the writer thread that commits appends in groups.
//! - `read`: the pool of read connections and decoding of stored rows.
//! - `watcher`: the thread that sees other processes' commits and keeps
//!   the write-ahead log short.

mod connection;
mod read;
mod watcher;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use tokio::sync::{oneshot, watch};

use crate::error::LogError;
use crate::log::{
    Append, Appended, BoxFuture, Condition, EventLog, IdempotencyKey, KindFilter, ReadBatch,
    SharedLog, Subscription, WriteLock,
};
use crate::record::{NewEvent, Position};
use crate::stored;

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
/// alone; an SQLite error rolls back the whole group and every member gets
/// [`LogError::Unavailable`] (nothing of the group was written).
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
    requests: mpsc::Sender<writer::AppendRequest>,
    readers: Arc<read::ReadPool>,
    heads: watch::Sender<Position>,
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
    /// [`LogError::Config`] if the file holds tables of another version of
    /// this log; [`LogError::Unavailable`] if it cannot be opened.
    pub async fn open_with(
        path: impl AsRef<Path>,
        options: SqliteOptions,
    ) -> Result<Self, LogError> {
        let path = path.as_ref().to_path_buf();
        run_blocking(move || Self::open_blocking(path, options)).await
    }

    fn open_blocking(path: PathBuf, options: SqliteOptions) -> Result<Self, LogError> {
        let write = connection::open(&path, &options)?;
        connection::create_tables(&write)?;
        let head = read::head(&write)?;
        let watch_connection = connection::open(&path, &options)?;
        let (heads, _) = watch::channel(head);
        let requests = writer::start(write, heads.clone(), options.max_group)?;
        let stop_watcher = watcher::start(watch_connection, heads.clone(), &options)?;
        let readers = Arc::new(read::ReadPool::new(path.clone(), options));
        tracing::debug!(path = %path.display(), head, "opened SQLite event log");
        Ok(Self {
            path,
            requests,
            readers,
            heads,
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

    async fn append_events(
        &self,
        events: Vec<NewEvent>,
        condition: Condition,
    ) -> Result<Appended, LogError> {
        stored::check_batch(&events, &crate::LogLimits::default())?;
        if events.is_empty() {
            let head = self.head_now().await?;
            let (recorded_at, _) = stored::now();
            return Ok(Appended {
                first: head + 1,
                last: head,
                recorded_at,
                replayed: false,
            });
        }
        let events = writer::to_text(events)?;
        let (reply, answer) = oneshot::channel();
        self.requests
            .send(writer::AppendRequest {
                events,
                condition,
                reply,
            })
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
        run_blocking(move || {
            readers.with_connection(|connection| read::read(connection, after, &filter, limit))
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

/// An SQLite error as a [`LogError::Unavailable`] saying what was being done.
fn unavailable(doing: &str, error: rusqlite::Error) -> LogError {
    LogError::unavailable(format!("SQLite event log: {doing}"), error)
}

impl EventLog for SqliteLog {
    fn head(&self) -> BoxFuture<'_, Result<Position, LogError>> {
        Box::pin(self.head_now())
    }

    fn read<'a>(
        &'a self,
        after: Position,
        filter: &'a KindFilter,
        limit: usize,
    ) -> BoxFuture<'a, Result<ReadBatch, LogError>> {
        Box::pin(self.read_now(after, filter.clone(), limit))
    }

    fn append_with(&self, append: Append) -> BoxFuture<'_, Result<Appended, LogError>> {
        Box::pin(async move {
            if append.key.is_some() {
                return Err(LogError::Config(
                    "idempotency keys are not supported by this backend yet".to_owned(),
                ));
            }
            self.append_events(append.events, append.condition).await
        })
    }

    fn find_key<'a>(
        &'a self,
        _key: &'a IdempotencyKey,
    ) -> BoxFuture<'a, Result<Option<Appended>, LogError>> {
        Box::pin(std::future::ready(Err(LogError::Config(
            "idempotency keys are not supported by this backend yet".to_owned(),
        ))))
    }

    fn lock_writes(&self) -> BoxFuture<'_, Result<Box<dyn WriteLock + '_>, LogError>> {
        Box::pin(std::future::ready(Err(LogError::Config(
            "write locks are not supported by this backend yet".to_owned(),
        ))))
    }

    fn subscribe(&self) -> Subscription {
        Subscription::new(self.heads.subscribe())
    }
}
