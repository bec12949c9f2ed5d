//! The code generated from the tickets example's schema file, unchanged
//! (`examples/tickets/schema.yml`), for a bench crate of its own types.
//!
//! The schema's type references resolve from the including crate's root:
//! `id.User` is `crate::id::User` (a `String` in `support/string_ids.rs`),
//! `TicketTitle` is `crate::TicketTitle`, `service.tickets.io.CreateTicketIn`
//! is `crate::service::tickets::io::CreateTicketIn` (`support/tickets_io.rs`).

goesgen::include_schema!("../../examples/tickets/schema.yml");
