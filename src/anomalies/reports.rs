//! The daily process: daily reports missing or late, visit plans unsigned past their day, and
//! reports waiting too long for review. Executives do not get these (see
//! `AnomalyKind::is_process`).

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;

use super::model::{
    Anomaly, AnomalyFigures, AnomalyKind, LateReportFigures, MissingReportFigures,
    UnreviewedReportFigures, UnsignedPlanFigures,
};
use super::scope::{of_people, sellers, Ctx};
use crate::alerts::Severity;
use crate::db::{DbConnection, Id, MultiBackend, Timestamp};
use crate::schema::{daily_reports as dr, visit_plans as vp};
use crate::visits::plans::model::PlanStatus;
use crate::visits::{report_due_at, working_days};

/// The first day looked at: `report_lookback_days` before today.
fn first_day(ctx: &Ctx) -> NaiveDate {
    ctx.today - Duration::days(i64::from(ctx.settings.anomalies.report_lookback_days))
}

/// Working days of the window whose cutoff has passed, without a submitted report (or an
/// attendance that excuses it), for each active salesperson in scope.
pub fn missing(conn: &mut DbConnection, ctx: &Ctx) -> QueryResult<Vec<Anomaly>> {
    let days: Vec<NaiveDate> = working_days(ctx.settings, first_day(ctx), ctx.today)
        .into_iter()
        .filter(|d| ctx.now > report_due_at(ctx.settings, *d))
        .collect();
    let (Some(from), Some(to)) = (days.first().copied(), days.last().copied()) else {
        return Ok(Vec::new());
    };
    let people = sellers(conn, ctx.scope)?;
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = dr::table
        .filter(dr::report_date.between(from, to))
        .select((
            dr::owner_id,
            dr::report_date,
            dr::id,
            dr::first_submitted_at
                .is_not_null()
                .or(dr::attendance.ne("present")),
        ))
        .into_boxed::<MultiBackend>();
    of_people!(q, dr::owner_id, ctx.scope);
    let mut settled = HashSet::new();
    let mut drafts = HashMap::new();
    for (owner, day, id, done) in q.load::<(Id, NaiveDate, Id, bool)>(conn)? {
        if done {
            settled.insert((owner, day));
        } else {
            drafts.insert((owner, day), id);
        }
    }
    let mut out = Vec::new();
    for p in &people {
        for d in days.iter().filter(|d| p.hired_on.is_none_or(|h| **d >= h)) {
            if settled.contains(&(p.id, *d)) {
                continue;
            }
            let draft = drafts.get(&(p.id, *d)).copied();
            let link = match draft {
                Some(r) => format!("/api/v1/daily-reports/{r}"),
                None => format!("/api/v1/daily-reports?owner_id={}&from={d}&to={d}", p.id),
            };
            let due_at = report_due_at(ctx.settings, *d);
            let figures = AnomalyFigures::MissingReport(MissingReportFigures {
                kind: AnomalyKind::DailyReportMissing,
                report_date: *d,
                due_at,
                draft_report_id: draft,
            });
            out.push(
                Anomaly::new(
                    Severity::Medium,
                    due_at,
                    &format!("{}:{d}", p.id),
                    link,
                    figures,
                )
                .person(p.id)
                .unit(p.org_unit_id),
            );
        }
    }
    Ok(out)
}

/// Reports of the window submitted after their cutoff and not reviewed yet.
pub fn late(conn: &mut DbConnection, ctx: &Ctx) -> QueryResult<Vec<Anomaly>> {
    let mut q = dr::table
        .filter(dr::report_date.between(first_day(ctx), ctx.today))
        .filter(dr::late.eq(true))
        .filter(dr::status.eq("submitted"))
        .filter(dr::first_submitted_at.is_not_null())
        .select((
            dr::id,
            dr::owner_id,
            dr::report_date,
            dr::first_submitted_at,
        ))
        .into_boxed::<MultiBackend>();
    of_people!(q, dr::owner_id, ctx.scope);
    let rows: Vec<(Id, Id, NaiveDate, Option<Timestamp>)> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, owner, day, first)| {
            let first = first?;
            let due_at = report_due_at(ctx.settings, day);
            let figures = AnomalyFigures::LateReport(LateReportFigures {
                kind: AnomalyKind::DailyReportLate,
                report_id: id,
                report_date: day,
                due_at,
                first_submitted_at: first,
                minutes_late: (first.0 - due_at.0).num_minutes().max(0),
            });
            let link = format!("/api/v1/daily-reports/{id}");
            Some(Anomaly::new(Severity::Low, due_at, &id.to_string(), link, figures).person(owner))
        })
        .collect())
}

/// Submitted reports waiting longer than `review_wait_hours` for review.
pub fn unreviewed(conn: &mut DbConnection, ctx: &Ctx) -> QueryResult<Vec<Anomaly>> {
    let wait = ctx.settings.anomalies.review_wait_hours;
    let before = Timestamp(ctx.now.0 - Duration::hours(i64::from(wait)));
    let mut q = dr::table
        .filter(dr::status.eq("submitted"))
        .filter(dr::submitted_at.le(before))
        .select((dr::id, dr::owner_id, dr::report_date, dr::submitted_at))
        .into_boxed::<MultiBackend>();
    of_people!(q, dr::owner_id, ctx.scope);
    let rows: Vec<(Id, Id, NaiveDate, Option<Timestamp>)> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, owner, day, submitted)| {
            let submitted = submitted?;
            let figures = AnomalyFigures::UnreviewedReport(UnreviewedReportFigures {
                kind: AnomalyKind::DailyReportUnreviewed,
                report_id: id,
                report_date: day,
                submitted_at: submitted,
                hours_waiting: (ctx.now.0 - submitted.0).num_hours(),
                review_wait_hours: wait,
            });
            let link = format!("/api/v1/daily-reports/{id}");
            Some(
                Anomaly::new(Severity::Low, submitted, &id.to_string(), link, figures)
                    .person(owner),
            )
        })
        .collect())
}

/// Plans of the window whose day is over and that nobody approved: medium while a signature is
/// awaited (submitted), low when the owner never submitted (draft, returned).
pub fn unsigned(conn: &mut DbConnection, ctx: &Ctx) -> QueryResult<Vec<Anomaly>> {
    let yesterday = ctx.today - Duration::days(1);
    let mut q = vp::table
        .filter(vp::plan_date.between(first_day(ctx), yesterday))
        .filter(vp::status.ne(PlanStatus::Approved.as_str()))
        .select((
            vp::id,
            vp::owner_id,
            vp::plan_date,
            vp::status,
            vp::submitted_at,
            vp::visit_count,
        ))
        .into_boxed::<MultiBackend>();
    of_people!(q, vp::owner_id, ctx.scope);
    let rows: Vec<(Id, Id, NaiveDate, String, Option<Timestamp>, i64)> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, owner, day, status, submitted_at, planned_visits)| {
            let status = PlanStatus::parse(&status);
            let severity = if status == PlanStatus::Submitted {
                Severity::Medium
            } else {
                Severity::Low
            };
            // Past its day from the first instant of the next.
            let since = super::day_start(ctx.settings, day + Duration::days(1));
            let figures = AnomalyFigures::UnsignedPlan(UnsignedPlanFigures {
                kind: AnomalyKind::VisitPlanUnsigned,
                plan_id: id,
                plan_date: day,
                status,
                submitted_at,
                planned_visits,
            });
            let link = format!("/api/v1/visit-plans/{id}");
            Anomaly::new(severity, since, &id.to_string(), link, figures).person(owner)
        })
        .collect())
}
