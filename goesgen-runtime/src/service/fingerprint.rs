//! [`StoreFingerprint`]: what a store's projections were built from, kept
//! beside its version so that a service notices a stale store. Two parts:
//! a hash of what the schema says about the service's projections
//! (computed by the generated code at compile time) and a revision the
//! user bumps when the apply functions change.

use std::fmt;
use std::str::FromStr;

/// What a store's projections were built from: the schema's part (a hash
/// of the events the service subscribes to, their properties' names and
/// types, and the projections it keeps with their states and transitions)
/// and the revision of its apply functions (the `REVISION` constant of the
/// user's store trait, 0 unless bumped).
///
/// Written as text as `<schema, 16 hex digits>-<revision>`, e.g.
/// `9f3c2a0b1d4e5f60-2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StoreFingerprint {
    /// The hash of what the schema says about the service's projections.
    pub schema: u64,
    /// The revision of the store's apply functions.
    pub revision: u32,
}

impl fmt::Display for StoreFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}-{}", self.schema, self.revision)
    }
}

/// A text that is not a [`StoreFingerprint`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a store fingerprint (16 hex digits, a dash, a revision)")]
pub struct BadFingerprint(pub String);

impl FromStr for StoreFingerprint {
    type Err = BadFingerprint;

    fn from_str(text: &str) -> Result<Self, BadFingerprint> {
        let bad = || BadFingerprint(text.to_owned());
        let (schema, revision) = text.split_once('-').ok_or_else(bad)?;
        if schema.len() != 16 {
            return Err(bad());
        }
        Ok(Self {
            schema: u64::from_str_radix(schema, 16).map_err(|_| bad())?,
            revision: revision.parse().map_err(|_| bad())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_reads_back_what_it_writes_and_refuses_other_text() {
        let fingerprint = StoreFingerprint {
            schema: 0x9f3c_2a0b_1d4e_5f60,
            revision: 2,
        };
        assert_eq!(fingerprint.to_string(), "9f3c2a0b1d4e5f60-2");
        assert_eq!("9f3c2a0b1d4e5f60-2".parse(), Ok(fingerprint));
        for bad in [
            "",
            "9f3c2a0b1d4e5f60",
            "9f3c-2",
            "9f3c2a0b1d4e5f6g-2",
            "9f3c2a0b1d4e5f60-x",
        ] {
            assert!(bad.parse::<StoreFingerprint>().is_err(), "{bad}");
        }
    }
}
