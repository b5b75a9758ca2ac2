//! The [`Caller`] of a request: its access token verified, then the user, their session and
//! their reach read in one statement, or taken from the callers remembered on PostgreSQL
//! ([`super::callers`]).

use std::sync::LazyLock;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use futures_util::future::LocalBoxFuture;

use super::{jwt, Caller, Reach, Role};
use crate::db::cached::Cached;
use crate::db::types::Uid;
use crate::db::{DbConnection, Id};
use crate::error::{ApiError, ApiResult};
use crate::AppState;

/// One row per unit in reach (or one row with no unit): the user's own columns repeat on each.
#[derive(QueryableByName)]
struct CallerRow {
    #[diesel(sql_type = Text)]
    role: String,
    #[diesel(sql_type = Uid)]
    org_unit_id: Id,
    #[diesel(sql_type = Bool)]
    active: bool,
    #[diesel(sql_type = BigInt)]
    token_version: i64,
    #[diesel(sql_type = Bool)]
    session_open: bool,
    #[diesel(sql_type = Nullable<Uid>)]
    unit_id: Option<Id>,
    #[diesel(sql_type = Nullable<Bool>)]
    managed: Option<bool>,
}

/// The user, whether the session (`family`) is still open (a refresh token of its family not
/// revoked), the units they manage and, unless their role reaches everything, the whole subtrees
/// of those units. One recursive statement, the same SQL on both backends (`$1` appears before
/// `$2`, which SQLite's numbered parameters need), prepared once per connection.
static CALLER_SQL: LazyLock<String> = LazyLock::new(|| {
    let everywhere: Vec<String> = Role::ALL
        .iter()
        .filter(|r| r.reaches_all())
        .map(|r| format!("'{r}'"))
        .collect();
    format!(
        "\
WITH RECURSIVE me AS (
    SELECT role, org_unit_id, active, token_version FROM users WHERE id = $1),
  managed(id) AS (SELECT id FROM org_units WHERE manager_id = $1),
  sub(id) AS (
    SELECT id FROM managed
     WHERE (SELECT role FROM me) NOT IN ({})
    UNION SELECT o.id FROM org_units o JOIN sub ON o.parent_id = sub.id),
  units(id, managed) AS (
    SELECT id, TRUE FROM managed
    UNION ALL SELECT id, FALSE FROM sub WHERE id NOT IN (SELECT id FROM managed))
SELECT me.role, me.org_unit_id, me.active, me.token_version,
       EXISTS (SELECT 1 FROM refresh_tokens r
                WHERE r.user_id = $1 AND r.family_id = $2 AND r.revoked_at IS NULL)
         AS session_open,
       units.id AS unit_id, units.managed AS managed
  FROM me LEFT JOIN units ON TRUE",
        everywhere.join(", ")
    )
});

/// The caller behind verified `claims`, or 401 when the user is gone or inactive, the token's
/// version is old or its session has ended.
fn caller_of(conn: &mut DbConnection, claims: &jwt::Claims) -> ApiResult<Caller> {
    let query = diesel::sql_query(CALLER_SQL.as_str())
        .bind::<Uid, _>(claims.sub)
        .bind::<Uid, _>(claims.sid);
    let rows: Vec<CallerRow> = Cached(query).load(conn)?;
    let revoked = || ApiError::Unauthorized("the session has been revoked".into());
    let first = rows.first().ok_or_else(revoked)?;
    if !first.active || first.token_version != claims.ver || !first.session_open {
        return Err(revoked());
    }
    let role: Role = first.role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    let org_unit_id = first.org_unit_id;
    let mut managed_unit_ids = Vec::new();
    let mut unit_ids = Vec::new();
    for row in rows {
        let Some(unit) = row.unit_id else { continue };
        if row.managed == Some(true) {
            managed_unit_ids.push(unit);
        }
        unit_ids.push(unit);
    }
    managed_unit_ids.sort();
    let all = role.reaches_all();
    if all {
        unit_ids.clear();
    } else {
        unit_ids.sort();
    }
    Ok(Caller {
        user_id: claims.sub,
        role,
        org_unit_id,
        reach: Reach {
            all,
            managed_unit_ids,
            unit_ids,
        },
    })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = jwt::bearer(req).map(str::to_string);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no app state")))?;
            let token = token.ok_or_else(|| {
                ApiError::Unauthorized("an Authorization: Bearer token is required".into())
            })?;
            let claims = state
                .jwt
                .verify(&token, state.clock.now())
                .map_err(|e| ApiError::Unauthorized(format!("invalid access token: {e}")))?;
            let key = (claims.sub, claims.sid, claims.ver);
            if let Some(caller) = state.callers.get(&key) {
                return Ok(caller);
            }
            let seen = state.callers.generation();
            let caller = state.read(move |conn| caller_of(conn, &claims)).await?;
            state.callers.remember(key, &caller, seen);
            Ok(caller)
        })
    }
}
