//! An anomaly as the API shows it: its kind, severity, what it is about, since when, the
//! figures that triggered it and where to look; and the order and cursor of the list.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

pub use super::figures::*;
use crate::alerts::Severity;
use crate::db::{Id, Timestamp};

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
    /// An active customer without a call cycle not visited for longer than the settings allow.
    CustomerNotVisited,
    /// An active customer overdue for a visit by its call cycle.
    CustomerVisitOverdue,
    /// A running promotion past part of its period whose uplift is far below the expected.
    PromotionUnderperforming,
}

impl AnomalyKind {
    pub const ALL: [AnomalyKind; 17] = [
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
        AnomalyKind::CustomerVisitOverdue,
        AnomalyKind::PromotionUnderperforming,
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
            AnomalyKind::CustomerVisitOverdue => "customer_visit_overdue",
            AnomalyKind::PromotionUnderperforming => "promotion_underperforming",
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
    /// The figures that triggered it; `kind` says which shape they have.
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
