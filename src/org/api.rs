//! `/api/v1/org-units`: the org tree. Everyone reads the units in their reach (and their own);
//! admins change it.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::model::{NewOrgUnit, OrgUnit, OrgUnitChanges, UnitFilter};
use crate::auth::{Caller, Role};
use crate::db::{DbConnection, Id};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::input::double_option;
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::schema::users;
use crate::AppState;

crate::page_type!(OrgUnitPage, OrgUnit);

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_org_units)
        .service(create_org_unit)
        .service(get_org_unit)
        .service(update_org_unit)
        .service(delete_org_unit);
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrgUnit {
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[validate(length(min = 1, max = 50))]
    pub code: Option<String>,
    /// The parent unit. Required: the company (root) exists from the first start.
    pub parent_id: Id,
    pub manager_id: Option<Id>,
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrgUnit {
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    /// A new code, or `null` to clear it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub code: Option<Option<String>>,
    /// Move the unit under another parent (never under itself or its own descendant).
    pub parent_id: Option<Id>,
    /// A new manager, or `null` for none.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Id>)]
    pub manager_id: Option<Option<Id>>,
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgUnitQuery {
    /// Only the direct children of this unit.
    pub parent_id: Option<Id>,
}

fn check_manager(conn: &mut DbConnection, manager: Id) -> ApiResult<()> {
    let found: Option<(String, bool)> = users::table
        .find(manager)
        .select((users::role, users::active))
        .first(conn)
        .optional()?;
    match found {
        None => Err(ApiError::invalid("manager_id", "no such user")),
        Some((_, false)) => Err(ApiError::invalid("manager_id", "the user is deactivated")),
        Some((role, true)) if !matches!(role.as_str(), "manager" | "supervisor" | "executive") => {
            Err(ApiError::invalid(
                "manager_id",
                "a unit is managed by a manager, supervisor or executive",
            ))
        }
        _ => Ok(()),
    }
}

/// List the org units in your reach.
#[utoipa::path(tag = "org", operation_id = "list_org_units", params(PageParams, SinceParams, OrgUnitQuery),
    responses((status = 200, description = "A page of units", body = OrgUnitPage)))]
#[get("/org-units")]
pub async fn list_org_units(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    query: ValidQuery<OrgUnitQuery>,
) -> ApiResult<web::Json<OrgUnitPage>> {
    let cursor = page.0.cursor()?;
    let filter = UnitFilter {
        updated_since: since.0.updated_since,
        parent_id: query.0.parent_id,
    };
    let rows = state
        .db(move |conn| Ok(OrgUnit::list(conn, &caller, &filter, cursor)?))
        .await?;
    let (items, next_cursor) = cursor.finish(rows, |u| u.id);
    Ok(web::Json(OrgUnitPage { items, next_cursor }))
}

/// Create an org unit (admins).
#[utoipa::path(tag = "org", operation_id = "create_org_unit", request_body = CreateOrgUnit,
    responses((status = 201, description = "Created", body = OrgUnit)))]
#[post("/org-units")]
pub async fn create_org_unit(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateOrgUnit>,
) -> ApiResult<HttpResponse> {
    caller.require(&[Role::Admin])?;
    let body = body.0;
    let now = state.clock.now();
    let unit = state
        .write(move |conn| {
            OrgUnit::find(conn, body.parent_id)
                .map_err(|_| ApiError::invalid("parent_id", "no such org unit"))?;
            if let Some(m) = body.manager_id {
                check_manager(conn, m)?;
            }
            let unit = OrgUnit::insert(
                conn,
                NewOrgUnit {
                    id: Id::new(),
                    name: body.name.trim(),
                    code: body.code.as_deref(),
                    parent_id: Some(body.parent_id),
                    manager_id: body.manager_id,
                    created_at: now,
                    updated_at: now,
                },
            )?;
            events::changed(conn, now, "org_unit.created", &unit)?;
            Ok(unit)
        })
        .await?;
    Ok(with_etag(StatusCode::CREATED, &unit, unit.version))
}

/// Get an org unit.
#[utoipa::path(tag = "org", operation_id = "get_org_unit", params(("id" = Id, Path)),
    responses((status = 200, description = "The unit", body = OrgUnit)))]
#[get("/org-units/{id}")]
pub async fn get_org_unit(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let unit = state
        .db(move |conn| OrgUnit::find_visible(conn, &caller, id))
        .await?;
    Ok(with_etag(StatusCode::OK, &unit, unit.version))
}

/// Change an org unit: rename, move, set its manager (admins; `If-Match` required).
#[utoipa::path(tag = "org", operation_id = "update_org_unit", request_body = UpdateOrgUnit,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The unit's ETag")),
    responses((status = 200, description = "The changed unit", body = OrgUnit)))]
#[patch("/org-units/{id}")]
pub async fn update_org_unit(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<UpdateOrgUnit>,
) -> ApiResult<HttpResponse> {
    caller.require(&[Role::Admin])?;
    let id = id.into_inner();
    let body = body.0;
    let now = state.clock.now();
    let unit = state
        .write(move |conn| {
            let current = OrgUnit::find(conn, id)?;
            if_match.check(current.version)?;
            if let Some(parent) = body.parent_id {
                if current.parent_id.is_none() {
                    return Err(ApiError::invalid(
                        "parent_id",
                        "the company (root) cannot be moved",
                    ));
                }
                OrgUnit::find(conn, parent)
                    .map_err(|_| ApiError::invalid("parent_id", "no such org unit"))?;
                if OrgUnit::ancestors(conn, parent)?.contains(&id) {
                    return Err(ApiError::invalid(
                        "parent_id",
                        "a unit cannot be moved under itself or its own descendant",
                    ));
                }
            }
            if let Some(Some(m)) = body.manager_id {
                check_manager(conn, m)?;
            }
            let changes = OrgUnitChanges {
                name: body.name.map(|n| n.trim().to_string()),
                code: body.code,
                parent_id: body.parent_id.map(Some),
                manager_id: body.manager_id,
            };
            if !OrgUnit::update(conn, id, current.version, &changes, now)? {
                return Err(ApiError::PreconditionFailed(
                    "the unit changed meanwhile".into(),
                ));
            }
            let unit = OrgUnit::find(conn, id)?;
            events::changed(conn, now, "org_unit.updated", &unit)?;
            Ok(unit)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &unit, unit.version))
}

/// Delete an org unit that has no members and no child units (admins).
#[utoipa::path(tag = "org", operation_id = "delete_org_unit",
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The unit's ETag")),
    responses((status = 204, description = "Deleted")))]
#[delete("/org-units/{id}")]
pub async fn delete_org_unit(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    caller.require(&[Role::Admin])?;
    let id = id.into_inner();
    let now = state.clock.now();
    state
        .write(move |conn| {
            let current = OrgUnit::find(conn, id)?;
            if_match.check(current.version)?;
            if OrgUnit::has_children(conn, id)? {
                return Err(ApiError::conflict(
                    "the unit has child units; move or delete them first",
                ));
            }
            if OrgUnit::has_members(conn, id)? {
                return Err(ApiError::conflict("the unit has members; move them first"));
            }
            OrgUnit::delete(conn, id)?;
            events::deleted(conn, now, &current)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
