//! Servers in child processes: the test binary re-executed to run one
//! ignored test (the child's entry point), which serves a router on
//! 127.0.0.1 (an ephemeral port), prints its address and serves until its
//! stdin closes. The parent reads the address; it stops a child by closing
//! its stdin (gracefully), or kills it (SIGKILL). A child is always reaped:
//! one that does not stop after its stdin closes is killed.
#![allow(dead_code)]

#[path = "rerun.rs"]
mod rerun;

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Stdio};
use std::time::{Duration, Instant};

/// What a child prints before its address.
const ADDR: &str = "@@ ADDR ";

/// How long a child may take to stop once its stdin is closed.
const STOPPING: Duration = Duration::from_secs(20);

/// A child process serving a router, stopped on drop.
pub struct ChildServer {
    child: Child,
    stdin: Option<ChildStdin>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

impl ChildServer {
    /// Runs the ignored test `test` (its full name) of this binary in a
    /// child with the environment `envs`, and waits for the address it
    /// prints. Blocks: call it off the async threads.
    pub fn start(test: &str, envs: &[(&str, &str)]) -> Self {
        let mut child = rerun::ignored_test(test)
            .envs(envs.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            let line = match lines.next() {
                Some(Ok(line)) => line,
                _ => {
                    let _ = child.kill();
                    let status = child.wait();
                    panic!("child {test} {envs:?} ended before serving: {status:?}");
                }
            };
            if let Some(at) = line.find(ADDR) {
                break line[at + ADDR.len()..].trim().to_string();
            }
        };
        // The rest of its output is a few lines: let them drain.
        std::thread::spawn(move || for _ in lines {});
        Self { child, stdin, url }
    }

    /// Kills the child at once (SIGKILL on Unix) and reaps it. Blocks.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        drop(self.stdin.take()); // EOF: the child shuts down
        let deadline = Instant::now() + STOPPING;
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                _ => return,
            }
        }
        eprintln!(
            "a child serving {} did not stop within {STOPPING:?} of its stdin closing: killed",
            self.url
        );
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// In a child: serves `router` on 127.0.0.1 (an ephemeral port), printing
/// the address for [`ChildServer::start`], until stdin closes or `max`
/// has passed (a parent that never closes it), then lets the requests in
/// flight finish.
pub async fn serve_until_stdin_closes(router: goesgen::http::Router, max: Duration) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("{ADDR}http://{}", listener.local_addr().unwrap());
    let stdin_closed = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        while std::io::stdin().read_line(&mut line).is_ok_and(|n| n > 0) {
            line.clear();
        }
    });
    let shutdown = async move {
        tokio::select! {
            _ = stdin_closed => {}
            _ = tokio::time::sleep(max) => {}
        }
    };
    goesgen::http::serve(listener, router, shutdown)
        .await
        .unwrap();
}
