//! The workflow of a weekly report: refresh (while open), submit (figures frozen, late after
//! the cutoff), review and return (the manager above).

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use diesel::prelude::*;

use super::api::{for_writer, managers_above, require_open, WeeklyReviewAction};
use super::figures::compute;
use super::model::{set_figures, Row, WeeklyReport, WeeklyStatus};
use super::{IsoWeek, WRITERS};
use crate::auth::Caller;
use crate::db::{self, DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::input::OptionalJson;
use crate::http::{with_etag, IfMatch};
use crate::schema::weekly_reports as wr;
use crate::settings::model::StoredSettings;
use crate::AppState;

/// Recomputes the figures of an open report (refresh and submit).
fn recompute(conn: &mut DbConnection, row: &Row, now: Timestamp) -> ApiResult<()> {
    let settings = StoredSettings::load(conn)?.settings;
    let week = IsoWeek::parse(&row.iso_week)
        .ok_or_else(|| anyhow::anyhow!("stored week {} is unreadable", row.iso_week))?;
    let figures = db::analytic(conn, |conn| {
        compute(conn, &settings, row.org_unit_id, week, now)
    })?;
    if !set_figures(conn, row.id, row.version, &figures, now)? {
        return Err(ApiError::PreconditionFailed(
            "the weekly report changed meanwhile".into(),
        ));
    }
    Ok(())
}

/// Recompute the figures of a draft or returned weekly report from the current data (`If-Match`).
#[utoipa::path(tag = "weekly-reports", operation_id = "refresh_weekly_report",
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The report's ETag")),
    responses((status = 200, description = "The report with fresh figures", body = WeeklyReport)))]
#[post("/weekly-reports/{id}/refresh")]
pub async fn refresh_weekly_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    caller.require(&WRITERS)?;
    let id = id.into_inner();
    let now = state.clock.now();
    let report = state
        .write(move |conn| {
            let row = for_writer(conn, &caller, id)?;
            if_match.check(row.version)?;
            require_open(&row, "refreshed")?;
            recompute(conn, &row, now)?;
            let report = Row::view(conn, id)?;
            events::changed(conn, now, "weekly_report.updated", &report)?;
            Ok(report)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &report, report.version))
}

/// Submit a weekly report (`If-Match`): its figures are taken once more and frozen; after the
/// Monday cutoff the report is marked late (decided by the first submission). The manager above
/// is notified.
#[utoipa::path(tag = "weekly-reports", operation_id = "submit_weekly_report",
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The report's ETag")),
    responses((status = 200, description = "The submitted report", body = WeeklyReport)))]
#[post("/weekly-reports/{id}/submit")]
pub async fn submit_weekly_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    caller.require(&WRITERS)?;
    let id = id.into_inner();
    let now = state.clock.now();
    let report = state
        .write(move |conn| {
            let row = for_writer(conn, &caller, id)?;
            if_match.check(row.version)?;
            require_open(&row, "submitted")?;
            recompute(conn, &row, now)?;
            let late = match row.first_submitted_at {
                Some(_) => row.late,
                None => now.0 > row.due_at.0,
            };
            diesel::update(wr::table.find(id))
                .set((
                    wr::status.eq(WeeklyStatus::Submitted.as_str()),
                    wr::submitted_at.eq(Some(now)),
                    wr::first_submitted_at.eq(row.first_submitted_at.or(Some(now))),
                    wr::late.eq(late),
                    wr::version.eq(wr::version + 1),
                    wr::updated_at.eq(now),
                ))
                .execute(conn)?;
            let report = Row::view(conn, id)?;
            let reviewer: Vec<Id> = managers_above(conn, &row)?.into_iter().take(1).collect();
            let title = format!(
                "Weekly report {} of {} submitted",
                row.iso_week, report.unit_name
            );
            events::changed_and_notify(
                conn,
                now,
                "weekly_report.submitted",
                &report,
                &title,
                &reviewer,
            )?;
            Ok(report)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &report, report.version))
}

#[derive(Clone, Copy)]
enum Verdict {
    Review,
    Return,
}

/// Reviews or returns a submitted report: a manager above the unit, never its author (and
/// never an executive, who writes nothing).
async fn decide(
    state: web::Data<AppState>,
    caller: Caller,
    id: Id,
    if_match: IfMatch,
    comment: Option<String>,
    verdict: Verdict,
) -> ApiResult<HttpResponse> {
    caller.require(&WRITERS)?;
    if matches!(verdict, Verdict::Return) && comment.is_none() {
        return Err(ApiError::invalid("comment", "say what to change"));
    }
    let now = state.clock.now();
    let report = state
        .write(move |conn| {
            let row = Row::find_in_reach(conn, &caller, id)?;
            let above = managers_above(conn, &row)?;
            if row.author_id == caller.user_id || !above.contains(&caller.user_id) {
                return Err(ApiError::Forbidden(
                    "only a manager above the unit reviews its weekly report".into(),
                ));
            }
            if_match.check(row.version)?;
            if row.status() != WeeklyStatus::Submitted {
                return Err(ApiError::illegal_state(
                    "only a submitted weekly report is reviewed or returned",
                    row.status.clone(),
                ));
            }
            let (event, title) = match verdict {
                Verdict::Review => {
                    diesel::update(wr::table.find(id))
                        .set((
                            wr::status.eq(WeeklyStatus::Reviewed.as_str()),
                            wr::reviewed_by.eq(Some(caller.user_id)),
                            wr::reviewed_at.eq(Some(now)),
                            wr::review_comment.eq(&comment),
                        ))
                        .execute(conn)?;
                    ("weekly_report.reviewed", "reviewed")
                }
                Verdict::Return => {
                    diesel::update(wr::table.find(id))
                        .set((
                            wr::status.eq(WeeklyStatus::Returned.as_str()),
                            wr::returned_by.eq(Some(caller.user_id)),
                            wr::returned_at.eq(Some(now)),
                            wr::return_comment.eq(&comment),
                        ))
                        .execute(conn)?;
                    ("weekly_report.returned", "returned")
                }
            };
            diesel::update(wr::table.find(id))
                .set((wr::version.eq(wr::version + 1), wr::updated_at.eq(now)))
                .execute(conn)?;
            let report = Row::view(conn, id)?;
            let title = format!("Your weekly report {} was {title}", row.iso_week);
            events::changed_and_notify(conn, now, event, &report, &title, &[row.author_id])?;
            Ok(report)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &report, report.version))
}

/// Review a submitted weekly report, with an optional comment (the manager above; `If-Match`).
#[utoipa::path(tag = "weekly-reports", operation_id = "review_weekly_report",
    request_body(content = Option<WeeklyReviewAction>),
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The report's ETag")),
    responses((status = 200, description = "The reviewed report", body = WeeklyReport)))]
#[post("/weekly-reports/{id}/review")]
pub async fn review_weekly_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: OptionalJson<WeeklyReviewAction>,
) -> ApiResult<HttpResponse> {
    let comment = body.0.unwrap_or_default().comment;
    decide(
        state,
        caller,
        id.into_inner(),
        if_match,
        comment,
        Verdict::Review,
    )
    .await
}

/// Return a submitted weekly report with a comment (required) for the author to rework
/// (the manager above; `If-Match`).
#[utoipa::path(tag = "weekly-reports", operation_id = "return_weekly_report",
    request_body(content = Option<WeeklyReviewAction>),
    params(("id" = Id, Path), ("If-Match" = String, Header, description = "The report's ETag")),
    responses((status = 200, description = "The returned report", body = WeeklyReport)))]
#[post("/weekly-reports/{id}/return")]
pub async fn return_weekly_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Id>,
    if_match: IfMatch,
    body: OptionalJson<WeeklyReviewAction>,
) -> ApiResult<HttpResponse> {
    let comment = body.0.unwrap_or_default().comment;
    decide(
        state,
        caller,
        id.into_inner(),
        if_match,
        comment,
        Verdict::Return,
    )
    .await
}
