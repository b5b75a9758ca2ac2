//! `GET /api/v1/dashboards/results`: the results of the company (or the unit a top manager
//! runs) and of the units right below it, for a year, quarter or month: targets, achievement,
//! forecast, collections, new customers. Nothing about individual people or their reports.

use actix_web::{get, web};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::figures::{of_units, MetricFigures, Span};
use super::{shown, UnitPlace};
use crate::auth::{Caller, Role};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::ValidQuery;
use crate::scorecards::model::Period as MonthOrQuarter;
use crate::settings::model::StoredSettings;
use crate::targets::period::PeriodType;
use crate::visits::business_day;
use crate::AppState;

/// Roles that read results: executives and top managers (and admins).
const READERS: [Role; 3] = [Role::Executive, Role::Manager, Role::Admin];

#[crate::rules]
#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// A year (`2026`), a quarter (`2026-Q4`) or a month (`2026-11`); default: this year.
    #[param(example = "2026-Q4")]
    #[validate(length(max = 7))]
    pub period: Option<String>,
    /// The unit shown with the units right below it (in your reach; 404 otherwise). Default:
    /// the units you manage, or the company.
    pub unit_id: Option<Id>,
}

/// One unit's results.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitResults {
    pub unit_id: Id,
    pub unit_name: String,
    pub parent_id: Option<Id>,
    pub place: UnitPlace,
    /// Every metric, in a fixed order: against the unit's own target of the period where it
    /// has one.
    pub metrics: Vec<MetricFigures>,
}

/// The results dashboard.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ResultsDashboard {
    /// The instant the dashboard was computed for.
    pub as_of: Timestamp,
    /// As asked: `2026`, `2026-Q4` or `2026-11`.
    pub period: String,
    pub period_type: PeriodType,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The day the figures are taken on: the period's end, or today if earlier.
    pub day: NaiveDate,
    /// Each top unit followed by the units right below it.
    pub units: Vec<UnitResults>,
}

/// The period a query names (422 on `period`), or the current year.
fn period_of(asked: Option<&str>, today: NaiveDate) -> ApiResult<(String, Span)> {
    let year = |y: i32| {
        let start = NaiveDate::from_ymd_opt(y, 1, 1)?;
        let end = NaiveDate::from_ymd_opt(y, 12, 31)?;
        Some(Span {
            kind: PeriodType::Year,
            start,
            end,
        })
    };
    let bad = || {
        ApiError::invalid(
            "period",
            "a year like 2026, a quarter like 2026-Q4 or a month like 2026-11",
        )
    };
    let asked = asked.map(str::trim);
    match asked {
        None => Ok((
            today.year().to_string(),
            year(today.year()).ok_or_else(bad)?,
        )),
        Some(s) if s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit()) => {
            let y: i32 = s.parse().map_err(|_| bad())?;
            if !crate::http::date::YEARS.contains(&y) {
                return Err(bad());
            }
            Ok((s.to_string(), year(y).ok_or_else(bad)?))
        }
        Some(s) => {
            let p = MonthOrQuarter::parse(s).map_err(|_| bad())?;
            let kind = if p.kind == "quarter" {
                PeriodType::Quarter
            } else {
                PeriodType::Month
            };
            Ok((
                s.to_string(),
                Span {
                    kind,
                    start: p.start,
                    end: p.end,
                },
            ))
        }
    }
}

/// The results dashboard of `caller` at `now`.
pub fn compute(
    conn: &mut DbConnection,
    caller: &Caller,
    q: &ResultsQuery,
    now: Timestamp,
) -> ApiResult<ResultsDashboard> {
    caller.require(&READERS)?;
    let settings = StoredSettings::load(conn)?.settings;
    let today = business_day(&settings, now);
    let (label, span) = period_of(q.period.as_deref(), today)?;
    let day = span.end.min(today);
    let (_, shown) = shown(conn, caller, q.unit_id)?;
    let ids: Vec<Id> = shown.iter().map(|u| u.id).collect();
    let mut figures = of_units(conn, &settings, &ids, span, day)?;
    Ok(ResultsDashboard {
        as_of: now,
        period: label,
        period_type: span.kind,
        from: span.start,
        to: span.end,
        day,
        units: shown
            .into_iter()
            .map(|u| UnitResults {
                metrics: figures.remove(&u.id).unwrap_or_default(),
                unit_id: u.id,
                unit_name: u.name,
                parent_id: u.parent_id,
                place: u.place,
            })
            .collect(),
    })
}

/// Results of the company and its regions (or the unit you run and the units below it).
///
/// For a year, quarter or month: per unit and metric (sales, gross profit, collections, new
/// customers, effective visits) the unit's own target of the period, what its subtree achieved
/// so far, achievement, expected by now, gap, run-rate forecast and status. Nothing about
/// individual people or their reports. Executives, managers and admins, within reach.
#[utoipa::path(tag = "dashboards", operation_id = "get_results_dashboard", params(ResultsQuery),
    responses((status = 200, description = "The results", body = ResultsDashboard),
        (status = 404, description = "No such unit, or outside your reach", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/dashboards/results")]
pub async fn results_dashboard(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<ResultsQuery>,
) -> ApiResult<web::Json<ResultsDashboard>> {
    let q = query.0;
    let now = state.clock.now();
    let dashboard = state
        .analytic(move |conn| compute(conn, &caller, &q, now))
        .await?;
    Ok(web::Json(dashboard))
}
