//! Reading the memory log: the head, and a read that walks the records
//! (every kind) or merges the positions indexed per kind (a filter), within
//! the read's budget.

use super::{MemoryLog, lock};
use crate::backend::budget::{self, ReadBudget};
use crate::log::{KindFilter, ReadBatch};
use crate::record::{Position, Record};

impl MemoryLog {
    pub(super) fn head_now(&self) -> Position {
        lock(&self.state).records.len() as Position
    }

    pub(super) fn read_now(&self, after: Position, filter: &KindFilter, limit: usize) -> ReadBatch {
        let state = lock(&self.state);
        let head = state.records.len() as Position;
        let start = usize::try_from(after).unwrap_or(usize::MAX);
        let mut budget = ReadBudget::new(limit, &self.limits);
        let mut records: Vec<Record> = Vec::new();
        let mut take = |record: &Record| {
            if budget.is_full() {
                return false;
            }
            budget.take(record.payload.len());
            records.push(record.clone());
            true
        };
        match filter {
            KindFilter::All => {
                for record in state.records.iter_from(start) {
                    if !take(record) {
                        break;
                    }
                }
            }
            KindFilter::Kinds(kinds) => {
                let mut positions: Vec<Position> = Vec::new();
                for kind in kinds {
                    if let Some(of_kind) = state.by_kind.get(kind) {
                        let first = of_kind.partition_point(|p| *p <= after);
                        positions.extend(of_kind.iter_from(first).take(limit));
                    }
                }
                positions.sort_unstable();
                for p in positions {
                    // The index only holds positions of records.
                    let Some(record) = state.records.get((p - 1) as usize) else {
                        break;
                    };
                    if !take(record) {
                        break;
                    }
                }
            }
        }
        let through = budget::covered_through(after, head, &budget, &records);
        ReadBatch {
            records,
            head,
            through,
        }
    }
}
