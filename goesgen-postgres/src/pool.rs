//! The read connections of a [`PostgresLog`](super::PostgresLog): a small
//! pool, so reads run in parallel, with no lock held across a connect.
//!
//! A semaphore bounds the connections in use (and so the connections
//! open); idle connections wait in a plain mutex-guarded stack, taken and
//! put back without awaiting. A call that finds none idle opens one while
//! holding only its permit, so a slow (re)connect delays that call alone.
//! Failed connects share one jittered backoff, during which further calls
//! fail fast with [`LogError::Unavailable`].

use std::ops::Deref;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::{Semaphore, SemaphorePermit};

use super::ReadConn;
use super::connect::{Backoff, Connector};
use super::schema::Sql;
use goesgen_runtime::error::LogError;

/// The pool.
#[derive(Debug)]
pub(crate) struct ReadPool {
    permits: Semaphore,
    idle: Mutex<Vec<Arc<ReadConn>>>,
    backoff: Mutex<Backoff>,
}

impl ReadPool {
    /// A pool of at most `size` connections, none open yet.
    pub fn new(size: usize) -> Self {
        Self {
            permits: Semaphore::new(size.max(1)),
            idle: Mutex::new(Vec::new()),
            backoff: Mutex::new(Backoff::default()),
        }
    }

    /// Puts an open connection in the pool (unless it is closed).
    pub fn put_back(&self, conn: Arc<ReadConn>) {
        if !conn.client.is_closed() && !self.permits.is_closed() {
            self.idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(conn);
        }
    }

    /// Closes the pool: idle connections are dropped, and calls waiting
    /// for or asking for a connection fail with [`LogError::Closed`].
    pub fn close(&self) {
        self.permits.close();
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// A connection: an idle one, or a new one if none is idle and fewer
    /// than the pool's size are in use (else waits for one to come back).
    pub async fn get(&self, connector: &Connector, sql: &Sql) -> Result<PooledRead<'_>, LogError> {
        let permit = self.permits.acquire().await.map_err(|_| LogError::Closed)?;
        loop {
            let idle = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop();
            match idle {
                Some(conn) if conn.client.is_closed() => {}
                Some(conn) => return Ok(self.pooled(conn, permit)),
                None => break,
            }
        }
        self.backoff
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .check()?;
        let opened = match connector.connect().await {
            Ok(client) => ReadConn::prepare(client, sql).await,
            Err(error) => Err(error),
        };
        let mut backoff = self.backoff.lock().unwrap_or_else(PoisonError::into_inner);
        match opened {
            Ok(conn) => {
                backoff.succeeded();
                drop(backoff);
                Ok(self.pooled(Arc::new(conn), permit))
            }
            Err(error) => {
                let delay = backoff.failed();
                drop(backoff);
                tracing::warn!(%error, ?delay, "PostgreSQL log reader cannot connect");
                Err(error)
            }
        }
    }

    fn pooled<'a>(&'a self, conn: Arc<ReadConn>, permit: SemaphorePermit<'a>) -> PooledRead<'a> {
        PooledRead {
            conn,
            pool: self,
            _permit: permit,
        }
    }
}

/// A read connection on loan; it goes back to the pool when dropped
/// (unless it was lost).
#[derive(Debug)]
pub(crate) struct PooledRead<'a> {
    conn: Arc<ReadConn>,
    pool: &'a ReadPool,
    _permit: SemaphorePermit<'a>,
}

impl Deref for PooledRead<'_> {
    type Target = ReadConn;

    fn deref(&self) -> &ReadConn {
        &self.conn
    }
}

impl Drop for PooledRead<'_> {
    fn drop(&mut self) {
        self.pool.put_back(Arc::clone(&self.conn));
    }
}
