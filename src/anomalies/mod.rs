//! The anomalies list (`GET /api/v1/anomalies`): everything within the caller's reach that
//! needs a manager's attention now, found from the live data by one finder per topic (each
//! filtered by reach in SQL), sorted by severity and then age.
//!
//! Nothing of it is stored: an anomaly lasts as long as its cause, and disappears when the
//! cause is resolved (the report submitted, the plan approved, the complaint resolved, the
//! payment made, ...). Its id stays the same while it lasts. The thresholds are the
//! `anomalies` group of the settings.

pub mod activity;
pub mod api;
pub mod customers;
pub mod export;
pub mod figures;
pub mod items;
pub mod model;
pub mod promotions;
pub mod reports;
pub mod scope;
pub mod targets;

use std::collections::HashMap;

use chrono::{NaiveDate, TimeZone};
use diesel::prelude::*;

use crate::alerts::Severity;
use crate::auth::{Caller, Role};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::schema::{customers as cu, dealers, org_units, users};
use crate::settings::Settings;
use crate::visits::business_day;
use model::{Anomaly, AnomalyFigures, AnomalyKind};
use scope::{Ctx, Scope};

pub use api::routes;

/// The first instant of a local day.
pub fn day_start(settings: &Settings, day: NaiveDate) -> Timestamp {
    let local = day.and_time(chrono::NaiveTime::MIN);
    let at = settings
        .tz()
        .from_local_datetime(&local)
        .earliest()
        .map(|t| t.to_utc())
        .unwrap_or_else(|| local.and_utc());
    Timestamp::from(at)
}

/// The kinds a caller gets: dealers none (403); executives, who read results only, none of the
/// daily process of individual plans and reports (asking for one of those is 403); everyone
/// else all. `only` narrows to one kind.
pub fn kinds_for(caller: &Caller, only: Option<AnomalyKind>) -> ApiResult<Vec<AnomalyKind>> {
    let allowed: Vec<AnomalyKind> = match caller.role {
        Role::Dealer => return Err(ApiError::forbidden()),
        Role::Executive => AnomalyKind::ALL
            .into_iter()
            .filter(|k| !k.is_process())
            .collect(),
        _ => AnomalyKind::ALL.to_vec(),
    };
    match only {
        None => Ok(allowed),
        Some(k) if allowed.contains(&k) => Ok(vec![k]),
        Some(_) => Err(ApiError::Forbidden(
            "executives read results only, not the daily process of plans and reports".into(),
        )),
    }
}

/// What the list is narrowed to.
#[derive(Debug, Clone)]
pub struct Filter {
    pub kinds: Vec<AnomalyKind>,
    pub severity: Option<Severity>,
    /// The units of the `unit_id` subtree.
    pub within: Option<Vec<Id>>,
    pub person: Option<Id>,
}

type Finder = fn(&mut DbConnection, &Ctx) -> QueryResult<Vec<Anomaly>>;

/// Each finder with the kinds it finds.
const FINDERS: [(&[AnomalyKind], Finder); 12] = [
    (
        &[AnomalyKind::TargetBehind, AnomalyKind::TargetAtRisk],
        targets::find,
    ),
    (&[AnomalyKind::DailyReportMissing], reports::missing),
    (&[AnomalyKind::DailyReportLate], reports::late),
    (&[AnomalyKind::VisitPlanUnsigned], reports::unsigned),
    (&[AnomalyKind::DailyReportUnreviewed], reports::unreviewed),
    (
        &[
            AnomalyKind::VisitsDropping,
            AnomalyKind::LowEffectiveVisitRate,
            AnomalyKind::LowTransactionRate,
            AnomalyKind::HighExpensesPerVisit,
        ],
        activity::find,
    ),
    (
        &[
            AnomalyKind::ComplaintOverdue,
            AnomalyKind::ComplaintEscalated,
        ],
        items::complaints,
    ),
    (
        &[AnomalyKind::MarketReportUnacknowledged],
        items::market_reports,
    ),
    (&[AnomalyKind::PaymentOverdue], customers::overdue),
    (&[AnomalyKind::CustomerNotVisited], customers::not_visited),
    (
        &[AnomalyKind::CustomerVisitOverdue],
        customers::visit_overdue,
    ),
    (
        &[AnomalyKind::PromotionUnderperforming],
        promotions::underperforming,
    ),
];

/// Every anomaly in the caller's reach matching `filter` at `now`, in list order (most severe
/// first, then the oldest), without names and summaries (see [`fill`]).
pub fn find(
    conn: &mut DbConnection,
    caller: &Caller,
    settings: &Settings,
    filter: &Filter,
    now: Timestamp,
) -> ApiResult<Vec<Anomaly>> {
    let scope = Scope::load(conn, caller, filter.within.clone(), filter.person)?;
    let ctx = Ctx {
        caller,
        scope: &scope,
        settings,
        now,
        today: business_day(settings, now),
    };
    let mut out = Vec::new();
    for (kinds, finder) in FINDERS {
        if !kinds.iter().any(|k| filter.kinds.contains(k)) {
            continue;
        }
        out.extend(
            finder(conn, &ctx)?
                .into_iter()
                .filter(|a| filter.kinds.contains(&a.kind))
                .filter(|a| filter.severity.is_none_or(|s| s == a.severity)),
        );
    }
    out.sort_by_key(Anomaly::key);
    Ok(out)
}

/// Names (of people, units, customers, dealers), the unit of a person or dealer where the
/// finder left it out, and the summary of each anomaly; a few queries for a whole page.
pub fn fill(conn: &mut DbConnection, items: &mut [Anomaly]) -> QueryResult<()> {
    fn ids(items: &[Anomaly], f: impl Fn(&Anomaly) -> Option<Id>) -> Vec<Id> {
        let mut v: Vec<Id> = items.iter().filter_map(f).collect();
        v.sort();
        v.dedup();
        v
    }
    let people: HashMap<Id, (String, Id)> = users::table
        .filter(users::id.eq_any(ids(items, |a| a.person_id)))
        .select((users::id, users::name, users::org_unit_id))
        .load::<(Id, String, Id)>(conn)?
        .into_iter()
        .map(|(id, n, u)| (id, (n, u)))
        .collect();
    let dealers: HashMap<Id, (String, Id)> = dealers::table
        .filter(dealers::id.eq_any(ids(items, |a| a.dealer_id)))
        .select((dealers::id, dealers::name, dealers::org_unit_id))
        .load::<(Id, String, Id)>(conn)?
        .into_iter()
        .map(|(id, n, u)| (id, (n, u)))
        .collect();
    for a in items.iter_mut() {
        if let Some((name, unit)) = a.person_id.and_then(|p| people.get(&p)) {
            a.person_name = Some(name.clone());
            a.unit_id = a.unit_id.or(Some(*unit));
        }
        if let Some((name, unit)) = a.dealer_id.and_then(|d| dealers.get(&d)) {
            a.dealer_name = Some(name.clone());
            a.unit_id = a.unit_id.or(Some(*unit));
        }
    }
    let units: HashMap<Id, String> = org_units::table
        .filter(org_units::id.eq_any(ids(items, |a| a.unit_id)))
        .select((org_units::id, org_units::name))
        .load::<(Id, String)>(conn)?
        .into_iter()
        .collect();
    let customers: HashMap<Id, String> = cu::table
        .filter(cu::id.eq_any(ids(items, |a| a.customer_id)))
        .select((cu::id, cu::name))
        .load::<(Id, String)>(conn)?
        .into_iter()
        .collect();
    for a in items.iter_mut() {
        a.unit_name = a.unit_id.and_then(|u| units.get(&u).cloned());
        a.customer_name = a.customer_id.and_then(|c| customers.get(&c).cloned());
        a.summary = summary(a);
    }
    Ok(())
}

/// One line for people, from the names and figures.
fn summary(a: &Anomaly) -> String {
    let person = a.person_name.as_deref().unwrap_or("someone");
    let customer = a.customer_name.as_deref().unwrap_or("a customer");
    let pct = |n: f64| format!("{:.0} %", n * 100.0);
    match &a.figures {
        AnomalyFigures::Target(f) => {
            let who = a
                .person_name
                .as_deref()
                .or(a.dealer_name.as_deref())
                .or(a.unit_name.as_deref())
                .unwrap_or("someone");
            let pace = if f.expected > 0 {
                format!("{} of the pace", pct(f.actual as f64 / f.expected as f64))
            } else {
                "no pace yet".into()
            };
            let status = if a.kind == AnomalyKind::TargetAtRisk {
                "at risk"
            } else {
                "behind"
            };
            format!(
                "The {} target of {who} for the {} from {} is {status} ({pace})",
                f.metric.replace('_', " "),
                f.period_type,
                f.period_start
            )
        }
        AnomalyFigures::MissingReport(f) => {
            format!("{person} has not submitted the daily report for {}", f.report_date)
        }
        AnomalyFigures::LateReport(f) => format!(
            "{person} submitted the daily report for {} {} minutes late",
            f.report_date, f.minutes_late
        ),
        AnomalyFigures::UnsignedPlan(f) => format!(
            "The visit plan of {person} for {} was not approved (it is {})",
            f.plan_date,
            f.status.as_str()
        ),
        AnomalyFigures::UnreviewedReport(f) => format!(
            "The daily report of {person} for {} has waited {} hours for review",
            f.report_date, f.hours_waiting
        ),
        AnomalyFigures::VisitsDrop(f) => format!(
            "{person} made {} effective visits this week, against {:.1} expected from the four weeks before",
            f.effective_visits, f.expected_by_now
        ),
        AnomalyFigures::EffectiveRate(f) => format!(
            "{person}'s effective-visit rate is {} from {} to {} (below {} %)",
            pct(f.effective_visit_rate),
            f.from,
            f.to,
            f.threshold_pct
        ),
        AnomalyFigures::TransactionRate(f) => format!(
            "{person}'s transaction rate is {} from {} to {} (below {} %)",
            pct(f.transaction_rate),
            f.from,
            f.to,
            f.threshold_pct
        ),
        AnomalyFigures::Expenses(f) => format!(
            "{person}'s expenses per visit are {} of the median of {} from {} to {}",
            pct(f.cost_per_visit_minor as f64 / f.team_median_minor.max(1) as f64),
            a.unit_name.as_deref().unwrap_or("the unit"),
            f.from,
            f.to
        ),
        AnomalyFigures::Complaint(f) if f.kind == AnomalyKind::ComplaintEscalated => format!(
            "The complaint \"{}\" of {customer} escalated to level {} and is not resolved",
            f.title, f.escalation_level
        ),
        AnomalyFigures::Complaint(f) => format!(
            "The complaint \"{}\" of {customer} is past its resolution due date",
            f.title
        ),
        AnomalyFigures::MarketReport(f) => format!(
            "The {} market report \"{}\" by {person} is not acknowledged",
            a.severity.as_str(),
            f.title
        ),
        AnomalyFigures::OverduePayment(f) => format!(
            "{customer} has not paid sales from {} on (payment terms {} days)",
            f.oldest_unpaid_sale_on, f.payment_terms_days
        ),
        AnomalyFigures::VisitOverdue(f) => match f.last_visited_on {
            Some(last) => format!(
                "{customer} is {} days overdue for a visit (every {} days; last visited {last})",
                f.days_overdue, f.interval_days
            ),
            None => format!(
                "{customer} is {} days overdue for a first visit (every {} days)",
                f.days_overdue, f.interval_days
            ),
        },
        AnomalyFigures::Promotion(f) => format!(
            "The promotion \"{}\" has {:.1} points of uplift after {} of {} days, against {:.1} expected",
            f.name, f.uplift_pct, f.measured_days, f.period_days, f.expected_uplift_pct
        ),
        AnomalyFigures::NotVisited(f) => match f.last_visited_at {
            Some(_) => format!(
                "{customer} has not been visited for {} days",
                f.days_without_visit
            ),
            None => format!(
                "{customer} has not been visited in {} days as a customer",
                f.days_without_visit
            ),
        },
    }
}
