//! `/api/v1/visit-plans`: the day's plan, submitted to the nearest superior and signed by them.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::actions;
use super::model::{self, PlanFilter, PlanRow, PlanStatus, PlannedVisitRow, VisitPlan};
use crate::auth::{subtree_units, Caller};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::events;
use crate::http::date::{day, opt_day};
use crate::http::input::double_option;
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::masterdata::customers::model::Customer;
use crate::schema::visit_plans as vp;
use crate::visits::{Purpose, FIELD_ROLES, READERS};
use crate::AppState;

crate::page_type!(VisitPlanPage, VisitPlan);

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_visit_plans)
        .service(create_visit_plan)
        .service(get_visit_plan)
        .service(update_visit_plan)
        .service(actions::submit_visit_plan)
        .service(actions::approve_visit_plan)
        .service(actions::return_visit_plan);
}

/// One visit to plan: a customer, or a prospect by name.
#[crate::rules]
#[derive(Debug, Clone, serde::Serialize, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedVisitInput {
    /// The customer to visit (one of yours or in your reach).
    pub customer_id: Option<Id>,
    /// A prospect that is not a customer yet (when there is no `customer_id`).
    #[validate(length(min = 1, max = 200))]
    pub prospect_name: Option<String>,
    #[validate(length(min = 1, max = 200))]
    pub area: Option<String>,
    pub planned_start: Option<Timestamp>,
    /// Not before `planned_start`.
    pub planned_end: Option<Timestamp>,
    pub purpose: Purpose,
    #[validate(length(max = 2000))]
    pub expected_result: Option<String>,
    #[validate(length(max = 2000))]
    pub notes: Option<String>,
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVisitPlan {
    /// The day planned (company time zone); one plan per person and day.
    #[serde(deserialize_with = "day")]
    pub plan_date: NaiveDate,
    #[validate(length(max = 5000))]
    pub notes: Option<String>,
    /// Up to 50 visits.
    #[validate(length(max = 50), nested)]
    #[serde(default)]
    pub visits: Vec<PlannedVisitInput>,
}

/// Changes to a draft or returned plan; `visits`, when given, replaces the list.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateVisitPlan {
    /// New notes, or `null` to clear them.
    #[validate(length(max = 5000))]
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
    #[validate(length(max = 50), nested)]
    pub visits: Option<Vec<PlannedVisitInput>>,
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VisitPlanQuery {
    pub owner_id: Option<Id>,
    /// Plans of the people now in this unit's subtree (records follow the person).
    pub unit_id: Option<Id>,
    /// First day (inclusive).
    #[serde(default, deserialize_with = "opt_day")]
    pub from: Option<NaiveDate>,
    /// Last day (inclusive).
    #[serde(default, deserialize_with = "opt_day")]
    pub to: Option<NaiveDate>,
    pub status: Option<PlanStatus>,
    /// Only submitted plans that wait for your decision.
    pub awaiting_me: Option<bool>,
}

/// Checks planned visits against the customers in reach and builds their rows; every problem
/// names its field as `visits[i].field`.
fn planned_rows(
    conn: &mut DbConnection,
    caller: &Caller,
    plan: Id,
    input: &[PlannedVisitInput],
) -> ApiResult<Vec<PlannedVisitRow>> {
    let ids: Vec<Id> = input.iter().filter_map(|v| v.customer_id).collect();
    let found = Customer::reached(conn, caller, &ids)?;
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for (i, v) in input.iter().enumerate() {
        let field = |f: &str| format!("visits[{i}].{f}");
        match (v.customer_id, &v.prospect_name) {
            (Some(c), _) if !found.contains(&c) => errors.push(FieldError::new(
                field("customer_id"),
                "no such customer in your reach",
            )),
            (Some(_), _) => {}
            (None, None) => errors.push(FieldError::new(
                field("customer_id"),
                "name a customer or a prospect_name",
            )),
            (None, Some(_)) => {}
        }
        if let (Some(s), Some(e)) = (v.planned_start, v.planned_end) {
            if e < s {
                errors.push(FieldError::new(
                    field("planned_end"),
                    "must not be before planned_start",
                ));
            }
        }
        rows.push(PlannedVisitRow {
            id: Id::new(),
            plan_id: plan,
            position: i as i32,
            customer_id: v.customer_id,
            prospect_name: v.prospect_name.as_ref().map(|s| s.trim().to_string()),
            area: v.area.clone(),
            planned_start: v.planned_start,
            planned_end: v.planned_end,
            purpose: v.purpose.as_str().to_string(),
            expected_result: v.expected_result.clone(),
            notes: v.notes.clone(),
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(ApiError::invalid_fields(errors))
    }
}

pub(super) fn load(conn: &mut DbConnection, id: Id) -> ApiResult<VisitPlan> {
    let row = PlanRow::find(conn, id)?;
    Ok(model::with_visits(conn, vec![row])?.remove(0))
}

/// List visit plans in your reach; `awaiting_me=true` gives the ones waiting for your signature.
#[utoipa::path(tag = "visit-plans", operation_id = "list_visit_plans", params(PageParams, SinceParams, VisitPlanQuery),
    responses((status = 200, description = "A page of visit plans", body = VisitPlanPage)))]
#[get("/visit-plans")]
pub async fn list_visit_plans(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    query: ValidQuery<VisitPlanQuery>,
) -> ApiResult<web::Json<VisitPlanPage>> {
    caller.require(&READERS)?;
    let cursor = page.0.cursor()?;
    let q = query.0;
    let (items, next_cursor) = state
        .analytic(move |conn| {
            let units = match q.unit_id {
                Some(u) => Some(subtree_units(conn, &[u])?),
                None => None,
            };
            let filter = PlanFilter {
                updated_since: since.0.updated_since,
                owner_id: q.owner_id,
                units,
                from: q.from,
                to: q.to,
                status: q.status,
                awaiting_me: q.awaiting_me.unwrap_or(false),
            };
            let rows = PlanRow::list(conn, &caller, &filter, cursor)?;
            let (rows, next) = cursor.finish(rows, |r| r.id);
            Ok((model::with_visits(conn, rows)?, next))
        })
        .await?;
    Ok(web::Json(VisitPlanPage { items, next_cursor }))
}

/// Makes the caller's draft plan for a day (409 naming `plan_date` when there is one), and
/// records `visit_plan.created`.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    body: &CreateVisitPlan,
    now: Timestamp,
) -> ApiResult<VisitPlan> {
    if let Some(existing) = PlanRow::of_day(conn, caller.user_id, body.plan_date)? {
        return Err(ApiError::duplicate(
            "plan_date",
            format!(
                "you already have a plan for {} ({})",
                body.plan_date, existing.id
            ),
        ));
    }
    let id = Id::new();
    let visits = planned_rows(conn, caller, id, &body.visits)?;
    diesel::insert_into(vp::table)
        .values((
            vp::id.eq(id),
            vp::owner_id.eq(caller.user_id),
            vp::org_unit_id.eq(caller.org_unit_id),
            vp::plan_date.eq(body.plan_date),
            vp::status.eq(PlanStatus::Draft.as_str()),
            vp::notes.eq(&body.notes),
            vp::created_at.eq(now),
            vp::updated_at.eq(now),
        ))
        .execute(conn)?;
    model::replace_visits(conn, id, &visits, true)?;
    let plan = load(conn, id)?;
    events::changed(conn, now, "visit_plan.created", &plan)?;
    Ok(plan)
}

/// Make your plan for a day (a second plan for the same day is 409).
#[utoipa::path(tag = "visit-plans", operation_id = "create_visit_plan", request_body = CreateVisitPlan,
    responses((status = 201, description = "The draft plan", body = VisitPlan)))]
#[post("/visit-plans")]
pub async fn create_visit_plan(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateVisitPlan>,
) -> ApiResult<HttpResponse> {
    caller.require(&FIELD_ROLES)?;
    let body = body.0;
    let now = state.clock.now();
    let plan = state
        .write(move |conn| create(conn, &caller, &body, now))
        .await?;
    Ok(with_etag(StatusCode::CREATED, &plan, plan.version))
}

/// Get a visit plan.
#[utoipa::path(tag = "visit-plans", operation_id = "get_visit_plan", params(("id" = Id, Path)),
    responses((status = 200, description = "The plan", body = VisitPlan)))]
#[get("/visit-plans/{id}")]
pub async fn get_visit_plan(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    caller.require(&READERS)?;
    let id = id.into_inner();
    let plan = state
        .db(move |conn| {
            PlanRow::find_in_reach(conn, &caller, id)?;
            load(conn, id)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &plan, plan.version))
}

/// Change your draft or returned plan (`If-Match`); a submitted or approved plan is 409.
#[utoipa::path(tag = "visit-plans", operation_id = "update_visit_plan", request_body = UpdateVisitPlan,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The plan's ETag")),
    responses((status = 200, description = "The changed plan", body = VisitPlan)))]
#[patch("/visit-plans/{id}")]
pub async fn update_visit_plan(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<UpdateVisitPlan>,
) -> ApiResult<HttpResponse> {
    caller.require(&FIELD_ROLES)?;
    let id = id.into_inner();
    let body = body.0;
    let now = state.clock.now();
    let plan = state
        .write(move |conn| {
            let row = PlanRow::find_in_reach(conn, &caller, id)?;
            if row.owner_id != caller.user_id {
                return Err(ApiError::Forbidden("only the owner changes a plan".into()));
            }
            if_match.check(row.version)?;
            if !row.status().editable() {
                return Err(ApiError::illegal_state(
                    format!("a {} plan is not edited", row.status),
                    row.status,
                ));
            }
            if !PlanRow::bump(conn, id, row.version, now)? {
                return Err(ApiError::PreconditionFailed(
                    "the plan changed meanwhile".into(),
                ));
            }
            if let Some(notes) = &body.notes {
                diesel::update(vp::table.find(id))
                    .set(vp::notes.eq(notes))
                    .execute(conn)?;
            }
            if let Some(visits) = &body.visits {
                let rows = planned_rows(conn, &caller, id, visits)?;
                model::replace_visits(conn, id, &rows, false)?;
            }
            let plan = load(conn, id)?;
            events::changed(conn, now, "visit_plan.updated", &plan)?;
            Ok(plan)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &plan, plan.version))
}
