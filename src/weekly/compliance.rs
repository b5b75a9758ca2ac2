//! Which units owe a weekly report for a week, and who delivered on time, late or not at all
//! (`GET /api/v1/weekly-reports/compliance`).

use actix_web::{get, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::api::parse_week;
use super::{due_at, owing_units, IsoWeek, OwingUnit, READERS};
use crate::auth::{subtree_units, Caller};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::ValidQuery;
use crate::schema::weekly_reports as wr;
use crate::settings::model::{Settings, StoredSettings};
use crate::visits::business_day;
use crate::AppState;

#[crate::rules]
#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WeeklyComplianceQuery {
    /// `YYYY-Www`, or the week number when `year` is given; default: the week before the
    /// current one.
    #[param(example = "2026-W47")]
    #[validate(length(max = 20))]
    pub week: Option<String>,
    /// The ISO year, with `week` as a number.
    pub year: Option<i32>,
    /// Units of this subtree (default: every unit you reach).
    pub unit_id: Option<Id>,
}

/// How a unit stands for the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WeeklyComplianceStatus {
    /// First submitted by the cutoff.
    OnTime,
    /// First submitted after the cutoff.
    Late,
    /// Not submitted, and the cutoff has passed.
    Missing,
    /// Not submitted yet, and the cutoff is still ahead.
    Pending,
}

/// One unit that owes a report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UnitWeeklyCompliance {
    pub unit_id: Id,
    pub unit_name: String,
    /// The unit's supervisor or manager.
    pub manager_id: Id,
    pub status: WeeklyComplianceStatus,
    pub report_id: Option<Id>,
    /// The report's workflow state (`draft`, `submitted`, ...), if one exists.
    pub report_status: Option<String>,
    pub first_submitted_at: Option<Timestamp>,
}

/// Weekly-report compliance of one week.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WeeklyCompliance {
    /// `YYYY-Www`.
    pub week: String,
    pub week_start: NaiveDate,
    pub week_end: NaiveDate,
    pub due_at: Timestamp,
    /// Units run by an active supervisor or manager that existed before the cutoff: each owes
    /// a report.
    pub due: i64,
    pub on_time: i64,
    pub late: i64,
    pub missing: i64,
    pub pending: i64,
    /// By unit name.
    pub units: Vec<UnitWeeklyCompliance>,
}

/// The week a compliance query names (422 on `week` or `year`).
fn week_of(q: &WeeklyComplianceQuery, today: NaiveDate) -> ApiResult<IsoWeek> {
    match (q.year, q.week.as_deref()) {
        (Some(year), Some(w)) => {
            let n: u32 = w
                .trim()
                .parse()
                .map_err(|_| ApiError::invalid("week", "with year, the week number (1-53)"))?;
            if !(1..=9999).contains(&year) {
                return Err(ApiError::invalid("year", "must be between 1 and 9999"));
            }
            IsoWeek::from_parts(year, n)
                .ok_or_else(|| ApiError::invalid("week", "no such week in that year"))
        }
        (Some(_), None) => Err(ApiError::invalid("week", "give the week with the year")),
        (None, Some(w)) => parse_week("week", w),
        (None, None) => Ok(IsoWeek::of(today - chrono::Duration::days(7))),
    }
}

/// How the units among `among` (every unit when `None`) that owe a report stand for `week` at
/// `now`.
pub fn compute(
    conn: &mut DbConnection,
    settings: &Settings,
    week: IsoWeek,
    among: Option<Vec<Id>>,
    now: Timestamp,
) -> QueryResult<WeeklyCompliance> {
    let due = due_at(settings, week);
    // A unit created after the cutoff owed nothing that week.
    let units: Vec<OwingUnit> = owing_units(conn, among)?
        .into_iter()
        .filter(|u| u.owes(due))
        .collect();
    let ids: Vec<Id> = units.iter().map(|u| u.id).collect();
    let reports: Vec<(Id, Id, String, Option<Timestamp>, bool)> = wr::table
        .filter(wr::week_start.eq(week.start()))
        .filter(wr::org_unit_id.eq_any(&ids))
        .select((
            wr::org_unit_id,
            wr::id,
            wr::status,
            wr::first_submitted_at,
            wr::late,
        ))
        .load(conn)?;
    let mut out = WeeklyCompliance {
        week: week.label(),
        week_start: week.start(),
        week_end: week.end(),
        due_at: due,
        due: 0,
        on_time: 0,
        late: 0,
        missing: 0,
        pending: 0,
        units: Vec::new(),
    };
    for unit in units {
        let rep = reports.iter().find(|r| r.0 == unit.id);
        let status = match rep {
            Some((_, _, _, Some(_), true)) => WeeklyComplianceStatus::Late,
            Some((_, _, _, Some(_), false)) => WeeklyComplianceStatus::OnTime,
            _ if now.0 <= due.0 => WeeklyComplianceStatus::Pending,
            _ => WeeklyComplianceStatus::Missing,
        };
        out.due += 1;
        match status {
            WeeklyComplianceStatus::OnTime => out.on_time += 1,
            WeeklyComplianceStatus::Late => out.late += 1,
            WeeklyComplianceStatus::Missing => out.missing += 1,
            WeeklyComplianceStatus::Pending => out.pending += 1,
        }
        out.units.push(UnitWeeklyCompliance {
            unit_id: unit.id,
            unit_name: unit.name,
            manager_id: unit.runner_id,
            status,
            report_id: rep.map(|r| r.1),
            report_status: rep.map(|r| r.2.clone()),
            first_submitted_at: rep.and_then(|r| r.3),
        });
    }
    Ok(out)
}

/// Which units owe a weekly report for the week, and who delivered on time, late or not at all.
#[utoipa::path(tag = "weekly-reports", operation_id = "weekly_report_compliance", params(WeeklyComplianceQuery),
    responses((status = 200, description = "Timeliness of weekly reports per unit", body = WeeklyCompliance)))]
#[get("/weekly-reports/compliance")]
pub async fn weekly_report_compliance(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<WeeklyComplianceQuery>,
) -> ApiResult<web::Json<WeeklyCompliance>> {
    caller.require(&READERS)?;
    let q = query.0;
    let now = state.clock.now();
    let report = state
        .analytic(move |conn| {
            let settings = StoredSettings::load(conn)?.settings;
            let week = week_of(&q, business_day(&settings, now))?;
            let mut among: Option<Vec<Id>> = None;
            if let Some(u) = q.unit_id {
                if !caller.reach.covers_unit(u) {
                    return Err(ApiError::invalid("unit_id", "no such unit in your reach"));
                }
                among = Some(subtree_units(conn, &[u])?);
            }
            if !caller.reach.all {
                let reach = &caller.reach.unit_ids;
                among = Some(match among {
                    Some(units) => units.into_iter().filter(|u| reach.contains(u)).collect(),
                    None => reach.clone(),
                });
            }
            Ok(compute(conn, &settings, week, among, now)?)
        })
        .await?;
    Ok(web::Json(report))
}
