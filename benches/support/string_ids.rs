//! The identifiers the tickets schema names `id.User`, `id.Ticket` and
//! `id.Comment`, as a user who keeps string ids writes them: plain
//! `String`s. A new one is UUID-shaped text (36 characters, as goesgen's
//! Go example writes its ids), made by [`Ids`]: a counter through
//! splitmix64, no system call. The cqrs-es baseline (`compare/cqrs-es`)
//! includes this file and makes its ids with the same generator (seeded
//! per round), so that both sides of that comparison pay the same for an
//! id.

use std::cell::Cell;

/// A user's id.
pub type User = String;
/// A ticket's id.
pub type Ticket = String;
/// A comment's id.
pub type Comment = String;

/// A generator of ids: a counter through splitmix64, from a seed.
#[derive(Clone, Copy)]
pub struct Ids(pub u64);

impl Ids {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// The next id: random-looking v4-UUID-shaped text, unique among the
    /// ids of this generator.
    pub fn next_id(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            ((b >> 48) & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }
}

thread_local! {
    static IDS: Cell<Ids> = const { Cell::new(Ids(0)) };
}

/// A new id, unique within the process.
pub fn new() -> String {
    IDS.with(|ids| {
        let mut next = ids.get();
        let id = next.next_id();
        ids.set(next);
        id
    })
}
