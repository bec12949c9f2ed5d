//! The drill's callers: the calls they make and how each ended, the
//! accounts opened first, and the clients that deposit until the traffic
//! stops, each call tried against either server, hanging up on some
//! tries, until it is answered.

use std::time::Instant;

use goesgen::IdempotencyKey;
use goesgen::http::{ClientError, HttpClient, Positions, RequestOptions, RetryPolicy};

use crate::bank::schema::bank::BankClient;
use crate::bank::transfer;
use crate::drill::{Addresses, Rng, SERVERS};
use crate::figures::ClientFigures;

/// The accounts the clients deposit into.
pub const ACCOUNTS: [&str; 4] = ["a0", "a1", "a2", "a3"];
/// The most calls one client makes.
const MAX_CALLS: u64 = 100_000;
/// The share of tries (percent) that hang up mid-call.
const HANG_UP_PERCENT: u64 = 25;

/// One call a client makes: a deposit whose amount no other call has, so
/// the log names the call.
#[derive(Debug, Clone)]
pub struct Call {
    pub key: IdempotencyKey,
    pub account: &'static str,
    pub amount: u64,
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `200`: the new balance and where the deposit is.
    Acknowledged { balance: u64, positions: Positions },
    /// `409 duplicate`: an earlier try landed, there.
    Duplicate { positions: Positions },
    /// No answer before the drill's end.
    Unresolved,
}

/// A client of server `i` that does not retry by itself.
fn client_of(http: &reqwest::Client, addresses: &Addresses, i: usize) -> BankClient {
    let url = addresses.read().unwrap()[i].clone();
    BankClient::new(HttpClient::with_client(url, http.clone()).retry(RetryPolicy::none()))
}

/// Opens the accounts (before anything is killed).
pub async fn open_accounts(http: &reqwest::Client, addresses: &Addresses) {
    let client = client_of(http, addresses, 0);
    for account in ACCOUNTS {
        let key = IdempotencyKey::new(format!("open-{account}")).unwrap();
        let options = RequestOptions::new().key(key);
        let opened = client.open_with(account.into(), options).await;
        assert!(opened.is_ok(), "opening {account}: {opened:?}");
    }
}

/// One client: deposits until `stop_at` (or [`MAX_CALLS`]), each call
/// repeated with its key until it is answered.
pub async fn call_away(
    client: u64,
    http: reqwest::Client,
    addresses: Addresses,
    stop_at: Instant,
    give_up_at: Instant,
) -> (Vec<(Call, Outcome)>, ClientFigures) {
    let mut rng = Rng::new();
    let mut figures = ClientFigures::default();
    let mut calls = Vec::new();
    for n in 0..MAX_CALLS {
        if Instant::now() >= stop_at {
            break;
        }
        let call = Call {
            key: IdempotencyKey::new(format!("soak-{client}-{n}")).unwrap(),
            account: ACCOUNTS[rng.below(ACCOUNTS.len() as u64) as usize],
            amount: client * 1_000_000 + n + 1,
        };
        let outcome =
            call_until_answered(&call, &http, &addresses, give_up_at, &mut rng, &mut figures).await;
        calls.push((call, outcome));
    }
    (calls, figures)
}

/// Tries `call` against either server until it is acknowledged or
/// refused as a duplicate, hanging up on some tries.
async fn call_until_answered(
    call: &Call,
    http: &reqwest::Client,
    addresses: &Addresses,
    give_up_at: Instant,
    rng: &mut Rng,
    figures: &mut ClientFigures,
) -> Outcome {
    use goesgen::http::codes;
    while Instant::now() < give_up_at {
        let client = client_of(http, addresses, rng.below(SERVERS as u64) as usize);
        let options = RequestOptions::new().key(call.key.clone());
        let deposit = client.deposit_with(transfer(call.account, call.amount), options);
        figures.tries += 1;
        let answer = if rng.below(100) < HANG_UP_PERCENT {
            match tokio::time::timeout(rng.millis(0, 30), deposit).await {
                Ok(answer) => answer,
                Err(_) => {
                    figures.disconnects += 1;
                    continue;
                }
            }
        } else {
            deposit.await
        };
        let error = match answer {
            Ok(written) => {
                return Outcome::Acknowledged {
                    balance: written.output,
                    positions: written.positions,
                };
            }
            Err(error) => error,
        };
        match (&error, error.status(), error.code()) {
            (_, Some(409), Some(codes::DUPLICATE)) => match error.positions() {
                Some(positions) => return Outcome::Duplicate { positions },
                None => figures.unexpected(format!("a duplicate without positions: {error}")),
            },
            (ClientError::Transport { .. }, _, _) => figures.connection_errors += 1,
            (_, Some(503), Some(code))
            | (_, Some(409), Some(code @ codes::CONFLICT))
            | (_, Some(500), Some(code @ (codes::INDETERMINATE | codes::UNSYNCED))) => {
                *figures.retried_answers.entry(code.to_string()).or_default() += 1;
            }
            _ => figures.unexpected(error.to_string()),
        }
        // Whatever the answer, the same key again is safe.
        tokio::time::sleep(rng.millis(1, 20)).await;
    }
    Outcome::Unresolved
}
