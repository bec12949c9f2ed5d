//! The example's scenario, shared by `main` and the tests: goesgen's own
//! (two users, a ticket created by one and assigned to the other, the
//! projection version around a sync, the ticket fetched), then what goesgen
//! for Rust adds: an illegal move refused by the state machine, and a
//! conflicting transaction resolved by a retry.
//!
//! It narrates to any `std::io::Write` and returns what it did, so the
//! tests can check both. On a log that already holds an earlier run's
//! events (an SQLite file), it reuses the users it finds by name.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use goesgen::service::ProgressReceiver;
use goesgen::{MethodError, ServiceError, ServiceOptions, SharedLog, Store as _};

use crate::auth::Caller;
use crate::schema::projections::TicketState;
use crate::schema::tickets::{
    AssignUserToTicketEvent, CloseTicketEvent, CreateCommentEvent, CreateTicketEvent,
    TicketsMethods, UnassignUserFromTicketEvent, UpdateTicketEvent,
};
use crate::service::tickets::io::{
    AssignUserToTicketIn, CloseTicketIn, CreateCommentIn, CreateCommentOut, CreateTicketIn,
    CreateTicketOut, GetTicketByIDOut, UnassignUserFromTicketIn, UpdateTicketIn,
};
use crate::service::tickets::store::{Read, Write as TicketsWrite};
use crate::service::tickets::{Tickets, TicketsError, TicketsService, TicketsStore};
use crate::service::users::io::CreateUserIn;
use crate::service::users::{Users, UsersError, UsersService, UsersStore};
use crate::{TicketCommentMessage, TicketDescription, TicketTitle, UserName, id};

/// What can stop the scenario.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// What the scenario did.
#[derive(Debug)]
pub struct Outcome {
    /// The log's head when it started (0 on a new log).
    pub head_at_start: u64,
    /// User A's id, and whether it was found from an earlier run.
    pub user_a: (id::User, bool),
    /// User B's id, and whether it was found from an earlier run.
    pub user_b: (id::User, bool),
    /// The ticket created, as fetched after assigning user B.
    pub ticket: GetTicketByIDOut,
    /// The Tickets projection version before and after the sync.
    pub versions: (u64, u64),
    /// The refusal of a comment on the closed ticket.
    pub refused: TicketsError,
    /// How many calls the conflicting comment took (2: one conflict, one
    /// retry).
    pub attempts: u32,
    /// How many tickets the Tickets service knew at the end.
    pub tickets_known: usize,
    /// The log's head at the end.
    pub head_at_end: u64,
}

/// The user named `name`: created, or found from an earlier run.
async fn user(
    users: &UsersService,
    name: &str,
    out: &mut dyn Write,
) -> Result<(id::User, bool), Error> {
    let input = CreateUserIn {
        name: UserName::new(name)?,
    };
    match users.create_user(&Caller::Anonymous, input).await {
        Ok(created) => {
            writeln!(
                out,
                "Created user {:?}: {} (log position {})",
                name, created.output.id, created.appended.first
            )?;
            Ok((created.output.id, false))
        }
        Err(ServiceError::Method(UsersError::NameTaken { by, .. })) => {
            writeln!(out, "User {name:?} exists from an earlier run: {by}")?;
            Ok((by, true))
        }
        Err(error) => Err(error.into()),
    }
}

/// The name of user `id`, from the Users service.
async fn name(users: &UsersService, id: id::User) -> Result<UserName, Error> {
    Ok(users.get_user_by_id(&Caller::Anonymous, id).await?.name)
}

/// Runs the scenario on `log`, with the Users projection in `users_store`.
pub async fn run(
    log: SharedLog,
    users_store: UsersStore,
    out: &mut dyn Write,
) -> Result<Outcome, Error> {
    run_watched(log, users_store, out, |_| {}).await
}

/// [`run`], handing `watch` the progress channel of the Tickets service
/// just before its first sync, the one that catches up with whatever the
/// log held (`main` draws a progress bar from it on a long log).
pub async fn run_watched(
    log: SharedLog,
    users_store: UsersStore,
    out: &mut dyn Write,
    watch: impl FnOnce(ProgressReceiver),
) -> Result<Outcome, Error> {
    let users = UsersService::new(Users, users_store, log.clone(), ServiceOptions::default());
    // This instance leaves its projection behind the log until it syncs
    // (the default, `sync_after_push(true)`, applies a service's own events
    // as it appends them), so that the scenario can show a sync catching up.
    let tickets = Arc::new(TicketsService::new(
        Tickets,
        TicketsStore::default(),
        log.clone(),
        ServiceOptions::default().sync_after_push(false),
    ));

    let head_at_start = log.head().await?;
    if head_at_start > 0 {
        writeln!(
            out,
            "The log holds {head_at_start} events from earlier runs"
        )?;
    }
    users.sync().await?;

    // goesgen's scenario.
    let user_a = user(&users, "User A", out).await?;
    let user_b = user(&users, "User B", out).await?;
    let as_a = Caller::User(user_a.0);

    watch(tickets.progress());
    let synced = tickets.sync().await?;
    let known = tickets.store().begin_read().await?;
    writeln!(
        out,
        "Tickets service synced to version {synced} (users: {}, tickets: {})",
        known.user_count(),
        known.ticket_count()
    )?;
    drop(known);

    let created = tickets
        .create_ticket(
            &as_a,
            CreateTicketIn {
                title: TicketTitle::new("Example Ticket")?,
                description: TicketDescription::new("This is an example ticket")?,
            },
        )
        .await?;
    let ticket_id = created.output.id;
    writeln!(
        out,
        "Ticket {:?} created at position {}: {ticket_id}",
        created.output.title.as_str(),
        created.appended.first
    )?;

    tickets
        .assign_user_to_ticket(
            &as_a,
            AssignUserToTicketIn {
                user: user_b.0,
                ticket: ticket_id,
            },
        )
        .await?;
    writeln!(out, "User B assigned to the ticket")?;

    let before = tickets.projection_version().await?;
    writeln!(out, "Projection version before sync: {before}")?;
    let after = tickets.sync().await?;
    writeln!(out, "Projection version after sync: {after}")?;

    let ticket = tickets.get_ticket_by_id(&as_a, ticket_id).await?;
    writeln!(out, "Found ticket {}", ticket.id)?;
    writeln!(out, "  title:       {}", ticket.title)?;
    writeln!(out, "  description: {}", ticket.description)?;
    writeln!(out, "  state:       {:?}", ticket.state)?;
    if ticket.state == TicketState::New {
        writeln!(
            out,
            "               (the schema declares only New -> New for an assignment)"
        )?;
    }
    writeln!(out, "  author:      {}", name(&users, ticket.author).await?)?;
    for assignee in &ticket.assignees {
        writeln!(out, "  assignee:    {}", name(&users, *assignee).await?)?;
    }

    // An illegal move: a comment on a closed ticket.
    tickets
        .close_ticket(&as_a, CloseTicketIn { ticket: ticket_id })
        .await?;
    writeln!(out, "Ticket closed")?;
    let head = log.head().await?;
    let comment = CreateCommentIn {
        ticket: ticket_id,
        message: TicketCommentMessage::new("One more thing...")?,
    };
    let refused = match tickets.create_comment(&as_a, comment).await {
        Err(ServiceError::Method(error)) => error,
        Ok(_) => return Err("a comment on a closed ticket was accepted".into()),
        Err(error) => return Err(error.into()),
    };
    writeln!(out, "Refused: {refused}")?;
    writeln!(
        out,
        "  (nothing appended: the log's head is still {})",
        log.head().await?
    )?;
    if log.head().await? != head {
        return Err("a refused comment appended events".into());
    }

    // A conflict resolved by retry: a second Tickets instance, with its own
    // store, comments on a new ticket while the first instance's comment
    // lands between its decision and its append.
    let discussed = tickets
        .create_ticket(
            &as_a,
            CreateTicketIn {
                title: TicketTitle::new("Discussed Ticket")?,
                description: TicketDescription::new("Two people comment at once")?,
            },
        )
        .await?
        .output
        .id;
    let second = crate::schema::tickets::TicketsService::new(
        Interrupted {
            rival: tickets.clone(),
            as_user: Caller::User(user_b.0),
            message: TicketCommentMessage::new("No, I will")?,
            interrupted: AtomicBool::new(false),
        },
        TicketsStore::default(),
        log.clone(),
        ServiceOptions::default(),
    );
    let comment = CreateCommentIn {
        ticket: discussed,
        message: TicketCommentMessage::new("I'll take this one")?,
    };
    let committed = second.create_comment(&as_a, comment).await?;
    writeln!(
        out,
        "Comment by User A appended at position {} after {} attempts ({} conflict retried)",
        committed.appended.first,
        committed.attempts,
        second.stats().conflicts
    )?;
    let seen = second.get_ticket_by_id(&as_a, discussed).await?;
    for comment in &seen.comments {
        let author = name(&users, comment.author).await?;
        writeln!(out, "  {author}: {}", comment.message)?;
    }

    tickets.sync().await?;
    let tickets_known = tickets.store().begin_read().await?.ticket_count();
    let head_at_end = log.head().await?;
    writeln!(
        out,
        "The log now holds {head_at_end} events (tickets: {tickets_known})"
    )?;
    Ok(Outcome {
        head_at_start,
        user_a,
        user_b,
        ticket,
        versions: (before, after),
        refused,
        attempts: committed.attempts,
        tickets_known,
        head_at_end,
    })
}

/// The `Tickets` methods, except that the first `CreateComment` lets
/// another instance (`rival`) comment on the same ticket after deciding,
/// as a concurrent caller would: its append then conflicts and the service
/// calls it again on the caught-up projection.
pub struct Interrupted {
    rival: Arc<TicketsService>,
    as_user: Caller,
    message: TicketCommentMessage,
    interrupted: AtomicBool,
}

/// Why an [`Interrupted`] method failed.
#[derive(Debug, thiserror::Error)]
pub enum InterruptedError {
    /// The method refused.
    #[error(transparent)]
    Tickets(#[from] TicketsError),
    /// The rival's comment failed.
    #[error("the rival's comment failed: {0}")]
    Rival(#[source] Box<ServiceError<TicketsError>>),
}

impl goesgen::DomainError for InterruptedError {}

impl TicketsMethods for Interrupted {
    type Store = TicketsStore;
    type Context = Caller;
    type Error = InterruptedError;

    async fn get_ticket_by_id(
        &self,
        ctx: &Caller,
        txn: &mut Read,
        input: id::Ticket,
    ) -> Result<GetTicketByIDOut, MethodError<InterruptedError>> {
        Tickets
            .get_ticket_by_id(ctx, txn, input)
            .await
            .map_err(|e| e.map(InterruptedError::Tickets))
    }

    async fn create_ticket(
        &self,
        ctx: &Caller,
        txn: &mut TicketsWrite,
        input: CreateTicketIn,
    ) -> Result<(CreateTicketOut, Vec<CreateTicketEvent>), MethodError<InterruptedError>> {
        Tickets
            .create_ticket(ctx, txn, input)
            .await
            .map_err(|e| e.map(InterruptedError::Tickets))
    }

    async fn assign_user_to_ticket(
        &self,
        ctx: &Caller,
        txn: &mut TicketsWrite,
        input: AssignUserToTicketIn,
    ) -> Result<((), Vec<AssignUserToTicketEvent>), MethodError<InterruptedError>> {
        Tickets
            .assign_user_to_ticket(ctx, txn, input)
            .await
            .map_err(|e| e.map(InterruptedError::Tickets))
    }

    async fn unassign_user_from_ticket(
        &self,
        ctx: &Caller,
        txn: &mut TicketsWrite,
        input: UnassignUserFromTicketIn,
    ) -> Result<((), Vec<UnassignUserFromTicketEvent>), MethodError<InterruptedError>> {
        Tickets
            .unassign_user_from_ticket(ctx, txn, input)
            .await
            .map_err(|e| e.map(InterruptedError::Tickets))
    }

    async fn close_ticket(
        &self,
        ctx: &Caller,
        txn: &mut TicketsWrite,
        input: CloseTicketIn,
    ) -> Result<((), Vec<CloseTicketEvent>), MethodError<InterruptedError>> {
        Tickets
            .close_ticket(ctx, txn, input)
            .await
            .map_err(|e| e.map(InterruptedError::Tickets))
    }

    async fn create_comment(
        &self,
        ctx: &Caller,
        txn: &mut TicketsWrite,
        input: CreateCommentIn,
    ) -> Result<(CreateCommentOut, Vec<CreateCommentEvent>), MethodError<InterruptedError>> {
        let decided = Tickets
            .create_comment(ctx, txn, input.clone())
            .await
            .map_err(|e| e.map(InterruptedError::Tickets))?;
        if !self.interrupted.swap(true, Ordering::SeqCst) {
            let theirs = CreateCommentIn {
                ticket: input.ticket,
                message: self.message.clone(),
            };
            self.rival
                .create_comment(&self.as_user, theirs)
                .await
                .map_err(|e| MethodError::Refused(InterruptedError::Rival(Box::new(e))))?;
        }
        Ok(decided)
    }

    async fn update_ticket(
        &self,
        ctx: &Caller,
        txn: &mut TicketsWrite,
        input: UpdateTicketIn,
    ) -> Result<((), Vec<UpdateTicketEvent>), MethodError<InterruptedError>> {
        Tickets
            .update_ticket(ctx, txn, input)
            .await
            .map_err(|e| e.map(InterruptedError::Tickets))
    }
}
