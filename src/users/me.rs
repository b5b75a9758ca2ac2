//! `/api/v1/me`: who am I, what do I reach, and my password.

use actix_web::{get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use super::model::{User, UserRow};
use crate::auth::{password, Caller, Reach};
use crate::error::{ApiError, ApiResult};
use crate::http::ValidJson;
use crate::schema::users;
use crate::AppState;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(get_me).service(change_my_password);
}

/// The caller and their reach.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub user: User,
    pub reach: MeReach,
}

/// What the caller reaches.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MeReach {
    /// True for company-wide roles.
    pub all: bool,
    /// The units the caller manages.
    pub managed_unit_ids: Vec<crate::db::Id>,
    /// Every unit in the managed subtrees.
    pub unit_ids: Vec<crate::db::Id>,
}

impl From<Reach> for MeReach {
    fn from(r: Reach) -> Self {
        MeReach {
            all: r.all,
            managed_unit_ids: r.managed_unit_ids,
            unit_ids: r.unit_ids,
        }
    }
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    #[validate(length(min = 1, max = 200))]
    pub current_password: String,
    #[validate(length(min = 10, max = 200))]
    pub new_password: String,
}

/// Who am I: my user record and my reach.
#[utoipa::path(tag = "me", operation_id = "get_me",
    responses((status = 200, description = "The caller", body = Me)))]
#[get("/me")]
pub async fn get_me(state: web::Data<AppState>, caller: Caller) -> ApiResult<web::Json<Me>> {
    let id = caller.user_id;
    let row = state.db(move |conn| UserRow::find(conn, id)).await?;
    Ok(web::Json(Me {
        user: User::try_from(row)?,
        reach: caller.reach.into(),
    }))
}

/// Change my password. Ends every session, this one included: log in again.
#[utoipa::path(tag = "me", operation_id = "change_my_password", request_body = PasswordChange,
    responses((status = 204, description = "Changed; every session is ended")))]
#[post("/me/password")]
pub async fn change_my_password(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<PasswordChange>,
) -> ApiResult<HttpResponse> {
    use diesel::prelude::*;
    let body = body.0;
    if body.new_password == body.current_password {
        return Err(ApiError::invalid(
            "new_password",
            "must differ from the current password",
        ));
    }
    let id = caller.user_id;
    let stored: String = state
        .db(move |conn| {
            Ok(users::table
                .find(id)
                .select(users::password_hash)
                .first(conn)?)
        })
        .await?;
    let (current, new) = (body.current_password, body.new_password);
    if !password::verify_off_thread(current, Some(stored)).await? {
        return Err(ApiError::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    let hash = password::hash_off_thread(new).await?;
    let now = state.clock.now();
    state
        .write(move |conn| super::write::set_password(conn, id, &hash, now))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
