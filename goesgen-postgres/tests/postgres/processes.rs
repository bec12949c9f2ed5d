//! Two processes appending to one log: the parent runs this test binary again
//! as children (the `#[ignore]`d `cross_process_child`, run with
//! `--ignored`), and checks positions without gaps and every acknowledged
//! append in place.

use super::*;

/// The environment variable that turns `cross_process_child` into a child.
const CHILD_TABLE: &str = "GOESGEN_PG_CHILD_TABLE";

/// What each child process does, and how many events it appends.
const CHILD_TASKS: usize = 6;
const CHILD_APPENDS: usize = 25;
const CHILD_INCREMENTS: usize = 5;

/// Not a test of its own: the body of the child processes of
/// `two_processes_append_to_one_log`, which runs this binary again with
/// `CHILD_TABLE` set and `--ignored`. Ignored otherwise, and a failure if
/// run without `CHILD_TABLE`, so that no run counts it as passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "the child of two_processes_append_to_one_log, which runs it"]
async fn cross_process_child() {
    let table = std::env::var(CHILD_TABLE)
        .expect("run by two_processes_append_to_one_log, which sets CHILD_TABLE");
    let conninfo = testing::conninfo().expect("the parent has a database");
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
    let Some(conninfo) = testing::conninfo() else {
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
                    "processes::cross_process_child",
                    "--ignored",
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
