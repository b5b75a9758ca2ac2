//! Report timeliness: per person and working day, whether the day's report came on time, late,
//! not at all, or was excused by the attendance (`GET /api/v1/daily-reports/compliance`).

use std::collections::HashMap;

use actix_web::{get, web};
use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::SmallInt;
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

/// What a report says of its day, whatever the day's cutoff: read in SQL, so that the counts
/// need no more than the owner, the day and this code (`EXCUSED`, 1 when not
/// submitted, `LATE`, `ON_TIME`).
const FILED: &str = "CAST(CASE WHEN attendance <> 'present' THEN 0 \
    WHEN first_submitted_at IS NULL THEN 1 WHEN late THEN 2 ELSE 3 END AS SMALLINT)";
const EXCUSED: i16 = 0;
const LATE: i16 = 2;
const ON_TIME: i16 = 3;

/// How a working day stands from its report's `FILED` code (none: no report), `now` and the
/// day's cutoff.
fn status_of(filed: Option<i16>, now: Timestamp, due: Timestamp) -> DayStatus {
    match filed {
        Some(EXCUSED) => DayStatus::Excused,
        Some(LATE) => DayStatus::Late,
        Some(ON_TIME) => DayStatus::OnTime,
        // Not submitted (1), or no report.
        _ if now <= due => DayStatus::Pending,
        _ => DayStatus::Missing,
    }
}

/// The working days from `from` to `to` (none after today), each with its report's cutoff.
fn due_days(
    settings: &Settings,
    from: NaiveDate,
    to: NaiveDate,
    now: Timestamp,
) -> Vec<(NaiveDate, Timestamp)> {
    let today = business_day(settings, now);
    working_days(settings, from, to.min(today))
        .into_iter()
        .map(|d| (d, report_due_at(settings, d)))
        .collect()
}

/// A person's working days, from the day they were hired.
fn days_of_person<'a>(
    p: &'a Person,
    days: &'a [(NaiveDate, Timestamp)],
) -> impl Iterator<Item = &'a (NaiveDate, Timestamp)> + 'a {
    days.iter()
        .filter(move |(d, _)| p.hired_on.is_none_or(|h| *d >= h))
}

/// A person's days counted by how they stand.
#[derive(Debug, Clone, Copy, Default)]
pub struct DayCounts {
    pub on_time: i64,
    pub late: i64,
    pub missing: i64,
    pub excused: i64,
    pub pending: i64,
}

impl DayCounts {
    fn add(&mut self, status: DayStatus) {
        match status {
            DayStatus::OnTime => self.on_time += 1,
            DayStatus::Late => self.late += 1,
            DayStatus::Missing => self.missing += 1,
            DayStatus::Excused => self.excused += 1,
            DayStatus::Pending => self.pending += 1,
        }
    }
}

/// What `days_of` counts for each person, without the days themselves: one query of narrow
/// rows (owner, day, `FILED`) for all of them.
pub fn counts_of(
    conn: &mut DbConnection,
    settings: &Settings,
    people: &[Person],
    from: NaiveDate,
    to: NaiveDate,
    now: Timestamp,
) -> QueryResult<HashMap<Id, DayCounts>> {
    let ids: Vec<Id> = people.iter().map(|p| p.id).collect();
    let filed: HashMap<(Id, NaiveDate), i16> = dr::table
        .filter(dr::owner_id.eq_any(&ids))
        .filter(dr::report_date.between(from, to))
        .select((dr::owner_id, dr::report_date, sql::<SmallInt>(FILED)))
        .load::<(Id, NaiveDate, i16)>(conn)?
        .into_iter()
        .map(|(o, d, f)| ((o, d), f))
        .collect();
    let days = due_days(settings, from, to, now);
    Ok(people
        .iter()
        .map(|p| {
            let mut counts = DayCounts::default();
            for (d, due) in days_of_person(p, &days) {
                counts.add(status_of(filed.get(&(p.id, *d)).copied(), now, *due));
            }
            (p.id, counts)
        })
        .collect())
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
    type Rep = (Id, NaiveDate, Id, i16, Option<Timestamp>);
    let reports: HashMap<(Id, NaiveDate), Rep> = dr::table
        .filter(dr::owner_id.eq_any(&ids))
        .filter(dr::report_date.between(from, to))
        .select((
            dr::owner_id,
            dr::report_date,
            dr::id,
            sql::<SmallInt>(FILED),
            dr::first_submitted_at,
        ))
        .load::<Rep>(conn)?
        .into_iter()
        .map(|r| ((r.0, r.1), r))
        .collect();
    let days = due_days(settings, from, to, now);
    Ok(people
        .iter()
        .map(|p| {
            let mut counts = DayCounts::default();
            let mut out = Vec::new();
            for (d, due) in days_of_person(p, &days) {
                let rep = reports.get(&(p.id, *d));
                let status = status_of(rep.map(|r| r.3), now, *due);
                counts.add(status);
                out.push(ComplianceDay {
                    date: *d,
                    status,
                    report_id: rep.map(|r| r.2),
                    first_submitted_at: rep.and_then(|r| r.4),
                });
            }
            PersonCompliance {
                user_id: p.id,
                name: p.name.clone(),
                org_unit_id: p.org_unit_id,
                on_time: counts.on_time,
                late: counts.late,
                missing: counts.missing,
                excused: counts.excused,
                pending: counts.pending,
                days: out,
            }
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
