//! Two processes making the first keys of the same subjects at once: the
//! key store ends with one key per subject, and every value opens with
//! it. The writers are this test binary re-executed for the ignored test
//! `processes::child_first_uses`.

use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use goesgen_runtime::personal::MasterKey;
use goesgen_runtime::{Append, NewEvent, codec};

use super::schema::{self, Event, UserRegistered};
use super::{fresh_path, open_sqlite, read_events};

/// The environment variables that turn `child_first_uses` into a writer:
/// the log's path, the master key, and when to start.
const CHILD_PATH: &str = "GOESGEN_PERSONAL_TEST_CHILD";
const CHILD_KEY: &str = "GOESGEN_PERSONAL_TEST_KEY";
const CHILD_START: &str = "GOESGEN_PERSONAL_TEST_START";

/// How many subjects each writer uses for the first time, in order.
const SUBJECTS: usize = 40;

fn registered(id: &str, writer: &str) -> NewEvent {
    codec::to_new_event(&Event::UserRegistered(UserRegistered {
        id: id.into(),
        name: format!("name of {id} by {writer}").into(),
        plan: writer.into(),
    }))
    .unwrap()
}

/// A writer process: from the agreed start, registers users `s-0`, `s-1`,
/// ... one append each, as the other writer does.
#[test]
#[ignore = "a writer process of the test below, which runs it"]
fn child_first_uses() {
    let Ok(path) = std::env::var(CHILD_PATH) else {
        return;
    };
    let master = MasterKey::from_env(CHILD_KEY).expect("the master key");
    let start: u128 = std::env::var(CHILD_START).unwrap().parse().unwrap();
    let writer = std::process::id().to_string();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let log = open_sqlite(path.as_ref(), &master).await;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis();
        tokio::time::sleep(Duration::from_millis(start.saturating_sub(now) as u64)).await;
        for n in 0..SUBJECTS {
            let append = Append::new(vec![registered(&format!("s-{n}"), &writer)])
                .seal(0, &schema::REGISTERED);
            log.append_with(append).await.expect("append");
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_using_a_subject_first_at_once_end_with_one_key() {
    let path = fresh_path("processes");
    let master = MasterKey::generate().unwrap();
    // The file exists before the writers race to make its key store.
    drop(open_sqlite(&path, &master).await);
    let start = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
        + 1_500;
    let children: Vec<_> = (0..2)
        .map(|_| {
            crate::rerun::ignored_test("processes::child_first_uses")
                .env(CHILD_PATH, &path)
                .env(CHILD_KEY, master.to_base64())
                .env(CHILD_START, start.to_string())
                .stdout(Stdio::null())
                .spawn()
                .expect("spawn a writer")
        })
        .collect();
    for child in children {
        let status = child.wait_with_output().expect("writer").status;
        assert!(status.success(), "a writer failed: {status}");
    }

    let connection = rusqlite::Connection::open(&path).unwrap();
    let (keys, subjects): (i64, i64) = connection
        .query_row(
            "SELECT count(*), count(DISTINCT subject) FROM goesgen_personal_keys",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .unwrap();
    assert_eq!((keys, subjects), (SUBJECTS as i64, SUBJECTS as i64));
    let log = open_sqlite(&path, &master).await;
    let events = read_events(&log).await;
    assert_eq!(events.len(), 2 * SUBJECTS);
    for event in events {
        let Event::UserRegistered(e) = event else {
            panic!("{event:?}")
        };
        let name = e.name.known().expect("every value opens with its one key");
        assert_eq!(name, &format!("name of {} by {}", e.id, e.plan));
    }
}
