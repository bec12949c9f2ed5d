//! `PostgresLog` against a real PostgreSQL: the shared conformance suite,
//! then what only a database shared by processes can get wrong: positions
//! in commit order across writers and processes, a tailing reader that
//! never misses a late commit, reconnection after lost connections, name
//! validation, corruption and the plan of the condition check on a large
//! log.
//!
//! The database comes from `GOESGEN_TEST_POSTGRES` (a libpq connection
//! string); without it the tests skip, unless `GOESGEN_REQUIRE_POSTGRES=1`
//! makes that a failure. Every test works on tables of its own.
#![cfg(feature = "postgres")]

// The suite's per-check macro cannot skip when no database is configured,
// so this file runs the checks through `run_all` instead.
#[allow(unused_macros, unused_imports)]
mod conformance;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use goesgen_runtime::postgres::{MAX_TABLE_NAME_LEN, PostgresOptions, SslMode};
use goesgen_runtime::{
    Append, AppendPart, Appended, Condition, EventLog, Fingerprint, IdempotencyKey, KindFilter,
    LogError, LogLimits, NewEvent, Position, PostgresLog, SharedLog,
};
use serde_json::{Value, json};

/// The test database's connection string, or `None` when the test should
/// skip (saying why). With `GOESGEN_REQUIRE_POSTGRES=1` a missing database
/// fails the test instead.
fn test_database() -> Option<String> {
    match std::env::var("GOESGEN_TEST_POSTGRES") {
        Ok(conninfo) if !conninfo.trim().is_empty() => Some(conninfo),
        _ => {
            assert!(
                std::env::var("GOESGEN_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "GOESGEN_REQUIRE_POSTGRES=1 but GOESGEN_TEST_POSTGRES (a libpq connection \
                 string) is not set"
            );
            eprintln!("skipping: GOESGEN_TEST_POSTGRES (a libpq connection string) is not set");
            None
        }
    }
}

/// A table name no other test (or earlier run) uses.
fn unique_table(prefix: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .subsec_nanos();
    let name = format!(
        "{prefix}_{}_{nanos}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    assert!(name.len() <= MAX_TABLE_NAME_LEN);
    name
}

/// A fresh, empty log on a table of its own.
async fn fresh_log(conninfo: &str, prefix: &str) -> PostgresLog {
    open_log(conninfo, &unique_table(prefix), None).await
}

/// The log on `table`, its connections named `application_name`.
async fn open_log(conninfo: &str, table: &str, application_name: Option<&str>) -> PostgresLog {
    let mut options = PostgresOptions::new(conninfo).table(table);
    if let Some(name) = application_name {
        options = options.application_name(name);
    }
    options.connect().await.expect("open the PostgreSQL log")
}

/// A plain connection for doing things behind the log's back.
async fn raw_client(conninfo: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(conninfo, tokio_postgres::NoTls)
        .await
        .expect("raw connection");
    tokio::spawn(connection);
    client
}

fn event(kind: &str, payload: Value) -> NewEvent {
    conformance::event(kind, payload)
}

fn payload(record: &goesgen_runtime::Record) -> Value {
    conformance::payload(record)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conformance_suite() {
    let Some(conninfo) = test_database() else {
        return;
    };
    conformance::run_all(|| {
        let conninfo = conninfo.clone();
        async move { Arc::new(fresh_log(&conninfo, "conf").await) as SharedLog }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_payload_is_reported_at_its_position() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let log = fresh_log(&conninfo, "corrupt").await;
    let table = format!("public.\"{}\"", log.table());
    let client = raw_client(&conninfo).await;
    conformance::corrupt_record_is_reported(Arc::new(log), |position| async move {
        let position = i64::try_from(position).expect("small position");
        let sql = format!("UPDATE {table} SET payload = '\\x6e6f7065' WHERE position = $1");
        let updated = client.execute(&sql, &[&position]).await.expect("corrupt");
        assert_eq!(updated, 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_record_is_a_corrupt_log_not_a_silent_gap() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let log = fresh_log(&conninfo, "hole").await;
    for n in 1..=4 {
        log.append(vec![event("A", json!({ "n": n }))], Condition::None)
            .await
            .expect("append");
    }
    let client = raw_client(&conninfo).await;
    let sql = format!("DELETE FROM public.\"{}\" WHERE position = 2", log.table());
    client.execute(&sql, &[]).await.expect("delete");
    match log.read(0, &KindFilter::All, 10).await {
        Err(LogError::Corrupt { position: 2, .. }) => {}
        other => panic!("expected Corrupt at 2, got {other:?}"),
    }
    let after = log.read(2, &KindFilter::All, 10).await.expect("read after");
    assert_eq!(after.records.len(), 2);
}

/// Shifts the rows at positions `from` to `to` of `table` up by one
/// (by way of positions far above, since the primary key is checked row
/// by row).
async fn shift_up(client: &tokio_postgres::Client, table: &str, from: i64, to: i64) {
    let table = format!("public.\"{table}\"");
    let out = format!(
        "UPDATE {table} SET position = position + 1000000 WHERE position BETWEEN $1 AND $2"
    );
    client
        .execute(&out, &[&from, &to])
        .await
        .expect("shift out");
    let back = format!("UPDATE {table} SET position = position - 999999 WHERE position > 1000000");
    client.execute(&back, &[]).await.expect("shift back");
}

/// Issue 19: rows 6 to 10 of a log of 10 shifted up by one behind an open
/// handle; a read finds the gap at 6, and the same handle then refuses
/// every append naming 6 (it appended at 12 before).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_log_is_latched() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let log = fresh_log(&conninfo, "latched").await;
    let table = log.table().to_owned();
    let client = raw_client(&conninfo).await;
    conformance::a_damaged_log_takes_no_appends(Arc::new(log), || async {
        shift_up(&client, &table, 6, 10).await;
    })
    .await;
}

/// Damage in the tables is found when the log is opened: the log opens for
/// reading, and refuses every append naming the first damaged position (0
/// for a kind's stored newest position, which is not one record).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_a_damaged_log_latches_it() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let client = raw_client(&conninfo).await;
    // What is done to the table, the first damaged position, the head.
    let damages: [(&str, &str, Position, Position); 4] = [
        (
            "a row deleted",
            "DELETE FROM {events} WHERE position = 6",
            6,
            100,
        ),
        ("rows shifted up", "", 6, 101),
        (
            "the newest row copied past the head",
            "INSERT INTO {events} SELECT 102, recorded_at, kind, payload FROM {events} \
             WHERE position = 100",
            101,
            102,
        ),
        (
            "a kind's newest position stale",
            "UPDATE {kinds} SET last_position = 50",
            0,
            100,
        ),
    ];
    for (what, damage, at, head) in damages {
        let table = unique_table("open_check");
        {
            let log = open_log(&conninfo, &table, None).await;
            let events = (1..=100).map(|n| event("A", json!({ "n": n }))).collect();
            log.append(events, Condition::None).await.expect("append");
        }
        if damage.is_empty() {
            shift_up(&client, &table, 6, 100).await;
        } else {
            let sql = damage
                .replace("{events}", &format!("public.\"{table}\""))
                .replace("{kinds}", &format!("public.\"{table}_kinds\""));
            client.execute(&sql, &[]).await.expect(what);
        }
        let log: SharedLog = Arc::new(open_log(&conninfo, &table, None).await);
        let before = log
            .read(0, &KindFilter::All, 5)
            .await
            .unwrap_or_else(|e| panic!("{what}: read: {e}"));
        let positions: Vec<Position> = before.records.iter().map(|r| r.position).collect();
        assert_eq!(positions, [1, 2, 3, 4, 5], "{what}");
        eprintln!("{what}");
        conformance::appends_are_refused(&log, at, head).await;
    }
}

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
    let Some(conninfo) = test_database() else {
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

/// Appenders on several logs (each its own writer connection) race while a
/// raw transaction now and then holds the append lock and writes slowly; a
/// reader tailing the log by `through` must collect exactly 1..=N, and a
/// filtered reader exactly the positions of its kind.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_tailing_reader_never_misses_a_late_commit() {
    let Some(conninfo) = test_database() else {
        return;
    };
    const LOGS: usize = 3;
    const TASKS: usize = 4;
    const APPENDS: usize = 30;
    let table = unique_table("tail");
    let mut logs = Vec::new();
    for _ in 0..LOGS {
        logs.push(Arc::new(open_log(&conninfo, &table, None).await));
    }
    let done = Arc::new(AtomicBool::new(false));

    let tail = |filter: KindFilter| {
        let log = Arc::clone(&logs[0]);
        let done = Arc::clone(&done);
        tokio::spawn(async move {
            let mut cursor = 0;
            let mut seen = Vec::new();
            loop {
                let finished = done.load(Ordering::SeqCst);
                let batch = log.read(cursor, &filter, 7).await.expect("tail read");
                for record in &batch.records {
                    assert!(record.position > cursor, "records come in order");
                    assert!(filter.matches(&record.kind));
                    seen.push(record.position);
                }
                assert!(batch.through >= cursor);
                cursor = batch.through;
                if finished && cursor == batch.head {
                    break seen;
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
    };
    let all_reader = tail(KindFilter::All);
    let a_reader = tail(KindFilter::kinds(["A"]));

    let slow_writer = {
        let conninfo = conninfo.clone();
        let lock_key = logs[0].lock_key();
        let table = format!("public.\"{table}\"");
        let kinds = format!("public.\"{}_kinds\"", logs[0].table());
        tokio::spawn(async move {
            let client = raw_client(&conninfo).await;
            for _ in 0..3 {
                tokio::time::sleep(Duration::from_millis(40)).await;
                // As a slow append would: lock, number, insert, dawdle, commit.
                client
                    .batch_execute(&format!("BEGIN; SELECT pg_advisory_xact_lock({lock_key})"))
                    .await
                    .expect("lock");
                let next: i64 = client
                    .query_one(
                        &format!("SELECT coalesce(max(position), 0) + 1 FROM {table}"),
                        &[],
                    )
                    .await
                    .expect("head")
                    .get(0);
                client
                    .execute(
                        &format!(
                            "INSERT INTO {table} VALUES ($1, now(), 'Slow', '\\x7b7d'::bytea)"
                        ),
                        &[&next],
                    )
                    .await
                    .expect("slow insert");
                client
                    .execute(
                        &format!(
                            "INSERT INTO {kinds} VALUES ('Slow', $1) ON CONFLICT (kind) \
                             DO UPDATE SET last_position = EXCLUDED.last_position"
                        ),
                        &[&next],
                    )
                    .await
                    .expect("slow kinds");
                tokio::time::sleep(Duration::from_millis(150)).await;
                client.batch_execute("COMMIT").await.expect("commit");
            }
        })
    };

    let mut appenders = Vec::new();
    for log in &logs {
        for task in 0..TASKS {
            let log = Arc::clone(log);
            appenders.push(tokio::spawn(async move {
                let mut a_positions = Vec::new();
                for n in 0..APPENDS {
                    let kind = if (task + n) % 3 == 0 { "A" } else { "B" };
                    let appended = log
                        .append(vec![event(kind, json!({ "n": n }))], Condition::None)
                        .await
                        .expect("append");
                    if kind == "A" {
                        a_positions.push(appended.first);
                    }
                }
                a_positions
            }));
        }
    }
    let mut a_expected = BTreeSet::new();
    for appender in appenders {
        a_expected.extend(appender.await.expect("appender"));
    }
    slow_writer.await.expect("slow writer");
    done.store(true, Ordering::SeqCst);

    let total = (LOGS * TASKS * APPENDS + 3) as Position;
    let seen = tokio::time::timeout(conformance::PATIENCE, all_reader)
        .await
        .expect("the reader caught up")
        .expect("reader");
    assert_eq!(seen, (1..=total).collect::<Vec<_>>());
    let seen_a = tokio::time::timeout(conformance::PATIENCE, a_reader)
        .await
        .expect("the filtered reader caught up")
        .expect("filtered reader");
    assert_eq!(seen_a, a_expected.into_iter().collect::<Vec<_>>());
}

/// The environment variable that turns `cross_process_child` into a child.
const CHILD_TABLE: &str = "GOESGEN_PG_CHILD_TABLE";

/// What each child process does, and how many events it appends.
const CHILD_TASKS: usize = 6;
const CHILD_APPENDS: usize = 25;
const CHILD_INCREMENTS: usize = 5;

/// Not a test of its own: the body of the child processes of
/// `two_processes_append_to_one_log`, which runs this binary again with
/// `CHILD_TABLE` set. Without it, it returns at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cross_process_child() {
    let Ok(table) = std::env::var(CHILD_TABLE) else {
        return;
    };
    let conninfo = test_database().expect("the parent has a database");
    let child: usize = std::env::var("GOESGEN_PG_CHILD_ID")
        .expect("child id")
        .parse()
        .expect("numeric child id");
    let log = Arc::new(open_log(&conninfo, &table, None).await);
    let mut tasks = Vec::new();
    for task in 0..CHILD_TASKS {
        let log = Arc::clone(&log);
        tasks.push(tokio::spawn(async move {
            let mut acks = Vec::new();
            for n in 0..CHILD_APPENDS {
                let size = 1 + n % 3;
                let events = (0..size)
                    .map(|i| {
                        event(
                            "Append",
                            json!({"child": child, "task": task, "n": n, "i": i}),
                        )
                    })
                    .collect();
                let appended = log.append(events, Condition::None).await.expect("append");
                acks.push(format!(
                    "ACK {child} {task} {n} {size} {} {}",
                    appended.first, appended.last
                ));
            }
            // Increments under the strict head condition, retried on
            // conflict: each success must land right after the head it saw.
            for n in 0..CHILD_INCREMENTS {
                loop {
                    let head = log.head().await.expect("head");
                    let events = vec![event(
                        "Increment",
                        json!({"child": child, "task": task, "n": CHILD_APPENDS + n, "i": 0}),
                    )];
                    match log.append(events, Condition::HeadIs(head)).await {
                        Ok(appended) => {
                            assert_eq!(appended.first, head + 1);
                            acks.push(format!(
                                "ACK {child} {task} {} 1 {} {}",
                                CHILD_APPENDS + n,
                                appended.first,
                                appended.last
                            ));
                            break;
                        }
                        Err(LogError::Conflict(conflict)) => assert!(conflict.head > head),
                        Err(other) => panic!("increment failed: {other}"),
                    }
                }
            }
            acks
        }));
    }
    for task in tasks {
        for ack in task.await.expect("child task") {
            println!("{ack}");
        }
    }
}

#[test]
fn two_processes_append_to_one_log() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let table = unique_table("procs");
    // Create the tables once, before the children race.
    runtime.block_on(open_log(&conninfo, &table, None));

    let exe = std::env::current_exe().expect("test binary");
    let children: Vec<_> = (0..2)
        .map(|child| {
            std::process::Command::new(&exe)
                .args([
                    "--exact",
                    "cross_process_child",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_TABLE, &table)
                .env("GOESGEN_PG_CHILD_ID", child.to_string())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .expect("spawn a child")
        })
        .collect();
    // (child, task, n) -> (batch size, first, last)
    let mut acked: HashMap<(u64, u64, u64), (u64, Position, Position)> = HashMap::new();
    for child in children {
        let output = child.wait_with_output().expect("child output");
        assert!(output.status.success(), "a child failed: {output:?}");
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            // The harness prints "test ... " before the first line, without a
            // line break.
            let Some((_, ack)) = line.split_once("ACK ") else {
                continue;
            };
            let fields: Vec<u64> = ack
                .split(' ')
                .map(|f| f.parse().expect("numeric ack"))
                .collect();
            let previous = acked.insert(
                (fields[0], fields[1], fields[2]),
                (fields[3], fields[4], fields[5]),
            );
            assert!(previous.is_none(), "acknowledged twice: {line}");
        }
    }
    assert_eq!(
        acked.len(),
        2 * CHILD_TASKS * (CHILD_APPENDS + CHILD_INCREMENTS)
    );

    let log: SharedLog = Arc::new(runtime.block_on(open_log(&conninfo, &table, None)));
    let records = runtime.block_on(conformance::read_all(&log));
    let expected_events: u64 = acked.values().map(|(size, _, _)| size).sum();
    let positions: Vec<Position> = records.iter().map(|r| r.position).collect();
    assert_eq!(
        positions,
        (1..=expected_events).collect::<Vec<_>>(),
        "positions 1..N without gaps, nothing unacknowledged"
    );
    let mut found: HashMap<(u64, u64, u64, u64), Position> = HashMap::new();
    for record in &records {
        let p = payload(record);
        let key = |f: &str| p[f].as_u64().expect("numeric field");
        let previous = found.insert(
            (key("child"), key("task"), key("n"), key("i")),
            record.position,
        );
        assert!(previous.is_none(), "an event is in the log twice: {p}");
    }
    for ((child, task, n), (size, first, last)) in &acked {
        assert_eq!(last - first + 1, *size);
        for i in 0..*size {
            assert_eq!(
                found.get(&(*child, *task, *n, i)),
                Some(&(first + i)),
                "acknowledged event {child}/{task}/{n}/{i} at its position"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_and_its_follower_recover_from_terminated_connections() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let table = unique_table("reconn");
    let app = format!("goesgen_test_{table}");
    let log = open_log(&conninfo, &table, Some(&app)).await;
    let other = open_log(&conninfo, &table, None).await;
    let mut follower = log.subscribe();
    log.append(vec![event("A", json!({"n": 1}))], Condition::None)
        .await
        .expect("append before");

    let admin = raw_client(&conninfo).await;
    let terminate = async || -> i64 {
        admin
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                 WHERE application_name = $1",
                &[&app],
            )
            .await
            .expect("terminate")
            .get(0)
    };
    // Wait until the listener has connected too, then cut all three.
    let deadline = Instant::now() + conformance::PATIENCE;
    loop {
        let connected: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                &[&app],
            )
            .await
            .expect("activity")
            .get(0);
        if connected >= 3 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the log's connections did not appear"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(terminate().await, 3, "reader, writer and listener");

    // The calls that hit the dead connections fail as retryable; the log
    // reconnects by itself.
    let retry_deadline = Instant::now() + conformance::PATIENCE;
    let appended = loop {
        match log
            .append(vec![event("A", json!({"n": 2}))], Condition::None)
            .await
        {
            Ok(appended) => break appended,
            Err(error @ LogError::Unavailable { .. }) => {
                assert!(error.is_retryable());
                assert!(Instant::now() < retry_deadline, "no reconnect: {error}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(other) => panic!("expected Unavailable, got {other:?}"),
        }
    };
    assert_eq!(appended.first, 2, "a failed append wrote nothing");
    let head = loop {
        match log.head().await {
            Ok(head) => break head,
            Err(LogError::Unavailable { .. }) if Instant::now() < retry_deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(other) => panic!("head after reconnect: {other:?}"),
        }
    };
    assert_eq!(head, 2);

    // The listener re-subscribed: another process's append wakes the
    // follower. Give the listener time to reconnect, then append twice from
    // the other log; the second head can only arrive by NOTIFY.
    tokio::time::sleep(Duration::from_millis(500)).await;
    other
        .append(vec![event("B", json!({}))], Condition::None)
        .await
        .expect("append by another log");
    tokio::time::timeout(conformance::PATIENCE, follower.wait_for(3))
        .await
        .expect("the follower woke")
        .expect("subscription");
    other
        .append(vec![event("B", json!({}))], Condition::None)
        .await
        .expect("append by another log");
    let woke = tokio::time::timeout(conformance::PATIENCE, follower.wait_for(4))
        .await
        .expect("the follower woke by notification")
        .expect("subscription");
    assert_eq!(woke, 4);

    let records = log.read(0, &KindFilter::All, 10).await.expect("read");
    let ns: Vec<Value> = records
        .records
        .iter()
        .map(|r| payload(r)["n"].clone())
        .collect();
    assert_eq!(ns, [json!(1), json!(2), Value::Null, Value::Null]);
}

/// The writer's connection dies after the events were sent but before the
/// commit was answered (its upsert waits on a row lock, then its backend is
/// terminated): the writer looks the transaction up, finds it aborted, and
/// reports `Unavailable` with nothing written; the next append works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unanswered_commit_is_looked_up_and_reported_truthfully() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let table = unique_table("unanswered");
    let app = format!("goesgen_test_{table}");
    let log = Arc::new(open_log(&conninfo, &table, Some(&app)).await);
    log.append(vec![event("K", json!({"n": 1}))], Condition::None)
        .await
        .expect("first append");

    let blocker = raw_client(&conninfo).await;
    blocker
        .batch_execute(&format!(
            "BEGIN; SELECT * FROM public.\"{table}_kinds\" WHERE kind = 'K' FOR UPDATE"
        ))
        .await
        .expect("lock the kind's row");
    let stuck = {
        let log = Arc::clone(&log);
        tokio::spawn(async move {
            log.append(vec![event("K", json!({"n": 2}))], Condition::None)
                .await
        })
    };
    let admin = raw_client(&conninfo).await;
    let deadline = Instant::now() + conformance::PATIENCE;
    loop {
        let terminated: i64 = admin
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                 WHERE application_name = $1 AND wait_event_type = 'Lock'",
                &[&app],
            )
            .await
            .expect("terminate")
            .get(0);
        if terminated == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the writer never waited on the row lock"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let outcome = tokio::time::timeout(conformance::PATIENCE, stuck)
        .await
        .expect("the append was answered")
        .expect("append task");
    match outcome {
        Err(LogError::Unavailable { message, .. }) => assert!(!message.is_empty()),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    blocker.batch_execute("ROLLBACK").await.expect("unlock");

    assert_eq!(log.head().await.expect("head"), 1, "nothing was written");
    let appended = log
        .append(vec![event("K", json!({"n": 3}))], Condition::None)
        .await
        .expect("the writer reconnected");
    assert_eq!(appended.first, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_logs_refuse_calls_and_end_subscriptions() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let log = fresh_log(&conninfo, "closed").await;
    let mut subscription = log.subscribe();
    log.close();
    assert!(matches!(log.head().await, Err(LogError::Closed)));
    assert!(matches!(
        log.append(vec![event("A", json!({}))], Condition::None)
            .await,
        Err(LogError::Closed)
    ));
    let ended = tokio::time::timeout(conformance::PATIENCE, async {
        loop {
            if let Err(error) = subscription.changed().await {
                break error;
            }
        }
    })
    .await
    .expect("the subscription ended");
    assert!(matches!(ended, LogError::Closed));
}

/// The condition check reads the head and the per-kind last positions, a
/// filtered read pages through the (kind, position) index; on a large log
/// neither may scan the events table.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_condition_check_and_filtered_reads_use_indexes_on_a_large_log() {
    let Some(conninfo) = test_database() else {
        return;
    };
    const EVENTS: i64 = 200_000;
    let log = fresh_log(&conninfo, "plan").await;
    let table = format!("public.\"{}\"", log.table());
    let kinds = format!("public.\"{}_kinds\"", log.table());
    let client = raw_client(&conninfo).await;
    client
        .batch_execute(&format!(
            "BEGIN;
             SELECT pg_advisory_xact_lock({key});
             INSERT INTO {table}
                 SELECT g, now(), 'Kind' || (g % 50), '\\x7b7d'::bytea
                 FROM generate_series(1, {EVENTS}) AS g;
             INSERT INTO {kinds} SELECT kind, max(position) FROM {table} GROUP BY kind;
             COMMIT;
             ANALYZE {table};
             ANALYZE {kinds};",
            key = log.lock_key()
        ))
        .await
        .expect("fill the log");

    let plan = log.explain_plans().await.expect("explain");
    assert!(plan.contains("-- append check") && plan.contains("-- filtered read"));
    for line in plan.lines() {
        if let Some(rest) = line.split("Seq Scan on ").nth(1) {
            let scanned = rest.split_whitespace().next().unwrap_or_default();
            assert_ne!(
                scanned.trim_matches('"'),
                log.table(),
                "the events table is scanned:\n{plan}"
            );
        }
    }
    assert!(plan.contains("Index Only Scan Backward"), "{plan}");
    let (_, filtered) = plan.split_once("-- filtered read").expect("titled");
    assert!(
        filtered.contains(&format!("{}_kind_pos", log.table())),
        "a filtered read pages through the kind index:\n{plan}"
    );

    let page = log
        .read(100, &KindFilter::kinds(["Kind7", "Kind9"]), 4)
        .await
        .expect("filtered read");
    let positions: Vec<Position> = page.records.iter().map(|r| r.position).collect();
    assert_eq!(positions, [107, 109, 157, 159]);
    assert_eq!((page.head, page.through), (EVENTS as Position, 159));

    // And the check works on it: a kind written at the end conflicts, one
    // written long ago does not.
    let last_kind = format!("Kind{}", EVENTS % 50);
    let conflict = log
        .append(
            vec![event("New", json!({}))],
            Condition::NoneOfKindsAfter {
                kinds: vec![last_kind.clone(), "Never".into()].into(),
                after: EVENTS as Position - 1,
            },
        )
        .await;
    match conflict {
        Err(LogError::Conflict(conflict)) => {
            assert_eq!(conflict.found, Some((EVENTS as Position, last_kind)));
            assert_eq!(conflict.head, EVENTS as Position);
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let appended = log
        .append(
            vec![event("New", json!({}))],
            Condition::NoneOfKindsAfter {
                // Kind7's last event is at 199,957.
                kinds: vec!["Kind7".into()].into(),
                after: EVENTS as Position - 40,
            },
        )
        .await
        .expect("no Kind7 in the last 40 events");
    assert_eq!(appended.first, EVENTS as Position + 1);
}

// ---- Failing safe: keys, recorded time, the write lock, unknown outcomes,
// limits and error causes.

fn key(text: &str) -> IdempotencyKey {
    IdempotencyKey::new(text).expect("valid key")
}

/// Asserts that no error of a chain repeats the text of its cause.
fn assert_each_cause_once(error: &(dyn std::error::Error + 'static)) {
    let mut current = Some(error);
    let mut depth = 0;
    while let Some(error) = current {
        if let Some(cause) = error.source() {
            let cause_text = cause.to_string();
            assert!(
                cause_text.is_empty() || !error.to_string().contains(&cause_text),
                "{error} repeats its cause {cause_text}"
            );
        }
        current = error.source();
        depth += 1;
    }
    assert!(depth >= 2, "the error keeps its cause: {error}");
}

/// Waits until a connection named `application_name` waits on a lock.
async fn wait_until_blocked(admin: &tokio_postgres::Client, application_name: &str) {
    let deadline = Instant::now() + conformance::PATIENCE;
    loop {
        let waiting: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE application_name = $1 AND wait_event_type = 'Lock'",
                &[&application_name],
            )
            .await
            .expect("activity")
            .get(0);
        if waiting >= 1 {
            return;
        }
        assert!(Instant::now() < deadline, "{application_name} never waited");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyed_append_is_written_once_with_the_asked_time() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let log = fresh_log(&conninfo, "keyed").await;
    let asked = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_789);
    let append = Append::new(vec![event("A", json!({"n": 1})), event("B", json!({}))])
        .condition(Condition::HeadIs(0))
        .key(key("order-1"))
        .recorded_at(asked);
    let first = log.append_with(append.clone()).await.expect("first");
    let cut = UNIX_EPOCH + Duration::new(1_700_000_000, 123_456_000);
    assert_eq!((first.first, first.last), (1, 2));
    assert_eq!(
        first.recorded_at, cut,
        "the asked time, cut to microseconds"
    );
    assert!(!first.replayed);
    // The repeat's condition no longer holds: a replay all the same.
    let again = log.append_with(append).await.expect("replay");
    assert_eq!(
        again,
        Appended {
            replayed: true,
            ..first
        }
    );
    assert_eq!(
        log.find_key(&key("order-1"))
            .await
            .expect("find")
            .map(|record| record.appended),
        Some(again)
    );
    assert_eq!(log.find_key(&key("other")).await.expect("find"), None);
    let records = log.read(0, &KindFilter::All, 10).await.expect("read");
    assert_eq!(records.records.len(), 2, "one copy");
    assert!(records.records.iter().all(|r| r.recorded_at == cut));
    // An empty keyed batch replays too, and a new key on an empty batch
    // writes no event but records its key, with an empty range.
    let empty = Append::new(Vec::new()).key(key("order-1"));
    assert_eq!(log.append_with(empty).await.expect("empty replay"), again);
    let fresh = Append::new(Vec::new()).key(key("order-2"));
    let nothing = log.append_with(fresh).await.expect("empty");
    assert_eq!(
        (nothing.first, nothing.last, nothing.replayed),
        (3, 2, false)
    );
    assert_eq!(
        log.find_key(&key("order-2"))
            .await
            .expect("find")
            .map(|record| record.appended),
        Some(Appended {
            replayed: true,
            ..nothing
        })
    );

    // Reopened (an existing database): the keys are still there.
    let reopened = open_log(&conninfo, log.table(), None).await;
    assert_eq!(
        reopened
            .find_key(&key("order-1"))
            .await
            .expect("find")
            .map(|record| record.appended),
        Some(again)
    );
}

/// A log whose keys table was made before keys were kept per part (no
/// fingerprint column) is upgraded when opened: its keys are still found
/// and replayed, and new keys keep their fingerprints and empty ranges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keys_table_made_before_parts_is_upgraded() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let table = unique_table("before_parts");
    let raw = raw_client(&conninfo).await;
    // The tables as the version before parts created them.
    raw.batch_execute(&format!(
        "CREATE TABLE public.\"{table}\" (
             position bigint PRIMARY KEY CHECK (position > 0),
             recorded_at timestamptz NOT NULL,
             kind text NOT NULL,
             payload bytea NOT NULL
         );
         CREATE INDEX \"{table}_kind_pos\" ON public.\"{table}\" (kind, position);
         CREATE TABLE public.\"{table}_kinds\" (
             kind text PRIMARY KEY,
             last_position bigint NOT NULL
         );
         CREATE TABLE public.\"{table}_keys\" (
             key text PRIMARY KEY,
             first_position bigint NOT NULL,
             last_position bigint NOT NULL,
             recorded_at timestamptz NOT NULL
         );
         INSERT INTO public.\"{table}\" VALUES
             (1, '2023-11-14T22:13:20Z', 'A', '{{}}'), (2, '2023-11-14T22:13:20Z', 'A', '{{}}');
         INSERT INTO public.\"{table}_kinds\" VALUES ('A', 2);
         INSERT INTO public.\"{table}_keys\" VALUES ('old', 1, 2, '2023-11-14T22:13:20Z');"
    ))
    .await
    .expect("the tables before parts");
    let log = open_log(&conninfo, &table, None).await;
    let old = log
        .find_key(&key("old"))
        .await
        .expect("find_key")
        .expect("the old key");
    assert_eq!((old.appended.first, old.appended.last), (1, 2));
    assert_eq!(old.fingerprint, None);
    let print = Fingerprint::new("f").expect("fingerprint");
    let parts = vec![
        AppendPart::new(1).key(key("old")),
        AppendPart::new(0)
            .key(key("new"))
            .fingerprint(print.clone()),
    ];
    let appended = log
        .append_parts(Append::new(vec![event("A", json!({}))]).parts(parts))
        .await
        .expect("append parts");
    assert_eq!(appended.parts[0], old);
    assert_eq!(log.head().await.expect("head"), 2);
    log.close();
    let reopened = open_log(&conninfo, &table, None).await;
    let new = reopened
        .find_key(&key("new"))
        .await
        .expect("find_key")
        .expect("the new key");
    assert_eq!((new.appended.first, new.appended.last), (3, 2));
    assert_eq!(new.fingerprint, Some(print));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_logs_racing_one_key_write_it_once() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let table = unique_table("keyrace");
    let a = Arc::new(open_log(&conninfo, &table, None).await);
    let b = Arc::new(open_log(&conninfo, &table, None).await);
    let mut tasks = Vec::new();
    for round in 0..10 {
        for (n, log) in [&a, &b].into_iter().enumerate() {
            for copy in 0..3 {
                let log = Arc::clone(log);
                tasks.push(tokio::spawn(async move {
                    let append = Append::new(vec![event("K", json!({"from": n, "copy": copy}))])
                        .key(key(&format!("race-{round}")));
                    log.append_with(append).await.expect("append")
                }));
            }
        }
    }
    let mut by_key: HashMap<usize, Vec<Appended>> = HashMap::new();
    for (index, task) in tasks.into_iter().enumerate() {
        by_key
            .entry(index / 6)
            .or_default()
            .push(task.await.expect("task"));
    }
    for (round, answers) in &by_key {
        let written: Vec<&Appended> = answers.iter().filter(|a| !a.replayed).collect();
        assert_eq!(written.len(), 1, "round {round}: exactly one writer");
        assert!(
            answers.iter().all(|a| (a.first, a.last, a.recorded_at)
                == (written[0].first, written[0].last, written[0].recorded_at)),
            "round {round}: every answer names the one copy"
        );
    }
    assert_eq!(a.head().await.expect("head"), 10, "one copy per key");
}

/// The writer's backend is terminated while its COMMIT is open (its kinds
/// upsert waits on a row lock). While the log's role may not log in, the
/// writer cannot learn the outcome: `Indeterminate`, not retryable. Later
/// a retry with the same key writes the events exactly once; without the
/// login ban the same loss is looked up and is `Unavailable`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_commit_is_indeterminate_or_unavailable_and_a_keyed_retry_never_duplicates() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let table = unique_table("lost");
    let role = format!("r_{table}");
    let app = format!("goesgen_test_{table}");
    let admin = raw_client(&conninfo).await;
    let database: String = admin
        .query_one("SELECT current_database()", &[])
        .await
        .expect("database")
        .get(0);
    admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'pw';
             GRANT CREATE ON DATABASE \"{database}\" TO {role};
             CREATE SCHEMA {role} AUTHORIZATION {role};"
        ))
        .await
        .expect("role and schema");
    let options = || {
        PostgresOptions::new(format!("{conninfo} user={role} password=pw"))
            .schema(&role)
            .table(&table)
            .application_name(&app)
    };
    let log = Arc::new(options().connect().await.expect("open as the role"));
    log.append(vec![event("K", json!({"n": 0}))], Condition::None)
        .await
        .expect("first append");

    let blocker = raw_client(&conninfo).await;
    for (round, ban_login) in [(1_u64, true), (2, false)] {
        blocker
            .batch_execute(&format!(
                "BEGIN; SELECT * FROM {role}.\"{table}_kinds\" WHERE kind = 'K' FOR UPDATE"
            ))
            .await
            .expect("lock the kind's row");
        let keyed =
            Append::new(vec![event("K", json!({"n": round}))]).key(key(&format!("lost-{round}")));
        let stuck = {
            let log = Arc::clone(&log);
            let keyed = keyed.clone();
            tokio::spawn(async move { log.append_with(keyed).await })
        };
        wait_until_blocked(&admin, &app).await;
        if ban_login {
            admin
                .batch_execute(&format!("ALTER ROLE {role} NOLOGIN"))
                .await
                .expect("ban logins");
        }
        let terminated: i64 = admin
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                 WHERE application_name = $1 AND wait_event_type = 'Lock'",
                &[&app],
            )
            .await
            .expect("terminate")
            .get(0);
        assert_eq!(terminated, 1);
        let outcome = tokio::time::timeout(conformance::PATIENCE, stuck)
            .await
            .expect("the append was answered")
            .expect("append task");
        match (ban_login, outcome) {
            (true, Err(error @ LogError::Indeterminate { .. })) => {
                assert!(!error.is_retryable());
                assert_each_cause_once(&error);
            }
            (false, Err(error @ LogError::Unavailable { .. })) => {
                assert!(error.is_retryable());
                assert_each_cause_once(&error);
            }
            (ban, other) => panic!("login banned: {ban}; unexpected outcome {other:?}"),
        }
        if ban_login {
            admin
                .batch_execute(&format!("ALTER ROLE {role} LOGIN"))
                .await
                .expect("allow logins");
        }
        blocker.batch_execute("ROLLBACK").await.expect("unlock");

        // Retry with the key until the log is reachable again: one copy.
        let deadline = Instant::now() + conformance::PATIENCE;
        let retried = loop {
            match log.append_with(keyed.clone()).await {
                Ok(appended) => break appended,
                Err(error) if error.is_retryable() && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(error) => panic!("retry: {error:?}"),
            }
        };
        let again = log.append_with(keyed.clone()).await.expect("again");
        assert_eq!((again.first, again.last), (retried.first, retried.last));
        assert!(again.replayed);
        let records = log.read(0, &KindFilter::All, 10).await.expect("read");
        let copies = records
            .records
            .iter()
            .filter(|r| payload(r)["n"] == json!(round))
            .count();
        assert_eq!(copies, 1, "round {round}: exactly one copy");
        assert_eq!(records.head, round + 1, "nothing else was written");
    }
    log.close();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_lock_excludes_other_writers_until_it_appends_or_is_dropped() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let table = unique_table("wlock");
    let other_app = format!("goesgen_test_{table}");
    let log = open_log(&conninfo, &table, None).await;
    let other = Arc::new(open_log(&conninfo, &table, Some(&other_app)).await);
    let admin = raw_client(&conninfo).await;
    let mut subscription = log.subscribe();

    // Held: another log's append waits; reads go on.
    let lock = log.lock_writes().await.expect("lock");
    let waiting = {
        let other = Arc::clone(&other);
        tokio::spawn(async move {
            other
                .append(vec![event("Other", json!({"n": 1}))], Condition::None)
                .await
        })
    };
    wait_until_blocked(&admin, &other_app).await;
    assert_eq!(log.head().await.expect("read while locked"), 0);
    let locked = lock
        .append(
            Append::new(vec![event("Locked", json!({}))])
                .condition(Condition::HeadIs(0))
                .key(key("under-lock")),
        )
        .await
        .expect("append under the lock");
    assert_eq!((locked.first, locked.last), (1, 1));
    let after = waiting.await.expect("task").expect("the other append");
    assert_eq!(after.first, 2, "the other append came after the lock's");
    let published = tokio::time::timeout(conformance::PATIENCE, subscription.wait_for(1))
        .await
        .expect("the lock's append was published")
        .expect("subscription");
    assert!(published >= 1);

    // Dropped without appending: released, nothing written.
    let lock = log.lock_writes().await.expect("lock again");
    let waiting = {
        let other = Arc::clone(&other);
        tokio::spawn(async move {
            other
                .append(vec![event("Other", json!({"n": 2}))], Condition::None)
                .await
        })
    };
    wait_until_blocked(&admin, &other_app).await;
    drop(lock);
    let after = waiting.await.expect("task").expect("append after the drop");
    assert_eq!(after.first, 3);

    // Under the lock, keys replay and conditions are judged as anywhere.
    let lock = log.lock_writes().await.expect("lock a third time");
    let replay = lock
        .append(Append::new(vec![event("Locked", json!({}))]).key(key("under-lock")))
        .await
        .expect("replay under the lock");
    assert_eq!((replay.first, replay.replayed), (1, true));
    let lock = log.lock_writes().await.expect("lock a fourth time");
    match lock
        .append(Append::new(vec![event("Locked", json!({}))]).condition(Condition::HeadIs(0)))
        .await
    {
        Err(LogError::Conflict(conflict)) => assert_eq!(conflict.head, 3),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let records = log.read(0, &KindFilter::All, 10).await.expect("read");
    let kinds: Vec<&str> = records.records.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(kinds, ["Locked", "Other", "Other"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_oversized_event_is_refused_alone_and_the_others_land() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let log = Arc::new(
        PostgresOptions::new(&conninfo)
            .table(unique_table("limits"))
            .limits(LogLimits::default().max_payload_bytes(64).max_kind_bytes(8))
            .connect()
            .await
            .expect("open"),
    );
    let mut tasks = Vec::new();
    for n in 0..24 {
        let log = Arc::clone(&log);
        tasks.push(tokio::spawn(async move {
            let second = match n {
                7 => event("A", json!({"pad": "x".repeat(100)})),
                13 => event("TooLongKind", json!({})),
                _ => event("A", json!({"n": n})),
            };
            log.append(vec![event("A", json!({"n": n})), second], Condition::None)
                .await
        }));
    }
    let mut landed = 0;
    for (n, task) in tasks.into_iter().enumerate() {
        match (n, task.await.expect("task")) {
            (7 | 13, Err(LogError::InvalidEvent { index: 1, reason })) => {
                assert!(reason.contains("limit"), "{reason}")
            }
            (7 | 13, other) => panic!("{n}: expected InvalidEvent at 1, got {other:?}"),
            (_, Ok(appended)) => landed += appended.len(),
            (_, Err(error)) => panic!("{n}: {error:?}"),
        }
    }
    assert_eq!(landed, 44);
    assert_eq!(log.head().await.expect("head"), 44);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_stop_at_the_byte_budget() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let log = PostgresOptions::new(&conninfo)
        .table(unique_table("budget"))
        .limits(LogLimits::default().max_read_bytes(100))
        .connect()
        .await
        .expect("open");
    // Payloads of 40 bytes each, then one of 500.
    let forty = |n: usize| {
        event(
            if n.is_multiple_of(2) { "Even" } else { "Odd" },
            json!({"pad": "x".repeat(24), "n": n}),
        )
    };
    for n in 0..6 {
        let appended = log
            .append(vec![forty(n)], Condition::None)
            .await
            .expect("append");
        assert_eq!(appended.first as usize, n + 1);
    }
    log.append(
        vec![event("Big", json!({"pad": "x".repeat(490)}))],
        Condition::None,
    )
    .await
    .expect("big");
    let all = log.read(0, &KindFilter::All, 100).await.expect("read");
    assert!(all.records.iter().all(|r| r.payload.len() == 40));
    let positions: Vec<Position> = all.records.iter().map(|r| r.position).collect();
    assert_eq!(
        positions,
        [1, 2, 3],
        "the record reaching 100 bytes is the last"
    );
    assert_eq!((all.head, all.through), (7, 3));
    let rest = log.read(3, &KindFilter::All, 100).await.expect("read on");
    let positions: Vec<Position> = rest.records.iter().map(|r| r.position).collect();
    assert_eq!(positions, [4, 5, 6]);
    // A record over the whole budget still comes alone, so readers move on.
    let big = log.read(6, &KindFilter::All, 100).await.expect("big read");
    assert_eq!(big.records.len(), 1);
    assert_eq!(big.through, 7);
    // Filtered reads are cut the same way.
    let even = log
        .read(0, &KindFilter::kinds(["Even", "Big"]), 100)
        .await
        .expect("filtered");
    let positions: Vec<Position> = even.records.iter().map(|r| r.position).collect();
    assert_eq!(positions, [1, 3, 5]);
    assert_eq!(even.through, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_logins_and_permissions_are_denied_with_their_cause() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let wrong = format!("{conninfo} password=wrong-password");
    match PostgresLog::connect(&wrong).await {
        Err(error @ LogError::Denied { .. }) => {
            assert!(!error.is_retryable());
            assert!(error.to_string().contains("28P01"), "{error}");
            assert_each_cause_once(&error);
        }
        other => panic!("expected Denied, got {other:?}"),
    }
    let role = format!("r_{}", unique_table("denied"));
    let admin = raw_client(&conninfo).await;
    admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD 'pw'; CREATE SCHEMA {role}"
        ))
        .await
        .expect("role without rights on the schema");
    let opened = PostgresOptions::new(format!("{conninfo} user={role} password=pw"))
        .schema(&role)
        .table("events")
        .connect()
        .await;
    match opened {
        Err(error @ LogError::Denied { .. }) => {
            assert!(error.to_string().contains("42501"), "{error}");
            assert_each_cause_once(&error);
        }
        other => panic!("expected Denied, got {other:?}"),
    }
}

/// The TLS-only login of the test cluster (`.ci/postgres-tls`): a
/// connection string without host and sslmode, and the CA file that signed
/// the server's certificate (which names `localhost` only). `None` skips,
/// unless `GOESGEN_REQUIRE_POSTGRES=1`.
fn tls_database() -> Option<(String, String)> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    match (
        var("GOESGEN_TEST_POSTGRES_TLS"),
        var("GOESGEN_TEST_POSTGRES_TLS_CA"),
    ) {
        (Some(conninfo), Some(ca)) => Some((conninfo, ca)),
        _ => {
            assert!(
                std::env::var("GOESGEN_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "GOESGEN_REQUIRE_POSTGRES=1 but GOESGEN_TEST_POSTGRES_TLS and \
                 GOESGEN_TEST_POSTGRES_TLS_CA are not set (see .ci/postgres-tls)"
            );
            eprintln!("skipping: GOESGEN_TEST_POSTGRES_TLS(_CA) not set");
            None
        }
    }
}

/// The error chain of `error` as text, each level and the Debug form.
fn error_texts(error: &LogError) -> Vec<String> {
    let mut texts = vec![format!("{error:?}")];
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(level) = current {
        texts.push(level.to_string());
        texts.push(format!("{level:?}"));
        current = level.source();
    }
    texts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tls_verify_full_with_the_ca_passes_the_conformance_suite() {
    let Some((tls, ca)) = tls_database() else {
        return;
    };
    // The role is refused over plain TCP, so every connection of these logs
    // (reads, writer, listener, write locks) is verified TLS.
    let conninfo = format!("host=localhost {tls} sslmode=verify-full sslrootcert={ca}");
    conformance::run_all(|| {
        let conninfo = conninfo.clone();
        async move { Arc::new(fresh_log(&conninfo, "tls").await) as SharedLog }
    })
    .await;
    // The same through a URL and through a driver Config.
    let (user, password) = (tls_param(&tls, "user"), tls_param(&tls, "password"));
    let url = format!(
        "postgresql://{user}:{password}@localhost:{}/{}?sslmode=verify-full&sslrootcert={ca}",
        tls_param(&tls, "port"),
        tls_param(&tls, "dbname"),
    );
    let log = PostgresOptions::new(url)
        .table(unique_table("tls_url"))
        .connect()
        .await
        .expect("verify-full through a URL");
    log.append(vec![event("A", json!({}))], Condition::HeadIs(0))
        .await
        .expect("append over TLS");
    let config: tokio_postgres::Config = format!("host=localhost {tls}").parse().expect("config");
    let log = PostgresLog::connect_with_config(
        config,
        PostgresOptions::new("")
            .ssl_mode(SslMode::VerifyFull)
            .ssl_root_cert(&ca)
            .table(unique_table("tls_config")),
    )
    .await
    .expect("verify-full through a driver Config");
    assert_eq!(log.head().await.expect("head"), 0);
}

/// A `key=value` of a connection string without quoting.
fn tls_param(conninfo: &str, key: &str) -> String {
    conninfo
        .split_whitespace()
        .find_map(|pair| pair.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{key} in the TLS connection string"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_without_the_ca_is_refused_naming_the_certificate_check() {
    let Some((tls, _)) = tls_database() else {
        return;
    };
    for mode in ["verify-full", "verify-ca"] {
        // Without sslrootcert: the compiled-in public roots, which did not
        // sign the throwaway CA.
        let opened = PostgresLog::connect(&format!("host=localhost {tls} sslmode={mode}")).await;
        match opened {
            Err(error @ LogError::Denied { .. }) => {
                assert!(!error.is_retryable());
                let text = error.to_string();
                assert!(text.contains("unknown issuer"), "{text}");
                assert!(text.contains(mode), "{text}");
                assert_each_cause_once(&error);
                let cause = std::error::Error::source(&error).expect("the rustls error");
                assert!(cause.to_string().contains("UnknownIssuer"), "{cause}");
            }
            other => panic!("{mode}: expected Denied, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_host_names_are_checked_by_verify_full_only() {
    let Some((tls, ca)) = tls_database() else {
        return;
    };
    // The certificate names localhost, not 127.0.0.1.
    let at_ip = |mode: &str| format!("host=127.0.0.1 {tls} sslmode={mode} sslrootcert={ca}");
    match PostgresLog::connect(&at_ip("verify-full")).await {
        Err(error @ LogError::Denied { .. }) => {
            let text = error.to_string();
            assert!(text.contains("bad host name"), "{text}");
            assert_each_cause_once(&error);
            let cause = std::error::Error::source(&error).expect("the rustls error");
            assert!(cause.to_string().contains("not valid for name"), "{cause}");
        }
        other => panic!("expected Denied, got {other:?}"),
    }
    let log = PostgresOptions::new(at_ip("verify-ca"))
        .table(unique_table("tls_ca"))
        .connect()
        .await
        .expect("verify-ca accepts another host name");
    log.append(vec![event("A", json!({}))], Condition::None)
        .await
        .expect("append over TLS");
    // require encrypts without checking the certificate at all (no
    // sslrootcert, so not even the chain).
    let log = PostgresOptions::new(format!("host=127.0.0.1 {tls} sslmode=require"))
        .table(unique_table("tls_req"))
        .connect()
        .await
        .expect("require accepts an unknown issuer");
    assert_eq!(log.head().await.expect("head"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_only_login_in_plain_text_is_refused_with_the_servers_reason() {
    let Some((tls, _)) = tls_database() else {
        return;
    };
    let password = tls_param(&tls, "password");
    match PostgresLog::connect(&format!("host=localhost {tls} sslmode=disable")).await {
        Err(error @ LogError::Denied { .. }) => {
            assert!(!error.is_retryable());
            assert!(error.to_string().contains("28000"), "{error}");
            assert_each_cause_once(&error);
            let texts = error_texts(&error);
            assert!(
                texts
                    .iter()
                    .any(|text| text.contains("pg_hba.conf rejects")),
                "the server's reason is in the chain: {texts:?}"
            );
            for text in texts {
                assert!(!text.contains(&password), "the password leaked: {text}");
            }
        }
        other => panic!("expected Denied, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_waits_for_a_held_advisory_lock_only_up_to_lock_timeout() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let log = PostgresOptions::new(&conninfo)
        .table(unique_table("lockwait"))
        .lock_timeout(Some(Duration::from_millis(200)))
        .connect()
        .await
        .expect("open");
    let other = raw_client(&conninfo).await;
    other
        .batch_execute(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock({})",
            log.lock_key()
        ))
        .await
        .expect("hold the log's lock");
    match log
        .append(vec![event("A", json!({}))], Condition::None)
        .await
    {
        Err(error @ LogError::Unavailable { .. }) => {
            assert!(error.is_retryable());
            let text = error.to_string();
            assert!(
                text.contains("lock_timeout") && text.contains("55P03"),
                "{text}"
            );
            assert_each_cause_once(&error);
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    // A write lock waits no longer either.
    match log.lock_writes().await {
        Err(error @ LogError::Unavailable { .. }) => {
            assert!(error.to_string().contains("55P03"), "{error}");
        }
        Err(other) => panic!("expected Unavailable, got {other:?}"),
        Ok(_) => panic!("the write lock was granted while another session holds it"),
    }
    other.batch_execute("ROLLBACK").await.expect("release");
    let count: i64 = other
        .query_one(
            &format!("SELECT count(*) FROM public.\"{}\"", log.table()),
            &[],
        )
        .await
        .expect("count")
        .get(0);
    assert_eq!(count, 0, "nothing was written");
    let appended = log
        .append(vec![event("A", json!({}))], Condition::None)
        .await
        .expect("the retry succeeds");
    assert_eq!(appended.first, 1);
}

/// The writer's group is stuck after its write was sent (its upsert waits
/// on a row lock, and no server timeout applies): past the group deadline
/// its backend is terminated and the transaction looked up, found rolled
/// back, so the append is `Unavailable` with nothing written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_past_its_deadline_after_its_write_is_settled_by_its_transaction() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let table = unique_table("deadline");
    let app = format!("goesgen_test_{table}");
    let log = Arc::new(
        PostgresOptions::new(&conninfo)
            .table(&table)
            .application_name(&app)
            .lock_timeout(None)
            .statement_timeout(None)
            .group_timeout(Duration::from_secs(3))
            .connect()
            .await
            .expect("open"),
    );
    log.append(vec![event("K", json!({"n": 1}))], Condition::None)
        .await
        .expect("first append");
    let blocker = raw_client(&conninfo).await;
    blocker
        .batch_execute(&format!(
            "BEGIN; SELECT * FROM public.\"{table}_kinds\" WHERE kind = 'K' FOR UPDATE"
        ))
        .await
        .expect("lock the kind's row");
    let stuck = {
        let log = Arc::clone(&log);
        tokio::spawn(async move {
            log.append(vec![event("K", json!({"n": 2}))], Condition::None)
                .await
        })
    };
    // Waiting on the row lock: the write was sent.
    let admin = raw_client(&conninfo).await;
    wait_until_blocked(&admin, &app).await;
    let outcome = tokio::time::timeout(conformance::PATIENCE, stuck)
        .await
        .expect("the append was answered")
        .expect("append task");
    match outcome {
        Err(error @ LogError::Unavailable { .. }) => {
            assert!(error.to_string().contains("rolled back"), "{error}");
            let cause = std::error::Error::source(&error).expect("the deadline");
            assert!(cause.to_string().contains("deadline"), "{cause}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    blocker.batch_execute("ROLLBACK").await.expect("unlock");
    assert_eq!(log.head().await.expect("head"), 1, "nothing was written");
    let appended = log
        .append(vec![event("K", json!({"n": 3}))], Condition::None)
        .await
        .expect("the writer reconnected");
    assert_eq!(appended.first, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_forged_notification_neither_moves_the_head_nor_spins_a_follower() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let table = unique_table("forged");
    let log = Arc::new(open_log(&conninfo, &table, None).await);
    let other = open_log(&conninfo, &table, None).await;
    // A follower as a projection would run one: wait for a new head, read
    // up to it.
    let follower = {
        let log = Arc::clone(&log);
        let mut heads = log.subscribe();
        tokio::spawn(async move {
            let mut cursor = 0;
            while let Ok(head) = heads.changed().await {
                while cursor < head {
                    let batch = log.read(cursor, &KindFilter::All, 100).await.expect("read");
                    cursor = batch.through;
                }
            }
        })
    };
    let before = log.stats();
    let admin = raw_client(&conninfo).await;
    admin
        .batch_execute(&format!("NOTIFY {}, '18446744073709551615'", log.channel()))
        .await
        .expect("forged notification");
    other
        .append(vec![event("A", json!({}))], Condition::None)
        .await
        .expect("a real append");
    let mut heads = log.subscribe();
    tokio::time::timeout(conformance::PATIENCE, heads.wait_for(1))
        .await
        .expect("the real append woke the log")
        .expect("subscription");
    // Both notifications were taken in (the forged one first).
    let deadline = Instant::now() + conformance::PATIENCE;
    while log.stats().notifications < before.notifications + 2 {
        assert!(
            Instant::now() < deadline,
            "notifications: {:?}",
            log.stats()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Give a spinning follower room to show itself.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(log.subscribe().head(), 1, "the head is the table's");
    let reads = log.stats().reads - before.reads;
    assert!(
        (1..=3).contains(&reads),
        "an idle follower read {reads} pages"
    );
    follower.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reads_run_in_parallel_on_up_to_read_connections() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let table = unique_table("pool");
    let app = format!("goesgen_test_{table}");
    let log = Arc::new(
        PostgresOptions::new(&conninfo)
            .table(&table)
            .application_name(&app)
            .read_connections(3)
            .connect()
            .await
            .expect("open"),
    );
    log.append(vec![event("A", json!({}))], Condition::None)
        .await
        .expect("append");
    // Block reads of the table: they pile up on the pool's connections.
    let blocker = raw_client(&conninfo).await;
    blocker
        .batch_execute(&format!(
            "BEGIN; LOCK TABLE public.\"{table}\" IN ACCESS EXCLUSIVE MODE"
        ))
        .await
        .expect("lock the table");
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let log = Arc::clone(&log);
            tokio::spawn(async move { log.read(0, &KindFilter::All, 10).await })
        })
        .collect();
    let admin = raw_client(&conninfo).await;
    let deadline = Instant::now() + conformance::PATIENCE;
    let waiting = async || -> i64 {
        admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity \
                 WHERE application_name = $1 AND wait_event_type = 'Lock'",
                &[&app],
            )
            .await
            .expect("activity")
            .get(0)
    };
    while waiting().await < 3 {
        assert!(Instant::now() < deadline, "reads did not run in parallel");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Settled at the pool's size: the other five wait for a connection.
    // The listener may wait on the lock too, reading the head after the
    // append's notification if that arrived after the lock was taken (the
    // count of connections below pins the pool's size).
    tokio::time::sleep(Duration::from_millis(200)).await;
    let settled = waiting().await;
    assert!(
        (3..=4).contains(&settled),
        "{settled} sessions wait on the lock"
    );
    blocker.batch_execute("ROLLBACK").await.expect("unlock");
    for reader in readers {
        let batch = reader.await.expect("reader").expect("read");
        assert_eq!(batch.records.len(), 1);
    }
    let read_conns: i64 = admin
        .query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
            &[&app],
        )
        .await
        .expect("activity")
        .get(0);
    assert_eq!(read_conns, 5, "3 readers, the writer and the listener");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_and_a_missing_permission_never_echo_the_password() {
    let Some(conninfo) = test_database() else {
        return;
    };
    let secret = "Goesgen-Secret-Pw-81723";
    let wrong = format!("{conninfo} password={secret}");
    match PostgresLog::connect(&wrong).await {
        Err(error @ LogError::Denied { .. }) => {
            assert!(!error.is_retryable());
            for text in error_texts(&error) {
                assert!(!text.contains(secret), "the password leaked: {text}");
            }
        }
        other => panic!("expected Denied, got {other:?}"),
    }
    let role = format!("r_{}", unique_table("secret"));
    let admin = raw_client(&conninfo).await;
    admin
        .batch_execute(&format!(
            "CREATE ROLE {role} LOGIN PASSWORD '{secret}'; CREATE SCHEMA {role}"
        ))
        .await
        .expect("role without rights on the schema");
    let opened = PostgresOptions::new(format!("{conninfo} user={role} password={secret}"))
        .schema(&role)
        .connect()
        .await;
    match opened {
        Err(error @ LogError::Denied { .. }) => {
            assert!(!error.is_retryable());
            assert!(error.to_string().contains("42501"), "{error}");
            for text in error_texts(&error) {
                assert!(!text.contains(secret), "the password leaked: {text}");
            }
        }
        other => panic!("expected Denied, got {other:?}"),
    }
}
