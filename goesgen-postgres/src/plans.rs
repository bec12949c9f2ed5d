//! [`PostgresLog::explain_plans`]: the plans PostgreSQL uses for the
//! append check and a filtered read, for operators checking a large log.

use goesgen_runtime::error::LogError;

use super::PostgresLog;
use super::connect::db_error;

impl PostgresLog {
    /// The plans PostgreSQL uses for the statement every append runs under
    /// the lock to read the head and check conditions, and for a filtered
    /// read, as `EXPLAIN` text, each after a `-- ` title line. They are the
    /// generic plans (the ones prepared statements settle on), taken on a
    /// connection of their own. For operators checking a large log: the
    /// events table should be reached by index only, never by `Seq Scan`.
    pub async fn explain_plans(&self) -> Result<String, LogError> {
        self.check_open()?;
        let client = self.connector.connect().await?;
        let explain = async {
            client
                .batch_execute(&format!(
                    "SET plan_cache_mode = force_generic_plan;
                     PREPARE goesgen_append_check(text[]) AS {};
                     PREPARE goesgen_read_kinds(int8, int8, text[], int8) AS {};",
                    self.sql.group_state, self.sql.read_kinds
                ))
                .await?;
            let mut text = Vec::new();
            for (title, statement) in [
                ("append check", "goesgen_append_check('{}')"),
                (
                    "filtered read",
                    "goesgen_read_kinds(0, 1000, '{}', 1000000)",
                ),
            ] {
                text.push(format!("-- {title}"));
                for row in client
                    .query(&format!("EXPLAIN EXECUTE {statement}"), &[])
                    .await?
                {
                    text.push(row.try_get::<_, String>(0)?);
                }
            }
            Ok::<_, tokio_postgres::Error>(text)
        };
        let lines = explain
            .await
            .map_err(|e| db_error("cannot explain the log's statements", e))?;
        Ok(lines.join("\n"))
    }
}
