//! The figures of each kind of anomaly: one named shape per kind (two kinds share a shape),
//! each repeating its `kind` and allowing no other members, so that a client tells them apart.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::AnomalyKind;
use crate::complaints::model::ComplaintStatus;
use crate::db::{Id, Timestamp};
use crate::market_reports::model::Category;
use crate::progress::model::ProgressStatus;
use crate::targets::period::{Metric, PeriodType};
use crate::visits::plans::model::PlanStatus;

/// The progress of a target short of its pace.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShortTargetFigures {
    /// The anomaly's kind, repeated so that the figures say which they are.
    pub kind: AnomalyKind,
    #[schema(value_type = Metric)]
    pub metric: String,
    #[schema(value_type = PeriodType)]
    pub period_type: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// The target value: minor units for money metrics, a count otherwise.
    pub value: i64,
    pub actual: i64,
    /// What should have been achieved by today at an even pace.
    pub expected: i64,
    /// `actual - expected` (negative).
    pub gap: i64,
    /// Run-rate forecast at the period's end.
    pub forecast: i64,
    pub achievement_ratio: Option<f64>,
    pub status: ProgressStatus,
    /// The day the figures are taken on.
    pub as_of: NaiveDate,
}

/// A working day without a submitted daily report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MissingReportFigures {
    /// The anomaly's kind, repeated so that the figures say which they are.
    pub kind: AnomalyKind,
    pub report_date: NaiveDate,
    /// The day's cutoff.
    pub due_at: Timestamp,
    /// The draft (or returned) report of the day, when there is one (null otherwise).
    #[schema(required = true)]
    pub draft_report_id: Option<Id>,
}

/// A daily report that came after its cutoff.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LateReportFigures {
    /// The anomaly's kind, repeated so that the figures say which they are.
    pub kind: AnomalyKind,
    pub report_id: Id,
    pub report_date: NaiveDate,
    pub due_at: Timestamp,
    pub first_submitted_at: Timestamp,
    /// Minutes between the cutoff and the first submission.
    pub minutes_late: i64,
}

/// A visit plan whose day is over without an approval.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnsignedPlanFigures {
    /// The anomaly's kind, repeated so that the figures say which they are.
    pub kind: AnomalyKind,
    pub plan_id: Id,
    pub plan_date: NaiveDate,
    pub status: PlanStatus,
    pub submitted_at: Option<Timestamp>,
    pub planned_visits: i64,
}

/// A submitted daily report waiting for review.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnreviewedReportFigures {
    /// The anomaly's kind, repeated so that the figures say which they are.
    pub kind: AnomalyKind,
    pub report_id: Id,
    pub report_date: NaiveDate,
    pub submitted_at: Timestamp,
    pub hours_waiting: i64,
    /// The setting it is measured against.
    pub review_wait_hours: u32,
}

/// Effective visits this week against the four weeks before.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitsDropFigures {
    /// The anomaly's kind, repeated so that the figures say which they are.
    pub kind: AnomalyKind,
    /// Monday of this week.
    pub week_start: NaiveDate,
    /// Effective visits this week so far (submitted and reviewed reports).
    pub effective_visits: i64,
    /// Effective visits of the four weeks before this one.
    pub previous_four_weeks: i64,
    /// Their weekly average.
    pub weekly_average: f64,
    /// The average pro rata the working days of this week gone by.
    pub expected_by_now: f64,
    /// Working days of this week whose report cutoff has passed.
    pub elapsed_working_days: i64,
    pub working_days_per_week: i64,
    /// Listed below this percent of `expected_by_now` (settings).
    pub threshold_pct: u32,
}

/// Effective visits / visits over the window.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EffectiveRateFigures {
    /// The anomaly's kind, repeated so that the figures say which they are.
    pub kind: AnomalyKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub visits: i64,
    pub effective_visits: i64,
    pub effective_visit_rate: f64,
    pub threshold_pct: u32,
}

/// Visits with an order / visits over the window.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransactionRateFigures {
    /// The anomaly's kind, repeated so that the figures say which they are.
    pub kind: AnomalyKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub visits: i64,
    pub visits_with_order: i64,
    pub transaction_rate: f64,
    pub threshold_pct: u32,
}

/// Expenses per visit against the median of the salesperson's unit, over the window.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpensesFigures {
    /// The anomaly's kind, repeated so that the figures say which they are.
    pub kind: AnomalyKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub visits: i64,
    pub expenses_minor: i64,
    pub cost_per_visit_minor: i64,
    /// The median cost per visit of the unit's salespeople with enough visits.
    pub team_median_minor: i64,
    /// How many salespeople that median is of.
    pub team_size: i64,
    /// Listed above this percent of the median (settings).
    pub threshold_pct: u32,
}

/// A complaint that needs attention.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintFigures {
    /// The anomaly's kind, repeated so that the figures say which they are.
    pub kind: AnomalyKind,
    pub complaint_id: Id,
    pub title: String,
    pub status: ComplaintStatus,
    /// Who handles it.
    pub assignee_id: Id,
    pub received_at: Timestamp,
    pub resolution_due_at: Timestamp,
    /// 1 while with the nearest superior; each escalation adds one.
    pub escalation_level: i32,
    pub acknowledged_at: Option<Timestamp>,
}

/// A serious market report nobody has acknowledged.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarketReportFigures {
    /// The anomaly's kind, repeated so that the figures say which they are.
    pub kind: AnomalyKind,
    pub market_report_id: Id,
    pub title: String,
    pub category: Category,
    pub filed_at: Timestamp,
    pub escalation_level: i32,
    pub next_escalation_at: Option<Timestamp>,
}

/// What a customer owes beyond the payment terms (payments settle the oldest sales first).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverduePaymentFigures {
    /// The anomaly's kind, repeated so that the figures say which they are.
    pub kind: AnomalyKind,
    /// Sales older than the payment terms less everything paid, minor units.
    pub overdue_minor: i64,
    /// Sales older than the payment terms, minor units.
    pub due_minor: i64,
    /// Everything paid up to today, minor units.
    pub paid_minor: i64,
    /// The day of the oldest sale not covered by payments.
    pub oldest_unpaid_sale_on: NaiveDate,
    pub payment_terms_days: u32,
}

/// How long an active customer has gone without a visit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotVisitedFigures {
    /// The anomaly's kind, repeated so that the figures say which they are.
    pub kind: AnomalyKind,
    /// The last visit in a submitted or reviewed report (absent: never visited).
    pub last_visited_at: Option<Timestamp>,
    /// Whole days since the last visit (or since the customer was activated or created).
    pub days_without_visit: i64,
    /// Listed beyond this many days (settings).
    pub threshold_days: u32,
}

/// A customer overdue for a visit by its call cycle.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitOverdueFigures {
    /// The anomaly's kind, repeated so that the figures say which they are.
    pub kind: AnomalyKind,
    /// The days between visits its call cycle asks for.
    pub interval_days: i64,
    /// Its last visit in a submitted or reviewed report (absent: never visited).
    pub last_visited_on: Option<NaiveDate>,
    /// The day its visit was due.
    pub due_on: NaiveDate,
    pub days_overdue: i64,
}

/// A running promotion whose uplift lags what is expected of it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnderperformingPromotionFigures {
    /// The anomaly's kind, repeated so that the figures say which they are.
    pub kind: AnomalyKind,
    pub promotion_id: Id,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Days measured (up to today), of `period_days`.
    pub measured_days: i64,
    pub period_days: i64,
    /// The uplift so far, percentage points over the baseline (see the results).
    pub uplift_pct: f64,
    pub uplift_minor: i64,
    pub expected_uplift_pct: f64,
    pub spend_minor: i64,
    pub budget_minor: i64,
    /// Judged once this percent of the period has passed (settings).
    pub min_elapsed_pct: u32,
    /// Listed below this percent of the expected uplift (settings).
    pub min_uplift_share_pct: u32,
}

/// The figures that triggered an anomaly: one shape per kind, told apart by `kind` (which
/// repeats the anomaly's).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(discriminator(property_name = "kind", mapping(
        ("target_behind" = "#/components/schemas/ShortTargetFigures"),
        ("target_at_risk" = "#/components/schemas/ShortTargetFigures"),
        ("daily_report_missing" = "#/components/schemas/MissingReportFigures"),
        ("daily_report_late" = "#/components/schemas/LateReportFigures"),
        ("visit_plan_unsigned" = "#/components/schemas/UnsignedPlanFigures"),
        ("daily_report_unreviewed" = "#/components/schemas/UnreviewedReportFigures"),
        ("visits_dropping" = "#/components/schemas/VisitsDropFigures"),
        ("low_effective_visit_rate" = "#/components/schemas/EffectiveRateFigures"),
        ("low_transaction_rate" = "#/components/schemas/TransactionRateFigures"),
        ("high_expenses_per_visit" = "#/components/schemas/ExpensesFigures"),
        ("complaint_overdue" = "#/components/schemas/ComplaintFigures"),
        ("complaint_escalated" = "#/components/schemas/ComplaintFigures"),
        ("market_report_unacknowledged" = "#/components/schemas/MarketReportFigures"),
        ("payment_overdue" = "#/components/schemas/OverduePaymentFigures"),
        ("customer_not_visited" = "#/components/schemas/NotVisitedFigures"),
        ("customer_visit_overdue" = "#/components/schemas/VisitOverdueFigures"),
        ("promotion_underperforming" = "#/components/schemas/UnderperformingPromotionFigures")
)))]
pub enum AnomalyFigures {
    Target(ShortTargetFigures),
    MissingReport(MissingReportFigures),
    LateReport(LateReportFigures),
    UnsignedPlan(UnsignedPlanFigures),
    UnreviewedReport(UnreviewedReportFigures),
    VisitsDrop(VisitsDropFigures),
    EffectiveRate(EffectiveRateFigures),
    TransactionRate(TransactionRateFigures),
    Expenses(ExpensesFigures),
    Complaint(ComplaintFigures),
    MarketReport(MarketReportFigures),
    OverduePayment(OverduePaymentFigures),
    NotVisited(NotVisitedFigures),
    VisitOverdue(VisitOverdueFigures),
    Promotion(UnderperformingPromotionFigures),
}

impl AnomalyFigures {
    pub fn kind(&self) -> AnomalyKind {
        match self {
            AnomalyFigures::Target(f) => f.kind,
            AnomalyFigures::MissingReport(f) => f.kind,
            AnomalyFigures::LateReport(f) => f.kind,
            AnomalyFigures::UnsignedPlan(f) => f.kind,
            AnomalyFigures::UnreviewedReport(f) => f.kind,
            AnomalyFigures::VisitsDrop(f) => f.kind,
            AnomalyFigures::EffectiveRate(f) => f.kind,
            AnomalyFigures::TransactionRate(f) => f.kind,
            AnomalyFigures::Expenses(f) => f.kind,
            AnomalyFigures::Complaint(f) => f.kind,
            AnomalyFigures::MarketReport(f) => f.kind,
            AnomalyFigures::OverduePayment(f) => f.kind,
            AnomalyFigures::NotVisited(f) => f.kind,
            AnomalyFigures::VisitOverdue(f) => f.kind,
            AnomalyFigures::Promotion(f) => f.kind,
        }
    }
}
