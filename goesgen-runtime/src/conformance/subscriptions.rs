//! Subscriptions: woken by appends, ended when the log closes.

use std::time::Duration;

use super::PATIENCE;
use super::helpers::{append, event};
use crate::{LogError, SharedLog};
use serde_json::json;

/// A task waiting on a subscription is woken by an append.
pub async fn subscription_wakes_on_append(log: SharedLog) {
    let mut subscription = log.subscribe();
    let waiter = tokio::spawn(async move {
        let first = subscription.changed().await.expect("changed");
        let third = subscription.wait_for(3).await.expect("wait_for");
        (first, third, subscription.head())
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    append(&log, vec![event("A", json!({}))]).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    append(&log, vec![event("A", json!({})), event("B", json!({}))]).await;
    let (first, third, head) = tokio::time::timeout(PATIENCE, waiter)
        .await
        .expect("the waiter was woken")
        .expect("waiter task");
    assert!((1..=3).contains(&first), "first wake-up at {first}");
    assert_eq!((third, head), (3, 3));
}

/// Dropping the last handle of a log ends its subscriptions with `Closed`.
pub async fn subscription_closes_with_the_log(log: SharedLog) {
    let mut subscription = log.subscribe();
    append(&log, vec![event("A", json!({}))]).await;
    drop(log);
    let ended = tokio::time::timeout(PATIENCE, async {
        loop {
            match subscription.changed().await {
                Ok(_) => continue,
                Err(error) => break error,
            }
        }
    })
    .await
    .expect("the subscription ended");
    assert!(matches!(ended, LogError::Closed), "{ended:?}");
}
