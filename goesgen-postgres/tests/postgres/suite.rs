//! The shared conformance suite (the runtime's `conformance` kit) on
//! `PostgresLog`.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conformance_suite() {
    let Some(conninfo) = testing::conninfo() else {
        return;
    };
    conformance::run_all(|| {
        let conninfo = conninfo.clone();
        async move { Arc::new(fresh_log(&conninfo, "conf").await) as SharedLog }
    })
    .await;
}
