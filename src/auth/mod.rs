//! Authentication (JWT access tokens, rotating refresh tokens, argon2id passwords) and
//! authorisation (roles and reach), decided here and nowhere else.

pub mod api;
mod caller;
pub mod callers;
pub mod jwt;
pub mod password;
pub mod sessions;

use std::fmt;
use std::str::FromStr;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::{DbConnection, Id};
use crate::error::{ApiError, ApiResult};
use crate::schema::{org_units, users};

/// What a user is in the sales organisation; decides what they may ever do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Executive,
    Manager,
    Supervisor,
    Salesperson,
    Dealer,
    Integration,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Admin,
        Role::Executive,
        Role::Manager,
        Role::Supervisor,
        Role::Salesperson,
        Role::Dealer,
        Role::Integration,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Executive => "executive",
            Role::Manager => "manager",
            Role::Supervisor => "supervisor",
            Role::Salesperson => "salesperson",
            Role::Dealer => "dealer",
            Role::Integration => "integration",
        }
    }

    /// Roles that read every record of the company (within what their role may read at all).
    pub fn reaches_all(self) -> bool {
        matches!(self, Role::Admin | Role::Executive | Role::Integration)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}"))
    }
}

/// The records a caller may see: their own, plus those of every user in the subtrees of the
/// units they manage (or everything, for company-wide roles).
///
/// Reach follows the org as it is now. A person's records (visit plans, daily reports, market
/// reports and complaints they filed, the customers they own) follow the person: they are
/// reached through the owner's *current* unit, never through the unit stored on the record when
/// it was made. So when a salesperson moves to another office, their new supervisor reaches (and
/// approves, reviews, acknowledges) everything of theirs, old records included, and the old
/// supervisor reaches none of it any more. Records of a unit (weekly reports, meetings) stay
/// with the unit. A customer is reached through its owner or through the unit it is placed in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Reach {
    /// True for company-wide roles (admin, executive, integration).
    pub all: bool,
    /// The units the caller manages.
    pub managed_unit_ids: Vec<Id>,
    /// Every unit in the subtrees of the managed units.
    pub unit_ids: Vec<Id>,
}

impl Reach {
    pub fn covers_unit(&self, unit: Id) -> bool {
        self.all || self.unit_ids.contains(&unit)
    }

    /// The people whose current unit is in reach, as a subquery for a SQL filter
    /// (`owner_id.eq_any(reach.people())`); meaningless when `all` is set (filter nothing then).
    pub fn people(&self) -> People {
        people_in(self.unit_ids.clone())
    }
}

/// The people whose current unit is one of `units`, as a subquery for a SQL filter.
pub fn people_in(units: Vec<Id>) -> People {
    users::table
        .filter(users::org_unit_id.eq_any(units))
        .select(users::id)
}

/// The subquery of [`people_in`]: the ids of the users of some units.
pub type People = diesel::dsl::Select<
    diesel::dsl::Filter<users::table, diesel::dsl::EqAny<users::org_unit_id, Vec<Id>>>,
    users::id,
>;

/// The unit a user belongs to now (None for an unknown user).
pub fn current_unit(conn: &mut DbConnection, user: Id) -> QueryResult<Option<Id>> {
    users::table
        .find(user)
        .select(users::org_unit_id)
        .first(conn)
        .optional()
}

/// The authenticated user of a request, with role and reach. Every handler that needs a user
/// takes one; building it checks the token and that the user is still active.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: Id,
    pub role: Role,
    pub org_unit_id: Id,
    pub reach: Reach,
}

impl Caller {
    /// Refuses (403) unless the caller's role is one of `roles`.
    pub fn require(&self, roles: &[Role]) -> ApiResult<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    pub fn is(&self, role: Role) -> bool {
        self.role == role
    }

    /// Whether the user `person`, whose current unit is `person_unit`, is within reach.
    /// `person_unit` is the user's unit as it is now; for a record, use [`Caller::reaches_person`].
    pub fn reaches(&self, person: Id, person_unit: Id) -> bool {
        person == self.user_id || self.reach.covers_unit(person_unit)
    }

    /// Whether the records of `person` are within reach: the caller's own, or those of someone
    /// whose current unit is in reach (see [`Reach`]: records follow the person).
    pub fn reaches_person(&self, conn: &mut DbConnection, person: Id) -> QueryResult<bool> {
        if person == self.user_id || self.reach.all {
            return Ok(true);
        }
        Ok(current_unit(conn, person)?.is_some_and(|u| self.reach.covers_unit(u)))
    }
}

/// Every unit in the subtrees rooted at `roots` (the roots included), in one recursive query.
pub fn subtree_units(conn: &mut DbConnection, roots: &[Id]) -> QueryResult<Vec<Id>> {
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    let mut found: Vec<Id> = roots.to_vec();
    let mut frontier: Vec<Id> = roots.to_vec();
    // Level by level: one query per tree level, never one per unit.
    while !frontier.is_empty() {
        let children: Vec<Id> = org_units::table
            .filter(org_units::parent_id.eq_any(&frontier))
            .select(org_units::id)
            .load(conn)?;
        frontier = children
            .into_iter()
            .filter(|c| !found.contains(c))
            .collect();
        found.extend(frontier.iter().copied());
    }
    Ok(found)
}

/// `units` and every unit above them (the roots of the tree included), one query per level.
pub fn with_ancestors(conn: &mut DbConnection, units: &[Id]) -> QueryResult<Vec<Id>> {
    let mut found: Vec<Id> = units.to_vec();
    let mut frontier: Vec<Id> = units.to_vec();
    while !frontier.is_empty() {
        let parents: Vec<Option<Id>> = org_units::table
            .filter(org_units::id.eq_any(&frontier))
            .select(org_units::parent_id)
            .load(conn)?;
        frontier = parents
            .into_iter()
            .flatten()
            .filter(|p| !found.contains(p))
            .collect();
        frontier.sort();
        frontier.dedup();
        found.extend(frontier.iter().copied());
    }
    Ok(found)
}

impl Caller {
    /// The units whose subtree holds the caller: their own unit, the units they manage, and
    /// every unit above those. A record of a unit that the people inside the unit's subtree
    /// read too (a promotion, which they carry out) is reached when its unit is one of these.
    pub fn units_above(&self, conn: &mut DbConnection) -> QueryResult<Vec<Id>> {
        let mut start = self.reach.managed_unit_ids.clone();
        start.push(self.org_unit_id);
        with_ancestors(conn, &start)
    }
}
