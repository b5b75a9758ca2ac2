//! The workflow steps of a daily report: submit (writing its facts), review, return (removing
//! them), each with `If-Match`.

use actix_web::http::StatusCode;
use actix_web::{post, web, HttpResponse};
use diesel::prelude::*;

use super::api::show;
use super::facts;
use super::input::ReportDecision;
use super::model::{Parts, ReportRow, ReportStatus};
use super::view::DailyReport;
use crate::alerts;
use crate::auth::Caller;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::events;
use crate::http::{with_etag, IfMatch};
use crate::schema::daily_reports as dr;
use crate::settings::model::{Settings, StoredSettings};
use crate::visits::{report_due_at, signs_for, READERS};
use crate::AppState;

#[derive(Clone, Copy)]
enum Step {
    Submit,
    Review,
    Return,
}

/// Moves the report to its next state and keeps its facts in step with it.
fn apply(
    conn: &mut DbConnection,
    caller: &Caller,
    row: &ReportRow,
    step: Step,
    d: &ReportDecision,
    now: Timestamp,
) -> ApiResult<Settings> {
    let settings = StoredSettings::load(conn)?.settings;
    let next = match (step, row.status()) {
        (Step::Submit, s) if s.editable() => ReportStatus::Submitted,
        (Step::Review, ReportStatus::Submitted) => ReportStatus::Reviewed,
        (Step::Return, ReportStatus::Submitted) => ReportStatus::Returned,
        _ => {
            return Err(ApiError::illegal_state(
                format!("this step is not possible on a {} report", row.status),
                row.status.clone(),
            ))
        }
    };
    let comment =
        match step {
            Step::Submit => None,
            _ => Some(d.comment.clone().ok_or_else(|| {
                ApiError::invalid("comment", "a review or return needs a comment")
            })?),
        };
    let score = match step {
        Step::Review => Some(d.quality_score.ok_or_else(|| {
            ApiError::invalid("quality_score", "give a quality score from 1 to 5")
        })?),
        _ => row.quality_score,
    };
    let first = row
        .first_submitted_at
        .or(matches!(step, Step::Submit).then_some(now));
    // Timeliness is decided by the first submission; a re-submission after a return keeps it.
    let late = match (row.first_submitted_at, step) {
        (None, Step::Submit) => now > report_due_at(&settings, row.report_date),
        _ => row.late,
    };
    let is = |s: Step| std::mem::discriminant(&s) == std::mem::discriminant(&step);
    let n = diesel::update(
        dr::table
            .filter(dr::id.eq(row.id))
            .filter(dr::version.eq(row.version)),
    )
    .set((
        dr::status.eq(next.as_str()),
        dr::first_submitted_at.eq(first),
        dr::submitted_at.eq(if is(Step::Submit) {
            Some(now)
        } else {
            row.submitted_at
        }),
        dr::late.eq(late),
        dr::reviewed_by.eq(if is(Step::Review) {
            Some(caller.user_id)
        } else {
            row.reviewed_by
        }),
        dr::reviewed_at.eq(if is(Step::Review) {
            Some(now)
        } else {
            row.reviewed_at
        }),
        dr::review_comment.eq(if is(Step::Review) {
            comment.clone()
        } else {
            row.review_comment.clone()
        }),
        dr::quality_score.eq(score),
        dr::returned_by.eq(if is(Step::Return) {
            Some(caller.user_id)
        } else {
            row.returned_by
        }),
        dr::returned_at.eq(if is(Step::Return) {
            Some(now)
        } else {
            row.returned_at
        }),
        dr::return_comment.eq(if is(Step::Return) {
            comment
        } else {
            row.return_comment.clone()
        }),
        dr::version.eq(dr::version + 1),
        dr::updated_at.eq(now),
    ))
    .execute(conn)?;
    if n == 0 {
        return Err(ApiError::PreconditionFailed(
            "the report changed meanwhile".into(),
        ));
    }
    let Parts {
        visits,
        order_lines,
        ..
    } = Parts::load(conn, row.id)?;
    match step {
        Step::Submit => {
            facts::write_facts(conn, row, &visits, &order_lines, now)?;
            facts::activate_prospects(conn, row.report_date, &visits, now)?;
        }
        Step::Return => {
            facts::delete_facts(conn, &visits, &order_lines, now)?;
            facts::revert_activations(conn, row.report_date, &visits, now)?;
        }
        Step::Review => {}
    }
    Ok(settings)
}

async fn step(
    state: web::Data<AppState>,
    caller: Caller,
    id: Id,
    if_match: IfMatch,
    d: ReportDecision,
    step: Step,
) -> ApiResult<HttpResponse> {
    caller.require(&READERS)?;
    let now = state.clock.now();
    let report = state
        .write(move |conn| {
            let row = ReportRow::find_in_reach(conn, &caller, id)?;
            match step {
                Step::Submit if row.owner_id != caller.user_id => {
                    return Err(ApiError::Forbidden(
                        "only the owner submits a report".into(),
                    ))
                }
                Step::Review | Step::Return if !signs_for(conn, &caller, row.owner_id)? => {
                    return Err(ApiError::Forbidden(
                        "a report is reviewed by a supervisor or manager above its owner".into(),
                    ))
                }
                _ => {}
            }
            if_match.check(row.version)?;
            let settings = apply(conn, &caller, &row, step, &d, now)?;
            let report = show(conn, &settings, id)?;
            let (event, title, told) = match step {
                Step::Submit => (
                    "daily_report.submitted",
                    format!(
                        "Daily report for {}{} waits for your review",
                        report.report_date,
                        if report.late { " (late)" } else { "" }
                    ),
                    alerts::chain_of_person(conn, row.owner_id)?
                        .into_iter()
                        .take(1)
                        .collect::<Vec<_>>(),
                ),
                Step::Review => (
                    "daily_report.reviewed",
                    format!("Your daily report for {} was reviewed", report.report_date),
                    vec![row.owner_id],
                ),
                Step::Return => (
                    "daily_report.returned",
                    format!("Your daily report for {} was returned", report.report_date),
                    vec![row.owner_id],
                ),
            };
            events::changed_and_notify(conn, now, event, &report, &title, &told)?;
            Ok(report)
        })
        .await?;
    Ok(with_etag(StatusCode::OK, &report, report.version))
}

crate::step_handlers!("daily-reports", ReportDecision, DailyReport, "The report's ETag", "The report after the step";
    (submit_daily_report, "/daily-reports/{id}/submit", "submit_daily_report", Step::Submit, "Submit your draft or returned report (`If-Match`, `Idempotency-Key`). After the day's cutoff it is `late`. Its orders and collections become `report` facts (replacing any of its earlier ones), and a `new_customer_development` visit with an order activates a prospect."),
    (review_daily_report, "/daily-reports/{id}/review", "review_daily_report", Step::Review, "Review a submitted report with a `comment` and a `quality_score` 1-5 (a supervisor or manager above the owner; `If-Match`)."),
    (return_daily_report, "/daily-reports/{id}/return", "return_daily_report", Step::Return, "Return a submitted report with a `comment` (a supervisor or manager above the owner; `If-Match`). Its facts stop counting until it is submitted again."),
);
