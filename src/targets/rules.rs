//! Who may set which target, and what makes a child fit inside its parent.

use diesel::prelude::*;

use super::model::{NewTarget, Target};
use super::period::{Metric, Period};
use crate::auth::{subtree_units, Caller, Role};
use crate::db::{DbConnection, Id, Timestamp};
use crate::error::{ApiError, ApiResult};
use crate::schema::{dealers, org_units, users};

/// Roles that set and break down targets (supervisors only to their own people and dealers).
pub const WRITERS: [Role; 3] = [Role::Admin, Role::Manager, Role::Supervisor];

/// Who a target is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    Unit(Id),
    User(Id),
    Dealer(Id),
}

impl Assignee {
    /// Exactly one of the three ids (422 on `assignee` otherwise).
    pub fn from_parts(
        unit: Option<Id>,
        user: Option<Id>,
        dealer: Option<Id>,
    ) -> ApiResult<Assignee> {
        match (unit, user, dealer) {
            (Some(u), None, None) => Ok(Assignee::Unit(u)),
            (None, Some(u), None) => Ok(Assignee::User(u)),
            (None, None, Some(d)) => Ok(Assignee::Dealer(d)),
            _ => Err(ApiError::invalid(
                "assignee",
                "give exactly one of unit_id, user_id, dealer_id",
            )),
        }
    }

    pub fn of(t: &Target) -> Assignee {
        match (t.unit_id, t.user_id, t.dealer_id) {
            (_, Some(u), _) => Assignee::User(u),
            (_, _, Some(d)) => Assignee::Dealer(d),
            (u, _, _) => Assignee::Unit(u.unwrap_or_default()),
        }
    }

    pub fn field(&self) -> &'static str {
        match self {
            Assignee::Unit(_) => "unit_id",
            Assignee::User(_) => "user_id",
            Assignee::Dealer(_) => "dealer_id",
        }
    }

    pub fn parts(&self) -> (Option<Id>, Option<Id>, Option<Id>) {
        match *self {
            Assignee::Unit(u) => (Some(u), None, None),
            Assignee::User(u) => (None, Some(u), None),
            Assignee::Dealer(d) => (None, None, Some(d)),
        }
    }

    /// The unit the assignee belongs to (a unit is its own), checking that it exists and can
    /// carry a target (422 naming the field otherwise).
    pub fn home_unit(&self, conn: &mut DbConnection) -> ApiResult<Id> {
        let field = self.field();
        match *self {
            Assignee::Unit(u) => org_units::table
                .find(u)
                .select(org_units::id)
                .first::<Id>(conn)
                .optional()?
                .ok_or_else(|| ApiError::invalid(field, "no such org unit")),
            Assignee::User(u) => {
                let found: Option<(String, Id, bool)> = users::table
                    .find(u)
                    .select((users::role, users::org_unit_id, users::active))
                    .first(conn)
                    .optional()?;
                match found {
                    None => Err(ApiError::invalid(field, "no such user")),
                    Some((_, _, false)) => Err(ApiError::invalid(field, "the user is deactivated")),
                    Some((role, unit, true)) if role == "salesperson" || role == "supervisor" => {
                        Ok(unit)
                    }
                    Some(_) => Err(ApiError::invalid(
                        field,
                        "targets go to salespeople and supervisors",
                    )),
                }
            }
            Assignee::Dealer(d) => dealers::table
                .find(d)
                .select(dealers::org_unit_id)
                .first::<Id>(conn)
                .optional()?
                .ok_or_else(|| ApiError::invalid(field, "no such dealer")),
        }
    }
}

/// May `caller` set a target for `who` (living in `home`)? Managers and admins anywhere in
/// their reach; supervisors only children for their own people and dealers.
pub fn check_writer(caller: &Caller, who: Assignee, home: Id, has_parent: bool) -> ApiResult<()> {
    caller.require(&WRITERS)?;
    if caller.is(Role::Supervisor) && (matches!(who, Assignee::Unit(_)) || !has_parent) {
        return Err(ApiError::Forbidden(
            "supervisors break down their unit's targets to their own people and dealers".into(),
        ));
    }
    let inside = match who {
        Assignee::User(u) => caller.reaches(u, home),
        _ => caller.reach.covers_unit(home),
    };
    if inside {
        Ok(())
    } else {
        Err(ApiError::invalid(who.field(), "outside your reach"))
    }
}

/// A target to create, before the checks.
pub struct TargetInput {
    pub metric: Metric,
    pub period: Period,
    pub value: i64,
    pub who: Assignee,
    pub category: Option<String>,
    pub parent: Option<Target>,
}

/// A child has its parent's metric and category, a period inside the parent's and an assignee
/// inside the parent's: a unit's subtree, or the same person or dealer.
fn check_child(
    conn: &mut DbConnection,
    parent: &Target,
    input: &TargetInput,
    home: Id,
) -> ApiResult<()> {
    if parent.metric != input.metric.as_str() {
        return Err(ApiError::invalid(
            "metric",
            format!("must be the parent's metric, {}", parent.metric),
        ));
    }
    if input.period.start < parent.period_start || input.period.end() > parent.period_end {
        return Err(ApiError::invalid(
            "period_start",
            format!(
                "the period must lie inside the parent's, {} to {}",
                parent.period_start, parent.period_end
            ),
        ));
    }
    let inside = match Assignee::of(parent) {
        Assignee::Unit(unit) => subtree_units(conn, &[unit])?.contains(&home),
        same => same == input.who,
    };
    if !inside {
        return Err(ApiError::invalid(
            input.who.field(),
            "the assignee must be inside the parent's assignee",
        ));
    }
    if parent.category.is_some() && parent.category != input.category {
        return Err(ApiError::invalid(
            "category",
            "must be the parent's category",
        ));
    }
    Ok(())
}

/// Checks everything about a new target and inserts it.
pub fn create_checked(
    conn: &mut DbConnection,
    caller: &Caller,
    input: TargetInput,
    now: Timestamp,
) -> ApiResult<Target> {
    let home = input.who.home_unit(conn)?;
    check_writer(caller, input.who, home, input.parent.is_some())?;
    if let Some(parent) = &input.parent {
        check_child(conn, parent, &input, home)?;
    }
    let (unit_id, user_id, dealer_id) = input.who.parts();
    Ok(Target::insert(
        conn,
        now,
        &NewTarget {
            id: Id::new(),
            metric: input.metric.as_str(),
            period_type: input.period.kind.as_str(),
            period_start: input.period.start,
            period_end: input.period.end(),
            value: input.value,
            unit_id,
            user_id,
            dealer_id,
            category: input.category,
            parent_id: input.parent.as_ref().map(|p| p.id),
            created_by: caller.user_id,
            created_at: now,
            updated_at: now,
        },
    )?)
}
