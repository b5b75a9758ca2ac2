//! A report as the API shows it: its parts, its totals, the plan against what was done, and the
//! day's and month-to-date achievement against the owner's targets (`achievement.rs`).

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::achievement::{achievement, Achievement};
use super::model::{
    Attendance, CompetitorInfoRow, ExpenseRow, Parts, ReportRow, ReportStatus, VisitRow,
};
use super::orders::OrderLineRow;
use crate::db::{DbConnection, Id, Timestamp};
use crate::schema::planned_visits;
use crate::settings::model::Settings;
use crate::visits::plans::model::PlanRow;
use crate::visits::report_due_at;

/// Sums of a report's visits and expenses.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ReportTotals {
    pub visits: i64,
    pub effective_visits: i64,
    pub order_amount_minor: i64,
    /// The part of `order_amount_minor` given as amounts without order lines: it counts
    /// toward sales, but toward no category target and no gross profit.
    pub order_amount_without_lines_minor: i64,
    pub collected_amount_minor: i64,
    pub expenses_minor: i64,
}

/// The day's plan against the visits made.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanVsActual {
    /// The owner's plan for the day, if there is one.
    pub plan_id: Option<Id>,
    pub plan_status: Option<String>,
    pub planned: i64,
    /// Planned visits a visit of the report fulfils.
    pub done: i64,
    /// Planned visits nobody fulfilled.
    pub missed: i64,
    /// Visits made without a planned visit.
    pub unplanned: i64,
    pub missed_planned_visit_ids: Vec<Id>,
}

/// A visit of a report with its order lines.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportVisit {
    #[serde(flatten)]
    pub visit: VisitRow,
    /// What was ordered; empty for an order given as an amount only (or no order).
    pub order_lines: Vec<OrderLineRow>,
}

/// A daily report with everything a supervisor needs to review it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DailyReport {
    pub id: Id,
    pub owner_id: Id,
    /// The owner's unit when the report was made (history only: reach, review and the `unit_id`
    /// filter follow the owner's current unit).
    pub org_unit_id: Id,
    pub report_date: NaiveDate,
    pub attendance: Attendance,
    pub status: ReportStatus,
    /// When the report is due: the day's cutoff in the company time zone.
    pub due_at: Timestamp,
    /// First submitted after `due_at`.
    pub late: bool,
    pub first_submitted_at: Option<Timestamp>,
    pub submitted_at: Option<Timestamp>,
    pub visits: Vec<ReportVisit>,
    pub expenses: Vec<ExpenseRow>,
    pub competitor_info: Vec<CompetitorInfoRow>,
    pub experience_notes: Option<String>,
    pub tomorrow_focus: Option<String>,
    pub totals: ReportTotals,
    pub plan_vs_actual: PlanVsActual,
    pub achievement: Vec<Achievement>,
    pub reviewed_by: Option<Id>,
    pub reviewed_at: Option<Timestamp>,
    pub review_comment: Option<String>,
    /// 1 (poor) to 5 (excellent), given by the reviewer.
    pub quality_score: Option<i32>,
    pub returned_by: Option<Id>,
    pub returned_at: Option<Timestamp>,
    pub return_comment: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A report in a list: its figures without its parts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DailyReportSummary {
    pub id: Id,
    pub owner_id: Id,
    /// The owner's unit when the report was made (history only: reach, review and the `unit_id`
    /// filter follow the owner's current unit).
    pub org_unit_id: Id,
    pub report_date: NaiveDate,
    pub attendance: Attendance,
    pub status: ReportStatus,
    pub late: bool,
    pub first_submitted_at: Option<Timestamp>,
    pub submitted_at: Option<Timestamp>,
    pub totals: ReportTotals,
    pub quality_score: Option<i32>,
    pub version: i64,
    pub updated_at: Timestamp,
}

fn totals(parts: &Parts) -> ReportTotals {
    let lined = |v: &&VisitRow| parts.order_lines.iter().any(|l| l.visit_id == v.id);
    ReportTotals {
        visits: parts.visits.len() as i64,
        effective_visits: parts.visits.iter().filter(|v| v.effective).count() as i64,
        order_amount_minor: parts.visits.iter().map(|v| v.order_amount_minor).sum(),
        order_amount_without_lines_minor: parts
            .visits
            .iter()
            .filter(|v| !lined(v))
            .map(|v| v.order_amount_minor)
            .sum(),
        collected_amount_minor: parts.visits.iter().map(|v| v.collected_amount_minor).sum(),
        expenses_minor: parts.expenses.iter().map(|e| e.amount_minor).sum(),
    }
}

fn plan_vs_actual(
    conn: &mut DbConnection,
    row: &ReportRow,
    visits: &[VisitRow],
) -> QueryResult<PlanVsActual> {
    let plan = PlanRow::of_day(conn, row.owner_id, row.report_date)?;
    let planned: Vec<Id> = match &plan {
        Some(p) => planned_visits::table
            .filter(planned_visits::plan_id.eq(p.id))
            .order(planned_visits::position)
            .select(planned_visits::id)
            .load(conn)?,
        None => Vec::new(),
    };
    let done: Vec<Id> = visits.iter().filter_map(|v| v.planned_visit_id).collect();
    let missed: Vec<Id> = planned
        .iter()
        .copied()
        .filter(|p| !done.contains(p))
        .collect();
    Ok(PlanVsActual {
        plan_id: plan.as_ref().map(|p| p.id),
        plan_status: plan.map(|p| p.status),
        planned: planned.len() as i64,
        done: (planned.len() - missed.len()) as i64,
        missed: missed.len() as i64,
        unplanned: visits
            .iter()
            .filter(|v| v.planned_visit_id.is_none())
            .count() as i64,
        missed_planned_visit_ids: missed,
    })
}

/// Each visit with its lines.
fn with_lines(visits: Vec<VisitRow>, lines: Vec<OrderLineRow>) -> Vec<ReportVisit> {
    let mut by_visit: std::collections::HashMap<Id, Vec<OrderLineRow>> = Default::default();
    for l in lines {
        by_visit.entry(l.visit_id).or_default().push(l);
    }
    visits
        .into_iter()
        .map(|visit| ReportVisit {
            order_lines: by_visit.remove(&visit.id).unwrap_or_default(),
            visit,
        })
        .collect()
}

/// Shows a report whole.
pub fn present(
    conn: &mut DbConnection,
    settings: &Settings,
    row: ReportRow,
) -> QueryResult<DailyReport> {
    let parts = Parts::load(conn, row.id)?;
    present_with(conn, settings, row, parts)
}

/// [`present`] with the report's parts at hand (a report just written).
pub fn present_with(
    conn: &mut DbConnection,
    settings: &Settings,
    row: ReportRow,
    parts: Parts,
) -> QueryResult<DailyReport> {
    let plan_vs_actual = plan_vs_actual(conn, &row, &parts.visits)?;
    let achievement = achievement(conn, settings, row.owner_id, row.report_date)?;
    Ok(DailyReport {
        totals: totals(&parts),
        due_at: report_due_at(settings, row.report_date),
        id: row.id,
        owner_id: row.owner_id,
        org_unit_id: row.org_unit_id,
        report_date: row.report_date,
        attendance: Attendance::parse(&row.attendance),
        status: ReportStatus::parse(&row.status),
        late: row.late,
        first_submitted_at: row.first_submitted_at,
        submitted_at: row.submitted_at,
        visits: with_lines(parts.visits, parts.order_lines),
        expenses: parts.expenses,
        competitor_info: parts.competitor_info,
        experience_notes: row.experience_notes,
        tomorrow_focus: row.tomorrow_focus,
        plan_vs_actual,
        achievement,
        reviewed_by: row.reviewed_by,
        reviewed_at: row.reviewed_at,
        review_comment: row.review_comment,
        quality_score: row.quality_score,
        returned_by: row.returned_by,
        returned_at: row.returned_at,
        return_comment: row.return_comment,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Shows reports in a list, with their totals from two grouped queries.
pub fn summaries(
    conn: &mut DbConnection,
    rows: Vec<ReportRow>,
) -> QueryResult<Vec<DailyReportSummary>> {
    use crate::schema::report_expenses as re;
    let ids: Vec<Id> = rows.iter().map(|r| r.id).collect();
    let counts = super::model::visit_counts(conn, &ids)?;
    let expenses: Vec<(Id, i64)> = re::table
        .filter(re::report_id.eq_any(&ids))
        .group_by(re::report_id)
        .select((
            re::report_id,
            sql::<BigInt>("CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT)"),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let c = counts.iter().find(|c| c.0 == r.id);
            DailyReportSummary {
                totals: ReportTotals {
                    visits: c.map(|c| c.1).unwrap_or(0),
                    effective_visits: c.map(|c| c.2).unwrap_or(0),
                    order_amount_minor: c.map(|c| c.3).unwrap_or(0),
                    order_amount_without_lines_minor: c.map(|c| c.5).unwrap_or(0),
                    collected_amount_minor: c.map(|c| c.4).unwrap_or(0),
                    expenses_minor: expenses
                        .iter()
                        .find(|e| e.0 == r.id)
                        .map(|e| e.1)
                        .unwrap_or(0),
                },
                id: r.id,
                owner_id: r.owner_id,
                org_unit_id: r.org_unit_id,
                report_date: r.report_date,
                attendance: Attendance::parse(&r.attendance),
                status: ReportStatus::parse(&r.status),
                late: r.late,
                first_submitted_at: r.first_submitted_at,
                submitted_at: r.submitted_at,
                quality_score: r.quality_score,
                version: r.version,
                updated_at: r.updated_at,
            }
        })
        .collect())
}

crate::mirrored!(DailyReport, "daily_report", |r| crate::events::Scope {
    owner: Some(r.owner_id),
    ..Default::default()
});
