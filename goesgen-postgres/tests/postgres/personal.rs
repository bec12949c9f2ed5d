//! Personal data: sealed values leave no plaintext in the events table, a
//! wrong or missing master key is a clear error, forget deletes the key's
//! row and reads then show the values forgotten, two logs using a new
//! subject at once end with one key, a forget dropped at any await commits
//! all or nothing, and a log made before personal data gains its key
//! store.

use goesgen_runtime::personal::{
    FORGOTTEN_MARKER, MasterKey, PersonalError, PersonalSpec, SUBJECT_FORGOTTEN, Subject,
    forgotten_subject, open_records,
};

use super::*;

/// A `UserCreated` event whose `name` is personal data about the user `id`.
static USER: PersonalSpec = PersonalSpec {
    subject: "id",
    subject_kind: "User",
    fields: &["name"],
};

/// An append of one `UserCreated` for `id` named `name`, sealed.
fn user_created(id: &str, name: &str) -> Append {
    Append::new(vec![event("UserCreated", json!({"id": id, "name": name}))]).seal(0, &USER)
}

fn subject(id: &str) -> Subject {
    Subject::new("User", &id).expect("subject")
}

/// The log on `table` with `master`.
async fn keyed_log(conninfo: &str, table: &str, master: &MasterKey) -> PostgresLog {
    PostgresOptions::new(conninfo)
        .table(table)
        .master_key(master.clone())
        .connect()
        .await
        .expect("open the PostgreSQL log with a master key")
}

/// Every record of the log, its personal values opened.
async fn opened(log: &PostgresLog) -> Vec<Value> {
    let mut records = log
        .read(0, &KindFilter::All, 1000)
        .await
        .expect("read")
        .records;
    open_records(log, &mut records).await.expect("open");
    records.iter().map(payload).collect()
}

/// The stored payloads of `table`, as text, read behind the log's back.
async fn stored_payloads(raw: &tokio_postgres::Client, table: &str) -> Vec<String> {
    raw.query(
        &format!("SELECT payload FROM public.\"{table}\" ORDER BY position"),
        &[],
    )
    .await
    .expect("payloads")
    .iter()
    .map(|row| String::from_utf8_lossy(row.get::<_, &[u8]>(0)).into_owned())
    .collect()
}

/// How many data keys `table`'s key store holds (for `subject`, if given).
async fn key_rows(raw: &tokio_postgres::Client, table: &str, subject: Option<&Subject>) -> i64 {
    let all = format!("SELECT count(*) FROM public.\"{table}_datakeys\"");
    match subject {
        Some(subject) => raw
            .query_one(
                &format!("{all} WHERE subject = $1"),
                &[&subject.to_string()],
            )
            .await
            .expect("count keys")
            .get(0),
        None => raw.query_one(&all, &[]).await.expect("count keys").get(0),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sealed_values_leave_no_plaintext_in_the_table() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let table = unique_table("sealed");
    let master = MasterKey::generate().expect("master key");
    let log = keyed_log(&conninfo, &table, &master).await;
    assert!(log.seals_personal());
    log.append_with(user_created("u-1", "Ada Lovelace"))
        .await
        .expect("append");
    log.append_with(user_created("u-1", "Ada King"))
        .await
        .expect("again");
    log.append(
        vec![event("Plain", json!({"note": "in the clear"}))],
        Condition::None,
    )
    .await
    .expect("plain");

    let raw = raw_client(&conninfo).await;
    let stored = stored_payloads(&raw, &table).await;
    assert_eq!(stored.len(), 3);
    for payload in &stored[..2] {
        assert!(!payload.contains("Ada"), "{payload}");
        assert!(payload.contains("\"goesgen:sealed\":1"), "{payload}");
        assert!(
            payload.contains("\"id\":\"u-1\""),
            "the subject stays readable: {payload}"
        );
    }
    assert!(stored[2].contains("in the clear"));
    // One key for the subject, wrapped: the key store holds no name.
    assert_eq!(key_rows(&raw, &table, Some(&subject("u-1"))).await, 1);
    let dump: String = raw
        .query_one(
            &format!(
                "SELECT string_agg(subject || encode(key_id, 'hex') || encode(wrapped, 'hex'), ',') \
                 FROM public.\"{table}_datakeys\""
            ),
            &[],
        )
        .await
        .expect("key store")
        .get(0);
    // Neither as text (the subjects) nor as bytes (the hex of ids and
    // wrapped keys).
    assert!(!dump.contains("Ada") && !dump.contains("416461"), "{dump}");

    // Read back (by another handle too) with the master key: the clear values.
    let names = |payloads: Vec<Value>| -> Vec<Value> {
        payloads.iter().map(|p| p["name"].clone()).collect()
    };
    assert_eq!(
        names(opened(&log).await)[..2],
        [json!("Ada Lovelace"), json!("Ada King")]
    );
    let other = keyed_log(&conninfo, &table, &master).await;
    assert_eq!(
        names(opened(&other).await)[..2],
        [json!("Ada Lovelace"), json!("Ada King")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_missing_master_key_is_a_clear_error() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let table = unique_table("wrongkey");
    let master = MasterKey::generate().expect("master key");
    let log = keyed_log(&conninfo, &table, &master).await;
    log.append_with(user_created("u-1", "Ada"))
        .await
        .expect("append");

    let wrong = MasterKey::generate().expect("another key");
    let opened = PostgresOptions::new(&conninfo)
        .table(&table)
        .master_key(wrong)
        .connect()
        .await;
    match opened {
        Err(LogError::Personal(PersonalError::WrongMasterKey)) => {}
        other => panic!("expected WrongMasterKey, got {other:?}"),
    }

    // Without a master key: plain appends and reads work, but personal
    // data can be neither sealed nor opened, and nothing is written.
    let keyless = open_log(&conninfo, &table, None).await;
    match keyless.append_with(user_created("u-2", "Bob")).await {
        Err(LogError::Personal(PersonalError::NoMasterKey)) => {}
        other => panic!("expected NoMasterKey, got {other:?}"),
    }
    let mut records = keyless
        .read(0, &KindFilter::All, 10)
        .await
        .expect("read")
        .records;
    assert_eq!(records.len(), 1, "the refused append wrote nothing");
    match open_records(&keyless, &mut records).await {
        Err(LogError::Personal(PersonalError::NoMasterKey)) => {}
        other => panic!("expected NoMasterKey, got {other:?}"),
    }
    let error = LogError::Personal(PersonalError::WrongMasterKey).to_string();
    assert!(error.contains("master key"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forget_deletes_the_key_row_and_reads_show_forgotten() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let table = unique_table("forget");
    let master = MasterKey::generate().expect("master key");
    let log = keyed_log(&conninfo, &table, &master).await;
    log.append_with(user_created("u-1", "Ada"))
        .await
        .expect("u-1");
    log.append_with(user_created("u-2", "Bob"))
        .await
        .expect("u-2");
    let raw = raw_client(&conninfo).await;
    assert_eq!(key_rows(&raw, &table, None).await, 2);

    let forgot = log.forget(&subject("u-1")).await.expect("forget");
    assert!(forgot.had_key);
    assert_eq!((forgot.record.first, forgot.record.last), (3, 3));
    assert_eq!(key_rows(&raw, &table, Some(&subject("u-1"))).await, 0);
    assert_eq!(key_rows(&raw, &table, None).await, 1, "Bob's key stays");

    let records = log.read(2, &KindFilter::All, 10).await.expect("read");
    assert_eq!(records.records[0].kind, SUBJECT_FORGOTTEN);
    assert_eq!(
        forgotten_subject(&records.records[0].payload).expect("its subject"),
        subject("u-1")
    );

    // Every reader, even one opened later, sees Ada forgotten and Bob.
    let reopened = keyed_log(&conninfo, &table, &master).await;
    for handle in [&log, &reopened] {
        let payloads = opened(handle).await;
        assert_eq!(payloads[0]["name"], json!({FORGOTTEN_MARKER: true}));
        assert_eq!(payloads[0]["id"], json!("u-1"));
        assert_eq!(payloads[1]["name"], json!("Bob"));
    }

    // Forgetting again deletes nothing and still appends the record; new
    // data about the subject gets a new key, the old stays forgotten.
    let again = log.forget(&subject("u-1")).await.expect("forget again");
    assert!(!again.had_key);
    assert_eq!(again.record.first, 4);
    log.append_with(user_created("u-1", "Ada II"))
        .await
        .expect("new data");
    let payloads = opened(&log).await;
    assert_eq!(payloads[0]["name"], json!({FORGOTTEN_MARKER: true}));
    assert_eq!(payloads[4]["name"], json!("Ada II"));
    // A subject whose key was never made: nothing to delete, the record
    // is appended all the same.
    let never = log
        .forget(&subject("u-9"))
        .await
        .expect("forget a stranger");
    assert!(!never.had_key);
    assert_eq!(never.record.first, 6);
    // Forgetting needs no master key.
    let keyless = open_log(&conninfo, &table, None).await;
    assert!(
        keyless
            .forget(&subject("u-2"))
            .await
            .expect("forget")
            .had_key
    );
    assert_eq!(
        opened(&log).await[1]["name"],
        json!({FORGOTTEN_MARKER: true})
    );
}

/// Two logs (two sets of connections, as two processes have) appending
/// the first data of the same subjects at once: one key per subject, and
/// every value opens with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_clients_first_use_of_a_subject_makes_one_key() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let table = unique_table("firstuse");
    let master = MasterKey::generate().expect("master key");
    let a = Arc::new(keyed_log(&conninfo, &table, &master).await);
    let b = Arc::new(keyed_log(&conninfo, &table, &master).await);
    const SUBJECTS: usize = 8;
    let mut tasks = Vec::new();
    for round in 0..3 {
        for (client, log) in [&a, &b].into_iter().enumerate() {
            for n in 0..SUBJECTS {
                let log = Arc::clone(log);
                tasks.push(tokio::spawn(async move {
                    let name = format!("name {n} from {client} in {round}");
                    log.append_with(user_created(&format!("s-{n}"), &name))
                        .await
                        .expect("append");
                }));
            }
        }
    }
    for task in tasks {
        task.await.expect("task");
    }
    let raw = raw_client(&conninfo).await;
    assert_eq!(key_rows(&raw, &table, None).await, SUBJECTS as i64);
    let payloads = opened(&a).await;
    assert_eq!(payloads.len(), 3 * 2 * SUBJECTS);
    for payload in &payloads {
        let name = payload["name"].as_str().expect("every value opens");
        let n = payload["id"].as_str().expect("id").trim_start_matches("s-");
        assert!(name.starts_with(&format!("name {n} from")), "{payload}");
    }
}

/// A forget whose future is dropped at any point either committed both
/// the key's deletion and its record, or neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forget_dropped_at_any_await_is_all_or_nothing() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let table = unique_table("forgetdrop");
    let master = MasterKey::generate().expect("master key");
    let log = keyed_log(&conninfo, &table, &master).await;
    let raw = raw_client(&conninfo).await;
    let mut delay = Duration::ZERO;
    let mut dropped = 0;
    for n in 0.. {
        let id = format!("d-{n}");
        log.append_with(user_created(&id, "Dee"))
            .await
            .expect("append");
        let finished = tokio::time::timeout(delay, log.forget(&subject(&id))).await;
        // Wait for the dropped transaction to end: the write lock is free
        // once the server has rolled it back (or committed it).
        drop(log.lock_writes().await.expect("lock"));
        let key = key_rows(&raw, &table, Some(&subject(&id))).await;
        let records: i64 = raw
            .query_one(
                &format!(
                    "SELECT count(*) FROM public.\"{table}\" WHERE kind = $1 AND payload = $2"
                ),
                &[
                    &SUBJECT_FORGOTTEN,
                    &json!({"subject": subject(&id).to_string()})
                        .to_string()
                        .into_bytes(),
                ],
            )
            .await
            .expect("records")
            .get(0);
        assert_eq!(
            (key, records),
            if key == 0 { (0, 1) } else { (1, 0) },
            "after {delay:?}: the key's deletion and the record go together"
        );
        match finished {
            Ok(result) => {
                result.expect("forget");
                assert_eq!((key, records), (0, 1));
                break;
            }
            Err(_) => dropped += 1,
        }
        assert!(n < 2000, "the forget never finished");
        delay += Duration::from_micros(400);
    }
    assert!(dropped > 0, "no forget was dropped part way");
}

/// A log made before personal data (no key store tables) gains them when
/// opened, and seals from then on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_made_before_personal_data_gains_its_key_store() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    let table = unique_table("before_pii");
    let raw = raw_client(&conninfo).await;
    create_earlier_tables(&raw, &table, true).await;
    raw.batch_execute(&format!(
        "INSERT INTO public.\"{table}\" VALUES (1, '2023-11-14T22:13:20Z', 'A', '{{}}');
         INSERT INTO public.\"{table}_kinds\" VALUES ('A', 1);"
    ))
    .await
    .expect("the tables before personal data");
    let master = MasterKey::generate().expect("master key");
    let log = keyed_log(&conninfo, &table, &master).await;
    log.append_with(user_created("u-1", "Ada"))
        .await
        .expect("append");
    assert_eq!(key_rows(&raw, &table, None).await, 1);
    let payloads = opened(&log).await;
    assert_eq!(payloads[0], json!({}));
    assert_eq!(payloads[1]["name"], json!("Ada"));
    assert!(!stored_payloads(&raw, &table).await[1].contains("Ada"));
}
