//! TLS (`GOESGEN_TEST_POSTGRES_TLS`): `verify-full` with the CA passes the
//! conformance suite, without the CA it is refused, host names are checked by
//! `verify-full` only, a TLS-only login in plain text is refused.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tls_verify_full_with_the_ca_passes_the_conformance_suite() {
    let Some((tls, ca)) = testing::tls() else {
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
    let Some((tls, _)) = testing::tls() else {
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
    let Some((tls, ca)) = testing::tls() else {
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
    let Some((tls, _)) = testing::tls() else {
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
