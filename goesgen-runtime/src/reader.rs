//! [`LogReader`]: reads a long log in batches from a cursor, without holding
//! it all in memory, over any backend. Written once against the
//! [`EventLog`] trait, so every backend gets the same cursor rules.

use crate::error::LogError;
use crate::log::{EventLog, KindFilter, Subscription};
use crate::record::{Position, Record};

/// How many records a [`LogReader`] asks for per read unless told otherwise.
pub const DEFAULT_BATCH: usize = 1024;

/// A cursor over the log that reads it in batches.
///
/// Each [`next_batch`](LogReader::next_batch) reads the records after the
/// cursor that pass the filter, at most the batch size of them, and moves
/// the cursor to the [`through`](crate::ReadBatch::through) position the read
/// reported, so a filtered reader also moves past the events it skips.
/// `Ok(None)` means the reader has caught up with the head it saw; the
/// reader stays usable, and a later call returns what was appended since
/// (see [`next_batch_or_wait`](LogReader::next_batch_or_wait) to wait for it).
///
/// ```no_run
/// # async fn example(log: goesgen_runtime::SharedLog) -> Result<(), goesgen_runtime::LogError> {
/// use goesgen_runtime::{KindFilter, LogReader};
///
/// let mut reader = LogReader::new(&*log, KindFilter::All, 0);
/// while let Some(batch) = reader.next_batch().await? {
///     for record in batch {
///         println!("{} {}", record.position, record.kind);
///     }
/// }
/// # Ok(()) }
/// ```
pub struct LogReader<'a> {
    log: &'a dyn EventLog,
    filter: KindFilter,
    position: Position,
    batch: usize,
}

impl<'a> LogReader<'a> {
    /// A reader of the records after `after` that pass `filter`.
    pub fn new(log: &'a dyn EventLog, filter: KindFilter, after: Position) -> Self {
        Self {
            log,
            filter,
            position: after,
            batch: DEFAULT_BATCH,
        }
    }

    /// Reads at most `batch` records per read (at least 1).
    pub fn with_batch_size(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// The cursor: every matching record up to here has been returned.
    pub fn position(&self) -> Position {
        self.position
    }

    /// The next batch of matching records, or `None` when the reader has
    /// caught up with the head the read saw. On an error the cursor stays
    /// where it was. Sealed personal values come back opened with the
    /// log's keys (the forgotten marker where a key is gone); one that
    /// does not open is [`LogError::Personal`].
    pub async fn next_batch(&mut self) -> Result<Option<Vec<Record>>, LogError> {
        let mut batch = self
            .log
            .read(self.position, &self.filter, self.batch)
            .await?;
        crate::personal::open_records(self.log, &mut batch.records).await?;
        // `through` never moves backwards, whatever a backend reports.
        self.position = self.position.max(batch.through);
        if batch.records.is_empty() {
            Ok(None)
        } else {
            Ok(Some(batch.records))
        }
    }

    /// The next batch of matching records, waiting on `subscription` for
    /// the head to move while there is none.
    pub async fn next_batch_or_wait(
        &mut self,
        subscription: &mut Subscription,
    ) -> Result<Vec<Record>, LogError> {
        loop {
            if let Some(records) = self.next_batch().await? {
                return Ok(records);
            }
            subscription.wait_for(self.position + 1).await?;
        }
    }
}

impl std::fmt::Debug for LogReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogReader")
            .field("filter", &self.filter)
            .field("position", &self.position)
            .field("batch", &self.batch)
            .finish_non_exhaustive()
    }
}
