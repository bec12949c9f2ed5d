//! The helpers the checks share, public for a backend's own tests: events,
//! appends, reads and the keys and fingerprints of parts.

use crate::{
    Append, Appended, AppendedParts, Condition, Conflict, Fingerprint, IdempotencyKey, KindFilter,
    LogError, LogReader, NewEvent, Position, Record, SharedLog,
};
use serde_json::{Value, json};

/// An event of `kind` with a JSON payload.
pub fn event(kind: &str, payload: Value) -> NewEvent {
    NewEvent::new(kind, payload.to_string())
}

/// Appends unconditionally and returns what was appended.
pub async fn append(log: &SharedLog, events: Vec<NewEvent>) -> Appended {
    log.append(events, Condition::None)
        .await
        .expect("unconditional append")
}

/// Every record of the log, read with the batched reader.
pub async fn read_all(log: &SharedLog) -> Vec<Record> {
    let mut reader = LogReader::new(&**log, KindFilter::All, 0).with_batch_size(500);
    let mut all = Vec::new();
    while let Some(batch) = reader.next_batch().await.expect("read") {
        all.extend(batch);
    }
    all
}

/// The payload of a record as JSON.
pub fn payload(record: &Record) -> Value {
    serde_json::from_slice(&record.payload).expect("stored payload is JSON")
}

/// The conflict inside an append's error, failing the check otherwise.
pub fn expect_conflict(result: Result<Appended, LogError>) -> Conflict {
    match result {
        Err(LogError::Conflict(conflict)) => conflict,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

pub(super) fn assert_positions(records: &[Record], expected: impl IntoIterator<Item = Position>) {
    let got: Vec<Position> = records.iter().map(|r| r.position).collect();
    let expected: Vec<Position> = expected.into_iter().collect();
    assert_eq!(got, expected, "positions of the records read");
}

/// How a check appends parts: straight to the log, or through its write
/// lock (the same promises hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// [`EventLog::append_parts`](crate::EventLog::append_parts).
    Log,
    /// [`WriteLock::append_parts`](crate::WriteLock::append_parts)
    /// on a lock taken for the append.
    Lock,
}

/// Appends `append` with parts, `via` the log or its write lock.
pub async fn append_parts(
    log: &SharedLog,
    via: Via,
    append: Append,
) -> Result<AppendedParts, LogError> {
    match via {
        Via::Log => log.append_parts(append).await,
        Via::Lock => log.lock_writes().await?.append_parts(append).await,
    }
}

/// An idempotency key from text.
pub fn key(text: &str) -> IdempotencyKey {
    IdempotencyKey::new(text).expect("key")
}

/// A fingerprint from text.
pub fn print(text: &str) -> Fingerprint {
    Fingerprint::new(text).expect("fingerprint")
}

/// The (first, last, replayed) of each part.
pub(super) fn part_spans(appended: &AppendedParts) -> Vec<(Position, Position, bool)> {
    appended
        .parts
        .iter()
        .map(|p| (p.appended.first, p.appended.last, p.appended.replayed))
        .collect()
}

/// `n` events of `kind`.
pub(super) fn events(kind: &str, n: usize) -> Vec<NewEvent> {
    (0..n).map(|i| event(kind, json!({"i": i}))).collect()
}

/// The kinds of the log's records, in order.
pub(super) async fn kinds(log: &SharedLog) -> Vec<String> {
    read_all(log).await.into_iter().map(|r| r.kind).collect()
}
