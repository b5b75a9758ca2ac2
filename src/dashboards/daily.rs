//! `GET /api/v1/dashboards/daily`: today for a salesperson (their plan, their report's visits,
//! orders and collections, their targets to date, their open complaints), and for a supervisor
//! the same for each person of the team, with what waits for them: plans to approve, reports to
//! review, reports missing.

use std::collections::{HashMap, HashSet};

use actix_web::{get, web};
use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::queue::{planned_counts, queue, TeamQueue};
use crate::alerts::Severity;
use crate::auth::{subtree_units, Caller, Role};
use crate::complaints::model::{ComplaintStatus, Row as ComplaintRow, PENDING};
use crate::coverage::model::{overdue_on, OverdueCustomer};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::ApiResult;
use crate::http::{Cursor, ValidQuery};
use crate::progress::actuals::progress_of;
use crate::progress::model::Progress;
use crate::schema::{complaints as c, report_visits as rv, targets};
use crate::settings::model::{Settings, StoredSettings};
use crate::targets::model::Target;
use crate::visits::business_day;
use crate::visits::compliance::{scope, Person};
use crate::visits::plans::model::{PlanFilter, PlanRow, PlanStatus};
use crate::visits::reports::model::{visit_counts, ReportFilter, ReportRow, ReportStatus};
use crate::AppState;

/// Roles with a daily dashboard: salespeople see their own day, the others their team's.
const READERS: [Role; 4] = [
    Role::Salesperson,
    Role::Supervisor,
    Role::Manager,
    Role::Admin,
];

#[derive(Debug, Default, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DailyQuery {
    /// The team of this unit's subtree (in your reach; 404 otherwise). Default: every
    /// salesperson you reach; a salesperson's dashboard is their own day.
    pub unit_id: Option<Id>,
}

/// Whose day a daily dashboard shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DailyView {
    /// A salesperson's own day.
    Own,
    /// Each salesperson of a supervisor's (or manager's) team, with what waits for them.
    Team,
}

/// Today's visit plan of a person.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DayPlan {
    pub plan_id: Id,
    pub status: PlanStatus,
    pub planned_visits: i64,
    /// Planned visits that a visit of today's report fulfils.
    pub planned_visits_done: i64,
}

/// Today's daily report of a person, as far as it is written (whatever its status).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DayReport {
    pub report_id: Id,
    pub status: ReportStatus,
    pub visits: i64,
    pub effective_visits: i64,
    /// Orders taken on today's visits, minor units.
    pub orders_minor: i64,
    /// Money collected on today's visits, minor units.
    pub collected_minor: i64,
}

/// A complaint a person filed or handles that still needs work.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpenComplaint {
    pub complaint_id: Id,
    pub title: String,
    pub severity: Severity,
    pub status: ComplaintStatus,
    pub customer_id: Id,
    pub assignee_id: Id,
    pub received_at: Timestamp,
    pub resolution_due_at: Timestamp,
    /// Past its resolution due date.
    pub overdue: bool,
}

/// One salesperson's day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PersonDay {
    pub user_id: Id,
    pub name: String,
    pub org_unit_id: Id,
    /// Today's plan, if there is one.
    pub plan: Option<DayPlan>,
    /// Today's report, if one is started.
    pub report: Option<DayReport>,
    /// Every target of the person whose period contains today, to date: actual, expected by
    /// now, achievement, forecast and status (as `GET /targets/{id}/progress` has them).
    pub targets: Vec<Progress>,
    /// Complaints filed by or assigned to the person that still need work, oldest first.
    pub open_complaints: Vec<OpenComplaint>,
    /// The person's customers with a call cycle that are overdue for a visit today (a visit
    /// in today's submitted or reviewed report counts), most overdue first: as
    /// `GET /coverage` lists them for a period ending today.
    pub overdue_customers: Vec<OverdueCustomer>,
}

/// The daily dashboard.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DailyDashboard {
    /// The instant the dashboard was computed for.
    pub as_of: Timestamp,
    /// Today in the company time zone.
    pub day: NaiveDate,
    pub view: DailyView,
    /// The unit whose team is shown (`unit_id`), if one was asked for.
    pub unit_id: Option<Id>,
    /// The salesperson (own view), or each salesperson of the team by name.
    pub people: Vec<PersonDay>,
    /// What waits for the caller (team view only).
    pub team: Option<TeamQueue>,
}

/// Today's plans and reports of `people` (in the caller's reach), with their counts, in four
/// queries.
fn plans_and_reports(
    conn: &mut DbConnection,
    caller: &Caller,
    people: &[Id],
    day: NaiveDate,
) -> QueryResult<(HashMap<Id, DayPlan>, HashMap<Id, DayReport>)> {
    let all = Cursor {
        after: None,
        limit: i64::from(i32::MAX),
    };
    let wanted: HashSet<Id> = people.iter().copied().collect();
    let plan_rows: Vec<PlanRow> = PlanRow::list(
        conn,
        caller,
        &PlanFilter {
            from: Some(day),
            to: Some(day),
            ..Default::default()
        },
        all,
    )?
    .into_iter()
    .filter(|p| wanted.contains(&p.owner_id))
    .collect();
    let report_rows: Vec<ReportRow> = ReportRow::list(
        conn,
        caller,
        &ReportFilter {
            from: Some(day),
            to: Some(day),
            ..Default::default()
        },
        all,
    )?
    .into_iter()
    .filter(|r| wanted.contains(&r.owner_id))
    .collect();
    let plan_ids: Vec<Id> = plan_rows.iter().map(|p| p.id).collect();
    let planned = planned_counts(conn, &plan_ids)?;
    let report_ids: Vec<Id> = report_rows.iter().map(|r| r.id).collect();
    let done: HashMap<Id, i64> = rv::table
        .filter(rv::report_id.eq_any(&report_ids))
        .filter(rv::planned_visit_id.is_not_null())
        .group_by(rv::report_id)
        .select((
            rv::report_id,
            sql::<BigInt>("CAST(COUNT(DISTINCT planned_visit_id) AS BIGINT)"),
        ))
        .load::<(Id, i64)>(conn)?
        .into_iter()
        .collect();
    let counts: HashMap<Id, (i64, i64, i64, i64)> = visit_counts(conn, &report_ids)?
        .into_iter()
        .map(|(id, v, e, o, c, _)| (id, (v, e, o, c)))
        .collect();
    let report_of: HashMap<Id, Id> = report_rows.iter().map(|r| (r.owner_id, r.id)).collect();
    let plans = plan_rows
        .into_iter()
        .map(|p| {
            let done = report_of
                .get(&p.owner_id)
                .and_then(|r| done.get(r))
                .copied()
                .unwrap_or(0);
            let plan = DayPlan {
                plan_id: p.id,
                status: p.status(),
                planned_visits: planned.get(&p.id).copied().unwrap_or(0),
                planned_visits_done: done,
            };
            (p.owner_id, plan)
        })
        .collect();
    let reports = report_rows
        .into_iter()
        .map(|r| {
            let (visits, effective, orders, collected) =
                counts.get(&r.id).copied().unwrap_or_default();
            let report = DayReport {
                report_id: r.id,
                status: r.status(),
                visits,
                effective_visits: effective,
                orders_minor: orders,
                collected_minor: collected,
            };
            (r.owner_id, report)
        })
        .collect();
    Ok((plans, reports))
}

/// Pending complaints filed by or assigned to `people`, oldest first.
fn open_complaints(
    conn: &mut DbConnection,
    people: &[Id],
    now: Timestamp,
) -> QueryResult<Vec<(Id, Id, OpenComplaint)>> {
    let mut out = Vec::new();
    for part in people.chunks(500) {
        let rows: Vec<ComplaintRow> = c::table
            .filter(c::status.eq_any(PENDING))
            .filter(c::reporter_id.eq_any(part).or(c::assignee_id.eq_any(part)))
            .select(ComplaintRow::as_select())
            .load(conn)?;
        for r in rows {
            let item = OpenComplaint {
                complaint_id: r.id,
                title: r.title,
                severity: Severity::parse(&r.severity),
                status: ComplaintStatus::parse(&r.status),
                customer_id: r.customer_id,
                assignee_id: r.assignee_id,
                received_at: r.received_at,
                resolution_due_at: r.resolution_due_at,
                overdue: r.resolution_due_at < now,
            };
            out.push((r.reporter_id, r.assignee_id, item));
        }
    }
    out.sort_by(|a, b| {
        (a.2.received_at, a.2.complaint_id).cmp(&(b.2.received_at, b.2.complaint_id))
    });
    out.dedup_by(|a, b| a.2.complaint_id == b.2.complaint_id);
    Ok(out)
}

/// Every target of `people` whose period contains `day`, with its progress, by person.
fn targets_to_date(
    conn: &mut DbConnection,
    settings: &Settings,
    people: &[Id],
    day: NaiveDate,
) -> QueryResult<HashMap<Id, Vec<Progress>>> {
    let mut rows: Vec<Target> = Vec::new();
    for part in people.chunks(500) {
        rows.extend(
            targets::table
                .filter(targets::user_id.eq_any(part))
                .filter(targets::period_start.le(day))
                .filter(targets::period_end.ge(day))
                .order((targets::period_start, targets::id))
                .select(Target::as_select())
                .load::<Target>(conn)?,
        );
    }
    let mut out: HashMap<Id, Vec<Progress>> = HashMap::new();
    for p in progress_of(conn, rows, settings, day)? {
        if let Some(u) = p.target.user_id {
            out.entry(u).or_default().push(p);
        }
    }
    Ok(out)
}

/// The daily dashboard of `caller` (a team when `unit` is given) at `now`.
pub fn compute(
    conn: &mut DbConnection,
    caller: &Caller,
    unit: Option<Id>,
    now: Timestamp,
) -> ApiResult<DailyDashboard> {
    caller.require(&READERS)?;
    let settings = StoredSettings::load(conn)?.settings;
    let day = business_day(&settings, now);
    let view = if caller.is(Role::Salesperson) {
        DailyView::Own
    } else {
        DailyView::Team
    };
    let people: Vec<Person> = scope(conn, caller, None, unit)?;
    let ids: Vec<Id> = people.iter().map(|p| p.id).collect();
    let (mut plans, mut reports) = plans_and_reports(conn, caller, &ids, day)?;
    let mut progress = targets_to_date(conn, &settings, &ids, day)?;
    let complaints = open_complaints(conn, &ids, now)?;
    let mut overdue = overdue_on(conn, &settings, &ids, day)?;
    let people = people
        .into_iter()
        .map(|p| PersonDay {
            plan: plans.remove(&p.id),
            report: reports.remove(&p.id),
            targets: progress.remove(&p.id).unwrap_or_default(),
            open_complaints: complaints
                .iter()
                .filter(|(reporter, assignee, _)| *reporter == p.id || *assignee == p.id)
                .map(|(_, _, item)| item.clone())
                .collect(),
            overdue_customers: overdue.remove(&p.id).unwrap_or_default(),
            user_id: p.id,
            name: p.name,
            org_unit_id: p.org_unit_id,
        })
        .collect();
    let team = match view {
        DailyView::Own => None,
        DailyView::Team => {
            let units = match unit {
                Some(u) => Some(subtree_units(conn, &[u])?),
                None => None,
            };
            Some(queue(conn, caller, &settings, units, now)?)
        }
    };
    Ok(DailyDashboard {
        as_of: now,
        day,
        view,
        unit_id: unit,
        people,
        team,
    })
}

/// Today, for a salesperson or a team.
///
/// A salesperson gets their own day: today's visit plan (status, visits planned and done),
/// today's report as far as it is written (visits, orders and collections), every target whose
/// period contains today to date (actual, expected by now, achievement, forecast, status),
/// their open complaints and their customers overdue for a visit by their call cycle.
/// Supervisors, managers and admins get the same for each salesperson
/// they reach (or of `unit_id`'s subtree), plus what waits for them: submitted plans to approve,
/// submitted reports to review, and the missing daily reports of the last days. Executives
/// (results only), dealers and integrations: 403.
#[utoipa::path(tag = "dashboards", operation_id = "get_daily_dashboard", params(DailyQuery),
    responses((status = 200, description = "The day", body = DailyDashboard),
        (status = 404, description = "No such unit, or outside your reach", body = crate::error::Problem, content_type = "application/problem+json")))]
#[get("/dashboards/daily")]
pub async fn daily_dashboard(
    state: web::Data<AppState>,
    caller: Caller,
    query: ValidQuery<DailyQuery>,
) -> ApiResult<web::Json<DailyDashboard>> {
    let unit = query.0.unit_id;
    let now = state.clock.now();
    let dashboard = state
        .analytic(move |conn| compute(conn, &caller, unit, now))
        .await?;
    Ok(web::Json(dashboard))
}
