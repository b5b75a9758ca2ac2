//! `/api/v1/users`: admins manage users; supervisors and managers read those in their reach.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::bulk::{self, UserBatch};
use super::model::{User, UserFilter, UserRow};
use super::write::{self, CreateUser, UpdateUser};
use crate::auth::{password, subtree_units, Caller, Role};
use crate::db::Id;
use crate::error::ApiResult;
use crate::facts::BulkResult;
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::AppState;

crate::page_type!(UserPage, User);

/// Roles that may read user records (of their reach).
const READERS: [Role; 4] = [
    Role::Admin,
    Role::Executive,
    Role::Manager,
    Role::Supervisor,
];

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(upsert_users)
        .service(get_user)
        .service(update_user)
        .service(reset_user_password)
        .configure(super::me::routes);
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    #[validate(length(min = 10, max = 200))]
    pub new_password: String,
}

#[crate::rules]
#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    pub role: Option<Role>,
    /// Users of this unit and its whole subtree.
    pub unit_id: Option<Id>,
    pub active: Option<bool>,
    /// Part of the name or email.
    #[validate(length(min = 1, max = 100))]
    pub q: Option<String>,
    /// The user with this `external_id`.
    #[validate(length(min = 1, max = 100))]
    pub external_id: Option<String>,
}

/// List users in your reach (admins, executives, managers, supervisors).
#[utoipa::path(tag = "users", operation_id = "list_users", params(PageParams, SinceParams, UserQuery),
    responses((status = 200, description = "A page of users", body = UserPage)))]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    query: ValidQuery<UserQuery>,
) -> ApiResult<web::Json<UserPage>> {
    caller.require(&READERS)?;
    let cursor = page.0.cursor()?;
    let query = query.0;
    let rows = state
        .db(move |conn| {
            let org_unit_ids = match query.unit_id {
                Some(unit) => Some(subtree_units(conn, &[unit])?),
                None => None,
            };
            let filter = UserFilter {
                role: query.role,
                org_unit_ids,
                active: query.active,
                q: query.q,
                external_id: query.external_id,
                updated_since: since.0.updated_since,
            };
            Ok(UserRow::list(conn, &caller, &filter, cursor)?)
        })
        .await?;
    let (rows, next_cursor) = cursor.finish(rows, |u| u.id);
    let items = rows
        .into_iter()
        .map(User::try_from)
        .collect::<ApiResult<_>>()?;
    Ok(web::Json(UserPage { items, next_cursor }))
}

/// Create a user (admins).
#[utoipa::path(tag = "users", operation_id = "create_user", request_body = CreateUser,
    responses((status = 201, description = "Created", body = User)))]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateUser>,
) -> ApiResult<HttpResponse> {
    caller.require(&[Role::Admin])?;
    let body = body.0;
    let now = state.clock.now();
    let hash = password::hash_off_thread(body.password.clone()).await?;
    let user = state
        .write(move |conn| write::create(conn, body, hash, now))
        .await?;
    Ok(with_etag(StatusCode::CREATED, &user, user.version))
}

/// Upsert up to 1,000 users by `external_id` (admins, integrations), from an HR system or
/// the ERP.
///
/// A user created here has no usable password (its stored hash is of random bytes nobody
/// knows) and cannot log in until an admin sets one (`POST /users/{id}/password-reset`).
/// `hired_on` or `active` left out keep their stored value. A role change or a deactivation
/// ends the user's sessions; the last active admin cannot lose the role; only admins create
/// or change admins. All or nothing: one invalid row (named as `rows[i].field`) rejects the
/// batch. Sending the same batch again changes nothing; each row's result says created,
/// updated or unchanged, and each created or changed user is a `user.created` or
/// `user.updated` event and change.
#[utoipa::path(tag = "users", operation_id = "upsert_users", request_body = UserBatch,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried upload return the first answer")),
    responses((status = 200, description = "What happened to each row", body = BulkResult)))]
#[post("/users/bulk")]
pub async fn upsert_users(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<UserBatch>,
) -> ApiResult<web::Json<BulkResult>> {
    caller.require(&[Role::Admin, Role::Integration])?;
    let rows = body.0.rows;
    let now = state.clock.now();
    // One hash of a random secret, dropped at once, for every user this batch creates.
    let unusable = password::hash_off_thread(password::generate()).await?;
    let results = state
        .write(move |conn| bulk::upsert(conn, &caller, rows, &unusable, now))
        .await?;
    Ok(web::Json(BulkResult::from_rows(results)))
}

/// Get a user in your reach. Anyone may read their own record.
#[utoipa::path(tag = "users", operation_id = "get_user", params(("id" = Id, Path)),
    responses((status = 200, description = "The user", body = User)))]
#[get("/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    if id != caller.user_id {
        caller.require(&READERS)?;
    }
    let row = state
        .db(move |conn| UserRow::find_in_reach(conn, &caller, id))
        .await?;
    let user = User::try_from(row)?;
    Ok(with_etag(StatusCode::OK, &user, user.version))
}

/// Change a user (admins; `If-Match` required). Deactivating or changing the role ends the
/// user's sessions.
#[utoipa::path(tag = "users", operation_id = "update_user", request_body = UpdateUser,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The user's ETag")),
    responses((status = 200, description = "The changed user", body = User)))]
#[patch("/users/{id}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<UpdateUser>,
) -> ApiResult<HttpResponse> {
    caller.require(&[Role::Admin])?;
    let id = id.into_inner();
    let body = body.0;
    let now = state.clock.now();
    let user = state
        .write(move |conn| {
            let current = UserRow::find(conn, id)?;
            if_match.check(current.version)?;
            write::change(conn, &current, body, now)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &user, user.version))
}

/// Set a new password for a user (admins). Ends every session of that user.
#[utoipa::path(tag = "users", operation_id = "reset_user_password", request_body = PasswordReset,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The user's ETag")),
    responses((status = 204, description = "Password set; the user's sessions are ended")))]
#[post("/users/{id}/password-reset")]
pub async fn reset_user_password(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<PasswordReset>,
) -> ApiResult<HttpResponse> {
    caller.require(&[Role::Admin])?;
    let id = id.into_inner();
    let now = state.clock.now();
    let hash = password::hash_off_thread(body.0.new_password).await?;
    state
        .write(move |conn| {
            if_match.check(UserRow::find(conn, id)?.version)?;
            write::set_password(conn, id, &hash, now)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
