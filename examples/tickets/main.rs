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
//! cargo run --example tickets -- --log sqlite:big.db --seed 100000   # a long catch-up
//! cargo run --example tickets -- --log sqlite:big.db --users-db users.db --rebuild   # rebuild Users
//! RUST_LOG=goesgen=debug cargo run --example tickets              # the services' spans
//! cargo run --example tickets --features http -- serve --log sqlite:tickets.db [--addr 127.0.0.1:8080]
//! cargo run --example tickets --features http -- --remote http://127.0.0.1:8080
//! cargo run --example tickets --features http -- openapi       # the services' OpenAPI 3.1
//! cargo run --example tickets --features http -- asyncapi      # the log's AsyncAPI 3.0
//! cargo run --example tickets --features http -- json-schema   # the events' JSON Schema
//! ```
//!
//! Run it twice on the same SQLite file: the second run finds the first
//! run's users and tickets after its sync and reuses the users.
//!
//! `--seed N` first appends N tickets to the log (in batches: `seed.rs`);
//! the Tickets service's first sync then has them to catch up with, shown
//! as a progress bar on stderr when it is a terminal. `RUST_LOG` (default
//! `warn`) filters what the services log to stderr: `goesgen=debug` shows
//! a span per call (service, method, kind, attempts, conflicts, appended
//! positions) and per sync (from, to, applied) as each closes.
//!
//! `--rebuild` first rebuilds the Users service's projections from the log
//! (`rebuild.rs`), shown as a progress bar on a long log, then runs the
//! scenario on them.

pub mod auth;
pub mod domain;
pub mod id;
pub mod rebuild;
#[cfg(feature = "http")]
pub mod remote;
pub mod scenario;
pub mod schema;
pub mod seed;
#[cfg(feature = "http")]
pub mod serve;
pub mod service;

pub use domain::{InvalidValue, TicketCommentMessage, TicketDescription, TicketTitle, UserName};

use goesgen::ServiceOptions;
use goesgen::service::{Progress, ProgressReceiver};
use indicatif::{ProgressBar, ProgressStyle};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// A catch-up this long or longer (in log positions) is shown as a
/// progress bar.
const BAR_FROM: u64 = 5_000;

const USAGE: &str = "usage: tickets [openapi | asyncapi | json-schema] \
                     [serve [--addr HOST:PORT] [--services users,tickets]] \
                     [--log memory|sqlite:PATH|postgres:CONNINFO] [--users-db PATH] [--seed N] \
                     [--rebuild] [--remote URL]";

/// The command line.
struct Args {
    log: String,
    users_db: Option<String>,
    seed: u64,
    /// Rebuild the Users projections before the scenario.
    rebuild: bool,
    /// Over HTTP (feature `http`): serve, or run the scenario remotely.
    http: HttpArgs,
    /// A document to print instead (`openapi`, `asyncapi`, `json-schema`).
    document: Option<String>,
}

/// The command line's HTTP part (`serve.rs`, `remote.rs`).
#[derive(Default)]
struct HttpArgs {
    serve: bool,
    addr: Option<String>,
    services: Option<String>,
    remote: Option<String>,
}

impl Args {
    /// The Users service's SQLite store: the `--users-db` file, or in
    /// memory.
    fn users_store(&self) -> Result<service::users::store::UsersStore, goesgen::StoreError> {
        match &self.users_db {
            Some(path) => service::users::store::open(path),
            None => service::users::store::in_memory(),
        }
    }
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        log: "memory".to_string(),
        users_db: None,
        seed: 0,
        rebuild: false,
        http: HttpArgs::default(),
        document: None,
    };
    let mut words = std::env::args().skip(1);
    while let Some(word) = words.next() {
        let mut value = |flag: &str| words.next().ok_or(format!("{flag} needs a value"));
        match word.as_str() {
            "--log" => args.log = value("--log")?,
            "--users-db" => args.users_db = Some(value("--users-db")?),
            "--seed" => {
                let n = value("--seed")?;
                args.seed = n
                    .parse()
                    .map_err(|_| format!("--seed needs a number of tickets, not `{n}`"))?;
            }
            "--rebuild" => args.rebuild = true,
            "serve" => args.http.serve = true,
            "openapi" | "asyncapi" | "json-schema" => args.document = Some(word),
            "--addr" => args.http.addr = Some(value("--addr")?),
            "--services" => args.http.services = Some(value("--services")?),
            "--remote" => args.http.remote = Some(value("--remote")?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(args)
}

/// Logs to stderr what `RUST_LOG` asks for (default: warnings), with a
/// line for each span as it closes (a service call, a sync) carrying the
/// fields it recorded.
fn init_tracing() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_span_events(FmtSpan::CLOSE)
        .init();
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    init_tracing();
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
    if let Some(document) = &args.document {
        return print_document(document);
    }
    if args.http.serve || args.http.remote.is_some() {
        return over_http(args).await;
    }
    let log = goesgen::open_log(&args.log).await?;
    let users_store = args.users_store()?;
    // A PostgreSQL connection string may hold a password: not echoed.
    let shown = if args.log.starts_with("postgres:") {
        "postgres (connection string not shown)"
    } else {
        args.log.as_str()
    };
    println!("Event log: {shown}");
    let mut out = std::io::stdout();
    if args.seed > 0 {
        seed::seed(&log, args.seed, &mut out).await?;
    }
    let head = log.head().await?;
    if args.rebuild {
        let mut bar = None;
        let rebuilt = {
            // A service of its own over the same store (a handle on the
            // same database), dropped before the scenario's opens it, and
            // before the bar is awaited (its channel then ends).
            let users = service::users::UsersService::new(
                service::users::Users,
                users_store.clone(),
                log.clone(),
                ServiceOptions::default(),
            );
            rebuild::rebuild("Users", &users, &mut out, |progress| {
                bar = Some(tokio::spawn(progress_bar(progress, head, Shown::Rebuild)));
            })
            .await
        };
        if let Some(bar) = bar {
            let _ = bar.await;
        }
        rebuilt?;
    }
    let mut bar = None;
    let outcome = scenario::run_watched(log, users_store, &mut out, |progress| {
        bar = Some(tokio::spawn(progress_bar(progress, head, Shown::CatchUp)));
    })
    .await;
    if let Some(bar) = bar {
        // The bar ends with the catch-up, or when the service is dropped.
        let _ = bar.await;
    }
    outcome?;
    Ok(())
}

/// What a progress bar shows.
#[derive(Clone, Copy)]
enum Shown {
    /// The Tickets service catching up: its projection version.
    CatchUp,
    /// The Users service's rebuild: how far the new projections came.
    Rebuild,
}

impl Shown {
    /// Where the bar stands (`None`: no rebuild runs).
    fn at(self, progress: &Progress) -> Option<u64> {
        match self {
            Shown::CatchUp => Some(progress.version),
            Shown::Rebuild => progress.rebuilding,
        }
    }

    fn messages(self) -> (&'static str, &'static str) {
        match self {
            Shown::CatchUp => ("Tickets catching up", "Tickets caught up"),
            Shown::Rebuild => ("Users rebuilding", "Users rebuilt"),
        }
    }
}

/// Draws a catch-up or a rebuild on stderr from the service's progress
/// channel, if it has at least [`BAR_FROM`] positions to go up to `head`
/// (indicatif draws nothing when stderr is not a terminal). A rebuild's
/// bar ends when the rebuild does (its progress goes back to `None`).
async fn progress_bar(mut progress: ProgressReceiver, head: u64, shown: Shown) {
    let start = *progress.borrow_and_update();
    let target = head.max(start.head);
    let from = shown.at(&start).unwrap_or(0);
    if target.saturating_sub(from) < BAR_FROM {
        return;
    }
    let (running, done) = shown.messages();
    let bar = ProgressBar::new(target);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{bar:40}] {human_pos}/{human_len} positions ({elapsed})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(running);
    bar.set_position(from);
    // The last position shown, once the rebuild (or catch-up) has begun.
    let mut last = shown.at(&start);
    while progress.changed().await.is_ok() {
        let now = *progress.borrow_and_update();
        bar.set_length(target.max(now.head));
        match (shown.at(&now), last) {
            (Some(at), _) => {
                last = Some(at);
                bar.set_position(at);
                if at >= target && matches!(shown, Shown::CatchUp) {
                    bar.finish_with_message(done);
                    return;
                }
            }
            // The rebuild ended: whole if it had come to the head.
            (None, Some(at)) if at >= target => {
                bar.finish_with_message(done);
                return;
            }
            (None, Some(_)) => break,
            (None, None) => {}
        }
    }
    bar.abandon();
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
    let users_store = args.users_store()?;
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            eprintln!("cannot listen for Ctrl-C: {error}");
        }
    };
    serve::serve(listener, log, users_store, which, ctrl_c).await
}

/// Prints the document `name` (`openapi`, `asyncapi`, `json-schema`) as
/// JSON to stdout.
#[cfg(feature = "http")]
fn print_document(name: &str) -> Result<(), scenario::Error> {
    let document = match name {
        "openapi" => serve::openapi()?,
        "asyncapi" => schema::events::asyncapi(),
        _ => schema::events::json_schema(),
    };
    println!("{}", serde_json::to_string_pretty(&document)?);
    Ok(())
}

/// Without the feature `http`: a hint.
#[cfg(not(feature = "http"))]
fn print_document(_name: &str) -> Result<(), scenario::Error> {
    Err("the documents need the feature `http`: cargo run --example tickets --features http -- openapi".into())
}

/// Without the feature `http`: a hint.
#[cfg(not(feature = "http"))]
async fn over_http(_args: &Args) -> Result<(), scenario::Error> {
    Err("serve and --remote need the feature `http`: cargo run --example tickets --features http -- ...".into())
}
