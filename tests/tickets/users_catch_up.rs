//! A long catch-up of the `Users` service into its SQLite store (the SQLite
//! kit, in a database file): one `BEGIN IMMEDIATE` ... `COMMIT` per sync
//! batch (`ServiceOptions::sync_batch` records), a batch that fails
//! half-way rolled back whole with the version left before it, and a
//! catch-up cut off at any await point leaving the tables and the version
//! in step.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use goesgen::{Condition, ServiceError};

use super::*;
use crate::service::users::store::{self, UsersStore};

/// Appends a `UserCreated` per name, as another writer would, in one
/// append; returns the users' ids.
async fn append_users(log: &SharedLog, names: &[String]) -> Vec<id::User> {
    let (ids, events): (Vec<_>, Vec<_>) = names.iter().map(|name| user_created(name)).unzip();
    let new = events.iter().map(|e| e.to_new_event().unwrap()).collect();
    log.append(new, Condition::None).await.unwrap();
    ids
}

/// How many users the store's tables hold, and its version, as one
/// committed snapshot shows them.
async fn tables_and_version(store: &UsersStore) -> (u64, u64) {
    let mut read = goesgen::Store::begin_read(store).await.unwrap();
    let version = goesgen::Store::read_version(store, &mut read)
        .await
        .unwrap();
    (store::count(&read).unwrap(), version)
}

#[tokio::test]
async fn a_catch_up_commits_each_sync_batch_and_a_failing_one_is_rolled_back_whole() {
    let log = MemoryLog::shared();
    // Ten users, the eighth with the third's name: the third transaction
    // of three records (positions 7 to 9) fails at 8 on the UNIQUE
    // constraint.
    let mut names: Vec<String> = (1..=10).map(|n| format!("User {n}")).collect();
    names[7] = names[2].clone();
    let ids = append_users(&log, &names).await;
    let path = fresh_path("users-catch-up-batches");
    let users = UsersService::new(
        Users,
        store::open(&path).unwrap(),
        log.clone(),
        ServiceOptions::default().read_batch(3).sync_batch(3),
    );
    let mut progress = users.progress();
    let error = users.sync().await.unwrap_err();
    assert!(
        matches!(error, ServiceError::Apply { position: 8, ref kind, .. } if kind == "UserCreated"),
        "{error:?}"
    );
    // The two batches before it were committed, each at its end; of the
    // failing batch nothing shows (not the seventh user, applied before
    // the refusal), and the version is where the last commit left it.
    assert_eq!(tables_and_version(users.store()).await, (6, 6));
    assert_eq!(progress.borrow_and_update().version, 6);
    let error = users
        .get_user_by_id(&Caller::Anonymous, ids[6])
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        ServiceError::Method(crate::service::users::UsersError::NotFound(_))
    ));
    // A store reopened on the file resumes there, and stops at the same
    // record.
    drop(users);
    let reopened = UsersService::new(
        Users,
        store::open(&path).unwrap(),
        log.clone(),
        ServiceOptions::default().read_batch(3).sync_batch(3),
    );
    assert_eq!(reopened.projection_version().await.unwrap(), 6);
    let error = reopened.sync().await.unwrap_err();
    assert!(matches!(error, ServiceError::Apply { position: 8, .. }));
}

/// Polls `future` at most `polls` times, yielding to the runtime between
/// polls (so that work on the blocking pool can finish); whether it ended.
async fn poll_at_most<F: Future>(future: F, polls: usize) -> bool {
    let mut future = pin!(future);
    for _ in 0..polls {
        let ready =
            std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx).is_ready())).await;
        if ready {
            return true;
        }
        tokio::task::yield_now().await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catch_up_cut_off_at_any_await_leaves_tables_and_version_in_step() {
    let log = MemoryLog::shared();
    let names: Vec<String> = (1..=20).map(|n| format!("User {n}")).collect();
    append_users(&log, &names).await;
    let path = fresh_path("users-catch-up-cut-off");
    let users = UsersService::new(
        Users,
        store::open(&path).unwrap(),
        log.clone(),
        ServiceOptions::default().read_batch(2).sync_batch(6),
    );
    // Cut off after 1 poll, then 2, ...: every await point of the sync
    // (beginning a transaction, reading, committing, for each batch) is
    // where it is dropped once, until a sync runs to its end.
    let mut polls = 1;
    while !poll_at_most(users.sync(), polls).await {
        // Whatever the cut-off left: whole batches, the version at their
        // end, and the next write transaction can begin.
        let (count, version) = tables_and_version(users.store()).await;
        assert_eq!(count, version, "cut off after {polls} polls");
        assert!([0, 6, 12, 18, 20].contains(&version), "version {version}");
        polls += 1;
        assert!(polls < 10_000, "the sync never ends");
    }
    assert_eq!(tables_and_version(users.store()).await, (20, 20));
    // The store is whole: a fresh sync on the file finds nothing to do,
    // and a new user can be created.
    assert_eq!(users.sync().await.unwrap(), 20);
    users
        .create_user(
            &Caller::Anonymous,
            crate::service::users::io::CreateUserIn {
                name: UserName::new("User 21").unwrap(),
            },
        )
        .await
        .unwrap();
    assert_eq!(tables_and_version(users.store()).await, (21, 21));
}
