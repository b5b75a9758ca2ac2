//! `/api/v1/dealers`: read within reach; changed by admins, managers (inside their reach) and
//! integrations; admins link dealer users.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::bulk::{self, DealerBatch};
use super::model::Dealer;
use super::write::{self, CreateDealer, UpdateDealer};
use crate::auth::{subtree_units, Caller, Role};
use crate::db::Id;
use crate::error::{ApiError, ApiResult};
use crate::facts::BulkResult;
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::masterdata::{CommonQuery, EDITORS};
use crate::users::model::UserRow;
use crate::AppState;

crate::page_type!(DealerPage, Dealer);

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_dealers)
        .service(create_dealer)
        .service(upsert_dealers)
        .service(get_dealer)
        .service(update_dealer)
        .service(list_dealer_users)
        .service(link_dealer_user);
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DealerQuery {
    /// Dealers placed in this unit and its whole subtree.
    pub unit_id: Option<Id>,
}

/// A user to link to a dealer.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkDealerUser {
    /// A user with the `dealer` role.
    pub user_id: Id,
}

/// The users that act for a dealer.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DealerUsers {
    pub dealer_id: Id,
    pub user_ids: Vec<Id>,
}

/// List the dealers in your reach (a dealer user sees its own dealer).
#[utoipa::path(tag = "dealers", operation_id = "list_dealers",
    params(PageParams, SinceParams, CommonQuery, DealerQuery),
    responses((status = 200, description = "A page of dealers", body = DealerPage)))]
#[get("/dealers")]
pub async fn list_dealers(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    common: ValidQuery<CommonQuery>,
    query: ValidQuery<DealerQuery>,
) -> ApiResult<web::Json<DealerPage>> {
    let cursor = page.0.cursor()?;
    let (common, query) = (common.0, query.0);
    let rows = state
        .db(move |conn| {
            let units = match query.unit_id {
                Some(unit) => Some(subtree_units(conn, &[unit])?),
                None => None,
            };
            Ok(Dealer::list(
                conn, &caller, &common, since.0, units, cursor,
            )?)
        })
        .await?;
    let (items, next_cursor) = cursor.finish(rows, |d| d.id);
    Ok(web::Json(DealerPage { items, next_cursor }))
}

/// Create a dealer (admins, managers inside their reach, integrations).
#[utoipa::path(tag = "dealers", operation_id = "create_dealer", request_body = CreateDealer,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, description = "Created", body = Dealer)))]
#[post("/dealers")]
pub async fn create_dealer(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateDealer>,
) -> ApiResult<HttpResponse> {
    caller.require(&EDITORS)?;
    let b = body.0;
    let now = state.clock.now();
    let dealer = state
        .write(move |conn| write::create(conn, &caller, b, now))
        .await?;
    Ok(with_etag(StatusCode::CREATED, &dealer, dealer.version))
}

/// Upsert up to 1,000 dealers by `external_id` (admins, managers inside their reach,
/// integrations).
///
/// `archived` archives or restores a dealer; left out, it keeps its state. All or nothing:
/// one invalid row (named as `rows[i].field`) rejects the batch. Sending the same batch again
/// changes nothing; each row's result says created, updated or unchanged, and each created or
/// changed dealer is a `dealer.*` event and change.
#[utoipa::path(tag = "dealers", operation_id = "upsert_dealers", request_body = DealerBatch,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried upload return the first answer")),
    responses((status = 200, description = "What happened to each row", body = BulkResult)))]
#[post("/dealers/bulk")]
pub async fn upsert_dealers(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<DealerBatch>,
) -> ApiResult<web::Json<BulkResult>> {
    caller.require(&EDITORS)?;
    let rows = body.0.rows;
    let now = state.clock.now();
    let results = state
        .write(move |conn| bulk::upsert(conn, &caller, rows, now))
        .await?;
    Ok(web::Json(BulkResult::from_rows(results)))
}

/// Get a dealer in your reach.
#[utoipa::path(tag = "dealers", operation_id = "get_dealer", params(("id" = Id, Path)),
    responses((status = 200, description = "The dealer", body = Dealer)))]
#[get("/dealers/{id}")]
pub async fn get_dealer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let dealer = state
        .db(move |conn| Dealer::find(conn, &caller, id))
        .await?;
    Ok(with_etag(StatusCode::OK, &dealer, dealer.version))
}

/// Change, archive (`archived: true`) or restore a dealer (`If-Match` required).
#[utoipa::path(tag = "dealers", operation_id = "update_dealer", request_body = UpdateDealer,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The dealer's ETag")),
    responses((status = 200, description = "The changed dealer", body = Dealer)))]
#[patch("/dealers/{id}")]
pub async fn update_dealer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<UpdateDealer>,
) -> ApiResult<HttpResponse> {
    caller.require(&EDITORS)?;
    let (id, b) = (id.into_inner(), body.0);
    let now = state.clock.now();
    let dealer = state
        .write(move |conn| {
            let current = Dealer::find(conn, &caller, id)?;
            if_match.check(current.version)?;
            write::change(conn, &caller, &current, b, now)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &dealer, dealer.version))
}

/// The users linked to a dealer (admins).
#[utoipa::path(tag = "dealers", operation_id = "list_dealer_users", params(("id" = Id, Path)),
    responses((status = 200, description = "The linked users", body = DealerUsers)))]
#[get("/dealers/{id}/users")]
pub async fn list_dealer_users(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<web::Json<DealerUsers>> {
    caller.require(&[Role::Admin])?;
    let id = id.into_inner();
    let users = state
        .db(move |conn| {
            Dealer::find(conn, &caller, id)?;
            Ok(Dealer::linked_users(conn, id)?)
        })
        .await?;
    Ok(web::Json(DealerUsers {
        dealer_id: id,
        user_ids: users,
    }))
}

/// Link a `dealer` user to this dealer (admins); a user acts for one dealer at a time.
#[utoipa::path(tag = "dealers", operation_id = "link_dealer_user", request_body = LinkDealerUser,
    params(("id" = Id, Path)),
    responses((status = 200, description = "The linked users", body = DealerUsers)))]
#[post("/dealers/{id}/users")]
pub async fn link_dealer_user(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    body: ValidJson<LinkDealerUser>,
) -> ApiResult<web::Json<DealerUsers>> {
    caller.require(&[Role::Admin])?;
    let (id, user) = (id.into_inner(), body.0.user_id);
    let now = state.clock.now();
    let users = state
        .write(move |conn| {
            Dealer::find(conn, &caller, id)?;
            let row = UserRow::find(conn, user)
                .map_err(|_| ApiError::invalid("user_id", "no such user"))?;
            if row.role != Role::Dealer.as_str() {
                return Err(ApiError::invalid(
                    "user_id",
                    "only a dealer user can be linked",
                ));
            }
            crate::users::write::link_dealer(conn, user, id, now)?;
            Ok(Dealer::linked_users(conn, id)?)
        })
        .await?;
    Ok(web::Json(DealerUsers {
        dealer_id: id,
        user_ids: users,
    }))
}
