//! The identifiers the tickets schema names `id.User`, `id.Ticket` and
//! `id.Comment`, as a user who keeps string ids writes them: plain
//! `String`s. A new one is UUID-shaped text (36 characters, as goesgen's
//! Go example writes its ids), made by the generator the cqrs-es baseline
//! (`compare/cqrs-es`) uses for its ids, so that both sides of that
//! comparison pay the same for an id: a counter through splitmix64, no
//! system call.

use std::cell::Cell;

/// A user's id.
pub type User = String;
/// A ticket's id.
pub type Ticket = String;
/// A comment's id.
pub type Comment = String;

thread_local! {
    static STATE: Cell<u64> = const { Cell::new(0) };
}

fn next_u64() -> u64 {
    STATE.with(|state| {
        let next = state.get().wrapping_add(0x9e37_79b9_7f4a_7c15);
        state.set(next);
        let mut z = next;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    })
}

/// A new id: random-looking v4-UUID-shaped text, unique within the process.
pub fn new() -> String {
    let (a, b) = (next_u64(), next_u64());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        ((b >> 48) & 0x3fff) | 0x8000,
        b & 0xffff_ffff_ffff
    )
}
