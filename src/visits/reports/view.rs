//! A report as the API shows it: its parts, its totals, the plan against what was done, and the
//! day's and month-to-date achievement against the owner's targets.

use chrono::{Datelike, Months, NaiveDate};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{
    effective_visits_of, Attendance, CompetitorInfoRow, ExpenseRow, Parts, ReportRow, ReportStatus,
    VisitRow,
};
use crate::db::{DbConnection, Id, Timestamp};
use crate::schema::{payment_facts, planned_visits, sales_facts, targets};
use crate::settings::model::{FactsSource, Settings};
use crate::visits::plans::model::PlanRow;
use crate::visits::{report_due_at, working_days};

/// Sums of a report's visits and expenses.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ReportTotals {
    pub visits: i64,
    pub effective_visits: i64,
    pub order_amount_minor: i64,
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

/// What an achievement line counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AchievementMetric {
    /// Revenue of orders, minor units.
    SalesAmount,
    /// Money collected, minor units.
    Collections,
    /// Effective visits, a count.
    Visits,
}

impl AchievementMetric {
    fn as_str(self) -> &'static str {
        match self {
            AchievementMetric::SalesAmount => "sales_amount",
            AchievementMetric::Collections => "collections",
            AchievementMetric::Visits => "visits",
        }
    }
}

/// The day and the month to date against the owner's monthly target of one metric.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Achievement {
    pub metric: AchievementMetric,
    /// The owner's target for the report's month (absent when none is set).
    pub month_target: Option<i64>,
    /// The month target spread evenly over the month's working days.
    pub day_target: Option<i64>,
    pub day_actual: i64,
    pub month_to_date_actual: i64,
    /// `day_actual / day_target`.
    pub day_achievement: Option<f64>,
    /// `month_to_date_actual / month_target`.
    pub month_to_date_achievement: Option<f64>,
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
    pub visits: Vec<VisitRow>,
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
    ReportTotals {
        visits: parts.visits.len() as i64,
        effective_visits: parts.visits.iter().filter(|v| v.effective).count() as i64,
        order_amount_minor: parts.visits.iter().map(|v| v.order_amount_minor).sum(),
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

fn source(settings: &Settings) -> Option<&'static str> {
    match settings.money_facts_source {
        FactsSource::Report => Some("report"),
        FactsSource::Erp => Some("erp"),
        FactsSource::Both => None,
    }
}

/// Money of one person, `(sales, collections)`, on `day` and from `from` to `day`, counted as
/// the settings say: two queries, one per kind of fact, each summing both windows.
pub fn money(
    conn: &mut DbConnection,
    settings: &Settings,
    owner: Id,
    from: NaiveDate,
    day: NaiveDate,
) -> QueryResult<((i64, i64), (i64, i64))> {
    let window = |column: &str, date: &str| {
        (
            sql::<BigInt>(&format!("CAST(COALESCE(SUM(CASE WHEN {date} = "))
                .bind::<Date, _>(day)
                .sql(&format!(" THEN {column} ELSE 0 END), 0) AS BIGINT)")),
            sql::<BigInt>(&format!("CAST(COALESCE(SUM({column}), 0) AS BIGINT)")),
        )
    };
    let mut s = sales_facts::table
        .filter(sales_facts::salesperson_id.eq(owner))
        .filter(sales_facts::sold_on.between(from, day))
        .select(window("revenue_minor", "sold_on"))
        .into_boxed();
    let mut p = payment_facts::table
        .filter(payment_facts::salesperson_id.eq(owner))
        .filter(payment_facts::paid_on.between(from, day))
        .select(window("amount_minor", "paid_on"))
        .into_boxed();
    if let Some(src) = source(settings) {
        s = s.filter(sales_facts::source.eq(src));
        p = p.filter(payment_facts::source.eq(src));
    }
    let (day_sales, sales) = s.first(conn)?;
    let (day_paid, paid) = p.first(conn)?;
    Ok(((day_sales, day_paid), (sales, paid)))
}

fn ratio(actual: i64, target: Option<i64>) -> Option<f64> {
    target.and_then(|t| crate::progress::model::ratio(actual, t))
}

/// The day's and month-to-date achievement of the report's owner.
pub fn achievement(
    conn: &mut DbConnection,
    settings: &Settings,
    owner: Id,
    day: NaiveDate,
) -> QueryResult<Vec<Achievement>> {
    let month_start = day.with_day(1).unwrap_or(day);
    let month_end = month_start
        .checked_add_months(Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(day);
    let month_targets: Vec<(String, i64)> = targets::table
        .filter(targets::user_id.eq(owner))
        .filter(targets::period_type.eq("month"))
        .filter(targets::period_start.eq(month_start))
        .filter(targets::category.is_null())
        .select((targets::metric, targets::value))
        .load(conn)?;
    let work_days = working_days(settings, month_start, month_end).len().max(1) as i64;
    let ((day_sales, day_paid), (mtd_sales, mtd_paid)) =
        money(conn, settings, owner, month_start, day)?;
    let (day_visits, mtd_visits) = effective_visits_of(conn, owner, month_start, day)?;
    let lines = [
        (AchievementMetric::SalesAmount, day_sales, mtd_sales),
        (AchievementMetric::Collections, day_paid, mtd_paid),
        (AchievementMetric::Visits, day_visits, mtd_visits),
    ];
    Ok(lines
        .into_iter()
        .map(|(metric, day_actual, mtd)| {
            let month_target = month_targets
                .iter()
                .find(|(m, _)| m == metric.as_str())
                .map(|t| t.1);
            let day_target = month_target.map(|t| (t + work_days / 2) / work_days);
            Achievement {
                metric,
                month_target,
                day_target,
                day_actual,
                month_to_date_actual: mtd,
                day_achievement: ratio(day_actual, day_target),
                month_to_date_achievement: ratio(mtd, month_target),
            }
        })
        .collect())
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
        visits: parts.visits,
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
