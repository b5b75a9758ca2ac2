//! Report timeliness: per person and working day, whether the day's report came on time, late,
//! not at all, or was excused by the attendance (`GET /api/v1/daily-reports/compliance`).

use std::collections::HashMap;

use actix_web::{get, web};
use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::{business_day, report_due_at, working_days};
use crate::auth::{subtree_units, Caller, Role};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::date::day;
use crate::http::ValidQuery;
use crate::schema::{daily_reports as dr, users};
use crate::settings::model::{Settings, StoredSettings};
use crate::AppState;

/// Roles that read timeliness and efficiency figures (a salesperson only their own).
pub const FIGURE_READERS: [Role; 5] = [
    Role::Salesperson,
    Role::Supervisor,
    Role::Manager,
    Role::Executive,
    Role::Admin,
];

/// How a person's report for a working day stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayStatus {
    /// First submitted by the day's cutoff.
    OnTime,
    /// First submitted after the cutoff.
    Late,
    /// Not submitted, and the cutoff has passed.
    Missing,
    /// Attendance other than `present` (leave, sick, training, ...).
    Excused,
    /// Not submitted yet, and the cutoff is still ahead.
    Pending,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ComplianceDay {
    pub date: NaiveDate,
    pub status: DayStatus,
    pub report_id: Option<Id>,
    pub first_submitted_at: Option<Timestamp>,
}

/// One person's days.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PersonCompliance {
    pub user_id: Id,
    pub name: String,
    pub org_unit_id: Id,
    pub on_time: i64,
    pub late: i64,
    pub missing: i64,
    pub excused: i64,
    pub pending: i64,
    pub days: Vec<ComplianceDay>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ComplianceReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub unit_id: Option<Id>,
    /// Every active salesperson of the scope.
    pub people: Vec<PersonCompliance>,
    pub on_time: i64,
    pub late: i64,
    pub missing: i64,
    pub excused: i64,
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplianceQuery {
    /// The people of this unit's subtree (default: everyone you reach).
    pub unit_id: Option<Id>,
    /// First day (inclusive).
    #[serde(deserialize_with = "day")]
    pub from: NaiveDate,
    /// Last day (inclusive); at most 366 days after `from`.
    #[serde(deserialize_with = "day")]
    pub to: NaiveDate,
}

/// A person whose figures are computed.
#[derive(Debug, Clone, Queryable)]
pub struct Person {
    pub id: Id,
    pub name: String,
    pub org_unit_id: Id,
    pub hired_on: Option<NaiveDate>,
}

/// The people a figures request is about: one user, a unit's active salespeople, or (neither)
/// everyone the caller reaches, or the caller alone.
pub fn scope(
    conn: &mut DbConnection,
    caller: &Caller,
    user: Option<Id>,
    unit: Option<Id>,
) -> ApiResult<Vec<Person>> {
    let cols = (users::id, users::name, users::org_unit_id, users::hired_on);
    let salespeople = users::table
        .filter(users::role.eq(Role::Salesperson.as_str()))
        .filter(users::active.eq(true))
        .order(users::name)
        .select(cols);
    match (user, unit) {
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "unit_id",
            "give user_id or unit_id, not both",
        )),
        (Some(u), None) => {
            let p: Person = users::table
                .find(u)
                .select(cols)
                .first(conn)
                .optional()?
                .ok_or_else(|| ApiError::not_found("user"))?;
            if caller.reaches(p.id, p.org_unit_id) {
                Ok(vec![p])
            } else {
                Err(ApiError::not_found("user"))
            }
        }
        (None, Some(unit)) => {
            if !caller.reach.covers_unit(unit) {
                return Err(ApiError::not_found("org unit"));
            }
            let units = subtree_units(conn, &[unit])?;
            Ok(salespeople
                .filter(users::org_unit_id.eq_any(units))
                .load(conn)?)
        }
        (None, None) if caller.reach.all => Ok(salespeople.load(conn)?),
        (None, None) if !caller.reach.unit_ids.is_empty() => Ok(salespeople
            .filter(users::org_unit_id.eq_any(caller.reach.unit_ids.clone()))
            .load(conn)?),
        (None, None) => scope(conn, caller, Some(caller.user_id), None),
    }
}

/// Checks a `from`/`to` pair (422 on `to`).
pub fn check_range(from: NaiveDate, to: NaiveDate) -> ApiResult<()> {
    if to < from {
        return Err(ApiError::invalid("to", "must not be before from"));
    }
    if (to - from).num_days() > 366 {
        return Err(ApiError::invalid("to", "at most 366 days after from"));
    }
    Ok(())
}

/// Each person's working days from `from` to `to` (none after today), with one query for all
/// their reports.
pub fn days_of(
    conn: &mut DbConnection,
    settings: &Settings,
    people: &[Person],
    from: NaiveDate,
    to: NaiveDate,
    now: Timestamp,
) -> QueryResult<Vec<PersonCompliance>> {
    let ids: Vec<Id> = people.iter().map(|p| p.id).collect();
    type Rep = (Id, NaiveDate, Id, String, Option<Timestamp>, bool);
    let reports: HashMap<(Id, NaiveDate), Rep> = dr::table
        .filter(dr::owner_id.eq_any(&ids))
        .filter(dr::report_date.between(from, to))
        .select((
            dr::owner_id,
            dr::report_date,
            dr::id,
            dr::attendance,
            dr::first_submitted_at,
            dr::late,
        ))
        .load::<Rep>(conn)?
        .into_iter()
        .map(|r| ((r.0, r.1), r))
        .collect();
    let today = business_day(settings, now);
    let days = working_days(settings, from, to.min(today));
    Ok(people
        .iter()
        .map(|p| {
            let mut out = PersonCompliance {
                user_id: p.id,
                name: p.name.clone(),
                org_unit_id: p.org_unit_id,
                on_time: 0,
                late: 0,
                missing: 0,
                excused: 0,
                pending: 0,
                days: Vec::new(),
            };
            for d in days.iter().filter(|d| p.hired_on.is_none_or(|h| **d >= h)) {
                let rep = reports.get(&(p.id, *d));
                let status = match rep {
                    Some(r) if r.3 != "present" => DayStatus::Excused,
                    Some((_, _, _, _, Some(_), true)) => DayStatus::Late,
                    Some((_, _, _, _, Some(_), false)) => DayStatus::OnTime,
                    _ if now <= report_due_at(settings, *d) => DayStatus::Pending,
                    _ => DayStatus::Missing,
                };
                match status {
                    DayStatus::OnTime => out.on_time += 1,
                    DayStatus::Late => out.late += 1,
                    DayStatus::Missing => out.missing += 1,
                    DayStatus::Excused => out.excused += 1,
                    DayStatus::Pending => out.pending += 1,
                }
                out.days.push(ComplianceDay {
                    date: *d,
                    status,
                    report_id: rep.map(|r| r.2),
                    first_submitted_at: rep.and_then(|r| r.4),
                });
            }
            out
        })
        .collect())
}

/// Who reported on time, late or not at all, per person and working day.
#[utoipa::path(tag = "daily-reports", operation_id = "daily_report_compliance", params(ComplianceQuery),
    responses((status = 200, description = "Timeliness per person and day", body = ComplianceReport),
        (status = 404, description = "No such unit or person, or outside your reach", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/daily-reports/compliance")]
pub async fn daily_report_compliance(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<ComplianceQuery>,
) -> ApiResult<web::Json<ComplianceReport>> {
    caller.require(&FIGURE_READERS)?;
    let q = query.0;
    check_range(q.from, q.to)?;
    let now = state.clock.now();
    let report = state
        .analytic(move |conn| {
            let people = scope(conn, &caller, None, q.unit_id)?;
            let settings = StoredSettings::load(conn)?.settings;
            let people = days_of(conn, &settings, &people, q.from, q.to, now)?;
            let sum = |f: fn(&PersonCompliance) -> i64| people.iter().map(f).sum();
            Ok(ComplianceReport {
                from: q.from,
                to: q.to,
                unit_id: q.unit_id,
                on_time: sum(|p| p.on_time),
                late: sum(|p| p.late),
                missing: sum(|p| p.missing),
                excused: sum(|p| p.excused),
                people,
            })
        })
        .await?;
    Ok(web::Json(report))
}
