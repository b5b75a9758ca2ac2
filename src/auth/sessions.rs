//! Refresh tokens (rotated on every use; a reused one revokes its whole family) and the
//! throttle of failed logins.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Duration;
use diesel::prelude::*;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::schema::{login_failures as lf, refresh_tokens as rt, users};

/// How long failed logins are remembered, and how many are allowed in that window.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
pub const MAX_FAILURES_PER_EMAIL: i64 = 5;
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Issues a new refresh token in `family` and returns it (only its hash is stored).
pub fn issue_refresh(
    conn: &mut DbConnection,
    user: Id,
    family: Id,
    now: Timestamp,
    ttl_days: i64,
) -> QueryResult<String> {
    let mut raw = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut raw);
    let token = URL_SAFE_NO_PAD.encode(raw);
    diesel::insert_into(rt::table)
        .values((
            rt::id.eq(Id::new()),
            rt::user_id.eq(user),
            rt::family_id.eq(family),
            rt::token_hash.eq(digest(&token)),
            rt::expires_at.eq(Timestamp(now.0 + Duration::days(ttl_days))),
            rt::created_at.eq(now),
        ))
        .execute(conn)?;
    Ok(token)
}

/// What presenting a refresh token found.
pub enum Refresh {
    /// Valid: it is now used, and a successor may be issued in the same family.
    Valid { user: Id, family: Id },
    /// Already used or revoked: a sign of theft, so its whole family has been revoked.
    Reused,
    /// Unknown or expired.
    Invalid,
}

/// Uses a refresh token. Run it in a transaction that is committed whatever it finds, so a
/// detected reuse stays revoked.
pub fn consume_refresh(
    conn: &mut DbConnection,
    token: &str,
    now: Timestamp,
) -> QueryResult<Refresh> {
    let found: Option<(Id, Id, Id, Timestamp)> = rt::table
        .filter(rt::token_hash.eq(digest(token)))
        .select((rt::id, rt::user_id, rt::family_id, rt::expires_at))
        .first(conn)
        .optional()?;
    let Some((id, user, family, expires_at)) = found else {
        return Ok(Refresh::Invalid);
    };
    let claimed = diesel::update(
        rt::table
            .find(id)
            .filter(rt::used_at.is_null())
            .filter(rt::revoked_at.is_null()),
    )
    .set(rt::used_at.eq(Some(now)))
    .execute(conn)?;
    if claimed == 0 {
        revoke_family(conn, family, now)?;
        tracing::warn!(user = %user, "refresh token reused; session family revoked");
        return Ok(Refresh::Reused);
    }
    if expires_at.0 <= now.0 {
        return Ok(Refresh::Invalid);
    }
    Ok(Refresh::Valid { user, family })
}

pub fn revoke_family(conn: &mut DbConnection, family: Id, now: Timestamp) -> QueryResult<usize> {
    diesel::update(
        rt::table
            .filter(rt::family_id.eq(family))
            .filter(rt::revoked_at.is_null()),
    )
    .set(rt::revoked_at.eq(Some(now)))
    .execute(conn)
}

/// The family of a refresh token owned by `user`, if it is one.
pub fn family_of(conn: &mut DbConnection, user: Id, token: &str) -> QueryResult<Option<Id>> {
    rt::table
        .filter(rt::token_hash.eq(digest(token)))
        .filter(rt::user_id.eq(user))
        .select(rt::family_id)
        .first(conn)
        .optional()
}

/// Ends every session of a user: their refresh tokens are revoked and the token version
/// moves on, so access tokens already issued stop working at once.
pub fn revoke_all(conn: &mut DbConnection, user: Id, now: Timestamp) -> QueryResult<()> {
    diesel::update(
        rt::table
            .filter(rt::user_id.eq(user))
            .filter(rt::revoked_at.is_null()),
    )
    .set(rt::revoked_at.eq(Some(now)))
    .execute(conn)?;
    diesel::update(users::table.find(user))
        .set(users::token_version.eq(users::token_version + 1))
        .execute(conn)?;
    Ok(())
}

/// Refuses (429 with the seconds to wait) when a throttle key has too many recent failures.
pub fn check_throttle(
    conn: &mut DbConnection,
    key: &str,
    max: i64,
    now: Timestamp,
) -> ApiResult<()> {
    let window_start = Timestamp(now.0 - Duration::minutes(THROTTLE_WINDOW_MINUTES));
    let recent: Vec<Timestamp> = lf::table
        .filter(lf::throttle_key.eq(key))
        .filter(lf::failed_at.gt(window_start))
        .select(lf::failed_at)
        .order(lf::failed_at.desc())
        .limit(max)
        .load(conn)?;
    if (recent.len() as i64) < max {
        return Ok(());
    }
    // Wait until the oldest of the last `max` failures leaves the window.
    let oldest = recent.last().map(|t| t.0).unwrap_or(now.0);
    let wait = (oldest + Duration::minutes(THROTTLE_WINDOW_MINUTES) - now.0)
        .num_seconds()
        .max(1);
    Err(ApiError::TooManyRequests {
        detail: "too many failed logins; wait before trying again".into(),
        retry_after: wait as u64,
    })
}

pub fn record_failure(conn: &mut DbConnection, key: &str, now: Timestamp) -> QueryResult<()> {
    diesel::insert_into(lf::table)
        .values((
            lf::id.eq(Id::new()),
            lf::throttle_key.eq(key),
            lf::failed_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn clear_failures(conn: &mut DbConnection, key: &str) -> QueryResult<()> {
    diesel::delete(lf::table.filter(lf::throttle_key.eq(key))).execute(conn)?;
    Ok(())
}

/// Deletes what no longer matters: old failures, and refresh tokens expired for a day.
pub fn purge_expired(conn: &mut DbConnection, now: Timestamp) -> QueryResult<()> {
    let window_start = Timestamp(now.0 - Duration::minutes(THROTTLE_WINDOW_MINUTES));
    diesel::delete(lf::table.filter(lf::failed_at.lt(window_start))).execute(conn)?;
    let expired = Timestamp(now.0 - Duration::days(1));
    diesel::delete(rt::table.filter(rt::expires_at.lt(expired))).execute(conn)?;
    Ok(())
}
