//! `/api/v1/targets`: set, read, change and remove targets. Managers work inside their reach,
//! supervisors break their unit's targets down to their people, salespeople and dealers read
//! their own, executives read all.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::model::{Target, TargetFilter};
use super::period::{Metric, Period, PeriodType};
use super::rules::{check_writer, create_checked, Assignee, TargetInput};
use crate::auth::{subtree_units, Caller};
use crate::db::{DbConnection, Id};
use crate::error::{ApiError, ApiResult};
use crate::http::date::{day, opt_day};
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::AppState;

crate::page_type!(TargetPage, Target);

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_targets)
        .service(create_target)
        .service(get_target)
        .service(update_target)
        .service(delete_target)
        .configure(super::breakdown::routes);
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTarget {
    pub metric: Metric,
    pub period_type: PeriodType,
    /// First day of the period: 1 January for a year, the first of January, April, July or
    /// October for a quarter, the first of a month, a Monday for a week.
    #[serde(deserialize_with = "day")]
    pub period_start: NaiveDate,
    /// Minor units for money metrics, a count otherwise.
    #[validate(range(min = 0i64, max = 1_000_000_000_000_000i64))]
    pub value: i64,
    /// Give exactly one of `unit_id`, `user_id` (a salesperson), `dealer_id`.
    pub unit_id: Option<Id>,
    pub user_id: Option<Id>,
    pub dealer_id: Option<Id>,
    /// Narrow to one product category (as on products).
    #[validate(length(min = 1, max = 100))]
    pub category: Option<String>,
    /// The target this one breaks down: same metric and category, period inside, assignee
    /// inside the parent's.
    pub parent_id: Option<Id>,
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTarget {
    #[validate(range(min = 0i64, max = 1_000_000_000_000_000i64))]
    pub value: i64,
}

/// Filters of the target and progress lists.
#[derive(Debug, Default, Clone, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetQuery {
    pub metric: Option<Metric>,
    pub period_type: Option<PeriodType>,
    /// Targets whose period contains this day.
    #[serde(default, deserialize_with = "opt_day")]
    pub covering: Option<NaiveDate>,
    /// Targets whose period starts on or after this day.
    #[serde(default, deserialize_with = "opt_day")]
    pub from: Option<NaiveDate>,
    /// Targets whose period ends on or before this day.
    #[serde(default, deserialize_with = "opt_day")]
    pub to: Option<NaiveDate>,
    /// Targets assigned to exactly this unit.
    pub unit_id: Option<Id>,
    /// Targets assigned to this salesperson.
    pub user_id: Option<Id>,
    /// Targets assigned to this dealer.
    pub dealer_id: Option<Id>,
    /// Everything assigned inside this unit's subtree: the units, their people and dealers.
    pub within_unit_id: Option<Id>,
    /// The children of this target.
    pub parent_id: Option<Id>,
    /// Only targets without a parent.
    pub top_level: Option<bool>,
}

impl TargetQuery {
    /// The filter, with the subtree of `within_unit_id` resolved.
    pub fn filter(&self, conn: &mut DbConnection) -> ApiResult<TargetFilter> {
        let within_units = match self.within_unit_id {
            Some(unit) => Some(subtree_units(conn, &[unit])?),
            None => None,
        };
        Ok(TargetFilter {
            metric: self.metric,
            period_type: self.period_type,
            covering: self.covering,
            from: self.from,
            to: self.to,
            unit_id: self.unit_id,
            user_id: self.user_id,
            dealer_id: self.dealer_id,
            parent_id: self.parent_id,
            top_level: self.top_level.unwrap_or(false),
            within_units,
            // The progress list shares these filters but is computed, so it has no sync filter.
            updated_since: None,
        })
    }
}

/// List the targets in your reach.
#[utoipa::path(tag = "targets", operation_id = "list_targets", params(PageParams, SinceParams, TargetQuery),
    responses((status = 200, description = "A page of targets", body = TargetPage)))]
#[get("/targets")]
pub async fn list_targets(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    query: ValidQuery<TargetQuery>,
) -> ApiResult<web::Json<TargetPage>> {
    let cursor = page.0.cursor()?;
    let query = query.0;
    let rows = state
        .db(move |conn| {
            let mut filter = query.filter(conn)?;
            filter.updated_since = since.0.updated_since;
            Ok(Target::list(conn, &caller, &filter, cursor)?)
        })
        .await?;
    let (items, next_cursor) = cursor.finish(rows, |t| t.id);
    Ok(web::Json(TargetPage { items, next_cursor }))
}

/// Set a target (managers inside their reach; supervisors children for their people).
#[utoipa::path(tag = "targets", operation_id = "create_target", request_body = CreateTarget,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retried create safe")),
    responses((status = 201, description = "Created", body = Target)))]
#[post("/targets")]
pub async fn create_target(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateTarget>,
) -> ApiResult<HttpResponse> {
    caller.require(&super::rules::WRITERS)?;
    let b = body.0;
    let now = state.clock.now();
    let target = state
        .write(move |conn| {
            let period = Period::new(b.period_type, b.period_start)?;
            let who = Assignee::from_parts(b.unit_id, b.user_id, b.dealer_id)?;
            let parent =
                match b.parent_id {
                    Some(p) => Some(Target::find(conn, &caller, p).map_err(|_| {
                        ApiError::invalid("parent_id", "no such target in your reach")
                    })?),
                    None => None,
                };
            let input = TargetInput {
                metric: b.metric,
                period,
                value: b.value,
                who,
                category: b.category.map(|c| c.trim().to_string()),
                parent,
            };
            create_checked(conn, &caller, input, now)
        })
        .await?;
    Ok(with_etag(StatusCode::CREATED, &target, target.version))
}

/// Get a target in your reach.
#[utoipa::path(tag = "targets", operation_id = "get_target", params(("id" = Id, Path)),
    responses((status = 200, description = "The target", body = Target)))]
#[get("/targets/{id}")]
pub async fn get_target(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let target = state
        .db(move |conn| Target::find(conn, &caller, id))
        .await?;
    Ok(with_etag(StatusCode::OK, &target, target.version))
}

/// The target, if the caller may change it (404 outside reach, 403 for a role that may not).
fn writable(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<Target> {
    let target = Target::find(conn, caller, id)?;
    let who = Assignee::of(&target);
    let home = who.home_unit(conn)?;
    check_writer(caller, who, home, target.parent_id.is_some()).map_err(|e| match e {
        ApiError::Validation { .. } => ApiError::forbidden(),
        other => other,
    })?;
    Ok(target)
}

/// Change a target's value (`If-Match` required).
///
/// The allocation view of its parent shows any remainder this leaves.
#[utoipa::path(tag = "targets", operation_id = "update_target", request_body = UpdateTarget,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The target's ETag")),
    responses((status = 200, description = "The changed target", body = Target)))]
#[patch("/targets/{id}")]
pub async fn update_target(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<UpdateTarget>,
) -> ApiResult<HttpResponse> {
    caller.require(&super::rules::WRITERS)?;
    let (id, value) = (id.into_inner(), body.0.value);
    let now = state.clock.now();
    let target = state
        .write(move |conn| {
            let current = writable(conn, &caller, id)?;
            if_match.check(current.version)?;
            if !Target::set_value(conn, id, current.version, value, now)? {
                return Err(ApiError::PreconditionFailed(
                    "the target changed meanwhile".into(),
                ));
            }
            Target::find(conn, &caller, id)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &target, target.version))
}

/// Remove a target that has no children.
#[utoipa::path(tag = "targets", operation_id = "delete_target",
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The target's ETag")),
    responses((status = 204, description = "Deleted")))]
#[delete("/targets/{id}")]
pub async fn delete_target(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    caller.require(&super::rules::WRITERS)?;
    let id = id.into_inner();
    let now = state.clock.now();
    state
        .write(move |conn| {
            let current = writable(conn, &caller, id)?;
            if_match.check(current.version)?;
            if Target::has_children(conn, id)? {
                return Err(ApiError::conflict(
                    "the target has children; remove them first",
                ));
            }
            Target::delete(conn, now, &current)?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
