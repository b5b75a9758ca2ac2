//! `/api/v1/weekly-reports`: create (figures filled in), read, list, edit the narrative; the
//! workflow steps are in `actions`.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::actions;
use super::figures::compute;
use super::model::{stored, Filter, Row, WeeklyReport, WeeklyStatus};
use super::{due_at, IsoWeek, READERS, WRITERS};
use crate::alerts::chain_of;
use crate::auth::{subtree_units, Caller};
use crate::db::{self, DbConnection, Id};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::schema::{org_units, weekly_reports as wr};
use crate::settings::model::StoredSettings;
use crate::visits::business_day;
use crate::AppState;

crate::page_type!(WeeklyReportPage, WeeklyReport);

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(super::compliance::weekly_report_compliance)
        .service(list_weekly_reports)
        .service(create_weekly_report)
        .service(get_weekly_report)
        .service(update_weekly_report)
        .service(actions::refresh_weekly_report)
        .service(actions::submit_weekly_report)
        .service(actions::review_weekly_report)
        .service(actions::return_weekly_report)
        .service(super::export::export_weekly_report);
}

#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWeeklyReport {
    /// The unit reported on; in your reach (422 otherwise).
    pub unit_id: Id,
    /// ISO week `YYYY-Www`; default: the week before the current one (due this Monday).
    #[schema(example = "2026-W47")]
    #[validate(length(max = 20))]
    pub week: Option<String>,
    #[validate(length(max = 20000))]
    pub competitor_dynamics: Option<String>,
    #[validate(length(max = 20000))]
    pub abnormal_customer_handling: Option<String>,
    #[validate(length(max = 20000))]
    pub next_week_goals: Option<String>,
    #[validate(length(max = 20000))]
    pub next_week_plans: Option<String>,
}

/// The narrative fields to change; absent fields stay as they are.
#[crate::rules]
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWeeklyReport {
    #[validate(length(max = 20000))]
    pub competitor_dynamics: Option<String>,
    #[validate(length(max = 20000))]
    pub abnormal_customer_handling: Option<String>,
    #[validate(length(max = 20000))]
    pub next_week_goals: Option<String>,
    #[validate(length(max = 20000))]
    pub next_week_plans: Option<String>,
}

/// The reviewer's words: optional on review, required on return.
#[crate::rules]
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeeklyReviewAction {
    #[validate(length(min = 1, max = 10000))]
    pub comment: Option<String>,
}

#[crate::rules]
#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeeklyReportQuery {
    /// Reports of this unit's subtree.
    pub unit_id: Option<Id>,
    /// ISO week `YYYY-Www`.
    #[validate(length(max = 20))]
    pub week: Option<String>,
    pub status: Option<WeeklyStatus>,
}

/// Parses a `week` field (422 naming it).
pub fn parse_week(field: &str, s: &str) -> ApiResult<IsoWeek> {
    IsoWeek::parse(s.trim())
        .ok_or_else(|| ApiError::invalid(field, "must be an ISO week such as 2026-W47"))
}

/// Whether the caller writes reports of `unit`: a supervisor or manager whose reach covers it.
pub(super) fn writes_for(caller: &Caller, unit: Id) -> bool {
    WRITERS.contains(&caller.role) && caller.reach.covers_unit(unit)
}

/// The managers above a report's unit, nearest first (without its author).
pub(super) fn managers_above(conn: &mut DbConnection, row: &Row) -> QueryResult<Vec<Id>> {
    let parent: Option<Id> = org_units::table
        .find(row.org_unit_id)
        .select(org_units::parent_id)
        .first(conn)?;
    match parent {
        Some(p) => chain_of(conn, row.author_id, p),
        None => Ok(Vec::new()),
    }
}

/// A report the caller may change: in reach (404) and written by people like them (403).
pub(super) fn for_writer(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<Row> {
    let row = Row::find_in_reach(conn, caller, id)?;
    if writes_for(caller, row.org_unit_id) {
        Ok(row)
    } else {
        Err(ApiError::Forbidden(
            "only the unit's supervisor or a manager above writes its weekly report".into(),
        ))
    }
}

pub(super) fn require_open(row: &Row, what: &str) -> ApiResult<()> {
    if row.status().is_open() {
        Ok(())
    } else {
        Err(ApiError::illegal_state(
            format!("only a draft or returned weekly report is {what}"),
            row.status.clone(),
        ))
    }
}

/// List weekly reports of units in your reach (and those you wrote).
#[utoipa::path(tag = "weekly-reports", operation_id = "list_weekly_reports", params(PageParams, SinceParams, WeeklyReportQuery),
    responses((status = 200, description = "A page of weekly reports", body = WeeklyReportPage)))]
#[get("/weekly-reports")]
pub async fn list_weekly_reports(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    query: ValidQuery<WeeklyReportQuery>,
) -> ApiResult<web::Json<WeeklyReportPage>> {
    caller.require(&READERS)?;
    let cursor = page.0.cursor()?;
    let q = query.0;
    let week = q
        .week
        .as_deref()
        .map(|w| parse_week("week", w))
        .transpose()?;
    let (items, next_cursor) = state
        .analytic(move |conn| {
            let units = match q.unit_id {
                Some(u) => Some(subtree_units(conn, &[u])?),
                None => None,
            };
            let filter = Filter {
                updated_since: since.0.updated_since,
                units,
                week_start: week.map(|w| w.start()),
                status: q.status,
            };
            let rows = Row::list(conn, &caller, &filter, cursor)?;
            let (rows, next) = cursor.finish(rows, |r| r.id);
            Ok((Row::present(conn, rows)?, next))
        })
        .await?;
    Ok(web::Json(WeeklyReportPage { items, next_cursor }))
}

/// Create the weekly report of a unit for a week, with its figures filled in from the subtree's
/// data (the unit's supervisor or a manager above). One per unit and week.
#[utoipa::path(tag = "weekly-reports", operation_id = "create_weekly_report", request_body = CreateWeeklyReport,
    responses((status = 201, description = "Created as a draft, figures filled in", body = WeeklyReport)))]
#[post("/weekly-reports")]
pub async fn create_weekly_report(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateWeeklyReport>,
) -> ApiResult<HttpResponse> {
    caller.require(&WRITERS)?;
    let b = body.0;
    let given = b
        .week
        .as_deref()
        .map(|w| parse_week("week", w))
        .transpose()?;
    let now = state.clock.now();
    let report = state
        .write(move |conn| {
            let known: bool = diesel::select(diesel::dsl::exists(
                org_units::table.filter(org_units::id.eq(b.unit_id)),
            ))
            .get_result(conn)?;
            if !known || !caller.reach.covers_unit(b.unit_id) {
                return Err(ApiError::invalid("unit_id", "no such unit in your reach"));
            }
            let settings = StoredSettings::load(conn)?.settings;
            let today = business_day(&settings, now);
            let week = given.unwrap_or_else(|| IsoWeek::of(today - chrono::Duration::days(7)));
            if week.start() > today {
                return Err(ApiError::invalid("week", "cannot be a week still to come"));
            }
            if Row::exists(conn, b.unit_id, week.start())? {
                return Err(ApiError::conflict(format!(
                    "the unit already has a weekly report for {week}"
                )));
            }
            let figures =
                db::analytic(conn, |conn| compute(conn, &settings, b.unit_id, week, now))?;
            let id = Id::new();
            diesel::insert_into(wr::table)
                .values((
                    wr::id.eq(id),
                    wr::org_unit_id.eq(b.unit_id),
                    wr::iso_week.eq(week.label()),
                    wr::week_start.eq(week.start()),
                    wr::week_end.eq(week.end()),
                    wr::author_id.eq(caller.user_id),
                    wr::status.eq(WeeklyStatus::Draft.as_str()),
                    wr::figures.eq(stored(&figures)?),
                    wr::figures_at.eq(now),
                    wr::competitor_dynamics.eq(&b.competitor_dynamics),
                    wr::abnormal_customer_handling.eq(&b.abnormal_customer_handling),
                    wr::next_week_goals.eq(&b.next_week_goals),
                    wr::next_week_plans.eq(&b.next_week_plans),
                    wr::due_at.eq(due_at(&settings, week)),
                    wr::created_at.eq(now),
                    wr::updated_at.eq(now),
                ))
                .execute(conn)?;
            let report = Row::view(conn, id)?;
            events::changed(conn, now, "weekly_report.created", &report)?;
            Ok(report)
        })
        .await?;
    Ok(with_etag(StatusCode::CREATED, &report, report.version))
}

/// Get a weekly report with its figures and narrative.
#[utoipa::path(tag = "weekly-reports", operation_id = "get_weekly_report", params(("id" = Id, Path)),
    responses((status = 200, description = "The weekly report", body = WeeklyReport)))]
#[get("/weekly-reports/{id}")]
pub async fn get_weekly_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    caller.require(&READERS)?;
    let id = id.into_inner();
    let report = state
        .analytic(move |conn| {
            Row::find_in_reach(conn, &caller, id)?;
            Row::view(conn, id)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &report, report.version))
}

/// Change the narrative of a draft or returned weekly report (`If-Match`).
#[utoipa::path(tag = "weekly-reports", operation_id = "update_weekly_report", request_body = UpdateWeeklyReport,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The report's ETag")),
    responses((status = 200, description = "The changed weekly report", body = WeeklyReport)))]
#[patch("/weekly-reports/{id}")]
pub async fn update_weekly_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<UpdateWeeklyReport>,
) -> ApiResult<HttpResponse> {
    caller.require(&WRITERS)?;
    let id = id.into_inner();
    let b = body.0;
    let now = state.clock.now();
    let report = state
        .write(move |conn| {
            let row = for_writer(conn, &caller, id)?;
            if_match.check(row.version)?;
            require_open(&row, "edited")?;
            diesel::update(wr::table.find(id))
                .set((
                    wr::competitor_dynamics.eq(b.competitor_dynamics.or(row.competitor_dynamics)),
                    wr::abnormal_customer_handling.eq(b
                        .abnormal_customer_handling
                        .or(row.abnormal_customer_handling)),
                    wr::next_week_goals.eq(b.next_week_goals.or(row.next_week_goals)),
                    wr::next_week_plans.eq(b.next_week_plans.or(row.next_week_plans)),
                    wr::version.eq(wr::version + 1),
                    wr::updated_at.eq(now),
                ))
                .execute(conn)?;
            let report = Row::view(conn, id)?;
            events::changed(conn, now, "weekly_report.updated", &report)?;
            Ok(report)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &report, report.version))
}
