//! Visit plan rows, their planned visits, and the queries on them.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::super::{str_enum, Purpose};
use crate::auth::{people_in, Caller};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::Cursor;
use crate::schema::{planned_visits as pv, visit_plans as vp};

str_enum!(
    /// Where a plan is: `draft` -> `submitted` -> `approved` (locked) or `returned` (edit and
    /// submit again).
    PlanStatus {
        Draft => "draft",
        Submitted => "submitted",
        Approved => "approved",
        Returned => "returned",
    }
);

impl PlanStatus {
    /// Whether the owner may still change the plan.
    pub fn editable(self) -> bool {
        matches!(self, PlanStatus::Draft | PlanStatus::Returned)
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = vp)]
pub struct PlanRow {
    pub id: Id,
    pub owner_id: Id,
    pub org_unit_id: Id,
    pub plan_date: NaiveDate,
    pub status: String,
    pub notes: Option<String>,
    pub submitted_at: Option<Timestamp>,
    pub approved_by: Option<Id>,
    pub approved_at: Option<Timestamp>,
    pub returned_by: Option<Id>,
    pub returned_at: Option<Timestamp>,
    pub return_comment: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One visit of a plan, as stored and shown.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = pv)]
pub struct PlannedVisitRow {
    pub id: Id,
    #[serde(skip)]
    pub plan_id: Id,
    /// Order in the plan, from 0.
    pub position: i32,
    /// The customer to visit; absent for a named prospect.
    pub customer_id: Option<Id>,
    /// A prospect that is not a customer yet.
    pub prospect_name: Option<String>,
    pub area: Option<String>,
    pub planned_start: Option<Timestamp>,
    pub planned_end: Option<Timestamp>,
    #[schema(value_type = Purpose)]
    pub purpose: String,
    pub expected_result: Option<String>,
    pub notes: Option<String>,
}

/// A visit plan as the API shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VisitPlan {
    pub id: Id,
    pub owner_id: Id,
    /// The owner's unit when the plan was made (history only: reach, approval and the `unit_id`
    /// filter follow the owner's current unit).
    pub org_unit_id: Id,
    /// The day planned, in the company time zone.
    pub plan_date: NaiveDate,
    pub status: PlanStatus,
    pub notes: Option<String>,
    pub visits: Vec<PlannedVisitRow>,
    pub submitted_at: Option<Timestamp>,
    /// Who signed the plan, and when.
    pub approved_by: Option<Id>,
    pub approved_at: Option<Timestamp>,
    pub returned_by: Option<Id>,
    pub returned_at: Option<Timestamp>,
    /// Why it was returned.
    pub return_comment: Option<String>,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Default)]
pub struct PlanFilter {
    pub owner_id: Option<Id>,
    pub units: Option<Vec<Id>>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub status: Option<PlanStatus>,
    /// Submitted plans the caller signs.
    pub awaiting_me: bool,
    /// Only rows changed at or after this instant.
    pub updated_since: Option<Timestamp>,
}

impl PlanRow {
    pub fn present(self, visits: Vec<PlannedVisitRow>) -> VisitPlan {
        VisitPlan {
            id: self.id,
            owner_id: self.owner_id,
            org_unit_id: self.org_unit_id,
            plan_date: self.plan_date,
            status: PlanStatus::parse(&self.status),
            notes: self.notes,
            visits,
            submitted_at: self.submitted_at,
            approved_by: self.approved_by,
            approved_at: self.approved_at,
            returned_by: self.returned_by,
            returned_at: self.returned_at,
            return_comment: self.return_comment,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    pub fn status(&self) -> PlanStatus {
        PlanStatus::parse(&self.status)
    }

    pub fn find(conn: &mut DbConnection, id: Id) -> ApiResult<PlanRow> {
        vp::table
            .find(id)
            .select(PlanRow::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("visit plan"))
    }

    /// A plan the caller reaches (404 otherwise).
    pub fn find_in_reach(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<PlanRow> {
        let row = Self::find(conn, id)?;
        if caller.reaches_person(conn, row.owner_id)? {
            Ok(row)
        } else {
            Err(ApiError::not_found("visit plan"))
        }
    }

    /// The plan of a person for a day, if any.
    pub fn of_day(
        conn: &mut DbConnection,
        owner: Id,
        day: NaiveDate,
    ) -> QueryResult<Option<PlanRow>> {
        vp::table
            .filter(vp::owner_id.eq(owner))
            .filter(vp::plan_date.eq(day))
            .select(PlanRow::as_select())
            .first(conn)
            .optional()
    }

    pub fn list(
        conn: &mut DbConnection,
        caller: &Caller,
        f: &PlanFilter,
        page: Cursor,
    ) -> QueryResult<Vec<PlanRow>> {
        let mut q = vp::table.select(PlanRow::as_select()).into_boxed();
        if !caller.reach.all {
            q = q.filter(
                vp::owner_id
                    .eq(caller.user_id)
                    .or(vp::owner_id.eq_any(caller.reach.people())),
            );
        }
        if f.awaiting_me {
            q = q
                .filter(vp::status.eq(PlanStatus::Submitted.as_str()))
                .filter(vp::owner_id.ne(caller.user_id));
            if !caller.reach.all {
                q = q.filter(vp::owner_id.eq_any(caller.reach.people()));
            }
        }
        if let Some(o) = f.owner_id {
            q = q.filter(vp::owner_id.eq(o));
        }
        if let Some(units) = &f.units {
            q = q.filter(vp::owner_id.eq_any(people_in(units.clone())));
        }
        if let Some(from) = f.from {
            q = q.filter(vp::plan_date.ge(from));
        }
        if let Some(to) = f.to {
            q = q.filter(vp::plan_date.le(to));
        }
        if let Some(s) = f.status {
            q = q.filter(vp::status.eq(s.as_str()));
        }
        crate::filter_updated_since!(q, vp::updated_at, f.updated_since);
        if let Some(after) = page.after {
            q = q.filter(vp::id.gt(after));
        }
        q.order(vp::id).limit(page.fetch()).load(conn)
    }

    /// Bumps the version if it is still `version`; false when someone changed it meanwhile.
    pub fn bump(
        conn: &mut DbConnection,
        id: Id,
        version: i64,
        now: Timestamp,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            vp::table
                .filter(vp::id.eq(id))
                .filter(vp::version.eq(version)),
        )
        .set((vp::version.eq(vp::version + 1), vp::updated_at.eq(now)))
        .execute(conn)?;
        Ok(n == 1)
    }
}

/// The planned visits of some plans, in plan order.
pub fn visits_of(conn: &mut DbConnection, plans: &[Id]) -> QueryResult<Vec<PlannedVisitRow>> {
    pv::table
        .filter(pv::plan_id.eq_any(plans))
        .select(PlannedVisitRow::as_select())
        .order((pv::plan_id, pv::position))
        .load(conn)
}

crate::visits::replace_children!(replace_visits, pv, plan_id, PlannedVisitRow);

/// Loads plans with their visits.
pub fn with_visits(conn: &mut DbConnection, rows: Vec<PlanRow>) -> QueryResult<Vec<VisitPlan>> {
    let ids: Vec<Id> = rows.iter().map(|r| r.id).collect();
    let mut visits = visits_of(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (mine, rest): (Vec<_>, Vec<_>) = visits.drain(..).partition(|v| v.plan_id == r.id);
            visits = rest;
            r.present(mine)
        })
        .collect())
}

crate::mirrored!(VisitPlan, "visit_plan", |p| crate::events::Scope {
    owner: Some(p.owner_id),
    ..Default::default()
});
