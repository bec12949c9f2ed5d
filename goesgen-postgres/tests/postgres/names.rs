//! Schema and table names: validated before connecting, quoted names keep
//! their case, logs on other tables are independent.

use super::*;

#[tokio::test]
async fn table_and_schema_names_are_validated_before_connecting() {
    // No database needed: a bad name fails with a configuration error before
    // any connection is attempted (the host does not exist).
    let nowhere = "host=nowhere.invalid connect_timeout=1";
    let too_long = "t".repeat(MAX_TABLE_NAME_LEN + 1);
    for table in [
        "events; DROP TABLE users",
        "events\" CASCADE --",
        "ev ents",
        "1events",
        "",
        "évents",
        too_long.as_str(),
    ] {
        let opened = PostgresOptions::new(nowhere).table(table).connect().await;
        assert!(
            matches!(opened, Err(LogError::Config(_))),
            "table {table:?}: {opened:?}"
        );
        let opened = PostgresOptions::new(nowhere)
            .schema(format!("{table}x\"y"))
            .connect()
            .await;
        assert!(matches!(opened, Err(LogError::Config(_))), "{opened:?}");
    }
    let garbled = PostgresLog::connect("host=localhost port=notaport").await;
    assert!(matches!(garbled, Err(LogError::Config(_))), "{garbled:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quoted_names_keep_their_case_and_logs_on_other_tables_are_independent() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let table = unique_table("Mixed_Case");
    let schema = format!("Schema_{}", std::process::id());
    let one = PostgresOptions::new(&conninfo)
        .schema(&schema)
        .table(&table)
        .connect()
        .await
        .expect("open");
    let other = fresh_log(&conninfo, "other").await;
    one.append(vec![event("A", json!({}))], Condition::HeadIs(0))
        .await
        .expect("append");
    other
        .append(vec![event("A", json!({}))], Condition::HeadIs(0))
        .await
        .expect("an independent log starts at 0 too");
    assert_ne!(one.lock_key(), other.lock_key());
    let client = raw_client(&conninfo).await;
    let found = client
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE schemaname = $1 AND tablename = $2",
            &[&schema, &table],
        )
        .await
        .expect("catalog")
        .get::<_, i64>(0);
    assert_eq!(found, 1, "the table keeps its case");
    // Opening an existing log again sees what is there.
    let again = PostgresOptions::new(&conninfo)
        .schema(&schema)
        .table(&table)
        .connect()
        .await
        .expect("reopen");
    assert_eq!(again.head().await.expect("head"), 1);
}
