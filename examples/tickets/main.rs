//! goesgen's tickets example in Rust: a JIRA-like ticket system of two
//! services, `Users` (its projection in SQLite) and `Tickets` (in memory),
//! sharing one event log, generated from goesgen's own `schema.yml` (a copy
//! of goesgen's file under its BSD 3-Clause licence, `LICENSE` beside it).
//!
//! ```text
//! cargo run --example tickets                                   # MemoryLog
//! cargo run --example tickets -- --log sqlite:tickets.db        # SQLite file
//! cargo run --example tickets --features postgres -- --log postgres:'host=localhost user=me'
//! cargo run --example tickets -- --users-db users.db            # Users projection in a file
//! cargo run --example tickets --features http -- serve --log sqlite:tickets.db [--addr 127.0.0.1:8080]
//! cargo run --example tickets --features http -- --remote http://127.0.0.1:8080
//! ```
//!
//! Run it twice on the same SQLite file: the second run finds the first
//! run's users and tickets after its sync and reuses the users.

pub mod auth;
pub mod domain;
pub mod id;
#[cfg(feature = "http")]
pub mod remote;
pub mod scenario;
pub mod schema;
#[cfg(feature = "http")]
pub mod serve;
pub mod service;

pub use domain::{InvalidValue, TicketCommentMessage, TicketDescription, TicketTitle, UserName};

use service::users::UsersStore;

const USAGE: &str = "usage: tickets [serve [--addr HOST:PORT] [--services users,tickets]] \
                     [--log memory|sqlite:PATH|postgres:CONNINFO] [--users-db PATH] [--remote URL]";

/// The command line.
struct Args {
    log: String,
    users_db: Option<String>,
    /// Over HTTP (feature `http`): serve, or run the scenario remotely.
    http: HttpArgs,
}

/// The command line's HTTP part (`serve.rs`, `remote.rs`).
#[derive(Default)]
struct HttpArgs {
    serve: bool,
    addr: Option<String>,
    services: Option<String>,
    remote: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        log: "memory".to_string(),
        users_db: None,
        http: HttpArgs::default(),
    };
    let mut words = std::env::args().skip(1);
    while let Some(word) = words.next() {
        let mut value = |flag: &str| words.next().ok_or(format!("{flag} needs a value"));
        match word.as_str() {
            "--log" => args.log = value("--log")?,
            "--users-db" => args.users_db = Some(value("--users-db")?),
            "serve" => args.http.serve = true,
            "--addr" => args.http.addr = Some(value("--addr")?),
            "--services" => args.http.services = Some(value("--services")?),
            "--remote" => args.http.remote = Some(value("--remote")?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(args)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            eprintln!("{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    match run(&args).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            let mut source = error.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<(), scenario::Error> {
    if args.http.serve || args.http.remote.is_some() {
        return over_http(args).await;
    }
    let log = goesgen::open_log(&args.log).await?;
    let users_store = match &args.users_db {
        Some(path) => UsersStore::open(path)?,
        None => UsersStore::in_memory()?,
    };
    // A PostgreSQL connection string may hold a password: not echoed.
    let shown = if args.log.starts_with("postgres:") {
        "postgres (connection string not shown)"
    } else {
        args.log.as_str()
    };
    println!("Event log: {shown}");
    let mut out = std::io::stdout();
    scenario::run(log, users_store, &mut out).await?;
    Ok(())
}

/// `serve` and `--remote` (`serve.rs`, `remote.rs`).
#[cfg(feature = "http")]
async fn over_http(args: &Args) -> Result<(), scenario::Error> {
    if let Some(url) = &args.http.remote {
        remote::run(url, url, &mut std::io::stdout()).await?;
        return Ok(());
    }
    let which = serve::Which::parse(args.http.services.as_deref().unwrap_or("users,tickets"))?;
    let addr = args.http.addr.as_deref().unwrap_or("127.0.0.1:8080");
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let log = goesgen::open_log(&args.log).await?;
    let users_store = match &args.users_db {
        Some(path) => UsersStore::open(path)?,
        None => UsersStore::in_memory()?,
    };
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            eprintln!("cannot listen for Ctrl-C: {error}");
        }
    };
    serve::serve(listener, log, users_store, which, ctrl_c).await
}

/// Without the feature `http`: a hint.
#[cfg(not(feature = "http"))]
async fn over_http(_args: &Args) -> Result<(), scenario::Error> {
    Err("serve and --remote need the feature `http`: cargo run --example tickets --features http -- ...".into())
}
