//! `GET /api/v1/dashboards/monthly`: the month of a unit and of the units right below it
//! (regions of the company, offices of a region): target against actual against expected by
//! now per metric, the forecast, the units and the salespeople ranked, and the trend against
//! the months before.

use actix_web::{get, web};
use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::figures::{actuals_over, of_units, MetricFigures, Span};
use super::{everywhere, shown, UnitPlace};
use crate::auth::{Caller, Role};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::ValidQuery;
use crate::progress::model::ratio;
use crate::promotions::figures::{self as promotion_figures, PromotionFigures};
use crate::scorecards::model::{best_and_weakest, Period, Scorecard};
use crate::settings::model::{Settings, StoredSettings};
use crate::targets::period::{Metric, PeriodType};
use crate::visits::business_day;
use crate::visits::compliance::Person;
use crate::weekly::figures::salespeople;
use crate::AppState;

/// Roles with a monthly dashboard (of the units they reach).
pub const READERS: [Role; 4] = [
    Role::Supervisor,
    Role::Manager,
    Role::Executive,
    Role::Admin,
];

/// How many months before the month the trend goes back.
pub const TREND_MONTHS: u32 = 3;

#[crate::rules]
#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MonthlyQuery {
    /// `YYYY-MM`; default: the current month.
    #[param(example = "2026-11")]
    #[validate(length(max = 7))]
    pub month: Option<String>,
    /// The unit shown with the units right below it (in your reach; 404 otherwise). Default:
    /// the units you manage, or the company.
    pub unit_id: Option<Id>,
    /// How many of the best and of the weakest salespeople to list (default 5).
    #[validate(range(min = 0, max = 50))]
    pub people: Option<u32>,
}

/// What a unit's subtree achieved in one whole month.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MonthActual {
    /// `YYYY-MM`.
    pub month: String,
    pub actual: i64,
}

/// One metric of a unit against the months before.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MetricTrend {
    pub metric: Metric,
    /// The months before, oldest first.
    pub previous_months: Vec<MonthActual>,
    /// Their average, rounded half up.
    pub previous_average: Option<i64>,
    /// This month's forecast / that average: above 1 when the month runs better than the
    /// months before.
    pub forecast_vs_previous_average: Option<f64>,
}

/// A unit's month.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MonthlyUnit {
    pub unit_id: Id,
    pub unit_name: String,
    pub parent_id: Option<Id>,
    pub place: UnitPlace,
    /// Among the units below the same top unit: 1 = best by sales-target achievement, then by
    /// sales (absent for a top unit).
    pub rank: Option<i64>,
    /// Every metric, in a fixed order.
    pub metrics: Vec<MetricFigures>,
    pub trend: Vec<MetricTrend>,
}

/// The monthly dashboard.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MonthlyDashboard {
    /// The instant the dashboard was computed for.
    pub as_of: Timestamp,
    /// `YYYY-MM`.
    pub month: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The day the figures are taken on: the month's end, or today if earlier.
    pub day: NaiveDate,
    /// Each top unit followed by the units right below it.
    pub units: Vec<MonthlyUnit>,
    /// Active salespeople of the top units' subtrees, all ranked.
    pub salespeople: i64,
    /// The best salespeople by sales-target achievement (then by sales), as their scorecards
    /// for the month have them.
    pub best: Vec<Scorecard>,
    /// The weakest, weakest first.
    pub weakest: Vec<Scorecard>,
    /// The promotions that ran in the month (running, or completed since) in the top units'
    /// territories, with their figures as of `day`.
    pub promotions: Vec<PromotionFigures>,
}

/// The month a query names (422 on `month`), or the current one.
pub fn month_of(asked: Option<&str>, today: NaiveDate) -> ApiResult<Period> {
    match asked {
        None => Ok(Period::month_of(today)),
        Some(s) => Period::parse(s.trim())
            .ok()
            .filter(|p| p.kind == "month")
            .ok_or_else(|| ApiError::invalid("month", "a month like 2026-11")),
    }
}

fn label(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The months before `start`, oldest first.
fn months_before(start: NaiveDate) -> Vec<Span> {
    (1..=TREND_MONTHS)
        .rev()
        .filter_map(|n| {
            let from = start.checked_sub_months(Months::new(n))?;
            let p = Period::month_of(from);
            Some(Span {
                kind: PeriodType::Month,
                start: p.start,
                end: p.end,
            })
        })
        .collect()
}

/// The sales achievement of a unit's figures, for ranking (none ranks last), then its sales.
fn sales_key(metrics: &[MetricFigures]) -> (f64, i64) {
    metrics
        .iter()
        .find(|m| m.metric == Metric::SalesAmount)
        .map_or((-1.0, 0), |m| {
            (m.achievement_ratio.unwrap_or(-1.0), m.actual)
        })
}

/// The monthly dashboard of `caller` at `now`, with the settings it was computed with.
pub fn compute(
    conn: &mut DbConnection,
    caller: &Caller,
    q: &MonthlyQuery,
    now: Timestamp,
) -> ApiResult<(MonthlyDashboard, Settings)> {
    caller.require(&READERS)?;
    let settings = StoredSettings::load(conn)?.settings;
    let today = business_day(&settings, now);
    let period = month_of(q.month.as_deref(), today)?;
    let day = period.end.min(today);
    let (_, shown) = shown(conn, caller, q.unit_id)?;
    let ids: Vec<Id> = shown.iter().map(|u| u.id).collect();
    let span = Span {
        kind: PeriodType::Month,
        start: period.start,
        end: period.end,
    };
    let mut figures = of_units(conn, &settings, &ids, span, day)?;
    let before = months_before(period.start);
    let previous = actuals_over(conn, &settings, &ids, &before)?;
    let mut units: Vec<MonthlyUnit> = shown
        .iter()
        .map(|u| {
            let metrics = figures.remove(&u.id).unwrap_or_default();
            let trend = metrics
                .iter()
                .map(|m| {
                    let actuals = previous.get(&(u.id, m.metric)).cloned().unwrap_or_default();
                    let n = actuals.len() as i64;
                    let sum: i64 = actuals.iter().sum();
                    let average = (n > 0).then(|| (sum + n / 2).div_euclid(n));
                    MetricTrend {
                        metric: m.metric,
                        previous_months: before
                            .iter()
                            .zip(actuals)
                            .map(|(s, actual)| MonthActual {
                                month: label(s.start),
                                actual,
                            })
                            .collect(),
                        previous_average: average,
                        forecast_vs_previous_average: average.and_then(|a| ratio(m.forecast, a)),
                    }
                })
                .collect();
            MonthlyUnit {
                unit_id: u.id,
                unit_name: u.name.clone(),
                parent_id: u.parent_id,
                place: u.place,
                rank: None,
                metrics,
                trend,
            }
        })
        .collect();
    rank_units(&mut units);
    // The people of the top units' subtrees (the units below are inside them).
    let people: Vec<Person> = salespeople(conn, &everywhere(&shown))?;
    let n = q.people.unwrap_or(5) as usize;
    let (ranked, best, weakest) = best_and_weakest(conn, &settings, people, period, today, now, n)?;
    let mut promotions: Vec<PromotionFigures> = Vec::new();
    for top in shown.iter().filter(|u| u.place == UnitPlace::Top) {
        for p in promotion_figures::ran_in(conn, &settings, top.id, period.start, period.end, day)?
        {
            if !promotions.iter().any(|q| q.promotion_id == p.promotion_id) {
                promotions.push(p);
            }
        }
    }
    let dashboard = MonthlyDashboard {
        as_of: now,
        month: label(period.start),
        from: period.start,
        to: period.end,
        day,
        units,
        salespeople: ranked as i64,
        best,
        weakest,
        promotions,
    };
    Ok((dashboard, settings))
}

/// Ranks the units below each top unit among themselves.
fn rank_units(units: &mut [MonthlyUnit]) {
    let mut tops: Vec<Id> = units
        .iter()
        .filter(|u| u.place == UnitPlace::Top)
        .map(|u| u.unit_id)
        .collect();
    tops.dedup();
    for top in tops {
        let mut below: Vec<(usize, (f64, i64), String)> = units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.place == UnitPlace::Below && u.parent_id == Some(top))
            .map(|(i, u)| (i, sales_key(&u.metrics), u.unit_name.clone()))
            .collect();
        below.sort_by(|a, b| {
            b.1 .0
                .total_cmp(&a.1 .0)
                .then(b.1 .1.cmp(&a.1 .1))
                .then(a.2.cmp(&b.2))
        });
        for (rank, (i, _, _)) in below.into_iter().enumerate() {
            units[i].rank = Some(rank as i64 + 1);
        }
    }
}

/// The month of a unit and the units right below it.
///
/// Per unit (the one asked for, or those you manage, or the company; then each unit right
/// below it): for every metric the unit's own monthly target, what its subtree achieved so
/// far, what an even pace would have reached by now, the gap, the run-rate forecast and the
/// status; the units below ranked by sales-target achievement; and the trend against the three
/// months before. Then the best and weakest salespeople of the month (their scorecards).
/// Supervisors, managers, executives and admins, within reach.
#[utoipa::path(tag = "dashboards", operation_id = "get_monthly_dashboard", params(MonthlyQuery),
    responses((status = 200, description = "The month", body = MonthlyDashboard),
        (status = 404, description = "No such unit, or outside your reach", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/dashboards/monthly")]
pub async fn monthly_dashboard(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<MonthlyQuery>,
) -> ApiResult<web::Json<MonthlyDashboard>> {
    let q = query.0;
    let now = state.clock.now();
    let (dashboard, _) = state
        .analytic(move |conn| compute(conn, &caller, &q, now))
        .await?;
    Ok(web::Json(dashboard))
}
