//! `/api/v1/auth`: login, refresh, logout.

use actix_web::{post, web, HttpRequest, HttpResponse};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::sessions::{self, Refresh};
use super::{password, Caller, Role};
use crate::db::{write_tx, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::ValidJson;
use crate::schema::users;
use crate::AppState;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(login).service(refresh).service(logout);
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    #[validate(length(min = 3, max = 254))]
    #[schema(example = "admin@example.com")]
    pub email: String,
    #[validate(length(min = 1, max = 200))]
    pub password: String,
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 200))]
    pub refresh_token: String,
}

#[crate::rules]
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
pub struct LogoutRequest {
    /// The refresh token of the session to end.
    #[validate(length(min = 1, max = 200))]
    pub refresh_token: Option<String>,
    /// End every session of the user, on every device (access tokens stop working at once).
    #[serde(default)]
    pub all: bool,
}

/// A pair of tokens: a short-lived access JWT and a refresh token to get the next one.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    pub refresh_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn client_address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn tokens(
    state: &AppState,
    conn: &mut crate::db::DbConnection,
    user: Id,
    family: Id,
    now: Timestamp,
) -> ApiResult<TokenResponse> {
    let (role, version): (String, i64) = users::table
        .find(user)
        .select((users::role, users::token_version))
        .first(conn)?;
    let role: Role = role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    let refresh_token =
        sessions::issue_refresh(conn, user, family, now, state.config.refresh_token_ttl_days)?;
    Ok(TokenResponse {
        access_token: state.jwt.issue(user, role, version, family, now)?,
        refresh_token,
        token_type: "Bearer".into(),
        expires_in: state.jwt.access_ttl_seconds,
    })
}

/// Log in with email and password.
///
/// Repeated failures for one email or from one address are refused with 429 and `Retry-After`.
#[utoipa::path(
    tag = "auth",
    operation_id = "login",
    security(()),
    request_body = LoginRequest,
    responses((status = 200, description = "Logged in", body = TokenResponse))
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: ValidJson<LoginRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let body = body.0;
    let email = normalize_email(&body.email);
    let email_key = format!("email:{email}");
    let address_key = format!("address:{}", client_address(&req));
    let now = state.clock.now();
    let st = state.clone();
    let result = async move {
        // The throttle and the stored hash; the connection goes back to the pool before the
        // (deliberately slow) verification, which runs on the hashing threads.
        let (keys, found) = {
            let (email_key, address_key) = (email_key.clone(), address_key.clone());
            state
                .db(move |conn| {
                    sessions::check_throttle(
                        conn,
                        &email_key,
                        sessions::MAX_FAILURES_PER_EMAIL,
                        now,
                    )?;
                    sessions::check_throttle(
                        conn,
                        &address_key,
                        sessions::MAX_FAILURES_PER_ADDRESS,
                        now,
                    )?;
                    let found: Option<(Id, String, bool)> = users::table
                        .filter(users::email_normalized.eq(&email))
                        .select((users::id, users::password_hash, users::active))
                        .first(conn)
                        .optional()?;
                    Ok(((email_key, address_key), found))
                })
                .await?
        };
        let hash = found.as_ref().map(|(_, h, _)| h.clone());
        let password_ok = password::verify_off_thread(body.password, hash).await?;
        let (email_key, address_key) = keys;
        state
            .db(move |conn| match found {
                Some((user, _, true)) if password_ok => {
                    sessions::clear_failures(conn, &email_key)?;
                    write_tx(conn, |conn| tokens(&st, conn, user, Id::new(), now))
                }
                _ => {
                    sessions::record_failure(conn, &email_key, now)?;
                    sessions::record_failure(conn, &address_key, now)?;
                    Err(ApiError::Unauthorized("invalid email or password".into()))
                }
            })
            .await
    }
    .await;
    match &result {
        Ok(_) => tracing::info!("login succeeded"),
        Err(e) => tracing::info!(reason = %e, "login refused"),
    }
    result.map(web::Json)
}

/// Exchange a refresh token for a new token pair.
///
/// Each refresh token works once; presenting a used one revokes every token of that session.
#[utoipa::path(
    tag = "auth",
    operation_id = "refresh_token",
    security(()),
    request_body = RefreshRequest,
    responses((status = 200, description = "New tokens", body = TokenResponse))
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    body: ValidJson<RefreshRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let now = state.clock.now();
    let st = state.clone();
    state
        .db(move |conn| {
            let found = write_tx(conn, |conn| {
                sessions::consume_refresh(conn, &body.0.refresh_token, now)
            })?;
            let (user, family) =
                match found {
                    Refresh::Valid { user, family } => (user, family),
                    Refresh::Reused => return Err(ApiError::Unauthorized(
                        "refresh token already used; every token of this session has been revoked"
                            .into(),
                    )),
                    Refresh::Invalid => {
                        return Err(ApiError::Unauthorized(
                            "invalid or expired refresh token".into(),
                        ))
                    }
                };
            let active: bool = users::table.find(user).select(users::active).first(conn)?;
            if !active {
                return Err(ApiError::Unauthorized("the account is deactivated".into()));
            }
            write_tx(conn, |conn| tokens(&st, conn, user, family, now))
        })
        .await
        .map(web::Json)
}

/// Log out: end this session (its refresh token), or every session of the user with `all`.
#[utoipa::path(
    tag = "auth",
    operation_id = "logout",
    request_body = LogoutRequest,
    responses((status = 204, description = "Logged out"))
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<LogoutRequest>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let body = body.0;
    if body.refresh_token.is_none() && !body.all {
        return Err(ApiError::invalid(
            "refresh_token",
            "give the refresh token of the session, or all: true",
        ));
    }
    state
        .write(move |conn| {
            if body.all {
                sessions::revoke_all(conn, caller.user_id, now)?;
            } else if let Some(token) = &body.refresh_token {
                match sessions::family_of(conn, caller.user_id, token)? {
                    Some(family) => {
                        sessions::revoke_family(conn, family, now)?;
                    }
                    None => {
                        return Err(ApiError::invalid(
                            "refresh_token",
                            "not a refresh token of yours",
                        ))
                    }
                }
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
