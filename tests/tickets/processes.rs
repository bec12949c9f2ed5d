//! Users and Tickets as two separately started processes on one SQLite
//! log file. The test re-executes its own binary: a child running only the
//! Users service creates users; a child running only the Tickets service
//! syncs, sees them and assigns one to a new ticket; a third child, Users
//! again, finds the names taken. The parent checks the file. The children
//! are ignored tests, run only by their parent (`--exact --ignored`).

use goesgen::Store as _;

use super::*;
use crate::schema::events::EventKind;
use crate::service::tickets::io::{AssignUserToTicketIn, CreateTicketIn};
use crate::service::users::UsersError;
use crate::service::users::io::CreateUserIn;

/// Names the child's task; unset in a normal test run.
const TASK: &str = "GOESGEN_TICKETS_CHILD";
/// The SQLite log file the children share.
const LOG: &str = "GOESGEN_TICKETS_LOG";

/// Runs the child test `name` (ignored: only its parent runs it) with
/// `env`, returns what it reported: the text after `@@ ` on each line of its
/// stdout (the test harness may print its own words before it on the same
/// line).
fn child(name: &str, env: &[(&str, String)]) -> Vec<String> {
    let output = crate::rerun::ignored_test(name)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "child {name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .filter_map(|l| l.find("@@ ").map(|i| l[i + 3..].to_string()))
        .collect()
}

fn word(line: &str, index: usize) -> &str {
    line.split(' ').nth(index).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_and_tickets_as_two_processes_on_one_sqlite_log() {
    let path = fresh_path("processes");
    let log_env = (LOG, path.display().to_string());

    let users = child(
        "processes::child_users",
        &[(TASK, "users".into()), log_env.clone()],
    );
    assert_eq!(users.len(), 2, "{users:?}");
    assert!(users.iter().all(|l| l.starts_with("USER ")), "{users:?}");
    let (a, b) = (
        word(&users[0], 1).to_string(),
        word(&users[1], 1).to_string(),
    );

    let tickets = child(
        "processes::child_tickets",
        &[
            (TASK, "tickets".into()),
            log_env.clone(),
            ("GOESGEN_TICKETS_A", a.clone()),
            ("GOESGEN_TICKETS_B", b.clone()),
        ],
    );
    assert_eq!(tickets.len(), 1, "{tickets:?}");

    // The Users process again: the names are taken, by the same users.
    let again = child("processes::child_users", &[(TASK, "users".into()), log_env]);
    assert_eq!(
        again,
        vec![format!("TAKEN {a} User A"), format!("TAKEN {b} User B")]
    );

    let log = goesgen::SqliteLog::open(&path).await.unwrap().shared();
    let kinds: Vec<EventKind> = events_in(&log).await.iter().map(Event::kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::UserCreated,
            EventKind::UserCreated,
            EventKind::TicketCreated,
            EventKind::UserAssignedToTicket
        ]
    );
}

async fn child_log() -> SharedLog {
    std::env::var(TASK).unwrap_or_else(|_| panic!("run by its parent test, which sets {TASK}"));
    let path = std::env::var(LOG).unwrap();
    goesgen::SqliteLog::open(path).await.unwrap().shared()
}

/// Child: the Users service alone creates "User A" and "User B".
#[tokio::test]
#[ignore = "a child process of users_and_tickets_as_two_processes_on_one_sqlite_log, which runs it"]
async fn child_users() {
    let log = child_log().await;
    let users = UsersService::new(
        Users,
        crate::service::users::store::in_memory().unwrap(),
        log,
        ServiceOptions::default(),
    );
    for name in ["User A", "User B"] {
        let input = CreateUserIn {
            name: UserName::new(name).unwrap(),
        };
        match users.create_user(&Caller::Anonymous, input).await {
            Ok(created) => println!("@@ USER {} {name}", created.output.id),
            Err(goesgen::ServiceError::Method(UsersError::NameTaken { by, .. })) => {
                println!("@@ TAKEN {by} {name}")
            }
            Err(error) => panic!("{error}"),
        }
    }
}

/// Child: the Tickets service alone sees the users and assigns one.
#[tokio::test]
#[ignore = "a child process of users_and_tickets_as_two_processes_on_one_sqlite_log, which runs it"]
async fn child_tickets() {
    let log = child_log().await;
    let id = |var: &str| std::env::var(var).unwrap().parse::<id::User>().unwrap();
    let (a, b) = (id("GOESGEN_TICKETS_A"), id("GOESGEN_TICKETS_B"));
    let tickets = TicketsService::new(
        Tickets,
        TicketsStore::default(),
        log,
        ServiceOptions::default(),
    );
    tickets.sync().await.unwrap();
    {
        let projection = tickets.store().begin_read().await.unwrap();
        assert!(projection.has_user(&a) && projection.has_user(&b));
    }
    let ticket = tickets
        .create_ticket(
            &as_user(a),
            CreateTicketIn {
                title: TicketTitle::new("Cross-process").unwrap(),
                description: TicketDescription::new("").unwrap(),
            },
        )
        .await
        .unwrap()
        .output
        .id;
    tickets
        .assign_user_to_ticket(&as_user(a), AssignUserToTicketIn { user: b, ticket })
        .await
        .unwrap();
    println!("@@ TICKET {ticket}");
}
