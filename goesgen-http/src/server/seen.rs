//! The seen position: a request's `Goesgen-Seen-Position: P` makes the
//! service catch up to position `P` before it answers, so a client that
//! wrote through one service reads its write through another; bounded by
//! [`HttpOptions::catch_up_timeout`](crate::HttpOptions::catch_up_timeout),
//! then `503 not-caught-up`.

use std::time::{Duration, Instant};

use goesgen_runtime::Position;

use crate::known::Known;
use crate::problem::Problem;
use crate::server::service::HttpService;
use crate::service_error::problem_of;

/// The position a request's `Goesgen-Seen-Position` header names (`text`);
/// `400 invalid-header` if it names none.
pub(super) fn parse_seen(text: &str) -> Result<Position, Problem> {
    text.trim()
        .parse::<Position>()
        .map_err(|_| Known::InvalidSeenPosition.detail(format!("`{text}` is not a log position")))
}

/// Waits (at most `timeout`) until the service's projection has reached
/// `seen`: catches it up, and while it is behind waits for the log's head
/// to move (or a short while, for a backend that cannot tell) and catches
/// up again. `503 not-caught-up` when time is out.
pub(super) async fn catch_up_to<S: HttpService>(
    service: &S,
    seen: Position,
    timeout: Duration,
) -> Result<(), Problem> {
    let deadline = Instant::now() + timeout;
    let mut heads = service.event_log().subscribe();
    loop {
        let version = service
            .catch_up()
            .await
            .map_err(|error| problem_of(&error))?;
        if version >= seen {
            return Ok(());
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(Known::NotCaughtUp.detail(format!(
                "the service is at position {version}, the request needs {seen}"
            )));
        }
        let wait = (deadline - now).min(Duration::from_millis(100));
        let waited = Instant::now();
        let _ = tokio::time::timeout(wait, heads.wait_for(seen)).await;
        // The head may be there before the projection can read it: do not
        // spin.
        if waited.elapsed() < Duration::from_millis(2) {
            tokio::time::sleep(Duration::from_millis(5).min(wait)).await;
        }
    }
}
