//! [`open_log`]: one program, its log chosen at run time from a short
//! text (a command line flag, an environment variable). It lives in the
//! facade, the one crate that knows which backends this build has (its
//! features), so the runtime names none of them.

use goesgen_runtime::{LogError, MemoryLog, SharedLog};

/// Opens the event log `spec` names:
///
/// - `memory`: a new [`MemoryLog`];
/// - `sqlite:PATH`: the SQLite log in the file at `PATH`, created if missing
///   (feature `sqlite`);
/// - `postgres:CONNINFO`: the PostgreSQL log at the libpq connection string
///   `CONNINFO` (feature `postgres`).
///
/// [`LogError::Config`] for any other text or a backend this build leaves
/// out; the backend's own errors otherwise.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let log = goesgen::service::open_log("memory").await?;
/// assert_eq!(log.head().await?, 0);
/// assert!(goesgen::service::open_log("floppy:A").await.is_err());
/// # Ok::<(), goesgen::LogError>(()) }).unwrap();
/// ```
pub async fn open_log(spec: &str) -> Result<SharedLog, LogError> {
    let spec = spec.trim();
    if spec == "memory" {
        return Ok(MemoryLog::shared());
    }
    if let Some(path) = spec.strip_prefix("sqlite:") {
        return open_sqlite(path).await;
    }
    if let Some(conninfo) = spec.strip_prefix("postgres:") {
        return open_postgres(conninfo).await;
    }
    Err(LogError::Config(format!(
        "unknown event log `{spec}`: expected `memory`, `sqlite:PATH` or `postgres:CONNINFO`"
    )))
}

#[cfg(feature = "sqlite")]
async fn open_sqlite(path: &str) -> Result<SharedLog, LogError> {
    if path.is_empty() {
        return Err(LogError::Config(
            "`sqlite:` needs a file path, e.g. `sqlite:events.db`".to_string(),
        ));
    }
    Ok(goesgen_runtime::SqliteLog::open(path).await?.shared())
}

#[cfg(not(feature = "sqlite"))]
async fn open_sqlite(_path: &str) -> Result<SharedLog, LogError> {
    Err(LogError::Config(
        "this build has no SQLite event log: enable the `sqlite` feature".to_string(),
    ))
}

#[cfg(feature = "postgres")]
async fn open_postgres(conninfo: &str) -> Result<SharedLog, LogError> {
    let log = goesgen_postgres::PostgresLog::connect(conninfo).await?;
    Ok(std::sync::Arc::new(log))
}

#[cfg(not(feature = "postgres"))]
async fn open_postgres(_conninfo: &str) -> Result<SharedLog, LogError> {
    Err(LogError::Config(
        "this build has no PostgreSQL event log: enable the `postgres` feature".to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn open_log_names_its_backends() {
        let log = open_log(" memory ").await.unwrap();
        assert_eq!(log.head().await.unwrap(), 0);
        for bad in ["", "disk", "sqlite:"] {
            let Err(error) = open_log(bad).await else {
                panic!("{bad:?} opened a log");
            };
            assert!(matches!(error, LogError::Config(_)), "{bad}: {error}");
        }
    }
}
