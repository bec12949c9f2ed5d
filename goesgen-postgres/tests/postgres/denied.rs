//! Refused logins and permissions: denied with their cause, never echoing the
//! password.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_logins_and_permissions_are_denied_with_their_cause() {
    let Some(conninfo) = testing::conninfo() else {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_and_a_missing_permission_never_echo_the_password() {
    let Some(conninfo) = testing::conninfo() else {
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
