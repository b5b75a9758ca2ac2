//! `/api/v1/competitors`: read by every user but dealers; changed by admins, managers and
//! integrations.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};

use super::model::Competitor;
use super::write::{self, CreateCompetitor, UpdateCompetitor};
use crate::auth::{Caller, Role};
use crate::db::Id;
use crate::error::ApiResult;
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::masterdata::{CommonQuery, EDITORS};
use crate::AppState;

crate::page_type!(CompetitorPage, Competitor);

const READERS: [Role; 6] = [
    Role::Admin,
    Role::Executive,
    Role::Manager,
    Role::Supervisor,
    Role::Salesperson,
    Role::Integration,
];

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_competitors)
        .service(create_competitor)
        .service(get_competitor)
        .service(update_competitor);
}

/// List competitors.
#[utoipa::path(tag = "competitors", operation_id = "list_competitors",
    params(PageParams, SinceParams, CommonQuery),
    responses((status = 200, description = "A page of competitors", body = CompetitorPage)))]
#[get("/competitors")]
pub async fn list_competitors(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    common: ValidQuery<CommonQuery>,
) -> ApiResult<web::Json<CompetitorPage>> {
    caller.require(&READERS)?;
    let cursor = page.0.cursor()?;
    let common = common.0;
    let rows = state
        .db(move |conn| Ok(Competitor::list(conn, &common, since.0, cursor)?))
        .await?;
    let (items, next_cursor) = cursor.finish(rows, |c| c.id);
    Ok(web::Json(CompetitorPage { items, next_cursor }))
}

/// Create a competitor (admins, managers, integrations).
#[utoipa::path(tag = "competitors", operation_id = "create_competitor", request_body = CreateCompetitor,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, description = "Created", body = Competitor)))]
#[post("/competitors")]
pub async fn create_competitor(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateCompetitor>,
) -> ApiResult<HttpResponse> {
    caller.require(&EDITORS)?;
    let b = body.0;
    let now = state.clock.now();
    let competitor = state.write(move |conn| write::create(conn, b, now)).await?;
    Ok(with_etag(
        StatusCode::CREATED,
        &competitor,
        competitor.version,
    ))
}

/// Get a competitor.
#[utoipa::path(tag = "competitors", operation_id = "get_competitor", params(("id" = Id, Path)),
    responses((status = 200, description = "The competitor", body = Competitor)))]
#[get("/competitors/{id}")]
pub async fn get_competitor(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    caller.require(&READERS)?;
    let id = id.into_inner();
    let competitor = state.db(move |conn| Competitor::find(conn, id)).await?;
    Ok(with_etag(StatusCode::OK, &competitor, competitor.version))
}

/// Change, archive (`archived: true`) or restore a competitor (`If-Match` required).
#[utoipa::path(tag = "competitors", operation_id = "update_competitor", request_body = UpdateCompetitor,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The competitor's ETag")),
    responses((status = 200, description = "The changed competitor", body = Competitor)))]
#[patch("/competitors/{id}")]
pub async fn update_competitor(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<UpdateCompetitor>,
) -> ApiResult<HttpResponse> {
    caller.require(&EDITORS)?;
    let (id, b) = (id.into_inner(), body.0);
    let now = state.clock.now();
    let competitor = state
        .write(move |conn| {
            let current = Competitor::find(conn, id)?;
            if_match.check(current.version)?;
            write::change(conn, &current, b, now)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &competitor, competitor.version))
}
