//! `/api/v1/promotions`: plan, read and change promotions, and read their results. Managers and
//! supervisors plan them for the units their reach covers; a manager above the unit approves
//! them; everyone in the territory reads them; dealers do not.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::input::{check, CreatePromotion, Plan, UpdatePromotion};
use super::model::{self, Filter, Links, Promotion, Row};
use super::results::{self, PromotionResults};
use super::{actions, PromotionKind, PromotionStatus, PLANNERS, READERS, RESULT_READERS};
use crate::auth::{subtree_units, Caller};
use crate::db::{DbConnection, Id};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::date::opt_day;
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::schema::promotions as pr;
use crate::settings::model::StoredSettings;
use crate::visits::business_day;
use crate::AppState;

crate::page_type!(PromotionPage, Promotion);

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_promotions)
        .service(create_promotion)
        .service(get_promotion)
        .service(update_promotion)
        .service(promotion_results)
        .service(actions::approve_promotion)
        .service(actions::cancel_promotion)
        .configure(super::costs::routes);
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PromotionQuery {
    pub status: Option<PromotionStatus>,
    pub kind: Option<PromotionKind>,
    /// Promotions of the units in this unit's subtree.
    pub unit_id: Option<Id>,
    /// Promotions whose period contains this day.
    #[serde(default, deserialize_with = "opt_day")]
    pub active_on: Option<NaiveDate>,
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// The day the results are taken on (default today, company time zone): the promotion is
    /// measured from its first day up to this day or its last, whichever comes first.
    #[serde(default, deserialize_with = "opt_day")]
    pub as_of: Option<NaiveDate>,
}

/// The promotion, if the caller may plan it (404 outside reach, 403 for a role or a reader who
/// may not: a planner's reach must cover its unit).
pub(super) fn writable(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<Row> {
    let row = Row::find_in_reach(conn, caller, id)?;
    if !caller.reach.covers_unit(row.org_unit_id) {
        return Err(ApiError::Forbidden(
            "promotions are planned by the managers and supervisors above their unit".into(),
        ));
    }
    Ok(row)
}

/// The stored plan of a row.
fn stored_plan(conn: &mut DbConnection, row: &Row) -> QueryResult<Plan> {
    let links = model::links_of(conn, &[row.id])?
        .remove(&row.id)
        .unwrap_or_else(Links::default);
    Ok(Plan {
        name: row.name.clone(),
        kind: PromotionKind::parse(&row.kind),
        description: row.description.clone(),
        org_unit_id: row.org_unit_id,
        starts_on: row.starts_on,
        ends_on: row.ends_on,
        budget_minor: row.budget_minor,
        expected_uplift_pct: row.expected_uplift_pct,
        links,
    })
}

/// List the promotions you read: of the units your reach covers, and of the units above you.
#[utoipa::path(tag = "promotions", operation_id = "list_promotions", params(PageParams, SinceParams, PromotionQuery),
    responses((status = 200, description = "A page of promotions", body = PromotionPage)))]
#[get("/promotions")]
pub async fn list_promotions(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    query: ValidQuery<PromotionQuery>,
) -> ApiResult<web::Json<PromotionPage>> {
    caller.require(&READERS)?;
    let cursor = page.0.cursor()?;
    let q = query.0;
    let (items, next_cursor) = state
        .db(move |conn| {
            let units = match q.unit_id {
                Some(u) => Some(subtree_units(conn, &[u])?),
                None => None,
            };
            let filter = Filter {
                status: q.status,
                kind: q.kind,
                units,
                active_on: q.active_on,
                updated_since: since.0.updated_since,
            };
            let rows = Row::list(conn, &caller, &filter, cursor)?;
            let (rows, next) = cursor.finish(rows, |r| r.id);
            Ok((model::present(conn, rows)?, next))
        })
        .await?;
    Ok(web::Json(PromotionPage { items, next_cursor }))
}

/// Plan a promotion as a draft (managers and supervisors, for a unit in their reach).
#[utoipa::path(tag = "promotions", operation_id = "create_promotion", request_body = CreatePromotion,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, description = "The draft", body = Promotion)))]
#[post("/promotions")]
pub async fn create_promotion(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreatePromotion>,
) -> ApiResult<HttpResponse> {
    caller.require(&PLANNERS)?;
    let plan = body.0.into_plan();
    let now = state.clock.now();
    let promotion = state
        .write(move |conn| {
            let plan = check(conn, &caller, plan)?;
            let id = Id::new();
            diesel::insert_into(pr::table)
                .values((
                    pr::id.eq(id),
                    pr::name.eq(&plan.name),
                    pr::kind.eq(plan.kind.as_str()),
                    pr::description.eq(&plan.description),
                    pr::org_unit_id.eq(plan.org_unit_id),
                    pr::starts_on.eq(plan.starts_on),
                    pr::ends_on.eq(plan.ends_on),
                    pr::budget_minor.eq(plan.budget_minor),
                    pr::expected_uplift_pct.eq(plan.expected_uplift_pct),
                    pr::status.eq(PromotionStatus::Draft.as_str()),
                    pr::created_by.eq(caller.user_id),
                    pr::created_at.eq(now),
                    pr::updated_at.eq(now),
                ))
                .execute(conn)?;
            model::replace_links(conn, id, &plan.links, true)?;
            let promotion = model::load(conn, id)?;
            events::changed(conn, now, "promotion.created", &promotion)?;
            Ok(promotion)
        })
        .await?;
    Ok(with_etag(
        StatusCode::CREATED,
        &promotion,
        promotion.version,
    ))
}

/// Get a promotion, with its spend so far against its budget.
#[utoipa::path(tag = "promotions", operation_id = "get_promotion", params(("id" = Id, Path)),
    responses((status = 200, description = "The promotion", body = Promotion)))]
#[get("/promotions/{id}")]
pub async fn get_promotion(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    caller.require(&READERS)?;
    let id = id.into_inner();
    let promotion = state
        .db(move |conn| {
            Row::find_in_reach(conn, &caller, id)?;
            model::load(conn, id)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &promotion, promotion.version))
}

/// Change a draft (`If-Match`; a planner above its unit). An approved, running, completed or
/// cancelled promotion is 409: it is not edited in place.
#[utoipa::path(tag = "promotions", operation_id = "update_promotion", request_body = UpdatePromotion,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The promotion's ETag")),
    responses((status = 200, description = "The changed draft", body = Promotion)))]
#[patch("/promotions/{id}")]
pub async fn update_promotion(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<UpdatePromotion>,
) -> ApiResult<HttpResponse> {
    caller.require(&PLANNERS)?;
    let id = id.into_inner();
    let changes = body.0;
    let now = state.clock.now();
    let promotion = state
        .write(move |conn| {
            let row = writable(conn, &caller, id)?;
            if_match.check(row.version)?;
            if row.status() != PromotionStatus::Draft {
                return Err(ApiError::illegal_state(
                    format!("a {} promotion is not edited", row.status),
                    row.status,
                ));
            }
            let stored = stored_plan(conn, &row)?;
            let plan = check(conn, &caller, changes.apply(stored))?;
            let n = diesel::update(
                pr::table
                    .filter(pr::id.eq(id))
                    .filter(pr::version.eq(row.version)),
            )
            .set((
                pr::name.eq(&plan.name),
                pr::kind.eq(plan.kind.as_str()),
                pr::description.eq(&plan.description),
                pr::starts_on.eq(plan.starts_on),
                pr::ends_on.eq(plan.ends_on),
                pr::budget_minor.eq(plan.budget_minor),
                pr::expected_uplift_pct.eq(plan.expected_uplift_pct),
                pr::version.eq(pr::version + 1),
                pr::updated_at.eq(now),
            ))
            .execute(conn)?;
            if n == 0 {
                return Err(ApiError::PreconditionFailed(
                    "the promotion changed meanwhile".into(),
                ));
            }
            model::replace_links(conn, id, &plan.links, false)?;
            let promotion = model::load(conn, id)?;
            events::changed(conn, now, "promotion.updated", &promotion)?;
            Ok(promotion)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &promotion, promotion.version))
}

/// What the promotion did: the participants' sales of its products during it against the
/// baseline (the same customers, the equal period before) and the control group (the
/// territory's other customers, the same periods), the uplift in amount and percent, the spend
/// and the return on it, per unit and per salesperson; and how much of each supported target's
/// actual came during it. Computed on every request; see `docs/promotions.md` for the formulas.
/// Salespeople get 403; the lines per unit and salesperson are those in your reach.
#[utoipa::path(tag = "promotions", operation_id = "get_promotion_results", params(("id" = Id, Path), ResultsQuery),
    responses((status = 200, description = "The results", body = PromotionResults)))]
#[get("/promotions/{id}/results")]
pub async fn promotion_results(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    query: ValidQuery<ResultsQuery>,
) -> ApiResult<web::Json<PromotionResults>> {
    caller.require(&RESULT_READERS)?;
    let id = id.into_inner();
    let as_of = query.0.as_of;
    let now = state.clock.now();
    let out = state
        .db(move |conn| {
            let row = Row::find_in_reach(conn, &caller, id)?;
            let settings = StoredSettings::load(conn)?.settings;
            let as_of = as_of.unwrap_or_else(|| business_day(&settings, now));
            results::compute(conn, &settings, &row, as_of, &caller)
        })
        .await?;
    Ok(web::Json(out))
}
