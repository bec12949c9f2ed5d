//! `--seed N`: fills the log with N tickets before the scenario, so that
//! the Tickets service has a long catch-up to show (`main` draws it as a
//! progress bar from the service's progress channel).
//!
//! The tickets are all by one user, `Seeder`, created through the Users
//! service (or found from an earlier run). They are appended straight to
//! the log, as another writer would, [`BATCH`] at a time: one append, so
//! one commit, per batch (100,000 tickets are 100 appends on SQLite, not
//! 100,000 fsyncs).

use std::io::Write;

use goesgen::{Condition, Position, ServiceError, ServiceOptions, SharedLog};

use crate::auth::Caller;
use crate::scenario::Error;
use crate::schema::events::{Event, TicketCreated};
use crate::service::users::io::CreateUserIn;
use crate::service::users::{Users, UsersError, UsersService};
use crate::{TicketDescription, TicketTitle, UserName, id};

/// How many tickets one append writes.
pub const BATCH: u64 = 1_000;

/// What seeding wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seeded {
    /// The author of the seeded tickets.
    pub author: id::User,
    /// How many tickets were appended.
    pub tickets: u64,
    /// The log's head after the last one.
    pub head: Position,
}

/// Appends `tickets` new tickets to `log` in batches of [`BATCH`], by the
/// user `Seeder`; narrates to `out`.
pub async fn seed(log: &SharedLog, tickets: u64, out: &mut dyn Write) -> Result<Seeded, Error> {
    let author = seeder(log).await?;
    let description = TicketDescription::new("Seeded with --seed")?;
    let mut head = log.head().await?;
    let mut written = 0;
    while written < tickets {
        let count = BATCH.min(tickets - written);
        let mut batch = Vec::with_capacity(count as usize);
        for n in written + 1..=written + count {
            let event: Event = TicketCreated {
                id: id::Ticket::new(),
                title: TicketTitle::new(format!("Seeded ticket {n}"))?,
                description: description.clone(),
                author,
            }
            .into();
            batch.push(event.to_new_event()?);
        }
        head = log.append(batch, Condition::None).await?.last;
        written += count;
    }
    writeln!(
        out,
        "Seeded {tickets} tickets by Seeder ({author}); the log's head is {head}"
    )?;
    Ok(Seeded {
        author,
        tickets,
        head,
    })
}

/// The user `Seeder`: created, or found from an earlier run.
async fn seeder(log: &SharedLog) -> Result<id::User, Error> {
    let users = UsersService::new(
        Users,
        crate::service::users::store::in_memory()?,
        log.clone(),
        ServiceOptions::default(),
    );
    let input = CreateUserIn {
        name: UserName::new("Seeder")?,
    };
    match users.create_user(&Caller::Anonymous, input).await {
        Ok(created) => Ok(created.output.id),
        Err(ServiceError::Method(UsersError::NameTaken { by, .. })) => Ok(by),
        Err(error) => Err(error.into()),
    }
}
