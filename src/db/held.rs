//! A connection held by one request for the whole of its work, inside one open transaction.
//!
//! The idempotency middleware opens the transaction, runs the handler with the connection held
//! here (every `AppState::db` call of the handler's task uses it), and then stores the response
//! and commits, or rolls back. So a request's effect and its stored response commit together or
//! not at all; a request that is cut, fails or dies leaves nothing behind: a connection handed
//! back while still in the transaction is closed by the pool, which rolls it back.

use std::future::Future;
use std::sync::{Arc, Mutex};

use diesel::Connection;

use crate::db::{DbConnection, PooledConn};
use crate::error::{ApiError, ApiResult};

tokio::task_local! {
    static HELD: Held;
}

/// The connection of a request's open transaction, shared with the handler's database calls.
#[derive(Clone)]
pub struct Held(Arc<Mutex<Option<PooledConn>>>);

impl Held {
    /// Holds `conn`, which must be inside the request's transaction.
    pub fn new(conn: PooledConn) -> Held {
        Held(Arc::new(Mutex::new(Some(conn))))
    }

    /// The connection held for the current task, if its request holds one.
    pub fn current() -> Option<Held> {
        HELD.try_with(Held::clone).ok()
    }

    /// Runs `fut` (the handler) with every database call of its task going to this connection.
    pub async fn scope<F: Future>(&self, fut: F) -> F::Output {
        HELD.scope(self.clone(), fut).await
    }

    /// Runs `f` on the held connection, inside a savepoint: an error of `f` undoes what `f`
    /// did and leaves the request's transaction usable.
    pub async fn run<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.on_connection(|conn| conn.transaction(f)).await
    }

    /// Runs the read `f` on the held connection without a savepoint of its own (two
    /// statements fewer). Only for reads whose failure fails the request: a request that ends
    /// in an error that is not stored has its transaction rolled back, so a failed statement
    /// cannot leave anything behind.
    pub async fn read<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.on_connection(f).await
    }

    async fn on_connection<T, F>(&self, f: F) -> ApiResult<T>
    where
        F: FnOnce(&mut DbConnection) -> ApiResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let inner = self.0.clone();
        actix_web::web::block(move || {
            let mut guard = inner
                .lock()
                .map_err(|_| ApiError::Internal(anyhow::anyhow!("held connection poisoned")))?;
            let conn = guard.as_mut().ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!("the request's transaction has ended"))
            })?;
            f(conn)
        })
        .await?
    }

    /// Takes the connection back from the handler's calls, to commit or roll back.
    pub fn take(&self) -> Option<PooledConn> {
        self.0.lock().ok().and_then(|mut g| g.take())
    }
}
