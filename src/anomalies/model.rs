//! An anomaly as the API shows it: its kind, severity, what it is about, since when, the
//! figures that triggered it and where to look; and the order and cursor of the list.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::alerts::Severity;
use crate::complaints::model::ComplaintStatus;
use crate::db::{Id, Timestamp};
use crate::market_reports::model::Category;
use crate::progress::model::ProgressStatus;
use crate::targets::period::{Metric, PeriodType};
use crate::visits::plans::model::PlanStatus;

/// What kind of problem an anomaly is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// A target of a current period below its pace (`behind`).
    TargetBehind,
    /// A target of a current period far below its pace (`at_risk`).
    TargetAtRisk,
    /// A working day's daily report not submitted by its cutoff.
    DailyReportMissing,
    /// A daily report submitted after its cutoff, not reviewed yet.
    DailyReportLate,
    /// A visit plan not approved by the end of its day.
    VisitPlanUnsigned,
    /// A submitted daily report waiting for review longer than the settings allow.
    DailyReportUnreviewed,
    /// A salesperson's effective visits this week far below their four-week average.
    VisitsDropping,
    /// A salesperson's effective-visit rate below the threshold.
    LowEffectiveVisitRate,
    /// A salesperson's transaction rate (visits with an order) below the threshold.
    LowTransactionRate,
    /// A salesperson's expenses per visit far above the median of their unit.
    HighExpensesPerVisit,
    /// A complaint past its resolution due date.
    ComplaintOverdue,
    /// A complaint that climbed the chain unacknowledged, not resolved yet.
    ComplaintEscalated,
    /// A high or critical market report nobody has acknowledged.
    MarketReportUnacknowledged,
    /// A customer whose sales older than the payment terms are not paid.
    PaymentOverdue,
    /// An active customer not visited for longer than the settings allow.
    CustomerNotVisited,
}

impl AnomalyKind {
    pub const ALL: [AnomalyKind; 15] = [
        AnomalyKind::TargetBehind,
        AnomalyKind::TargetAtRisk,
        AnomalyKind::DailyReportMissing,
        AnomalyKind::DailyReportLate,
        AnomalyKind::VisitPlanUnsigned,
        AnomalyKind::DailyReportUnreviewed,
        AnomalyKind::VisitsDropping,
        AnomalyKind::LowEffectiveVisitRate,
        AnomalyKind::LowTransactionRate,
        AnomalyKind::HighExpensesPerVisit,
        AnomalyKind::ComplaintOverdue,
        AnomalyKind::ComplaintEscalated,
        AnomalyKind::MarketReportUnacknowledged,
        AnomalyKind::PaymentOverdue,
        AnomalyKind::CustomerNotVisited,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AnomalyKind::TargetBehind => "target_behind",
            AnomalyKind::TargetAtRisk => "target_at_risk",
            AnomalyKind::DailyReportMissing => "daily_report_missing",
            AnomalyKind::DailyReportLate => "daily_report_late",
            AnomalyKind::VisitPlanUnsigned => "visit_plan_unsigned",
            AnomalyKind::DailyReportUnreviewed => "daily_report_unreviewed",
            AnomalyKind::VisitsDropping => "visits_dropping",
            AnomalyKind::LowEffectiveVisitRate => "low_effective_visit_rate",
            AnomalyKind::LowTransactionRate => "low_transaction_rate",
            AnomalyKind::HighExpensesPerVisit => "high_expenses_per_visit",
            AnomalyKind::ComplaintOverdue => "complaint_overdue",
            AnomalyKind::ComplaintEscalated => "complaint_escalated",
            AnomalyKind::MarketReportUnacknowledged => "market_report_unacknowledged",
            AnomalyKind::PaymentOverdue => "payment_overdue",
            AnomalyKind::CustomerNotVisited => "customer_not_visited",
        }
    }

    /// Kinds about the daily process of individual plans and reports, which executives (who
    /// read results only) do not get.
    pub fn is_process(self) -> bool {
        matches!(
            self,
            AnomalyKind::DailyReportMissing
                | AnomalyKind::DailyReportLate
                | AnomalyKind::VisitPlanUnsigned
                | AnomalyKind::DailyReportUnreviewed
        )
    }
}

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
        ("customer_not_visited" = "#/components/schemas/NotVisitedFigures")
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
        }
    }
}

/// Something that needs a manager's attention now.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Anomaly {
    /// Stable while the same problem lasts: the same kind about the same thing (and day or
    /// week) keeps its id from one request to the next.
    pub id: Id,
    pub kind: AnomalyKind,
    pub severity: Severity,
    /// Since when it has been so, as far as the data tells (a cutoff, a due date, the start of
    /// the window the figures cover).
    pub since: Timestamp,
    /// One line for people.
    pub summary: String,
    /// The person it is about (a target's assignee, a report's owner, an item's reporter, a
    /// customer's owner).
    pub person_id: Option<Id>,
    pub person_name: Option<String>,
    /// The unit it is about: a unit target's unit, else the person's current unit or the
    /// customer's unit.
    pub unit_id: Option<Id>,
    pub unit_name: Option<String>,
    pub customer_id: Option<Id>,
    pub customer_name: Option<String>,
    /// A dealer target's dealer.
    pub dealer_id: Option<Id>,
    pub dealer_name: Option<String>,
    pub target_id: Option<Id>,
    /// The path of the resource to look at (`/api/v1/...`).
    pub link: String,
    pub figures: AnomalyFigures,
}

impl Anomaly {
    /// An anomaly of `figures`' kind, identified by `key` (what it is about, unique per kind).
    pub fn new(
        severity: Severity,
        since: Timestamp,
        key: &str,
        link: String,
        figures: AnomalyFigures,
    ) -> Anomaly {
        let kind = figures.kind();
        Anomaly {
            id: stable_id(kind, key),
            kind,
            severity,
            since,
            summary: String::new(),
            person_id: None,
            person_name: None,
            unit_id: None,
            unit_name: None,
            customer_id: None,
            customer_name: None,
            dealer_id: None,
            dealer_name: None,
            target_id: None,
            link,
            figures,
        }
    }

    pub fn person(mut self, person: Id) -> Self {
        self.person_id = Some(person);
        self
    }

    pub fn unit(mut self, unit: Id) -> Self {
        self.unit_id = Some(unit);
        self
    }

    pub fn customer(mut self, customer: Id) -> Self {
        self.customer_id = Some(customer);
        self
    }

    /// Where it stands in the list: most severe first, then the oldest, then by id.
    pub fn key(&self) -> SortKey {
        SortKey {
            rank: 3 - severity_rank(self.severity),
            since: self.since.0.timestamp_micros(),
            id: self.id,
        }
    }
}

/// An id derived from what an anomaly is (UUID version 8: a SHA-256 of kind and key).
fn stable_id(kind: AnomalyKind, key: &str) -> Id {
    let hash = Sha256::digest(format!("{}:{key}", kind.as_str()).as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Id(uuid::Uuid::from_bytes(bytes))
}

pub fn severity_rank(s: Severity) -> i64 {
    match s {
        Severity::Low => 0,
        Severity::Medium => 1,
        Severity::High => 2,
        Severity::Critical => 3,
    }
}

/// The order of the list, and what a cursor remembers of the last item of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SortKey {
    /// 0 for critical .. 3 for low.
    rank: i64,
    /// Microseconds since the epoch.
    since: i64,
    id: Id,
}

impl SortKey {
    pub fn encode(self) -> String {
        URL_SAFE_NO_PAD.encode(format!("anomaly:{}:{}:{}", self.rank, self.since, self.id))
    }

    pub fn decode(cursor: &str) -> Option<SortKey> {
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
        let mut parts = text.strip_prefix("anomaly:")?.splitn(3, ':');
        Some(SortKey {
            rank: parts.next()?.parse().ok()?,
            since: parts.next()?.parse().ok()?,
            id: parts.next()?.parse().ok()?,
        })
    }
}

crate::page_type!(AnomalyPage, Anomaly);
