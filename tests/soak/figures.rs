//! What the drill did and saw: the figures it prints and checks, each
//! client's counts, and when an unexpected answer was seen.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What the drill did and saw.
#[derive(Debug, Default)]
pub struct Figures {
    pub calls: u64,
    pub acknowledged: u64,
    pub duplicates: u64,
    pub unresolved: u64,
    pub tries: u64,
    pub disconnects: u64,
    pub connection_errors: u64,
    /// Answers worth another try with the same key, by problem code.
    pub retried_answers: BTreeMap<String, u64>,
    /// Answers no call should get (status, code and detail), tried again:
    /// how many, and when.
    pub unexpected: BTreeMap<String, Seen>,
    pub kills: u64,
    pub refused_appended: u64,
    pub third_writer_errors: Vec<String>,
    pub skipped_by_replay: u64,
    pub head: u64,
    pub traffic: Duration,
}

impl Figures {
    pub fn add(&mut self, client: ClientFigures) {
        self.tries += client.tries;
        self.disconnects += client.disconnects;
        self.connection_errors += client.connection_errors;
        for (code, n) in client.retried_answers {
            *self.retried_answers.entry(code).or_default() += n;
        }
        for (answer, seen) in client.unexpected {
            match self.unexpected.get_mut(&answer) {
                Some(known) => known.merge(&seen),
                None => drop(self.unexpected.insert(answer, seen)),
            }
        }
    }

    /// The closing note's line.
    pub fn print(&self, backend: &str) {
        println!(
            "soak [{backend}]: {:.1} s of traffic; calls {} (acknowledged {}, duplicates \
             refused {}, unresolved {}); tries {} (retries {}); disconnects {}; connection \
             errors {}; retried answers {:?}; unexpected answers {}; kills {}; refused records \
             appended {} (skipped by a replay {}); log head {}",
            self.traffic.as_secs_f64(),
            self.calls,
            self.acknowledged,
            self.duplicates,
            self.unresolved,
            self.tries,
            self.tries.saturating_sub(self.calls),
            self.disconnects,
            self.connection_errors,
            self.retried_answers,
            self.unexpected.values().map(|seen| seen.count).sum::<u64>(),
            self.kills,
            self.refused_appended,
            self.skipped_by_replay,
            self.head,
        );
    }
}

/// One client's counts.
#[derive(Default)]
pub struct ClientFigures {
    pub tries: u64,
    pub disconnects: u64,
    pub connection_errors: u64,
    pub retried_answers: BTreeMap<String, u64>,
    pub unexpected: BTreeMap<String, Seen>,
}

impl ClientFigures {
    pub fn unexpected(&mut self, answer: String) {
        let now = Instant::now();
        self.unexpected
            .entry(answer)
            .and_modify(|seen| seen.merge(&Seen::once(now)))
            .or_insert_with(|| Seen::once(now));
    }
}

/// How many times something was seen, first and last.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    pub count: u64,
    pub first: Instant,
    pub last: Instant,
}

impl Seen {
    fn once(at: Instant) -> Self {
        Self {
            count: 1,
            first: at,
            last: at,
        }
    }

    fn merge(&mut self, other: &Seen) {
        self.count += other.count;
        self.first = self.first.min(other.first);
        self.last = self.last.max(other.last);
    }
}
