//! The drill's servers: the bank on its SQLite store, served over HTTP by
//! a child process of this test binary; how the drill starts one, and the
//! child's entry point.

use std::sync::Arc;
use std::time::Duration;

use goesgen::http::HttpOptions;
use goesgen::{RefusedRecords, ServiceOptions};

use crate::bank::schema::bank::BankService;
use crate::bank::{Bank, Caller, SqliteStore, open_store};
use crate::child::{ChildServer, serve_until_stdin_closes};
use crate::drill::Setup;

/// How long a server serves at most if the drill never stops it.
const MAX_SERVE: Duration = Duration::from_secs(3_600);

/// The child's environment: the log (`sqlite:PATH` or `postgres:CONNINFO`)
/// and its store file.
const LOG: &str = "GOESGEN_SOAK_LOG";
const STORE: &str = "GOESGEN_SOAK_STORE";

/// How the servers run: records their store refuses are skipped.
pub fn options() -> ServiceOptions {
    ServiceOptions::default().refused_records(RefusedRecords::Skip)
}

/// The bank on its SQLite store.
pub type Service = BankService<Bank<SqliteStore>>;

impl Setup {
    /// Starts server `i` on its store (blocking).
    pub fn start(&self, i: usize) -> ChildServer {
        let store = self.stores[i].display().to_string();
        ChildServer::start("servers::server", &[(LOG, &self.log), (STORE, &store)])
    }
}

/// Child: serves the bank on the log `GOESGEN_SOAK_LOG` and the store file
/// `GOESGEN_SOAK_STORE` until its stdin closes (or it is killed). With
/// `RUST_LOG` set, it logs to stderr. Ignored: the drill runs it, in a
/// child process, with `--ignored --exact` and its environment; run any
/// other way it fails rather than pass without serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a server process of the soak drill, which runs it"]
async fn server() {
    let (Ok(log), Ok(store)) = (std::env::var(LOG), std::env::var(STORE)) else {
        panic!(
            "{LOG} or {STORE} is unset: this is a child process's entry point, run by the drill"
        );
    };
    if std::env::var_os("RUST_LOG").is_some() {
        // The servers' own account of what went wrong, on stderr.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_writer(std::io::stderr)
            .try_init();
    }
    let log = goesgen::open_log(&log).await.unwrap();
    let store = open_store(std::path::Path::new(&store)).await;
    let bank = Arc::new(Service::new(Bank::default(), store, log, options()));
    bank.sync().await.unwrap();
    let router = bank.router(
        |_: &goesgen::http::Parts| Ok(Caller::default()),
        HttpOptions::default(),
    );
    serve_until_stdin_closes(router, MAX_SERVE).await;
}
