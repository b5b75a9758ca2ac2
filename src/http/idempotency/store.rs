//! The stored first responses of idempotent requests, read and written inside the request's
//! own transaction (see `crate::db::held`).

use chrono::Duration;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::cached::Cached;
use crate::db::{DbConnection, Id, Pool, PooledConn, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::schema::idempotency_keys as ik;

/// How long a key is kept (at least 24 hours, as promised to clients).
pub const RETENTION_HOURS: i64 = 24;

/// The headers of a stored response that a replay repeats.
#[derive(Serialize, Deserialize, Default)]
pub struct StoredHeaders {
    pub content_type: Option<String>,
    pub etag: Option<String>,
    pub location: Option<String>,
}

/// A first response, as stored and replayed.
pub struct Stored {
    pub status: u16,
    pub body: String,
    pub headers: StoredHeaders,
}

/// One user's key and the request it was first used for.
#[derive(Clone)]
pub struct KeyOf {
    pub user_id: Id,
    pub key: String,
    pub request_hash: String,
}

/// What opening a key found.
pub enum Opened {
    /// Nothing stored: the request runs on this connection, in this open transaction, which
    /// also holds the key against concurrent duplicates (an advisory lock on PostgreSQL,
    /// the write lock on SQLite) until it ends.
    Fresh(PooledConn),
    /// The same request was answered before.
    Replay(Stored),
    /// A request with this key is running right now (on another instance, or this one).
    Busy,
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// Opens the request's transaction and looks its key up inside it. `lease`: how long a claim
/// without a response (see `lookup`) is still taken for a running request.
pub fn open(pool: &Pool, k: &KeyOf, now: Timestamp, lease: Duration) -> ApiResult<Opened> {
    let mut conn = pool.get()?;
    begin(&mut conn)?;
    let found = match claim(&mut conn, k) {
        Ok(true) => lookup(&mut conn, k, now, lease),
        Ok(false) => Ok(Some(Opened::Busy)),
        Err(e) => Err(e),
    };
    match found {
        Ok(None) => Ok(Opened::Fresh(conn)),
        Ok(Some(other)) => {
            rollback(&mut conn);
            Ok(other)
        }
        Err(e) => {
            rollback(&mut conn);
            Err(e)
        }
    }
}

fn begin(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Pg(c) => AnsiTransactionManager::begin_transaction(c),
        // The write lock up front: a concurrent duplicate waits for this request to finish,
        // then finds its stored response.
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
    }
}

/// Rolls the request's transaction back; a connection that cannot is closed by the pool.
pub fn rollback(conn: &mut DbConnection) {
    let _ = match conn {
        DbConnection::Pg(c) => AnsiTransactionManager::rollback_transaction(c),
        DbConnection::Sqlite(c) => AnsiTransactionManager::rollback_transaction(c),
    };
}

fn commit(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Pg(c) => AnsiTransactionManager::commit_transaction(c),
        DbConnection::Sqlite(c) => AnsiTransactionManager::commit_transaction(c),
    }
}

/// On PostgreSQL, takes the key's advisory lock for this transaction; false when another
/// transaction holds it. (SQLite's write lock, taken by `begin`, already serialises writers.)
fn claim(conn: &mut DbConnection, k: &KeyOf) -> ApiResult<bool> {
    if !matches!(conn, DbConnection::Pg(_)) {
        return Ok(true);
    }
    let mut h = Sha256::new();
    h.update(k.user_id.0.as_bytes());
    h.update(k.key.as_bytes());
    let digest = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let lock_id = i64::from_be_bytes(first);
    let query = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
        .bind::<BigInt, _>(lock_id);
    let row: Locked = Cached(query).get_result(conn)?;
    Ok(row.locked)
}

/// The stored response of the key, if any. A key past its retention is removed so that the
/// request runs afresh. So is a claim without a response (written by a version that claimed
/// keys in a transaction of their own, and left behind when its request failed or its process
/// died) once its lease has run out; until then its request may still be running.
fn lookup(
    conn: &mut DbConnection,
    k: &KeyOf,
    now: Timestamp,
    lease: Duration,
) -> ApiResult<Option<Opened>> {
    type Row = (
        String,
        Option<i32>,
        Option<String>,
        Option<String>,
        Timestamp,
    );
    let row: Option<Row> = ik::table
        .find((k.user_id, &k.key))
        .select((
            ik::request_hash,
            ik::response_status,
            ik::response_body,
            ik::response_headers,
            ik::created_at,
        ))
        .first(conn)
        .optional()?;
    let Some((hash, status, body, headers, created_at)) = row else {
        return Ok(None);
    };
    let expired = created_at.0 < now.0 - Duration::hours(RETENTION_HOURS);
    let answered = status.zip(body);
    if answered.is_none() && !expired && created_at.0 >= now.0 - lease {
        return Ok(Some(Opened::Busy));
    }
    let Some((status, body)) = answered.filter(|_| !expired) else {
        diesel::delete(ik::table.find((k.user_id, &k.key))).execute(conn)?;
        return Ok(None);
    };
    if hash != k.request_hash {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            "this key was already used for a different request",
        ));
    }
    Ok(Some(Opened::Replay(Stored {
        status: u16::try_from(status).unwrap_or(200),
        body,
        headers: headers
            .and_then(|h| serde_json::from_str(&h).ok())
            .unwrap_or_default(),
    })))
}

/// Stores the request's response beside its effect and commits both.
pub fn finish(
    conn: &mut DbConnection,
    k: &KeyOf,
    stored: &Stored,
    now: Timestamp,
) -> ApiResult<()> {
    let written = diesel::insert_into(ik::table)
        .values((
            ik::user_id.eq(k.user_id),
            ik::idem_key.eq(&k.key),
            ik::request_hash.eq(&k.request_hash),
            ik::response_status.eq(Some(i32::from(stored.status))),
            ik::response_body.eq(Some(&stored.body)),
            ik::response_headers.eq(serde_json::to_string(&stored.headers).ok()),
            ik::created_at.eq(now),
        ))
        .execute(conn)
        .and_then(|_| commit(conn));
    if let Err(e) = written {
        rollback(conn);
        return Err(e.into());
    }
    Ok(())
}

/// Deletes keys past their retention.
pub fn purge_expired(conn: &mut DbConnection, now: Timestamp) -> QueryResult<usize> {
    let cutoff = Timestamp(now.0 - Duration::hours(RETENTION_HOURS));
    diesel::delete(ik::table.filter(ik::created_at.lt(cutoff))).execute(conn)
}
