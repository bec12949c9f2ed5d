//! [`ReadBudget`]: how much one read may still take, and
//! [`covered_through`], what a read's batch says it covered.

use crate::limits::LogLimits;
use crate::record::{Position, Record};

/// How much one read may still take: at most `limit` records, and no more
/// once their payloads reach the byte budget of the log's [`LogLimits`]
/// (the record that crosses it is the last one taken, so every read that
/// may take a record takes at least one). Backends count records as they
/// stream them and stop when [`is_full`](Self::is_full).
#[derive(Debug, Clone, Copy)]
pub struct ReadBudget {
    limit: usize,
    max_bytes: usize,
    count: usize,
    bytes: usize,
}

impl ReadBudget {
    /// A budget of `limit` records and the read bytes of `limits`.
    pub fn new(limit: usize, limits: &LogLimits) -> Self {
        Self {
            limit,
            max_bytes: limits.read_bytes(),
            count: 0,
            bytes: 0,
        }
    }

    /// Counts a record with a payload of `payload_bytes`; true when the
    /// read must stop after it.
    pub fn take(&mut self, payload_bytes: usize) -> bool {
        self.count += 1;
        self.bytes = self.bytes.saturating_add(payload_bytes);
        self.is_full()
    }

    /// Whether the read may take no more records.
    pub fn is_full(&self) -> bool {
        self.count >= self.limit || self.bytes >= self.max_bytes
    }
}

/// The [`ReadBatch::through`](crate::ReadBatch::through) of a read after
/// `after` that saw `head`, returned `records` and spent `budget`: the last
/// record's position when the budget cut the read short, else the head.
pub fn covered_through(
    after: Position,
    head: Position,
    budget: &ReadBudget,
    records: &[Record],
) -> Position {
    match records.last() {
        Some(last) if budget.is_full() => last.position,
        _ if budget.limit == 0 => after.min(head),
        _ => head,
    }
}
