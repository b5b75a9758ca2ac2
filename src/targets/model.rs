//! Target rows and the queries on them.

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::period::{Metric, PeriodType};
use crate::auth::{Caller, Role};
use crate::db::{DbConnection, Id, MultiBackend, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::http::Cursor;
use crate::masterdata::dealer_of;
use crate::schema::{dealers, targets, users};

/// A target: one value for one metric, period and assignee. Exactly one of `unit_id`,
/// `user_id`, `dealer_id` is set.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, Deserialize, ToSchema)]
#[diesel(table_name = targets)]
pub struct Target {
    pub id: Id,
    #[schema(value_type = Metric)]
    pub metric: String,
    #[schema(value_type = PeriodType)]
    pub period_type: String,
    /// First day of the period.
    pub period_start: NaiveDate,
    /// Last day of the period (inclusive).
    pub period_end: NaiveDate,
    /// Minor units for money metrics, a count otherwise.
    pub value: i64,
    /// Assigned to an org unit (its whole subtree contributes).
    pub unit_id: Option<Id>,
    /// Assigned to a salesperson.
    pub user_id: Option<Id>,
    /// Assigned to a dealer.
    pub dealer_id: Option<Id>,
    /// Narrowed to one product category (sales amount and gross profit only count it).
    pub category: Option<String>,
    /// The target this one breaks down.
    pub parent_id: Option<Id>,
    pub created_by: Id,
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Target {
    pub fn metric(&self) -> Metric {
        Metric::parse(&self.metric).unwrap_or(Metric::Visits)
    }
}

#[derive(Insertable, Clone)]
#[diesel(table_name = targets)]
pub struct NewTarget {
    pub id: Id,
    pub metric: &'static str,
    pub period_type: &'static str,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub value: i64,
    pub unit_id: Option<Id>,
    pub user_id: Option<Id>,
    pub dealer_id: Option<Id>,
    pub category: Option<String>,
    pub parent_id: Option<Id>,
    pub created_by: Id,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Filters of the target list (and of the progress list).
#[derive(Debug, Default, Clone)]
pub struct TargetFilter {
    pub metric: Option<Metric>,
    pub period_type: Option<PeriodType>,
    /// Targets whose period contains this day.
    pub covering: Option<NaiveDate>,
    /// Targets whose period starts on or after / ends on or before these days.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub unit_id: Option<Id>,
    pub user_id: Option<Id>,
    pub dealer_id: Option<Id>,
    pub parent_id: Option<Id>,
    /// Only targets without a parent.
    pub top_level: bool,
    /// Targets of units in these units, and of the people and dealers placed in them.
    pub within_units: Option<Vec<Id>>,
    /// Only rows changed at or after this instant.
    pub updated_since: Option<Timestamp>,
}

type Boxed = targets::BoxedQuery<'static, MultiBackend>;

fn none(q: Boxed) -> Boxed {
    q.filter(sql::<diesel::sql_types::Bool>("1 = 0"))
}

/// Targets assigned to any of `units`, or to people or dealers placed in them.
fn assigned_within(q: Boxed, units: Vec<Id>, also_user: Option<Id>) -> Boxed {
    let people = users::table
        .filter(users::org_unit_id.eq_any(units.clone()))
        .select(users::id.nullable());
    let dealers_in = dealers::table
        .filter(dealers::org_unit_id.eq_any(units.clone()))
        .select(dealers::id.nullable());
    let cond = targets::unit_id
        .eq_any(units.into_iter().map(Some).collect::<Vec<_>>())
        .or(targets::user_id.eq_any(people))
        .or(targets::dealer_id.eq_any(dealers_in));
    match also_user {
        Some(me) => q.filter(cond.or(targets::user_id.eq(me))),
        None => q.filter(cond),
    }
}

impl Target {
    /// The targets a caller may read: everything for company-wide roles; their own for
    /// salespeople; their dealer's for dealer users; for supervisors and managers, everything
    /// assigned inside the subtrees they manage, and their own.
    pub fn in_reach(conn: &mut DbConnection, caller: &Caller) -> QueryResult<Boxed> {
        let q = targets::table.into_boxed();
        Ok(match caller.role {
            _ if caller.reach.all => q,
            Role::Dealer => match dealer_of(conn, caller.user_id)? {
                Some(own) => q.filter(targets::dealer_id.eq(own)),
                None => none(q),
            },
            Role::Salesperson => q.filter(targets::user_id.eq(caller.user_id)),
            Role::Manager | Role::Supervisor => {
                assigned_within(q, caller.reach.unit_ids.clone(), Some(caller.user_id))
            }
            _ => none(q),
        })
    }

    pub fn find(conn: &mut DbConnection, caller: &Caller, id: Id) -> ApiResult<Target> {
        Self::in_reach(conn, caller)?
            .filter(targets::id.eq(id))
            .select(Target::as_select())
            .first(conn)
            .optional()?
            .ok_or_else(|| ApiError::not_found("target"))
    }

    /// The targets in reach matching `f`, a page at a time.
    pub fn list(
        conn: &mut DbConnection,
        caller: &Caller,
        f: &TargetFilter,
        page: Cursor,
    ) -> QueryResult<Vec<Target>> {
        let mut q = Self::in_reach(conn, caller)?;
        if let Some(m) = f.metric {
            q = q.filter(targets::metric.eq(m.as_str()));
        }
        if let Some(p) = f.period_type {
            q = q.filter(targets::period_type.eq(p.as_str()));
        }
        if let Some(day) = f.covering {
            q = q.filter(
                targets::period_start
                    .le(day)
                    .and(targets::period_end.ge(day)),
            );
        }
        if let Some(from) = f.from {
            q = q.filter(targets::period_start.ge(from));
        }
        if let Some(to) = f.to {
            q = q.filter(targets::period_end.le(to));
        }
        if let Some(u) = f.unit_id {
            q = q.filter(targets::unit_id.eq(u));
        }
        if let Some(u) = f.user_id {
            q = q.filter(targets::user_id.eq(u));
        }
        if let Some(d) = f.dealer_id {
            q = q.filter(targets::dealer_id.eq(d));
        }
        if let Some(p) = f.parent_id {
            q = q.filter(targets::parent_id.eq(p));
        }
        if f.top_level {
            q = q.filter(targets::parent_id.is_null());
        }
        if let Some(units) = &f.within_units {
            q = assigned_within(q, units.clone(), None);
        }
        crate::filter_updated_since!(q, targets::updated_at, f.updated_since);
        if let Some(after) = page.after {
            q = q.filter(targets::id.gt(after));
        }
        q.order(targets::id)
            .limit(page.fetch())
            .select(Target::as_select())
            .load(conn)
    }

    /// Inserts a target, with its feed entry and `target.created` event.
    pub fn insert(conn: &mut DbConnection, now: Timestamp, new: &NewTarget) -> QueryResult<Target> {
        let target: Target = diesel::insert_into(targets::table)
            .values(new)
            .returning(targets::all_columns)
            .get_result(conn)?;
        crate::events::changed(conn, now, "target.created", &target)?;
        Ok(target)
    }

    pub fn children(conn: &mut DbConnection, id: Id) -> QueryResult<Vec<Target>> {
        targets::table
            .filter(targets::parent_id.eq(id))
            .order(targets::id)
            .select(Target::as_select())
            .load(conn)
    }

    pub fn has_children(conn: &mut DbConnection, id: Id) -> QueryResult<bool> {
        diesel::select(diesel::dsl::exists(
            targets::table.filter(targets::parent_id.eq(id)),
        ))
        .get_result(conn)
    }

    /// The sum of the children's values.
    pub fn children_sum(conn: &mut DbConnection, id: Id) -> QueryResult<i64> {
        targets::table
            .filter(targets::parent_id.eq(id))
            .select(sql::<BigInt>("CAST(COALESCE(SUM(value), 0) AS BIGINT)"))
            .first(conn)
    }

    /// Sets the value if the stored version is `expected`; false when it moved on.
    pub fn set_value(
        conn: &mut DbConnection,
        id: Id,
        expected: i64,
        value: i64,
        now: Timestamp,
    ) -> QueryResult<bool> {
        let n = diesel::update(
            targets::table
                .filter(targets::id.eq(id))
                .filter(targets::version.eq(expected)),
        )
        .set((
            targets::value.eq(value),
            targets::version.eq(targets::version + 1),
            targets::updated_at.eq(now),
        ))
        .execute(conn)?;
        if n == 1 {
            let target: Target = targets::table
                .find(id)
                .select(Target::as_select())
                .first(conn)?;
            crate::events::changed(conn, now, "target.updated", &target)?;
        }
        Ok(n == 1)
    }

    /// Deletes a target, with its feed entry and `target.deleted` event.
    pub fn delete(conn: &mut DbConnection, now: Timestamp, target: &Target) -> QueryResult<usize> {
        let n = diesel::delete(targets::table.find(target.id)).execute(conn)?;
        crate::events::deleted(conn, now, target)?;
        Ok(n)
    }
}

crate::mirrored!(Target, "target", |t| crate::events::Scope {
    owner: t.user_id,
    unit: t.unit_id,
    dealer: t.dealer_id,
    ..Default::default()
});
