//! `/api/v1/daily-reports`: the day's visit report, submitted (on time or late), then reviewed
//! or returned by a superior. Submitting writes the report's facts; returning removes them.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Deserialize;
use utoipa::IntoParams;
use validator::Validate;

use super::actions;
use super::input::{build_parts, store_parts, CreateDailyReport, PartsInput, UpdateDailyReport};
use super::model::{ReportFilter, ReportRow, ReportStatus};
use super::view::{self, DailyReport, DailyReportSummary};
use crate::auth::{subtree_units, Caller};
use crate::db::{DbConnection, Id};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::date::opt_day;
use crate::http::{with_etag, IfMatch, PageParams, SinceParams, ValidJson, ValidQuery};
use crate::schema::daily_reports as dr;
use crate::settings::model::{Settings, StoredSettings};
use crate::visits::{business_day, FIELD_ROLES, READERS};
use crate::AppState;

crate::page_type!(DailyReportPage, DailyReportSummary);

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_daily_reports)
        .service(create_daily_report)
        .service(get_daily_report)
        .service(update_daily_report)
        .service(actions::submit_daily_report)
        .service(actions::review_daily_report)
        .service(actions::return_daily_report);
}

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DailyReportQuery {
    pub owner_id: Option<Id>,
    /// Reports of the people now in this unit's subtree (records follow the person).
    pub unit_id: Option<Id>,
    #[serde(default, deserialize_with = "opt_day")]
    pub from: Option<NaiveDate>,
    #[serde(default, deserialize_with = "opt_day")]
    pub to: Option<NaiveDate>,
    pub status: Option<ReportStatus>,
    pub late: Option<bool>,
    /// Only submitted reports that wait for your review.
    pub awaiting_me: Option<bool>,
}

pub(super) fn show(conn: &mut DbConnection, settings: &Settings, id: Id) -> ApiResult<DailyReport> {
    let row = ReportRow::find(conn, id)?;
    Ok(view::present(conn, settings, row)?)
}

/// List daily reports in your reach (figures only; get one for its visits).
#[utoipa::path(tag = "daily-reports", operation_id = "list_daily_reports", params(PageParams, SinceParams, DailyReportQuery),
    responses((status = 200, description = "A page of daily reports", body = DailyReportPage)))]
#[get("/daily-reports")]
pub async fn list_daily_reports(
    state: web::Data<AppState>,
    caller: Caller,
    page: ValidQuery<PageParams>,
    since: ValidQuery<SinceParams>,
    query: ValidQuery<DailyReportQuery>,
) -> ApiResult<web::Json<DailyReportPage>> {
    caller.require(&READERS)?;
    let cursor = page.0.cursor()?;
    let q = query.0;
    let (items, next_cursor) = state
        .analytic(move |conn| {
            let units = match q.unit_id {
                Some(u) => Some(subtree_units(conn, &[u])?),
                None => None,
            };
            let filter = ReportFilter {
                updated_since: since.0.updated_since,
                owner_id: q.owner_id,
                units,
                from: q.from,
                to: q.to,
                status: q.status,
                late: q.late,
                awaiting_me: q.awaiting_me.unwrap_or(false),
            };
            let rows = ReportRow::list(conn, &caller, &filter, cursor)?;
            let (rows, next) = cursor.finish(rows, |r| r.id);
            Ok((view::summaries(conn, rows)?, next))
        })
        .await?;
    Ok(web::Json(DailyReportPage { items, next_cursor }))
}

/// Write your report for a day (one per person and day; a second is 409).
#[utoipa::path(tag = "daily-reports", operation_id = "create_daily_report", request_body = CreateDailyReport,
    responses((status = 201, description = "The draft report", body = DailyReport)))]
#[post("/daily-reports")]
pub async fn create_daily_report(
    state: web::Data<AppState>,
    caller: Caller,
    body: ValidJson<CreateDailyReport>,
) -> ApiResult<HttpResponse> {
    caller.require(&FIELD_ROLES)?;
    let body = body.0;
    let now = state.clock.now();
    let report = state
        .write(move |conn| {
            let settings = StoredSettings::load(conn)?.settings;
            let today = business_day(&settings, now);
            let day = body.report_date.unwrap_or(today);
            if day > today {
                return Err(ApiError::invalid("report_date", "cannot be in the future"));
            }
            if let Some(existing) = ReportRow::of_day(conn, caller.user_id, day)? {
                return Err(ApiError::duplicate(
                    "report_date",
                    format!("you already have a report for {day} ({})", existing.id),
                ));
            }
            let id = Id::new();
            let parts = build_parts(
                conn,
                &caller,
                caller.user_id,
                id,
                day,
                &settings,
                PartsInput {
                    visits: Some(&body.visits),
                    expenses: Some(&body.expenses),
                    competitor_info: Some(&body.competitor_info),
                },
            )?;
            let row: ReportRow =
                crate::per_backend!(&mut *conn, |c| diesel::insert_into(dr::table)
                    .values((
                        dr::id.eq(id),
                        dr::owner_id.eq(caller.user_id),
                        dr::org_unit_id.eq(caller.org_unit_id),
                        dr::report_date.eq(day),
                        dr::attendance.eq(body.attendance.as_str()),
                        dr::status.eq(ReportStatus::Draft.as_str()),
                        dr::experience_notes.eq(&body.experience_notes),
                        dr::tomorrow_focus.eq(&body.tomorrow_focus),
                        dr::created_at.eq(now),
                        dr::updated_at.eq(now),
                    ))
                    .returning(ReportRow::as_returning())
                    .get_result(c))?;
            let written = parts.written();
            store_parts(conn, id, true, parts)?;
            let report = view::present_with(conn, &settings, row, written)?;
            events::changed(conn, now, "daily_report.created", &report)?;
            Ok(report)
        })
        .await?;
    Ok(with_etag(StatusCode::CREATED, &report, report.version))
}

/// Get a daily report with its visits, plan vs actual and achievement.
#[utoipa::path(tag = "daily-reports", operation_id = "get_daily_report", params(("id" = Id, Path)),
    responses((status = 200, description = "The report", body = DailyReport)))]
#[get("/daily-reports/{id}")]
pub async fn get_daily_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
) -> ApiResult<HttpResponse> {
    caller.require(&READERS)?;
    let id = id.into_inner();
    let report = state
        .db(move |conn| {
            let row = ReportRow::find_in_reach(conn, &caller, id)?;
            let settings = StoredSettings::load(conn)?.settings;
            Ok(view::present(conn, &settings, row)?)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &report, report.version))
}

/// Change your draft or returned report (`If-Match`); lists given replace the stored ones.
#[utoipa::path(tag = "daily-reports", operation_id = "update_daily_report", request_body = UpdateDailyReport,
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The report's ETag")),
    responses((status = 200, description = "The changed report", body = DailyReport)))]
#[patch("/daily-reports/{id}")]
pub async fn update_daily_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: ValidJson<UpdateDailyReport>,
) -> ApiResult<HttpResponse> {
    caller.require(&FIELD_ROLES)?;
    let id = id.into_inner();
    let body = body.0;
    let now = state.clock.now();
    let report = state
        .write(move |conn| {
            let row = ReportRow::find_in_reach(conn, &caller, id)?;
            if row.owner_id != caller.user_id {
                return Err(ApiError::Forbidden(
                    "only the owner changes a report".into(),
                ));
            }
            if_match.check(row.version)?;
            if !row.status().editable() {
                return Err(ApiError::illegal_state(
                    format!("a {} report is not edited", row.status),
                    row.status,
                ));
            }
            let settings = StoredSettings::load(conn)?.settings;
            let parts = build_parts(
                conn,
                &caller,
                row.owner_id,
                id,
                row.report_date,
                &settings,
                PartsInput {
                    visits: body.visits.as_deref(),
                    expenses: body.expenses.as_deref(),
                    competitor_info: body.competitor_info.as_deref(),
                },
            )?;
            if !ReportRow::bump(conn, id, row.version, now)? {
                return Err(ApiError::PreconditionFailed(
                    "the report changed meanwhile".into(),
                ));
            }
            diesel::update(dr::table.find(id))
                .set((
                    dr::attendance.eq(body
                        .attendance
                        .map(|a| a.as_str())
                        .unwrap_or(&row.attendance)),
                    dr::experience_notes.eq(body
                        .experience_notes
                        .as_ref()
                        .map_or(row.experience_notes.as_ref(), Option::as_ref)),
                    dr::tomorrow_focus.eq(body
                        .tomorrow_focus
                        .as_ref()
                        .map_or(row.tomorrow_focus.as_ref(), Option::as_ref)),
                ))
                .execute(conn)?;
            store_parts(conn, id, false, parts)?;
            let report = show(conn, &settings, id)?;
            events::changed(conn, now, "daily_report.updated", &report)?;
            Ok(report)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &report, report.version))
}
