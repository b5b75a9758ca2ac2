//! `/api/v1/users`: admins manage users; supervisors and managers read those in their reach.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::model::{NewUser, User, UserChanges, UserFilter, UserRow};
use crate::auth::api::normalize_email;
use crate::auth::{password, sessions, subtree_units, Caller, Role};
use crate::db::{write_tx, DbConnection, Id};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::date::{opt_day, patch_day};
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::org::model::OrgUnit;
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
        .service(get_user)
        .service(update_user)
        .service(reset_user_password)
        .configure(super::me::routes);
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Unique, case-insensitively.
    #[validate(email, length(max = 254))]
    pub email: String,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    pub role: Role,
    pub org_unit_id: Id,
    #[serde(default, deserialize_with = "opt_day")]
    pub hired_on: Option<NaiveDate>,
    /// The initial password (at least 10 characters); the user should change it.
    #[validate(length(min = 10, max = 200))]
    pub password: String,
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    #[validate(email, length(max = 254))]
    pub email: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    /// A role change ends the user's sessions.
    pub role: Option<Role>,
    pub org_unit_id: Option<Id>,
    #[serde(default, deserialize_with = "patch_day")]
    #[schema(value_type = Option<NaiveDate>)]
    pub hired_on: Option<Option<NaiveDate>>,
    /// `false` deactivates the user and ends every session; users are never deleted.
    pub active: Option<bool>,
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
}

fn unit_must_exist(conn: &mut DbConnection, unit: Id) -> ApiResult<()> {
    OrgUnit::find(conn, unit)
        .map(|_| ())
        .map_err(|_| ApiError::invalid("org_unit_id", "no such org unit"))
}

fn email_taken(e: ApiError) -> ApiError {
    match e {
        ApiError::Duplicate { .. } => {
            ApiError::duplicate("email", "a user with this email already exists")
        }
        other => other,
    }
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
    let hash = web::block({
        let password = body.password.clone();
        move || password::hash(&password)
    })
    .await??;
    let user = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                unit_must_exist(conn, body.org_unit_id)?;
                let email = body.email.trim();
                let row = UserRow::insert(
                    conn,
                    NewUser {
                        id: Id::new(),
                        email,
                        email_normalized: &normalize_email(email),
                        name: body.name.trim(),
                        role: body.role.as_str(),
                        org_unit_id: body.org_unit_id,
                        hired_on: body.hired_on,
                        active: true,
                        password_hash: &hash,
                        created_at: now,
                        updated_at: now,
                    },
                )
                .map_err(|e| email_taken(e.into()))?;
                let user = User::try_from(row)?;
                events::emit(conn, now, "user.created", "user", user.id, &user)?;
                Ok(user)
            })
        })
        .await?;
    Ok(with_etag(StatusCode::CREATED, &user, user.version))
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
        .db(move |conn| {
            write_tx(conn, |conn| {
                let current = UserRow::find(conn, id)?;
                if_match.check(current.version)?;
                if let Some(unit) = body.org_unit_id {
                    unit_must_exist(conn, unit)?;
                }
                let role_changes = body.role.is_some_and(|r| r.as_str() != current.role);
                let deactivates = body.active == Some(false) && current.active;
                let loses_admin = current.role == Role::Admin.as_str()
                    && current.active
                    && (deactivates || role_changes);
                if loses_admin && UserRow::count_active_admins(conn)? <= 1 {
                    return Err(ApiError::conflict(
                        "this is the last active admin; make another admin first",
                    ));
                }
                let email = body.email.as_deref().map(str::trim);
                let changes = UserChanges {
                    email: email.map(str::to_string),
                    email_normalized: email.map(normalize_email),
                    name: body.name.map(|n| n.trim().to_string()),
                    role: body.role.map(|r| r.as_str().to_string()),
                    org_unit_id: body.org_unit_id,
                    hired_on: body.hired_on,
                    active: body.active,
                };
                if !UserRow::update(conn, id, current.version, &changes, now)
                    .map_err(|e| email_taken(e.into()))?
                {
                    return Err(ApiError::PreconditionFailed(
                        "the user changed meanwhile".into(),
                    ));
                }
                if role_changes || deactivates {
                    sessions::revoke_all(conn, id, now)?;
                }
                let user = User::try_from(UserRow::find(conn, id)?)?;
                events::emit(conn, now, "user.updated", "user", id, &user)?;
                Ok(user)
            })
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
    let hash = web::block(move || password::hash(&body.0.new_password)).await??;
    state
        .db(move |conn| {
            write_tx(conn, |conn| {
                if_match.check(UserRow::find(conn, id)?.version)?;
                UserRow::set_password(conn, id, &hash, now)?;
                sessions::revoke_all(conn, id, now)?;
                Ok(())
            })
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
