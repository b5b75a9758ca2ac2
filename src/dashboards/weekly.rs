//! `GET /api/v1/dashboards/weekly`: the week of a unit and of the units right below it, each
//! with its figures as its weekly report has them (computed live, never frozen), where its
//! weekly report stands, and its most severe anomalies.

use actix_web::{get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::{everywhere, shown, UnitPlace};
use crate::anomalies::model::Anomaly;
use crate::anomalies::{self, kinds_for, Filter};
use crate::auth::Caller;
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::http::ValidQuery;
use crate::settings::model::StoredSettings;
use crate::visits::business_day;
use crate::weekly::api::parse_week;
use crate::weekly::compliance::{self, UnitWeeklyCompliance};
use crate::weekly::figures::{compute_many, WeeklyFigures};
use crate::weekly::{due_at, IsoWeek, READERS};
use crate::AppState;

#[crate::rules]
#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeeklyDashboardQuery {
    /// ISO week `YYYY-Www`; default: the current week, so far.
    #[param(example = "2026-W47")]
    #[validate(length(max = 20))]
    pub week: Option<String>,
    /// The unit shown with the units right below it (in your reach; 404 otherwise). Default:
    /// the units you manage, or the company.
    pub unit_id: Option<Id>,
    /// How many anomalies to list per unit, most severe first (default 5).
    #[validate(range(min = 0, max = 50))]
    pub anomalies: Option<u32>,
}

/// A unit's week.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WeeklyDashboardUnit {
    pub unit_id: Id,
    pub unit_name: String,
    pub parent_id: Option<Id>,
    pub place: UnitPlace,
    /// Where the unit's weekly report for the week stands (as the compliance view has it);
    /// absent when the unit owes none (no active supervisor or manager runs it).
    pub weekly_report: Option<UnitWeeklyCompliance>,
    /// The week's figures of the unit's subtree, as its weekly report has them, computed now.
    pub figures: WeeklyFigures,
    /// Anomalies about the unit's subtree now, in your reach.
    pub anomalies_total: i64,
    /// The most severe of them (then the oldest), as the anomalies list has them.
    pub top_anomalies: Vec<Anomaly>,
}

/// The weekly dashboard.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WeeklyDashboard {
    /// The instant the dashboard was computed for.
    pub as_of: Timestamp,
    /// `YYYY-Www`.
    pub week: String,
    pub week_start: NaiveDate,
    pub week_end: NaiveDate,
    /// When the week's reports are due.
    pub due_at: Timestamp,
    /// Each top unit followed by the units right below it.
    pub units: Vec<WeeklyDashboardUnit>,
}

/// The weekly dashboard of `caller` at `now`.
pub fn compute(
    conn: &mut DbConnection,
    caller: &Caller,
    q: &WeeklyDashboardQuery,
    now: Timestamp,
) -> ApiResult<WeeklyDashboard> {
    caller.require(&READERS)?;
    let kinds = kinds_for(caller, None)?;
    let settings = StoredSettings::load(conn)?.settings;
    let week = match q.week.as_deref() {
        Some(w) => parse_week("week", w)?,
        None => IsoWeek::of(business_day(&settings, now)),
    };
    let (tree, shown) = shown(conn, caller, q.unit_id)?;
    let ids: Vec<Id> = shown.iter().map(|u| u.id).collect();
    let figures = compute_many(conn, &settings, &tree, &ids, week, now)?;
    let reports = compliance::compute(conn, &settings, week, Some(ids.clone()), now)?;
    // Every anomaly about the shown units at once, shared out by the unit it is about.
    let filter = Filter {
        kinds,
        severity: None,
        within: Some(everywhere(&shown)),
        person: None,
    };
    let mut found = anomalies::find(conn, caller, &settings, &filter, now)?;
    // Names, and the unit of a person or dealer where the finder left it out.
    anomalies::fill(conn, &mut found)?;
    let top = q.anomalies.unwrap_or(5) as usize;
    let mut units = Vec::new();
    for (u, figures) in shown.into_iter().zip(figures) {
        let about: Vec<&Anomaly> = found
            .iter()
            .filter(|a| a.unit_id.is_some_and(|x| u.subtree.contains(&x)))
            .collect();
        let top_anomalies: Vec<Anomaly> = about.iter().take(top).map(|a| (*a).clone()).collect();
        units.push(WeeklyDashboardUnit {
            weekly_report: reports.units.iter().find(|r| r.unit_id == u.id).cloned(),
            anomalies_total: about.len() as i64,
            top_anomalies,
            unit_id: u.id,
            unit_name: u.name,
            parent_id: u.parent_id,
            place: u.place,
            figures,
        });
    }
    Ok(WeeklyDashboard {
        as_of: now,
        week: week.label(),
        week_start: week.start(),
        week_end: week.end(),
        due_at: due_at(&settings, week),
        units,
    })
}

/// The week of a unit and the units right below it.
///
/// Per unit (the one asked for, or those you manage, or the company; then each unit right
/// below it): the week's figures of its subtree as its weekly report has them (target
/// achievement, sales, collections, new customers, visit rates, daily-report submission,
/// complaints and market reports, abnormal customers, each salesperson), computed now rather
/// than frozen; where its weekly report stands; and its most severe anomalies now. Readers of
/// weekly reports (supervisors, managers, executives, admins, integrations), within reach;
/// executives get no anomalies of the daily process.
#[utoipa::path(tag = "dashboards", operation_id = "get_weekly_dashboard", params(WeeklyDashboardQuery),
    responses((status = 200, description = "The week", body = WeeklyDashboard),
        (status = 404, description = "No such unit, or outside your reach", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/dashboards/weekly")]
pub async fn weekly_dashboard(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<WeeklyDashboardQuery>,
) -> ApiResult<web::Json<WeeklyDashboard>> {
    let q = query.0;
    let now = state.clock.now();
    let dashboard = state
        .analytic(move |conn| compute(conn, &caller, &q, now))
        .await?;
    Ok(web::Json(dashboard))
}
