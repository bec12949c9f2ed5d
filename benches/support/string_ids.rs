//! The identifiers the tickets schema names `id.User`, `id.Ticket` and
//! `id.Comment`, as a user who keeps string ids writes them: plain
//! `String`s. A new one is a random (v4) UUID's text, as goesgen's Go
//! example writes its ids.

/// A user's id.
pub type User = String;
/// A ticket's id.
pub type Ticket = String;
/// A comment's id.
pub type Comment = String;

/// A new, random id.
pub fn new() -> String {
    uuid::Uuid::new_v4().to_string()
}
