//! The scenario over HTTP (feature `http`): goesgen's tickets scenario
//! through the generated clients against running servers (`serve`): two
//! users created through Users, a ticket created and assigned through
//! Tickets (which is told the position of the users' creation, so it knows
//! them at once), the ticket fetched, closed, and a comment on it refused
//! by the state machine.
//!
//! ```text
//! cargo run --example tickets --features http -- --remote http://127.0.0.1:8080
//! ```

use std::io::Write;

use goesgen::http::{ClientError, HttpClient, RequestOptions};

use crate::schema::tickets::TicketsClient;
use crate::schema::users::UsersClient;
use crate::service::tickets::io::{
    AssignUserToTicketIn, CloseTicketIn, CreateCommentIn, CreateTicketIn, GetTicketByIDOut,
};
use crate::service::users::io::CreateUserIn;
use crate::{TicketCommentMessage, TicketDescription, TicketTitle, UserName, id};

/// What can stop the scenario.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// What the scenario did.
#[derive(Debug)]
pub struct RemoteOutcome {
    /// User A's id, and whether it was found from an earlier run.
    pub user_a: (id::User, bool),
    /// User B's id, and whether it was found from an earlier run.
    pub user_b: (id::User, bool),
    /// The ticket, as fetched after assigning user B.
    pub ticket: GetTicketByIDOut,
    /// The author's and the assignees' names, from Users.
    pub names: Vec<String>,
    /// The code of the refusal of a comment on the closed ticket.
    pub refused: String,
    /// The last position the scenario's writes appended at.
    pub last_position: u64,
}

/// The user named `name`, created through Users (or found: a `name-taken`
/// problem names the user who has the name), with the position of its
/// creation (0 when found).
async fn user(
    users: &UsersClient,
    name: &str,
    out: &mut dyn Write,
) -> Result<(id::User, bool, u64), Error> {
    let input = CreateUserIn {
        name: UserName::new(name)?,
    };
    match users.create_user(input).await {
        Ok(created) => {
            writeln!(
                out,
                "Created user {name:?}: {} (log position {})",
                created.output.id, created.positions.first
            )?;
            Ok((created.output.id, false, created.positions.last))
        }
        Err(ClientError::Problem { problem, .. }) if problem.code == "name-taken" => {
            let by = problem
                .get("user")
                .and_then(|user| user.as_str())
                .ok_or("a name-taken problem without the user")?
                .parse::<id::User>()?;
            writeln!(out, "User {name:?} exists from an earlier run: {by}")?;
            Ok((by, true, 0))
        }
        Err(error) => Err(error.into()),
    }
}

/// Runs the scenario against the Users server at `users_url` and the
/// Tickets server at `tickets_url` (the same URL when one server runs
/// both).
pub async fn run(
    users_url: &str,
    tickets_url: &str,
    out: &mut dyn Write,
) -> Result<RemoteOutcome, Error> {
    let users = UsersClient::new(HttpClient::new(users_url));
    let (a, found_a, at_a) = user(&users, "User A", out).await?;
    let (b, found_b, at_b) = user(&users, "User B", out).await?;
    let seen = at_a.max(at_b);

    let as_a = TicketsClient::new(HttpClient::new(tickets_url).bearer(&a.to_string()));
    // Tickets has not necessarily seen the users yet: it catches up to the
    // position of their creation before it decides.
    let created = as_a
        .create_ticket_with(
            CreateTicketIn {
                title: TicketTitle::new("Example Ticket")?,
                description: TicketDescription::new("This is an example ticket")?,
            },
            RequestOptions::new().seen(seen),
        )
        .await?;
    let ticket_id = created.output.id;
    writeln!(
        out,
        "Ticket {:?} created at position {}: {ticket_id}",
        created.output.title.as_str(),
        created.positions.first
    )?;
    let assigned = as_a
        .assign_user_to_ticket(AssignUserToTicketIn {
            user: b,
            ticket: ticket_id,
        })
        .await?;
    writeln!(
        out,
        "User B assigned to the ticket (position {})",
        assigned.positions.first
    )?;

    let ticket = as_a.get_ticket_by_id(ticket_id).await?;
    writeln!(out, "Found ticket {}", ticket.id)?;
    writeln!(out, "  title:       {}", ticket.title)?;
    writeln!(out, "  description: {}", ticket.description)?;
    writeln!(out, "  state:       {:?}", ticket.state)?;
    let mut names = Vec::new();
    let author = users.get_user_by_id(ticket.author).await?.name;
    writeln!(out, "  author:      {author}")?;
    names.push(author.to_string());
    for assignee in &ticket.assignees {
        let name = users.get_user_by_id(*assignee).await?.name;
        writeln!(out, "  assignee:    {name}")?;
        names.push(name.to_string());
    }

    let closed = as_a
        .close_ticket(CloseTicketIn { ticket: ticket_id })
        .await?;
    writeln!(out, "Ticket closed (position {})", closed.positions.first)?;
    let comment = CreateCommentIn {
        ticket: ticket_id,
        message: TicketCommentMessage::new("One more thing...")?,
    };
    let refused = match as_a.create_comment(comment).await {
        Err(ClientError::Problem { problem, .. }) => problem,
        Ok(_) => return Err("a comment on a closed ticket was accepted".into()),
        Err(error) => return Err(error.into()),
    };
    writeln!(
        out,
        "Refused: {} {} ({})",
        refused.status, refused.code, refused.detail
    )?;
    Ok(RemoteOutcome {
        user_a: (a, found_a),
        user_b: (b, found_b),
        ticket,
        names,
        refused: refused.code,
        last_position: closed.positions.last,
    })
}
