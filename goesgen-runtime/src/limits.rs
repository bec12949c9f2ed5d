//! [`LogLimits`]: the sizes an event log accepts and hands out at once, the
//! same for every backend: the longest kind, the largest payload, and the
//! bytes one read returns. They keep one oversized event or a few huge
//! records from exhausting memory or failing the other appends of a group
//! commit.

/// The default longest event kind, in bytes.
pub const DEFAULT_MAX_KIND_BYTES: usize = 256;
/// The default largest payload of one event, in bytes (4 MiB).
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 4 * 1024 * 1024;
/// The default byte budget of one read (16 MiB of payloads).
pub const DEFAULT_MAX_READ_BYTES: usize = 16 * 1024 * 1024;

/// The sizes a log accepts and returns. [`LogLimits::default`]: kinds up to
/// 256 bytes, payloads up to 4 MiB, reads up to 16 MiB of payloads.
///
/// An append with an event over a limit is refused with
/// [`LogError::InvalidEvent`](crate::LogError::InvalidEvent) naming the
/// event's index; only that append fails, not others committed in the same
/// group. A read stops once its records' payloads reach
/// [`max_read_bytes`](Self::max_read_bytes) (always returning at least one
/// record, so a reader makes progress) and reports how far it got in
/// [`ReadBatch::through`](crate::ReadBatch::through).
///
/// ```
/// use goesgen_runtime::LogLimits;
///
/// let limits = LogLimits::default().max_payload_bytes(64 * 1024);
/// assert_eq!(limits.payload_bytes(), 64 * 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLimits {
    max_kind_bytes: usize,
    max_payload_bytes: usize,
    max_read_bytes: usize,
}

impl Default for LogLimits {
    fn default() -> Self {
        Self {
            max_kind_bytes: DEFAULT_MAX_KIND_BYTES,
            max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES,
            max_read_bytes: DEFAULT_MAX_READ_BYTES,
        }
    }
}

impl LogLimits {
    /// The longest kind accepted, in bytes (at least 1).
    pub fn max_kind_bytes(mut self, bytes: usize) -> Self {
        self.max_kind_bytes = bytes.max(1);
        self
    }

    /// The largest payload accepted, in bytes (at least 2: `{}`).
    pub fn max_payload_bytes(mut self, bytes: usize) -> Self {
        self.max_payload_bytes = bytes.max(2);
        self
    }

    /// The payload bytes after which a read stops (at least 1).
    pub fn max_read_bytes(mut self, bytes: usize) -> Self {
        self.max_read_bytes = bytes.max(1);
        self
    }

    /// The longest kind accepted, in bytes.
    pub fn kind_bytes(&self) -> usize {
        self.max_kind_bytes
    }

    /// The largest payload accepted, in bytes.
    pub fn payload_bytes(&self) -> usize {
        self.max_payload_bytes
    }

    /// The payload bytes after which a read stops.
    pub fn read_bytes(&self) -> usize {
        self.max_read_bytes
    }
}
